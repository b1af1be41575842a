import VGGCore

/// Emits one convolution step: direct convolution over a zero-bordered channels-last input,
/// with bias, ReLU and a 2×2 max-pool fused.
///
/// Why this shape (docs/swiftc-facts.md): a tile of `P` output pixels ×
/// `lanes` output channels lives in `P · lanes/16` SIMD16 accumulators (16, the measured
/// sweet spot before spilling); each step of the input-channel loop broadcasts `P` input
/// values and loads `lanes/16` weight vectors. The input carries the convolution's padding
/// as a real zero border, so no tap needs a bounds check. The kernel's taps loop by default
/// (a runtime tap loop was measured as fast as unrolled taps and compiles ≈6× faster:
/// 3.1 s instead of 20 s for a VGG-11 at width 0.25); `--unroll-taps` unrolls up to 3×3. The last tile of a row overlaps the previous one rather than
/// needing a masked remainder: it recomputes a few pixels and writes the same values.
/// With a fused pool, conv row 2r's `P/2` column maxima are written to the output (L1-hot)
/// and row 2r+1 is merged into them, so only the tile's accumulators are live. A `.narrow`
/// tiling (AVX2) runs 6 pixels × 16 channels at a time, a 32-channel block as two halves:
/// the same sums in the same order, fewer registers.
struct ConvolutionEmitter: StepEmitter {
    let step: Schedule.Step
    let index: Int
    /// Unroll the taps of kernels up to 3×3 (see `CodegenOptions.unrollTaps`).
    let unrollTaps: Bool
    let tiling: Tiling
    let conv: Conv2D
    let g: WindowGeometry
    var input: Storage { step.input }
    var output: Storage { step.output }
    var relu: Bool { step.epilogue.relu }
    var pool: Bool { step.epilogue.pool }

    init(step: Schedule.Step, index: Int, unrollTaps: Bool, tiling: Tiling = .wide) {
        (conv, g) = step.convolution
        (self.step, self.index, self.unrollTaps, self.tiling) = (step, index, unrollTaps, tiling)
    }

