import VGGCore

/// One step of the generated network, written by the emitter of its kind.
///
/// NetworkEmitter asks every emitter the same things, in this order:
/// 1. `packWeights`: append the step's parameters as its kernel reads them (keys `k.role`);
/// 2. `inputCopy`: the copy of its input its kernel reads, if not the float storage
///    (bfloat16 or u8 codes), and `producesCopy`: the copy its kernel can write for the
///    next step as a second output;
/// 3. `registerKernels`: the functions it calls, registered once per program;
/// 4. `emitCall`: its lines of `run()`.
/// NetworkEmitter keeps the rest: arena planning, borders, second outputs, dumps. A new
/// algorithm, precision or instruction-set level is a new conforming type and one line in
/// `makeEmitter`.
protocol StepEmitter {
    var step: Schedule.Step { get }
    /// Its index in the schedule: names its parameters (`k.weight`) and per-step functions.
    var index: Int { get }
    func packWeights(_ model: Model, into packer: inout WeightPacker)
    var inputCopy: InputCopy? { get }
    var producesCopy: InputCopy.Kind? { get }
    /// Elements per pixel of the buffer the kernel reads (what a one-pixel shift moves).
    var kernelInputPixel: Int { get }
    /// Per-thread scratch the step's kernel needs (Winograd), and how many threads can use it.
    var scratch: (floats: Int, threads: Int) { get }
    /// Floats the kernel may read past the end of its input; 0 for every production kernel.
    var overreadFloats: Int { get }
    /// Registers the functions the step calls; returns the name of the one `emitCall` calls.
    func registerKernels(_ kernels: inout KernelRegistry) -> String
    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite)
}

extension StepEmitter {
    var inputCopy: InputCopy? { nil }
    var producesCopy: InputCopy.Kind? { nil }
    var kernelInputPixel: Int { step.input.channels }
    var scratch: (floats: Int, threads: Int) { (0, 0) }
    var overreadFloats: Int { 0 }
    func packWeights(_ model: Model, into packer: inout WeightPacker) {}
    /// `k.role`, the key of one of this step's packed tensors.
    func key(_ role: String) -> String { "\(index).\(role)" }
}

/// A C kernel's own copy of its input, laid out like the float storage (same border, so
/// the padding's zeros are real), in the kernel's element type.
struct InputCopy {
    enum Kind { case bfloat16, codes }
    var kind: Kind
    /// Elements of the copy buffer.
    var elements: Int
    /// Whether the kernel can read the copy the step before wrote as its second output
    /// (true when the copy has exactly the tensor's channels, none added for alignment).
    var takesProducedCopy: Bool
    /// codes: what the producer multiplies by to write this step's codes.
    var inverseScale: Float = 0
}

/// Where a step's call reads and writes, as NetworkEmitter planned it.
struct CallSite {
    var index: Int
    /// The float input and output buffers (`b0`, `b1`).
    var x: String, y: String
    /// Float offsets of the packed parameters, by key.
    var offsets: [String: Int]
    /// The input copy's buffer (when the emitter declared one) and whether the step before
    /// filled it already.
    var copy = "", copyReady = false
    /// Where this step's kernel writes the next step's copy (`nil`: it does not), and the
    /// next step's inverse input scale (codes).
    var secondOutput = "nil", nextInverseScale: Float = 0
    /// Appended to the pointer a kernel reads its input through: empty in production; the
    /// test-only fault wrapper shifts the window with it (FaultInjection.swift).
    var readOffset = ""

    func offset(_ role: String) -> Int { offsets["\(index).\(role)"]! }
    /// The float pointer to a packed tensor of this step.
    func parameter(_ role: String) -> String { "w + \(offset(role))" }
    /// The pointer the kernel reads its input through.
    func kernelInput(_ buffer: String) -> String { buffer + readOffset }
}

/// What a step contributes to the program besides its kernels.
struct StepCode {
    /// Lines of `run()`.
    var run = SourceWriter()
    /// Static members of `Network` (bf16 Winograd: weights transformed on first use).
    var declarations: [String] = []
}

/// The emitter for step `index` of `schedule` (`quantized`: its int8 layer, for `.int8` steps),
/// its register tiles sized for `tiling`.
func makeEmitter(_ step: Schedule.Step, index k: Int, quantized: Int8Layer?, options: CodegenOptions,
                 tiling: Tiling) -> StepEmitter {
    if step.algorithm == .int8 { return Int8ConvEmitter(step: step, index: k, layer: quantized!) }
    switch step.kind {
    case .conv:
        switch step.algorithm {
        case .winograd4x4: return WinogradEmitter(step: step, index: k, tiling: tiling)
        case .bf16Winograd: return BF16WinogradEmitter(step: step, index: k, tiling: tiling)
        case .bf16Direct: return BF16ConvEmitter(step: step, index: k)
        default: return ConvolutionEmitter(step: step, index: k, unrollTaps: options.unrollTaps, tiling: tiling)
        }
    case .dense: return DenseEmitter(step: step, index: k)
    case .pool: return PoolEmitter(step: step, index: k)
    case .batchNorm: return BatchNormEmitter(step: step, index: k)
    case .relu: return ReLUEmitter(step: step, index: k)
    case .globalAveragePool: return GlobalAveragePoolEmitter(step: step, index: k)
    case .softmax: return SoftmaxEmitter(step: step, index: k)
    case .sigmoid: return SigmoidEmitter(step: step, index: k)
    }
}
