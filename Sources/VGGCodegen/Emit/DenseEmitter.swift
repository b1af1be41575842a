import VGGCore

/// Emits a dense step (batch norm folded, ReLU fused) for one image.
///
/// At batch 1 a dense layer is bound by memory, not arithmetic: every weight is used once.
/// Weights are packed `[block][in][lanes]` so each block of up to 128 outputs streams its
/// weights front to back exactly once, with one accumulator vector per 16 outputs; the
/// threads split the blocks.
struct DenseEmitter: StepEmitter {
    let step: Schedule.Step
    let index: Int
    let dense: Dense
    var relu: Bool { step.epilogue.relu }
    /// bfloat16 weights (`WeightPacker.appendBF16`), widened to float32 as they stream with a
    /// shift or a mask (exact); the input is rounded to bfloat16 before the step.
    var bf16: Bool { step.algorithm == .bf16Dense }

    init(step: Schedule.Step, index: Int) {
        guard case let .dense(dense, _) = step.kind else { preconditionFailure("not a dense layer: \(step.name)") }
        (self.step, self.index, self.dense) = (step, index, dense)
    }

    var lanes: Int { denseLanes(dense.outFeatures) }
    var blocks: Int { (dense.outFeatures + lanes - 1) / lanes }
    var functionName: String { "dense_\(dense.inFeatures)to\(dense.outFeatures)" + (relu ? "_relu" : "") + (bf16 ? "_bf16" : "") }

    func packWeights(_ model: Model, into packer: inout WeightPacker) {
        let (weight, bias) = foldedParameters(model, step)
        let packed = packBlocks(weight, rows: dense.inFeatures, outputs: dense.outFeatures, lanes: lanes)
        if bf16 {
            packer.appendBF16(packed, rows: dense.inFeatures, rowsPerGroup: dense.inFeatures, lanes: lanes, key: key("weight"))
        } else {
            packer.append(packed, key: key("weight"))
        }
        packer.append(padded(bias, to: lanes), key: key("bias"))
    }

    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        kernels.register(functionName) { emit(&$0, name: $1) }
    }

    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        if bf16 { out.run.line("parallelRanges(\(step.input.floats), threads) { vggc_round_bf16_floats(\(site.x), $0, $1, kernelTier) }") }
        let weights = bf16 ? packedWords(site.offset("weight")) : site.parameter("weight")
        out.run.line("parallelRanges(\(blocks), threads) { \(kernel)(\(site.kernelInput(site.x)), \(site.y), \(weights), "
                     + "\(site.parameter("bias")), $0, $1) }")
    }

    func emit(_ w: inout SourceWriter, name: String) {
        let vectors = lanes / 16, n = dense.inFeatures, out = dense.outFeatures
        w.line("/// Dense \(dense.summary)\(relu ? ", ReLU" : ""); weights [\(blocks) blocks][\(n)][\(lanes)].")
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ w: UnsafePointer<\(bf16 ? "UInt32" : "Float")>, _ b: UnsafePointer<Float>, _ blockStart: Int, _ blockEnd: Int)") { w in
            w.block("for ob in blockStart..<blockEnd") { w in
                w.line("let wb = w + ob * \(bf16 ? (n + 1) / 2 * lanes : n * lanes)")
                for v in 0..<vectors { w.line("var a\(v) = UnsafeRawPointer(b + ob * \(lanes) + \(v * 16)).load(as: SIMD16<Float>.self)") }
                if bf16 {
                    // Two inputs per word vector (`WeightPacker.appendBF16`), in ascending order.
                    func pair(_ w: inout SourceWriter, i: String, word: String, both: Bool) {
                        w.line("let wp = UnsafeRawPointer(wb + \(word) * \(lanes))")
                        w.line("let s0 = SIMD16<Float>(repeating: x[\(i)])")
                        if both { w.line("let s1 = SIMD16<Float>(repeating: x[\(i) + 1])") }
                        for v in 0..<vectors {
                            w.line("let u\(v) = wp.load(fromByteOffset: \(v * 64), as: SIMD16<UInt32>.self)")
                            w.line("a\(v) = a\(v).addingProduct(s0, unsafeBitCast(u\(v) &<< 16, to: SIMD16<Float>.self))")
                            if both { w.line("a\(v) = a\(v).addingProduct(s1, unsafeBitCast(u\(v) & 0xFFFF_0000, to: SIMD16<Float>.self))") }
                        }
                    }
                    if n >= 2 { w.block("for i2 in 0..<\(n / 2)") { w in pair(&w, i: "2 * i2", word: "i2", both: true) } }
                    if n % 2 == 1 { w.block("do") { w in pair(&w, i: "\(n - 1)", word: "\(n / 2)", both: false) } }
                } else {
                    w.block("for i in 0..<\(n)") { w in
                        w.line("let s = SIMD16<Float>(repeating: x[i])")
                        w.line("let wp = UnsafeRawPointer(wb + i * \(lanes))")
                        for v in 0..<vectors { w.line("a\(v) = a\(v).addingProduct(s, wp.load(fromByteOffset: \(v * 64), as: SIMD16<Float>.self))") }
                    }
                }
                w.line("let yp = y + ob * \(lanes)")
                let lastValid = out - (blocks - 1) * lanes
                for v in 0..<vectors {
                    let value = relu ? reluOf("a\(v)") : "a\(v)"
                    if lastValid == lanes {
                        w.line("UnsafeMutableRawPointer(yp + \(v * 16)).storeBytes(of: \(value), as: SIMD16<Float>.self)")
                    } else {
                        // Outputs past the layer's width are not stored (the buffer ends there).
                        w.line("let t\(v) = \(value)")
                        w.line("for l in 0..<16 where ob * \(lanes) + \(v * 16) + l < \(out) { yp[\(v * 16) + l] = t\(v)[l] }")
                    }
                }
            }
        }
    }
}