    func packWeights(_ model: Model, into packer: inout WeightPacker) {
        let (weight, bias) = foldedParameters(model, step)
        packer.append(packBlocks(weight, rows: g.kernelHeight * g.kernelWidth * conv.inChannels, outputs: conv.outChannels, lanes: lanes),
                      key: key("weight"))
        packer.append(padded(bias, to: lanes), key: key("bias"))
    }

    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        kernels.register(functionName) { emit(&$0, name: $1) }
    }

    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        out.run.line("parallelRanges(\(rows), threads) { \(kernel)(\(site.kernelInput(site.x)), \(site.y), "
                     + "\(site.parameter("weight")), \(site.parameter("bias")), $0, $1) }")
    }

    var lanes: Int { convLanes(conv.outChannels) }
    var vectors: Int { lanes / 16 }
    var blocks: Int { (conv.outChannels + lanes - 1) / lanes }
    var outWidth: Int { g.outputWidth }
    /// The vectors of a block each register tile computes: all of them (wide), or one
    /// 16-channel half at a time (narrow).
    var tileVectors: [Range<Int>] { tiling == .wide ? [0..<vectors] : (0..<vectors).map { $0..<$0 + 1 } }
    /// Pixels per tile: the tiling's accumulators, never more pixels than the row has (an
    /// even count: a fused pool pairs them; a fused pool's width is even, `Schedule`).
    var pixels: Int {
        if tiling == .wide { return min(vectors == 2 ? 8 : 16, outWidth) }
        // Narrow: 6, or 5 where 6 computes ≥ 10 % more overlapping pixels (a 14-wide row:
        // 6 + 6 + 2 recomputes 4 of 18, 5 + 5 + 4 1 of 15; measured 8 % faster). Not 4: its 8
        // accumulators are too few to hide the FMA latency (measured 8 % slower than 6), and
        // not 5 with a fused pool, which pairs pixels.
        func computed(_ p: Int) -> Int { (outWidth + p - 1) / p * p }
        let six = min(6, outWidth), five = min(5, outWidth)
        return !pool && Double(computed(six)) >= 1.1 * Double(computed(five)) ? five : six
    }
    /// Whether the block loop runs outside the row loop: where the weights are larger than the
    /// input and than a core's L2 (VGG-16's 28×28 and 14×14 layers: 9.4 MB of weights, 1.6
    /// and 0.4 MB of input; rows outer streamed the weights once per output row).
    var blocksOuter: Bool {
        let weightBytes = g.kernelHeight * g.kernelWidth * conv.inChannels * blocks * lanes * 4
        return weightBytes > 1 << 20 && weightBytes > input.floats * 4
    }
    /// Rows the step's threads split: pooled rows when the pool is fused.
    var rows: Int { pool ? g.outputHeight / 2 : g.outputHeight }

    var functionName: String {
        let k = g.kernelHeight == g.kernelWidth ? "\(g.kernelHeight)x\(g.kernelHeight)" : "\(g.kernelHeight)x\(g.kernelWidth)"
        let s = g.strideHeight == g.strideWidth ? "s\(g.strideHeight)" : "s\(g.strideHeight)x\(g.strideWidth)"
        let pads = [g.padTop, g.padLeft, g.padBottom, g.padRight]
        let p = Set(pads).count == 1 ? "p\(g.padTop)" : "p" + pads.map(String.init).joined(separator: "_")
        return "conv\(k)_\(s)\(p)_c\(conv.inChannels)to\(conv.outChannels)_\(g.inputHeight)x\(g.inputWidth)"
            + (relu ? "_relu" : "") + (pool ? "_maxpool2" : "")
    }

    func emit(_ w: inout SourceWriter, name: String) {
        let cin = conv.inChannels
        w.line("/// \(conv.summary) on \(g.inputHeight)×\(g.inputWidth), output \(g.outputHeight)×\(g.outputWidth)×\(conv.outChannels)"
            + (relu ? ", ReLU" : "") + (pool ? ", max-pool 2×2 → \(g.outputHeight / 2)×\(g.outputWidth / 2)" : "") + ".")
        w.line("/// Tile: \(pixels) pixels × \(tileVectors[0].count * 16) channels; weights [\(blocks) blocks][\(g.kernelHeight)][\(g.kernelWidth)][\(cin)][\(lanes)].")
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ rowStart: Int, _ rowEnd: Int)") { w in
            // Rows outer: a row's input stays in cache while every block's weights pass. Blocks
            // outer where the weights outweigh the input: one block's weights stay in cache
            // while the rows pass, instead of all weights streaming from memory once per row.
            let loops = blocksOuter ? ["for ob in 0..<\(blocks)", "for r in rowStart..<rowEnd"]
                                    : ["for r in rowStart..<rowEnd", "for ob in 0..<\(blocks)"]
            w.block(loops[0]) { w in
                w.block(loops[1]) { w in
                    w.line("let wb = w + ob * \(g.kernelHeight * g.kernelWidth * cin * lanes)")
                    if tiling == .wide { emitBias(&w, 0..<vectors) }
                    w.line("var xb = 0")
                    w.block("while true") { w in
                        w.line("let x0 = min(xb, \(outWidth - pixels))")
                        if tileVectors.count == 1 {
                            emitTiles(&w, tileVectors[0])
                        } else {
                            for vs in tileVectors { w.block("do") { w in emitTiles(&w, vs) } }
                        }
                        w.line("if x0 + \(pixels) >= \(outWidth) { break }")
                        w.line("xb += \(pixels)")
                    }
                }
            }
        }
    }

    /// `bias{v}` for the vectors `vs` of block `ob`.
    private func emitBias(_ w: inout SourceWriter, _ vs: Range<Int>) {
        for v in vs { w.line("let bias\(v) = UnsafeRawPointer(b + ob * \(lanes) + \(v * 16)).load(as: SIMD16<Float>.self)") }
    }

    /// The tile of vectors `vs` at pixels x0..<x0+pixels of output row r, stored.
    private func emitTiles(_ w: inout SourceWriter, _ vs: Range<Int>) {
        if tiling == .narrow { emitBias(&w, vs) }
        if pool {
            // Row 2r's column maxima go straight to the output (L1-hot), and row 2r+1 is
            // merged into them: only one tile's accumulators are ever live.
            emitTile(&w, row: "2 * r", vs: vs)
            emitStore(&w, row: "r", column: "x0 / 2", count: pixels / 2, vs: vs, merge: false, applyReLU: false) {
                blend("a\(2 * $0)_\($1)", "a\(2 * $0 + 1)_\($1)")
            }
            w.block("do") { w in
                emitTile(&w, row: "2 * r + 1", vs: vs)
                emitStore(&w, row: "r", column: "x0 / 2", count: pixels / 2, vs: vs, merge: true, applyReLU: relu) {
                    blend("a\(2 * $0)_\($1)", "a\(2 * $0 + 1)_\($1)")
                }
            }
        } else {
            emitTile(&w, row: "r", vs: vs)
            emitStore(&w, row: "r", column: "x0", count: pixels, vs: vs, merge: false, applyReLU: relu) { "a\($0)_\($1)" }
        }
    }

    /// Accumulators `a{p}_{v}` (v in `vs`) for conv output row `row`, pixels x0..<x0+pixels.
    private func emitTile(_ w: inout SourceWriter, row: String, vs: Range<Int>) {
        let cin = conv.inChannels, sw = g.strideWidth, prefix = "a"
        for p in 0..<pixels { for v in vs { w.line("var \(prefix)\(p)_\(v) = bias\(v)") } }
        func tapBody(_ w: inout SourceWriter, i: String, j: String) {
            w.line("let xp = x + ((\(row)) * \(g.strideHeight) + \(i)) * \(input.rowStride) + (x0 * \(sw) + \(j)) * \(cin)")
            w.line("let wp = wb + (\(i) * \(g.kernelWidth) + \(j)) * \(cin * lanes)")
            w.block("for c in 0..<\(cin)") { w in
                for v in vs { w.line("let w\(v) = UnsafeRawPointer(wp + c * \(lanes) + \(v * 16)).load(as: SIMD16<Float>.self)") }
                for p in 0..<pixels {
                    w.line("\(p == 0 ? "var s" : "s") = SIMD16<Float>(repeating: xp[c + \(p * sw * cin)])")
                    for v in vs { w.line("\(prefix)\(p)_\(v) = \(prefix)\(p)_\(v).addingProduct(s, w\(v))") }
                }
            }
        }
        if unrollTaps && g.kernelHeight * g.kernelWidth <= 9 {
            for i in 0..<g.kernelHeight { for j in 0..<g.kernelWidth {
                w.block("do") { w in tapBody(&w, i: "\(i)", j: "\(j)") }
            } }
        } else {
            w.block("for i in 0..<\(g.kernelHeight)") { w in
                w.block("for j in 0..<\(g.kernelWidth)") { w in tapBody(&w, i: "i", j: "j") }
            }
        }
    }

    /// Stores `count` pixels of `value(p, v)` at output (row, column + p); with `merge`, the
    /// maximum with what is already there (the first half of a fused pool); ReLU last
    /// (`.< 0` keeps NaN, as the engine does). Every intermediate is a named `let`: the shape
    /// of these expressions was measured to steer LLVM (see docs/codegen.md).
    private func emitStore(_ w: inout SourceWriter, row: String, column: String, count: Int, vs: Range<Int>, merge: Bool,
                           applyReLU: Bool, _ value: (Int, Int) -> String) {
        let cout = conv.outChannels
        let lastValid = cout - (blocks - 1) * lanes
        w.line("let yp = y + \(output.origin) + (\(row)) * \(output.rowStride) + (\(column)) * \(cout) + ob * \(lanes)")
        /// Emits lets ending in `r{p}_{v}`, the value to store; `old` loads the stored value.
        func compute(_ w: inout SourceWriter, _ p: Int, _ v: Int, old: String) {
            var current = "c\(p)_\(v)"
            w.line("let \(current) = \(value(p, v))")
            if merge {
                w.line("let o\(p)_\(v) = \(old)")
                w.line("let m\(p)_\(v) = \(blend(current, "o\(p)_\(v)"))")
                current = "m\(p)_\(v)"
            }
            w.line("let r\(p)_\(v) = " + (applyReLU ? reluOf(current) : current))
        }
        func full(_ w: inout SourceWriter) {
            for p in 0..<count { for v in vs {
                let at = "yp + \(p * cout + v * 16)"
                compute(&w, p, v, old: "UnsafeRawPointer(\(at)).loadUnaligned(as: SIMD16<Float>.self)")
                w.line("UnsafeMutableRawPointer(\(at)).storeBytes(of: r\(p)_\(v), as: SIMD16<Float>.self)")
            } }
        }
        if lastValid == lanes {
            full(&w)
        } else {
            // The last block holds fewer than `lanes` real channels: store them one by one so
            // the next pixel's channels are not overwritten.
            w.block("if ob < \(blocks - 1)") { w in full(&w) }
            w.block("else") { w in
                for p in 0..<count { for v in vs where v * 16 < lastValid {
                    let n = min(16, lastValid - v * 16), base = p * cout + v * 16
                    if merge {
                        w.line("var e\(p)_\(v) = SIMD16<Float>()")
                        w.line("for l in 0..<\(n) { e\(p)_\(v)[l] = yp[\(base) + l] }")
                    }
                    compute(&w, p, v, old: "e\(p)_\(v)")
                    w.line("for l in 0..<\(n) { yp[\(base) + l] = r\(p)_\(v)[l] }")
                } }
            }
        }
    }
}

/// The lane-wise maximum of two named SIMD vectors, as a compare-and-blend. (The standard
/// library's `pointwiseMax` was measured data-dependent here — 120 instead of 225 GFLOP/s
/// on ReLU-like data — so it is not used.) Shared by every kernel that fuses a max-pool.
func blend(_ a: String, _ b: String) -> String { "\(a).replacing(with: \(b), where: \(a) .< \(b))" }

/// ReLU of a named SIMD vector; `.< 0` keeps NaN, as the engine does.
func reluOf(_ v: String) -> String { "\(v).replacing(with: 0, where: \(v) .< 0)" }
