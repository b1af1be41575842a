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
struct BF16ConvEmitter: StepEmitter {
    let step: Schedule.Step
    let index: Int
    let conv: Conv2D
    let g: WindowGeometry
    var input: Storage { step.input }
    var output: Storage { step.output }
    var lanes: Int { convLanes(conv.outChannels) }

    init(step: Schedule.Step, index: Int) {
        (conv, g) = step.convolution
        (self.step, self.index) = (step, index)
    }

    /// Channels per pixel in the bfloat16 input buffer: pairs, so an odd count gains one.
    var stored: Int { (conv.inChannels + 1) / 2 * 2 }
    /// Pixels of the bordered input.
    var inputPixels: Int { input.paddedHeight * input.paddedWidth }

    func packWeights(_ model: Model, into packer: inout WeightPacker) {
        let (weight, bias) = foldedParameters(model, step)
        let rows = g.kernelHeight * g.kernelWidth * conv.inChannels
        packer.appendBF16(packBlocks(weight, rows: rows, outputs: conv.outChannels, lanes: lanes), rows: rows,
                          rowsPerGroup: conv.inChannels, lanes: lanes, key: key("weight"))
        packer.append(padded(bias, to: lanes), key: key("bias"))
    }

    var inputCopy: InputCopy? {
        InputCopy(kind: .bfloat16, elements: inputPixels * stored, takesProducedCopy: stored == conv.inChannels)
    }
    /// The next step reads the same values rounded: the kernel stores them as it goes.
    var producesCopy: InputCopy.Kind? { .bfloat16 }
    var kernelInputPixel: Int { stored }

    func registerKernels(_ kernels: inout KernelRegistry) -> String { "vggc_conv_bf16" }

    /// The input comes rounded in the copy, from the step before or from a rounding pass of
    /// the float input (border included: zeros stay zeros). With a second output (and
    /// without dumps) the float buffer holds only a fused pool's maxima before ReLU: nothing
    /// after the next step may read it — true while every tensor is read by exactly the step
    /// after it (a sequential network).
    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        if !site.copyReady {
            out.run.line(stored == conv.inChannels
                ? "parallelRanges(\(input.floats), threads) { vggc_round_bf16(\(site.x), \(site.copy), $0, $1, kernelTier) }"
                : "parallelRanges(\(inputPixels), threads) { vggc_round_bf16_pad(\(site.x), \(site.copy), \(conv.inChannels), \(stored), $0, $1) }")
        }
        let settings = [
            "x: UnsafePointer(\(site.kernelInput(site.copy)))", "w: \(packedWords(site.offset("weight")))",
            "bias: \(site.parameter("bias"))", "y: \(site.y) + \(output.origin)", "yh: \(site.secondOutput)",
            keepFloatSetting(secondOutput: site.secondOutput),
            "xRowStride: \(input.paddedWidth * stored)", "yRowStride: \(output.rowStride)",
            "cin: \(stored)", "cout: \(conv.outChannels)", "lanes: \(lanes)",
            "kh: \(g.kernelHeight)", "kw: \(g.kernelWidth)", "sh: \(g.strideHeight)", "sw: \(g.strideWidth)",
            "outHeight: \(g.outputHeight)", "outWidth: \(g.outputWidth)",
            "relu: \(step.epilogue.relu ? 1 : 0)", "pool: \(step.epilogue.pool ? 1 : 0)",
        ]
        out.run.line(kernelCall("bf16", settings))
    }
}

// The run() pieces both C-kernel emitters (bf16, int8) write the same way.

/// `keepFloat`: without dumps nothing reads the float copy of a value the next step takes
/// from the second output (check compares such runs with dumped ones bit for bit).
func keepFloatSetting(secondOutput: String) -> String {
    "keepFloat: " + (secondOutput == "nil" ? "1" : "dump == nil ? 0 : 1")
}

/// The kernel's settings, then its work units split over the threads
/// (`vggc_conv_<kind>_args`, `vggc_conv_<kind>_units`, `vggc_conv_<kind>`).
func kernelCall(_ kind: String, _ settings: [String]) -> String {
    "withUnsafePointer(to: vggc_conv_\(kind)_args(\(settings.joined(separator: ", ")))) { a in "
        + "parallelRanges(vggc_conv_\(kind)_units(a), threads) { vggc_conv_\(kind)(a, $0, $1, kernelTier) } }"
}

/// The argument a kernel gets for weights packed as 32-bit words at float offset `offset`:
/// two bfloat16 weights (`WeightPacker.appendBF16`) or four int8 ones per word.
func packedWords(_ offset: Int) -> String {
    "UnsafeRawPointer(w + \(offset)).assumingMemoryBound(to: UInt32.self)"
}
