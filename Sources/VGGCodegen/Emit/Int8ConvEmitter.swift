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
struct Int8Conv {
    let layer: Int8Layer
    let channels: Int     // input channels (conv) or features (dense)
    let outputs: Int
    let g: WindowGeometry?  // nil for dense
    let input: Storage
    let output: Storage
    let relu: Bool
    let pool: Bool
    /// Fault injection: shift the window one pixel right (always, or only without dumps).
    var shifted = false
    var shiftedUnobserved = false
    var lanes: Int { convLanes(outputs) }
    var blocks: Int { (outputs + lanes - 1) / lanes }

    /// Input codes per pixel: channels rounded up to whole 4-byte words.
    static func storedChannels(_ channels: Int) -> Int { (channels + 3) / 4 * 4 }
    var stored: Int { g == nil ? channels : Int8Conv.storedChannels(channels) }
    var inputPixels: Int { g == nil ? 1 : input.paddedHeight * input.paddedWidth }
    /// Plus one pixel: a kernel built with a shifted-window test fault reads one pixel past its input.
    var inputElements: Int { (inputPixels + 1) * stored }

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

    /// Fills the u8 buffer `codes` from the float input `x` (border included).
    func quantizingPass(x: String, into codes: String) -> String {
        "parallelRanges(\(inputPixels), threads) { vggc_quantize_u8(\(x), \(codes), \(literal(layer.inverseInputScale)), "
            + "\(channels), \(stored), $0, $1) }"
    }

    /// The run() line. `yq`: the next int8 step's code buffer (at this output's origin) or nil.
    func call(codes: String, y: String, yq: String, nextInverse: Float, weights: String, scale: String, bias: String) -> String {
        let (kh, kw, sh, sw, oh, ow) = g.map { ($0.kernelHeight, $0.kernelWidth, $0.strideHeight, $0.strideWidth, $0.outputHeight, $0.outputWidth) }
            ?? (1, 1, 1, 1, 1, 1)
        let settings = [
            "x: UnsafePointer(\(codes))", "w: \(weights)", "scale: \(scale)", "bias: \(bias)", "y: \(y) + \(output.origin)",
            "yq: \(yq)", "nextInverse: \(literal(nextInverse))",
            keepFloatSetting(secondOutput: yq),
            "xRowStride: \(g == nil ? 0 : input.paddedWidth * stored)", "yRowStride: \(g == nil ? 0 : output.rowStride)",
            "cin: \(stored)", "cout: \(outputs)", "lanes: \(lanes)", "kh: \(kh)", "kw: \(kw)", "sh: \(sh)", "sw: \(sw)",
            "outHeight: \(oh)", "outWidth: \(ow)", "relu: \(relu ? 1 : 0)", "pool: \(pool ? 1 : 0)",
            shiftSetting(always: shifted, unobserved: shiftedUnobserved, pixel: stored),
        ]
        return kernelCall("int8", settings)
    }
}
