import VGGCore

/// What the generator needs besides the model.
public struct CodegenOptions: Sendable {
    /// Names the predictor (`Network.name`) and the `Generated/<name>` folder.
    public var name: String
    /// SHA-256 of the model.bin the source is generated from (embedded, checked by `check`).
    public var modelHash: String
    /// `portable` (x86-64-v4, x86-64-v3 and baseline kernels in one binary, chosen at
    /// start-up), or one level: `x86-64`, `x86-64-v2`, `x86-64-v3`, `x86-64-v4`, `native` or an
    /// LLVM CPU name such as `znver5` (`CodeLevel`).
    public var targetCPU: String
    /// Unroll convolution taps (up to 3×3) instead of looping over them.
    public var unrollTaps: Bool
    /// Which 3×3 stride-1 convolutions run as Winograd F(4×4, 3×3) (see `Winograd`).
    public var winograd: WinogradPolicy
    /// fp32; bf16: weights stored as bfloat16 and conv/dense inputs rounded to it
    /// (`Precision`), convolutions on the vdpbf16ps C kernel or as Winograd in float32 where
    /// `winograd` picks it (`Winograd.bf16AutoChooses` for `auto`); int8: the layers after a
    /// ReLU on 8-bit codes (`Int8Layer`, the vpdpbusd C kernel), needing `int8InputMaxima`.
    public var precision: Precision
    /// int8: each quantized layer's calibrated input maximum, by layer name
    /// (`Engine.inputMaxima`; see Sources/VGGCore/Int8Quantization.swift).
    public var int8InputMaxima: [String: Float] = [:]
    /// int8: where the maxima came from, for the recorded command line (`--calibrate DIR
    /// --calibration-images N`).
    public var int8Calibration: String?
    /// Deliberate bugs, for tests that prove `vggc check` catches them (FaultInjection.swift).
    /// Never set by users.
    public var faults: [Fault]

    public init(name: String, modelHash: String, targetCPU: String = "portable", unrollTaps: Bool = false,
                winograd: WinogradPolicy = .auto, precision: Precision = .fp32, faults: [Fault] = []) {
        self.precision = precision
        self.unrollTaps = unrollTaps
        self.winograd = winograd
        self.name = name
        self.modelHash = modelHash
        self.targetCPU = targetCPU
        self.faults = faults
    }

    /// A deliberate, realistic code-generation bug in one layer.
    public enum Fault: Equatable, Sendable {
        /// Adds `delta` to element `index` of the layer's weight tensor (original layout).
        case perturbWeight(layer: String, index: Int, delta: Float)
        /// Reads the convolution window one pixel to the right (an off-by-one padding).
        case wrongPadding(layer: String)
        /// Leaves out the layer's bias.
        case dropBias(layer: String)
        /// Swaps the layer's output channels 0 and 1.
        case swapChannels(layer: String)
        /// bf16 and int8 convolutions only: reads the window one pixel to the right only in runs
        /// without `--dump-layers` — a fast path that differs from the one the stages check.
        case unobservedShift(layer: String)
    }
}

/// Where the generator uses Winograd F(4×4, 3×3) instead of direct convolution.
public enum WinogradPolicy: String, CaseIterable, Sendable {
    /// On the eligible layers where it was measured to win (`Winograd.autoChooses`).
    case auto
    /// On every eligible layer (3×3, stride 1, channels multiples of 16).
    case on
    /// Never: direct convolution everywhere (exact-order float32 dot products, 1× weights).
    case off
}

/// The canonical `vggc compile` command line recorded in generated headers: the same model
/// and options always give the same text, wherever the files were.
public func canonicalCommand(modelFile: String, options: CodegenOptions) -> String {
    "vggc compile \(modelFile) --name \(options.name) --target-cpu \(options.targetCPU)"
        + (options.unrollTaps ? " --unroll-taps" : "")
        + (options.winograd == .auto ? "" : " --winograd \(options.winograd.rawValue)")
        + (options.precision == .fp32 ? "" : " --precision \(options.precision.rawValue)")
        + (options.precision == .int8 ? " " + (options.int8Calibration ?? "(calibrated by the caller)") : "")
}
