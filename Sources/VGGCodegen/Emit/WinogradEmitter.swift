import VGGCore

/// Emits one 3×3 stride-1 convolution step as Winograd F(4×4, 3×3) (see `Winograd`), with
/// bias, ReLU and a 2×2 max-pool fused into the output transform.
///
/// Per block of up to `blockTiles` 4×4 output tiles (a thread's tiles, in blocks whose
/// transformed data fits the cache budget):
/// 1. input transform: each 6×6 input tile, 16 channels at a time (channels-last makes
///    `Bᵀ d B` SIMD over channels), into `V[ξ][tile][cin]`;
/// 2. 36 GEMMs `M[ξ] = V[ξ] · U[ξ]` on the direct kernel's register tile (8 tiles × 32
///    channels, or 16 × 16: 16 accumulators), the output block outermost so the block's
///    `U[ξ]` slice stays in cache while the tiles stream past it;
/// 3. output transform `Aᵀ M A`, plus bias, then max-pool and ReLU as the direct kernel does
///    them, stored straight into the next layer's bordered buffer.
/// The input buffer's border is enlarged (Schedule) so that every 6×6 tile, the ragged last
/// ones too, reads zeros instead of needing bounds checks; outputs past the edge are not stored.
struct WinogradEmitter: StepEmitter {
    let step: Schedule.Step
    let index: Int
    /// Which register tile the GEMM keeps live; the blocks, scratch and U are the same for both.
    let tiling: Tiling
    let conv: Conv2D
    let g: WindowGeometry
    var input: Storage { step.input }
    var output: Storage { step.output }
    var relu: Bool { step.epilogue.relu }
    var pool: Bool { step.epilogue.pool }

    init(step: Schedule.Step, index: Int, tiling: Tiling = .wide) {
        (conv, g) = step.convolution
        (self.step, self.index, self.tiling) = (step, index, tiling)
    }

    func packWeights(_ model: Model, into packer: inout WeightPacker) {
        let (weight, bias) = foldedParameters(model, step)
        packer.append(Winograd.transformedWeights(weight, inChannels: cin, outChannels: cout, lanes: lanes), key: key("weight"))
        packer.append(bias, key: key("bias"))
    }

    var scratch: (floats: Int, threads: Int) { (scratchFloats, parallelItems) }

