import VGGCore

// The steps that touch each value once: stand-alone batch norm and ReLU, global average
// pooling, softmax and sigmoid. They copy the engine's expressions literally, so most of
// them agree with it bit for bit. Their functions go to the registry's element-wise section.
// Element-wise steps read their input as the step sees it (`flatInput`: after a vanished
// Flatten an image is a vector); the layout is the same because their input has no border.

/// Batch norm as the engine writes it: `(x − mean) · invStd · γ + β`, with `invStd`
/// computed at generation time by the same Float expression the engine uses. Parameters are
/// packed `[mean | invStd | gamma | beta]`.
struct BatchNormEmitter: StepEmitter {
    let step: Schedule.Step
    let index: Int

    func packWeights(_ model: Model, into packer: inout WeightPacker) {
        guard case let .batchNorm(bn) = step.kind else { preconditionFailure("not a batch norm: \(step.name)") }
        let first = model.layers[step.layers[0]].name
        let t = { (s: String) -> [Float] in model.tensors["\(first).\(s)"]!.data }
        let invStd = t("variance").map { 1 / ($0 + bn.epsilon).squareRoot() }
        packer.append(t("mean") + invStd + t("gamma") + t("beta"), key: key("bn"))
    }

    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        let s = step.flatInput, c = s.channels, output = step.output
        return kernels.register("batchnorm_step\(index)", section: .elementwise) { w, name in
            w.line("@inline(never)")
            w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>)") { w in
                w.block("for r in 0..<\(s.height)") { w in
                    w.block("for px in 0..<\(s.width)") { w in
                        w.line("let src = x + (r * \(s.width) + px) * \(c), dst = y + \(output.origin) + r * \(output.rowStride) + px * \(c)")
                        w.line("for k in 0..<\(c) { dst[k] = (src[k] - p[k]) * p[\(c) + k] * p[\(2 * c) + k] + p[\(3 * c) + k] }")
                    }
                }
            }
        }
    }

    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        out.run.line("\(kernel)(\(site.kernelInput(site.x)), \(site.y), \(site.parameter("bn")))")
    }
}

struct ReLUEmitter: ElementwiseStep {
    let step: Schedule.Step
    let index: Int

    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        let s = step.flatInput, c = s.channels, output = step.output
        return kernels.register("relu_step\(index)", section: .elementwise) { w, name in
            w.line("@inline(never)")
            w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)") { w in
                w.block("for r in 0..<\(s.height)") { w in
                    w.line("let src = x + r * \(s.width * c), dst = y + \(output.origin) + r * \(output.rowStride)")
                    w.line("for k in 0..<\(s.width * c) { let v = src[k]; dst[k] = v < 0 ? 0 : v }")
                }
            }
        }
    }
}

struct GlobalAveragePoolEmitter: ElementwiseStep {
    let step: Schedule.Step
    let index: Int

    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        let s = step.input, pixels = s.height * s.width, c = s.channels
        return kernels.register("global_average_pool_\(s.height)x\(s.width)x\(c)", section: .elementwise) { w, name in
            w.line("@inline(never)")
            w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)") { w in
                w.line("for k in 0..<\(c) { y[k] = 0 }")
                w.line("for p in 0..<\(pixels) { for k in 0..<\(c) { y[k] += x[p * \(c) + k] } }")
                w.line("for k in 0..<\(c) { y[k] /= Float(\(pixels)) }")
            }
        }
    }
}

struct SoftmaxEmitter: ElementwiseStep {
    let step: Schedule.Step
    let index: Int

    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        let n = step.flatInput.channels
        return kernels.register("softmax_\(n)", section: .elementwise) { w, name in
            w.line("@inline(never)")
            w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)") { w in
                w.line("var top = -Float.infinity")
                w.line("for i in 0..<\(n) { top = max(top, x[i]) }")
                w.line("var sum: Float = 0")
                w.line("for i in 0..<\(n) { let e = expf(x[i] - top); y[i] = e; sum += e }")
                w.line("for i in 0..<\(n) { y[i] /= sum }")
            }
        }
    }
}

struct SigmoidEmitter: ElementwiseStep {
    let step: Schedule.Step
    let index: Int

    func registerKernels(_ kernels: inout KernelRegistry) -> String {
        let n = step.flatInput.channels
        return kernels.register("sigmoid_\(n)", section: .elementwise) { w, name in
            w.line("@inline(never)")
            w.block("func \(name)(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)") { w in
                w.line("for i in 0..<\(n) { y[i] = 1 / (1 + expf(-x[i])) }")
            }
        }
    }
}

/// An element-wise step without parameters: its function takes the input and output buffers.
protocol ElementwiseStep: StepEmitter {}

extension ElementwiseStep {
    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        out.run.line("\(kernel)(\(site.kernelInput(site.x)), \(site.y))")
    }
}
