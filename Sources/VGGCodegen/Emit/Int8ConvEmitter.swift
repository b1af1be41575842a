import VGGCore

/// Emits one int8 step — a convolution, or a dense layer as a 1×1 convolution of a 1×1
/// image — as a call into the predictor's C kernel (`Sources/CPredictorKernels/int8_conv.c`,
/// `vggc_conv_int8`, on `vpdpbusd`: four u8 × s8 products per 32-bit lane, 4.3× the fp32
/// FMA rate), with the arithmetic of `Int8Layer` (Sources/VGGCore/Int8Quantization.swift).
///
/// The kernel reads input codes from a u8 buffer laid out like the float storage (same
/// border: code 0 is the value 0), with the channels rounded up to a multiple of 4; the step
/// before writes it as a second output (`yq`), or a quantization pass fills it. Weights are
/// packed four input channels per 32-bit word, `[block][kh][kw][cin/4][lanes]`.
struct Int8ConvEmitter: StepEmitter {
    let step: Schedule.Step
    let index: Int
    let layer: Int8Layer
    let channels: Int     // input channels (conv) or features (dense)
    let outputs: Int
    let g: WindowGeometry?  // nil for dense
    var input: Storage { step.input }
    var output: Storage { step.output }
    var lanes: Int { convLanes(outputs) }
    var blocks: Int { (outputs + lanes - 1) / lanes }

    init(step: Schedule.Step, index: Int, layer: Int8Layer) {
        (self.step, self.index, self.layer) = (step, index, layer)
        switch step.kind {
        case let .conv(conv, g, _): (channels, outputs, self.g) = (conv.inChannels, conv.outChannels, g)
        case let .dense(dense, _): (channels, outputs, g) = (dense.inFeatures, dense.outFeatures, nil)
        default: preconditionFailure("int8 quantizes convolutions and dense layers only: \(step.name)")
        }
    }

    /// Input codes per pixel: channels rounded up to whole 4-byte words.
    var stored: Int { g == nil ? channels : (channels + 3) / 4 * 4 }
    var inputPixels: Int { g == nil ? 1 : input.paddedHeight * input.paddedWidth }

    func packWeights(_ model: Model, into packer: inout WeightPacker) {
        packer.append(packedWeights, key: key("weight"))
        packer.append(padded(layer.outputScales, to: lanes), key: key("scale"))
        packer.append(padded(layer.bias, to: lanes), key: key("bias"))
    }

    var inputCopy: InputCopy? {
        InputCopy(kind: .codes, elements: inputPixels * stored, takesProducedCopy: stored == channels,
                  inverseScale: layer.inverseInputScale)
    }
    var producesCopy: InputCopy.Kind? { .codes }
    var kernelInputPixel: Int { stored }

    func registerKernels(_ kernels: inout KernelRegistry) -> String { "vggc_conv_int8" }

    /// The codes come from the step before (its kernel's second output) or a quantizing pass
    /// of the float input (border included); with `site.secondOutput` the kernel writes the
    /// next int8 step's codes too.
    func emitCall(_ out: inout StepCode, kernel: String, site: CallSite) {
        if !site.copyReady {
            out.run.line("parallelRanges(\(inputPixels), threads) { vggc_quantize_u8(\(site.x), \(site.copy), "
                         + "\(literal(layer.inverseInputScale)), \(channels), \(stored), $0, $1, kernelTier) }")
        }
        let (kh, kw, sh, sw, oh, ow) = g.map { ($0.kernelHeight, $0.kernelWidth, $0.strideHeight, $0.strideWidth, $0.outputHeight, $0.outputWidth) }
            ?? (1, 1, 1, 1, 1, 1)
        let settings = [
            "x: UnsafePointer(\(site.kernelInput(site.copy)))", "w: \(packedWords(site.offset("weight")))",
            "scale: \(site.parameter("scale"))", "bias: \(site.parameter("bias"))", "y: \(site.y) + \(output.origin)",
            "yq: \(site.secondOutput)", "nextInverse: \(literal(site.nextInverseScale))",
            keepFloatSetting(secondOutput: site.secondOutput),
            "xRowStride: \(g == nil ? 0 : input.paddedWidth * stored)", "yRowStride: \(g == nil ? 0 : output.rowStride)",
            "cin: \(stored)", "cout: \(outputs)", "lanes: \(lanes)", "kh: \(kh)", "kw: \(kw)", "sh: \(sh)", "sw: \(sw)",
            "outHeight: \(oh)", "outWidth: \(ow)", "relu: \(step.epilogue.relu ? 1 : 0)", "pool: \(step.epilogue.pool ? 1 : 0)",
        ]
        out.run.line(kernelCall("int8", settings))
    }

    /// `[block][kh][kw][cin/4][lanes]` words of four s8 weights, as floats' bit patterns.
    var packedWeights: [Float] {
        let taps = g.map { $0.kernelHeight * $0.kernelWidth } ?? 1, quads = stored / 4
        var words = [Float]()
        words.reserveCapacity(blocks * taps * quads * lanes)
        for b in 0..<blocks { for t in 0..<taps { for k in 0..<quads { for l in 0..<lanes {
            let o = b * lanes + l
            var word: UInt32 = 0
            for e in 0..<4 where o < outputs && 4 * k + e < channels {
                word |= UInt32(UInt8(bitPattern: layer.weights[(t * channels + 4 * k + e) * outputs + o])) << (8 * e)
            }
            words.append(Float(bitPattern: word))
        } } } }
        return words
    }
}
