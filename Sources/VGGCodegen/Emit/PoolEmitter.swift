import VGGCore

/// Emits a stand-alone max or average pool (one not fused into a convolution), with the
/// engine's semantics: padding never wins a max and is left out of a mean. Its input is
/// never bordered (only convolutions read bordered storage); its output may be.
struct PoolEmitter: StepEmitter {
    let step: Schedule.Step
    let index: Int
    let g: WindowGeometry
    let isMax: Bool
    var channels: Int { step.input.channels }
    var output: Storage { step.output }

    init(step: Schedule.Step, index: Int) {
        guard case let .pool(g, isMax) = step.kind else { preconditionFailure("not a pool: \(step.name)") }
        (self.step, self.index, self.g, self.isMax) = (step, index, g, isMax)
    }

    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        kernels.register(functionName) { emit(&$0, name: $1) }
    }

    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        out.run.line("parallelRanges(\(g.outputHeight), threads) { \(kernel)(\(site.kernelInput(site.x)), \(site.y), $0, $1) }")
    }

    var functionName: String {
        "\(isMax ? "maxpool" : "avgpool")\(g.kernelHeight)x\(g.kernelWidth)_s\(g.strideHeight)_\(g.inputHeight)x\(g.inputWidth)x\(channels)"
    }

    func emit(_ w: inout SourceWriter, name: String) {
        let c = channels
        w.line("/// \(isMax ? "Max" : "Average") pool \(g.kernelHeight)×\(g.kernelWidth) stride \(g.strideHeight)×\(g.strideWidth), "
            + "pads (\(g.padTop), \(g.padLeft), \(g.padBottom), \(g.padRight)) → \(g.outputHeight)×\(g.outputWidth)×\(c).")
        w.line("@inline(never)")
        w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ rowStart: Int, _ rowEnd: Int)") { w in
            w.line("var acc = [Float](repeating: 0, count: \(c))")
            w.block("for oy in rowStart..<rowEnd") { w in
                w.block("for ox in 0..<\(g.outputWidth)") { w in
                    w.line("for k in 0..<\(c) { acc[k] = \(isMax ? "-Float.infinity" : "0") }")
                    w.line("var count = 0")
                    w.block("for i in 0..<\(g.kernelHeight)") { w in
                        w.line("let iy = oy * \(g.strideHeight) + i - \(g.padTop)")
                        w.line("if iy < 0 || iy >= \(g.inputHeight) { continue }")
                        w.block("for j in 0..<\(g.kernelWidth)") { w in
                            w.line("let ix = ox * \(g.strideWidth) + j - \(g.padLeft)")
                            w.line("if ix < 0 || ix >= \(g.inputWidth) { continue }")
                            w.line("count += 1")
                            w.line("let p = x + (iy * \(g.inputWidth) + ix) * \(c)")
                            w.line(isMax ? "for k in 0..<\(c) { if p[k] > acc[k] || p[k].isNaN { acc[k] = p[k] } }"
                                         : "for k in 0..<\(c) { acc[k] += p[k] }")
                        }
                    }
                    w.line("let q = y + \(output.origin) + oy * \(output.rowStride) + ox * \(c)")
                    w.line(isMax ? "for k in 0..<\(c) { q[k] = acc[k] }" : "for k in 0..<\(c) { q[k] = acc[k] / Float(count) }")
                }
            }
        }
    }
}