    /// The three phase functions (shared by every step with their shapes), then the driver.
    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        for h in helpers {
            // A helper's text depends only on its name's parameters, so it is never renamed.
            let registered = kernels.register(h.name, h.emit)
            precondition(registered == h.name, "Winograd helper \(h.name) emitted two different ways")
        }
        return kernels.register(functionName) { emit(&$0, name: $1) }
    }

    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        out.run.line(call(kernel, site: site, u: site.parameter("weight")))
    }

    /// The driver's call, its work split over the threads; `u`: the transformed weights.
    func call(_ kernel: String, site: CallSite, u: String) -> String {
        let ranges = splitsOutputs ? "0, \(tiles), $1, $2" : "$1, $2, 0, \(blocks)"
        return "parallelChunks(\(parallelItems), threads) { \(kernel)(\(site.kernelInput(site.x)), \(site.y), \(u), "
            + "\(site.parameter("bias")), \(ranges), scratch[$0]) }"
    }

    var cin: Int { conv.inChannels }
    var cout: Int { conv.outChannels }
    var lanes: Int { convLanes(cout) }
    var vectors: Int { lanes / 16 }
    var blocks: Int { cout / lanes }
    var tilesHigh: Int { (g.outputHeight + 3) / 4 }
    var tilesWide: Int { (g.outputWidth + 3) / 4 }
    var tiles: Int { tilesHigh * tilesWide }
    /// Bytes of the transformed weights U (4× the 3×3 weights).
    var weightBytes: Int { 36 * cin * cout * 4 }
    /// Threads split the output channels, not the tiles, when U is large: each thread then
    /// streams only its share of U from memory (and transforms every input tile itself,
    /// which is cheap next to 512×512 GEMMs). Split by tiles, every thread would stream all
    /// of U: on VGG-16's 28×28 and 14×14 layers (37.7 MB each) that scaled poorly (measured).
    var splitsOutputs: Bool { weightBytes > 8 << 20 }
    /// Bytes of V and M one block may use per thread: 4 MiB measured best where U is small
    /// (L2-sized blocks would re-read U too often), 8 MiB where it is large, so that U
    /// streams once or twice per layer.
    var blockBudget: Int { splitsOutputs ? 8 << 20 : 4 << 20 }
    /// Tiles per GEMM register tile (× `lanes` channels: 14–16 accumulators). With 32 lanes,
    /// 7 or 6 instead of 8 where that wastes fewer rows on a layer with few tiles (49 on a
    /// 28×28 layer: 7 × 7 instead of 56).
    var group: Int {
        if vectors == 1 { return 16 }
        let perBlock = min(tiles, max(8, blockBudget / (36 * (cin + cout) * 4)))
        return [8, 7, 6].min { ($0 - perBlock % $0) % $0 < ($1 - perBlock % $1) % $1 }!
    }
    /// Most tiles one block transforms at once, a multiple of `group`.
    var blockTiles: Int {
        let fit = blockBudget / (36 * (cin + cout) * 4) / group * group
        return min((tiles + group - 1) / group * group, max(group, fit))
    }
    /// Work items the step's threads split: tiles, or output blocks (`splitsOutputs`).
    var parallelItems: Int { splitsOutputs ? blocks : tiles }
    /// Scratch floats per thread: V and M for one block.
    var scratchFloats: Int { 36 * blockTiles * (cin + cout) }
    var vStride: Int { blockTiles * cin }
    var mStride: Int { blockTiles * cout }

    var functionName: String {
        "winograd4x4_3x3_c\(cin)to\(cout)_\(g.outputHeight)x\(g.outputWidth)" + (relu ? "_relu" : "") + (pool ? "_maxpool2" : "")
    }
    var inputName: String { "winograd4x4_input" }
    var gemmName: String { "winograd4x4_gemm_\(group)x\(lanes)" }
    var outputName: String { "winograd4x4_output" + (relu ? "_relu" : "") + (pool ? "_maxpool2" : "") }

    /// The step's driver. The three phases are shared functions (`emitHelpers`) taking
    /// shapes as arguments: one copy per register-tile shape or fusion, not per layer, keeps
    /// compile time near the direct kernels' (generated per layer, 8 Winograd layers of the
    /// small VGG took 24 s to compile instead of 9 s; loop bounds at run time cost nothing
    /// measurable). Separate functions, not one body: in one body LLVM's register allocation
    /// of the GEMM loop suffered from the transforms' live values (spills, ≈ 2× slower).
    func emit(_ w: inout SourceWriter, name: String) {
        w.line("/// \(conv.summary) on \(g.inputHeight)×\(g.inputWidth) as Winograd F(4×4, 3×3): \(tilesHigh)×\(tilesWide) tiles,"
            + " blocks of ≤ \(blockTiles)" + (relu ? ", ReLU" : "") + (pool ? ", max-pool 2×2" : "") + ".")
        w.line("/// U: [36][\(blocks) blocks][\(cin)][\(lanes)]; scratch: V [36][\(blockTiles)][\(cin)], M [36][\(blockTiles)][\(cout)].")
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ tileStart: Int, _ tileEnd: Int, _ obStart: Int, _ obEnd: Int, _ scratch: UnsafeMutablePointer<Float>)") { w in
            w.line("let v = scratch, m = scratch + \(36 * vStride)")
            w.line("var t0 = tileStart")
            w.block("while t0 < tileEnd") { w in
                w.line("let n = min(\(blockTiles), tileEnd - t0)")
                w.line("\(inputName)(x, v, t0, n, cin: \(cin), rowStride: \(input.rowStride), tilesWide: \(tilesWide), vStride: \(vStride))")
                w.line("\(gemmName)(v, u, m, n, obStart, obEnd, cin: \(cin), cout: \(cout), vStride: \(vStride), mStride: \(mStride))")
                let pooled = pool ? (g.outputHeight / 2, g.outputWidth / 2) : (g.outputHeight, g.outputWidth)
                w.line("\(outputName)(m, y + \(output.origin), b, t0, n, obStart * \(lanes), obEnd * \(lanes), cout: \(cout), mStride: \(mStride), tilesWide: \(tilesWide), rowStride: \(output.rowStride), height: \(pooled.0), width: \(pooled.1))")
                w.line("t0 += n")
            }
        }
    }

    /// The shared phase functions this step calls, by name (registered once per program).
    var helpers: [(name: String, emit: (inout SourceWriter, String) -> Void)] {
        [(inputName, emitInputFunction), (gemmName, emitGEMMFunction), (outputName, emitOutputFunction)]
    }

    private func emitInputFunction(_ w: inout SourceWriter, name: String) {
        w.line("/// Winograd input transform V = Bᵀ d B of tiles t0..<t0+n (6×6 windows of a bordered")
        w.line("/// channels-last input), 16 channels at a time, into V[ξ][tile][cin].")
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ t0: Int, _ n: Int, cin: Int, rowStride: Int, tilesWide: Int, vStride: Int)") { w in
            w.block("for t in 0..<n") { w in
                w.line("let tile = t0 + t, ty = tile / tilesWide, tx = tile % tilesWide")
                w.line("let base = x + ty * 4 * rowStride + tx * 4 * cin")
                w.line("let vt = v + t * cin")
                w.block("for c in stride(from: 0, to: cin, by: 16)") { w in emitInputTransform(&w) }
            }
        }
    }

    private func emitGEMMFunction(_ w: inout SourceWriter, name: String) {
        w.line("/// M[ξ] = V[ξ] · U[ξ] for the 36 ξ, \(group) tiles × \(lanes) channels at a time"
               + (tiling == .wide ? " (one register tile)," : " (register tiles of ≤ 6 tiles × 16 channels),"))
        w.line("/// output blocks outermost (U[ξ][block] stays in cache while the tiles stream past).")
        w.line("@inline(never)")
        w.block("func \(name)(_ v: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ n: Int, _ obStart: Int, _ obEnd: Int, cin: Int, cout: Int, vStride: Int, mStride: Int)") { w in
            w.block("for xi in 0..<36") { w in
                w.line("let vx = v + xi * vStride, mx = m + xi * mStride, ux = u + xi * cout * cin")
                w.block("for ob in obStart..<obEnd") { w in
                    w.line("let uo = ux + ob * cin * \(lanes)")
                    w.line("var t = 0")
                    w.block("while t < n") { w in emitGEMMTile(&w) }
                }
            }
        }
    }

    private func emitOutputFunction(_ w: inout SourceWriter, name: String) {
        w.line("/// Winograd output transform Y = Aᵀ M A + bias" + (pool ? ", 2×2 max-pool" : "") + (relu ? ", ReLU" : "")
            + " of tiles t0..<t0+n, channels c0..<c1;")
        w.line("/// stored at y (the output's interior origin); rows and columns past height × width are skipped.")
        w.line("@inline(never)")
        w.block("func \(name)(_ m: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ t0: Int, _ n: Int, _ c0: Int, _ c1: Int, cout: Int, mStride: Int, tilesWide: Int, rowStride: Int, height: Int, width: Int)") { w in
            w.block("for t in 0..<n") { w in
                w.line("let tile = t0 + t, ty = tile / tilesWide, tx = tile % tilesWide")
                w.line("let mt = m + t * cout")
                w.block("for c in stride(from: c0, to: c1, by: 16)") { w in emitOutputTransform(&w) }
            }
        }
    }

    /// Loads the 6×6 tile of 16 channels at `base + c`, transforms it, stores V.
    private func emitInputTransform(_ w: inout SourceWriter) {
        w.line("let p = base + c")
        for i in 0..<6 { for j in 0..<6 {
            w.line("let d\(i)\(j) = UnsafeRawPointer(p + \(i) * rowStride + \(j) * cin).loadUnaligned(as: SIMD16<Float>.self)")
        } }
        // Columns first (Bᵀ d), then rows ((Bᵀ d) B).
        for j in 0..<6 { inputTransform1D(&w, inputs: (0..<6).map { "d\($0)\(j)" }, outputs: (0..<6).map { "e\($0)\(j)" }) }
        for i in 0..<6 { inputTransform1D(&w, inputs: (0..<6).map { "e\(i)\($0)" }, outputs: (0..<6).map { "f\(i)\($0)" }) }
        for i in 0..<6 { for j in 0..<6 {
            w.line("UnsafeMutableRawPointer(vt + \(i * 6 + j) * vStride + c).storeBytes(of: f\(i)\(j), as: SIMD16<Float>.self)")
        } }
    }

    /// The six rows of Bᵀ as adds and FMAs with constants.
    private func inputTransform1D(_ w: inout SourceWriter, inputs n: [String], outputs o: [String]) {
        let k = o[0]  // unique prefix for the temporaries
        w.line("let \(k)a = \(n[1]) + \(n[2]), \(k)b = \(n[3]) + \(n[4]), \(k)c = \(n[1]) - \(n[2]), \(k)d = \(n[4]) - \(n[3])")
        w.line("let \(k)e = \(n[4]) - \(n[2]), \(k)f = \(n[3]) - \(n[1])")
        w.line("let \(o[0]) = \(n[4]).addingProduct(\(n[0]), 4).addingProduct(\(n[2]), -5)")
        w.line("let \(o[1]) = \(k)b.addingProduct(\(k)a, -4)")
        w.line("let \(o[2]) = \(k)d.addingProduct(\(k)c, 4)")
        w.line("let \(o[3]) = \(k)e.addingProduct(\(k)f, 2)")
        w.line("let \(o[4]) = \(k)e.addingProduct(\(k)f, -2)")
        w.line("let \(o[5]) = \(n[5]).addingProduct(\(n[1]), 4).addingProduct(\(n[3]), -5)")
    }

    /// One group: `group` tiles × `lanes` channels of M[ξ], summed over cin — one register
    /// tile (wide), or runs of ≤ 6 tiles × 16 channels (narrow; 16 → 6 + 5 + 5), each summing
    /// over cin in the same order.
    private func emitGEMMTile(_ w: inout SourceWriter) {
        w.line("let vp = vx + t * cin")
        w.line("let mp = mx + t * cout + ob * \(lanes)")
        if tiling == .wide {
            emitGEMMRun(&w, tiles: 0..<group, vs: 0..<vectors)
        } else {
            for q in 0..<vectors { for run in tiling.runs(of: group) {
                w.block("do") { w in emitGEMMRun(&w, tiles: run, vs: q..<q + 1) }
            } }
        }
        w.line("t += \(group)")
    }

    /// Accumulators `a{p}_{q}` for tiles `tiles` and vectors `vs` of the group at `vp`, stored at `mp`.
    private func emitGEMMRun(_ w: inout SourceWriter, tiles: Range<Int>, vs: Range<Int>) {
        for p in tiles { for q in vs { w.line("var a\(p)_\(q) = SIMD16<Float>()") } }
        for p in tiles where p > 0 { w.line("let vp\(p) = vp + \(p) * cin") }
        w.block("for c in 0..<cin") { w in
            for q in vs { w.line("let w\(q) = UnsafeRawPointer(uo + c * \(lanes) + \(q * 16)).load(as: SIMD16<Float>.self)") }
            for p in tiles {
                w.line("\(p == tiles.lowerBound ? "var s" : "s") = SIMD16<Float>(repeating: \(p == 0 ? "vp" : "vp\(p)")[c])")
                for q in vs { w.line("a\(p)_\(q) = a\(p)_\(q).addingProduct(s, w\(q))") }
            }
        }
        for p in tiles { for q in vs {
            w.line("UnsafeMutableRawPointer(mp + \(p) * cout + \(q * 16)).storeBytes(of: a\(p)_\(q), as: SIMD16<Float>.self)")
        } }
    }

    /// Transforms tile `t`'s 36 M vectors of channels c..<c+16 into its 4×4 outputs and
    /// stores them (pooled to 2×2 when the pool is fused), skipping those past the edge.
    private func emitOutputTransform(_ w: inout SourceWriter) {
        for i in 0..<6 { for j in 0..<6 {
            w.line("let m\(i)\(j) = UnsafeRawPointer(mt + \(i * 6 + j) * mStride + c).load(as: SIMD16<Float>.self)")
        } }
        for j in 0..<6 { outputTransform1D(&w, inputs: (0..<6).map { "m\($0)\(j)" }, outputs: (0..<4).map { "q\($0)\(j)" }) }
        for i in 0..<4 { outputTransform1D(&w, inputs: (0..<6).map { "q\(i)\($0)" }, outputs: (0..<4).map { "z\(i)\($0)" }) }
        w.line("let bias = UnsafeRawPointer(b + c).load(as: SIMD16<Float>.self)")
        for i in 0..<4 { for j in 0..<4 { w.line("let y\(i)\(j) = z\(i)\(j) + bias") } }
        if pool {
            // 2×2 max of each quarter, then ReLU (`.< 0` keeps NaN, as the direct kernel does).
            for i in 0..<2 { for j in 0..<2 {
                let a = "y\(2 * i)\(2 * j)", b = "y\(2 * i)\(2 * j + 1)", c = "y\(2 * i + 1)\(2 * j)", d = "y\(2 * i + 1)\(2 * j + 1)"
                w.line("let h\(i)\(j) = \(blend(a, b)), k\(i)\(j) = \(blend(c, d))")
                w.line("let p\(i)\(j) = \(blend("h\(i)\(j)", "k\(i)\(j)"))")
                w.line("let r\(i)\(j) = " + (relu ? reluOf("p\(i)\(j)") : "p\(i)\(j)"))
            } }
            emitStores(&w, side: 2) { "r\($0)\($1)" }
        } else {
            for i in 0..<4 { for j in 0..<4 {
                w.line("let r\(i)\(j) = " + (relu ? reluOf("y\(i)\(j)") : "y\(i)\(j)"))
            } }
            emitStores(&w, side: 4) { "r\($0)\($1)" }
        }
    }

    /// Stores a `side`×`side` block at (side·ty, side·tx), skipping rows and columns past
    /// `height` × `width` (the ragged last tiles).
    private func emitStores(_ w: inout SourceWriter, side: Int, _ value: @escaping (Int, Int) -> String) {
        w.line("let yp = y + ty * \(side) * rowStride + tx * \(side) * cout + c")
        w.line("let rows = min(\(side), height - ty * \(side)), columns = min(\(side), width - tx * \(side))")
        for i in 0..<side {
            w.block(i == 0 ? "do" : "if \(i) < rows") { w in
                for j in 0..<side {
                    let store = "UnsafeMutableRawPointer(yp + \(i) * rowStride + \(j) * cout).storeBytes(of: \(value(i, j)), as: SIMD16<Float>.self)"
                    w.line(j == 0 ? store : "if \(j) < columns { \(store) }")
                }
            }
        }
    }

    /// The four rows of Aᵀ as adds and FMAs with constants.
    private func outputTransform1D(_ w: inout SourceWriter, inputs n: [String], outputs o: [String]) {
        let k = o[0]
        w.line("let \(k)a = \(n[1]) + \(n[2]), \(k)b = \(n[1]) - \(n[2]), \(k)c = \(n[3]) + \(n[4]), \(k)d = \(n[3]) - \(n[4])")
        w.line("let \(o[0]) = (\(n[0]) + \(k)a) + \(k)c")
        w.line("let \(o[1]) = \(k)b.addingProduct(\(k)d, 2)")
        w.line("let \(o[2]) = \(k)a.addingProduct(\(k)c, 4)")
        w.line("let \(o[3]) = (\(k)b + \(n[5])).addingProduct(\(k)d, 8)")
    }

}
