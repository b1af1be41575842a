import VGGCore

/// Emits one bf16 convolution step as a call into the predictor's C kernel
/// (`Sources/CPredictorKernels/bf16_conv.c`, `vggc_conv_bf16`).
///
/// Why C: the step's speed comes from `vdpbf16ps` (two bfloat16 products per float32
/// lane, ≈ 2.1× the fp32 FMA rate on Zen 5), and Swift has neither a bfloat16 type nor x86
/// intrinsics (widening bfloat16 weights to float32 in Swift was measured slower than
/// fp32 itself).
///
/// The kernel reads its input from a bfloat16 buffer laid out like the float storage
/// (same border, so the zeros of the padding are real), with the channels rounded up to an
/// even count: `vdpbf16ps` multiplies pairs of channels, so an RGB image gets a fourth,
/// zero channel. The buffer is filled by the step before (the kernel's optional rounded
/// second output) or, when that step was not a bf16 convolution, by a rounding pass.
/// Weights use the paired words of `WeightPacker.appendBF16`, ⌈cin/2⌉ per tap: what
/// `vdpbf16ps` reads, a zero high half for an odd channel count.
struct BF16Conv {
    let conv: Conv2D
    let g: WindowGeometry
    let input: Storage
    let output: Storage
    let lanes: Int
    let relu: Bool
    let pool: Bool
    /// Fault injection: shift the window one pixel right (always, or only without dumps).
    let shifted: Bool
    var shiftedUnobserved = false

    /// Channels per pixel in the bfloat16 input buffer: pairs, so an odd count gains one.
    static func storedChannels(_ channels: Int) -> Int { (channels + 1) / 2 * 2 }
    var stored: Int { BF16Conv.storedChannels(conv.inChannels) }
    /// Pixels of the bordered input.
    var inputPixels: Int { input.paddedHeight * input.paddedWidth }
    /// Elements of the bfloat16 input buffer, plus one pixel: a kernel built with a
    /// shifted-window test fault reads one pixel past its input.
    var inputElements: Int { (inputPixels + 1) * stored }

    /// Rounds the float input `x` (border included: zeros stay zeros) into `half`.
    func roundingPass(x: String, into half: String) -> String {
        stored == conv.inChannels
            ? "parallelRanges(\(input.floats), threads) { vggc_round_bf16(\(x), \(half), $0, $1) }"
            : "parallelRanges(\(inputPixels), threads) { vggc_round_bf16_pad(\(x), \(half), \(conv.inChannels), \(stored), $0, $1) }"
    }

    /// The run() line: the kernel's settings, then its work units split over the threads.
    func call(x: String, y: String, yh: String, weights: String, bias: String) -> String {
        let settings = [
            "x: UnsafePointer(\(x))", "w: \(weights)", "bias: \(bias)", "y: \(y) + \(output.origin)", "yh: \(yh)",
            keepFloatSetting(secondOutput: yh),
            "xRowStride: \(input.paddedWidth * stored)", "yRowStride: \(output.rowStride)",
            "cin: \(stored)", "cout: \(conv.outChannels)", "lanes: \(lanes)",
            "kh: \(g.kernelHeight)", "kw: \(g.kernelWidth)", "sh: \(g.strideHeight)", "sw: \(g.strideWidth)",
            "outHeight: \(g.outputHeight)", "outWidth: \(g.outputWidth)", "relu: \(relu ? 1 : 0)", "pool: \(pool ? 1 : 0)",
            shiftSetting(always: shifted, unobserved: shiftedUnobserved, pixel: stored),
        ]
        return kernelCall("bf16", settings)
    }
}

// The run() pieces both C-kernel emitters (bf16, int8) write the same way.

/// `keepFloat`: without dumps nothing reads the float copy of a value the next step takes
/// from the second output (check compares such runs with dumped ones bit for bit).
func keepFloatSetting(secondOutput: String) -> String {
    "keepFloat: " + (secondOutput == "nil" ? "1" : "dump == nil ? 0 : 1")
}

/// `shift` of the window-shifting test faults: one pixel, always or only without dumps.
func shiftSetting(always: Bool, unobserved: Bool, pixel: Int) -> String {
    "shift: " + (always ? "\(pixel)" : unobserved ? "dump == nil ? \(pixel) : 0" : "0")
}

/// The kernel's settings, then its work units split over the threads
/// (`vggc_conv_<kind>_args`, `vggc_conv_<kind>_units`, `vggc_conv_<kind>`).
func kernelCall(_ kind: String, _ settings: [String]) -> String {
    "withUnsafePointer(to: vggc_conv_\(kind)_args(\(settings.joined(separator: ", ")))) { a in "
        + "parallelRanges(vggc_conv_\(kind)_units(a), threads) { vggc_conv_\(kind)(a, $0, $1) } }"
}
