// Copied from Sources/VGGImage/DecodedImage+Channels.swift by vggc compile. Do not edit this copy: edit the original.
extension DecodedImage {
    /// ITU-R BT.601 luma weights, applied to the stored (gamma-encoded) values as most
    /// imaging libraries do (PIL's `convert("L")`, OpenCV's `cvtColor`).
    public static let lumaWeights: (red: Float, green: Float, blue: Float) = (0.299, 0.587, 0.114)

    /// The image with `toChannels` channels: 1 (gray) or 3 (RGB) — the two layouts a model
    /// input can have.
    ///
    /// Exact arithmetic (the compiled predictors reproduce it; all in Float, left to right):
    /// - Alpha is removed by compositing onto black: `v' = v * a / 255` per colour channel.
    ///   Black, because X-ray backgrounds (outside the collimated field) are black, so a
    ///   transparent margin should look like the rest of the background, not like white.
    /// - RGB → gray: `0.299 * r + 0.587 * g + 0.114 * b` on the (composited) values.
    /// - Gray → RGB: the gray value is replicated into all three channels.
    /// - Same channel count, no alpha: the samples are returned unchanged.
    ///
    /// - Precondition: `toChannels` is 1 or 3 (`InputSpec.validate()` guarantees this for
    ///   model inputs); anything else is a programming error.
    public func converting(toChannels target: Int) -> DecodedImage {
        precondition(target == 1 || target == 3, "converting(toChannels:) supports 1 or 3 channels, got \(target)")
        if target == channels { return self }
        let out = samples.withUnsafeBufferPointer { s in
            Self.convertPixels(width * height, from: channels, to: target) { s[$0] }
        }
        return DecodedImage(width: width, height: height, channels: target, samples: out, bitDepth: bitDepth)
    }

    /// The conversion of `converting(toChannels:)` over `pixels` pixels of `source` channels,
    /// reading sample `i` with `sample(i)`. One definition for the decoder, which converts
    /// while widening (no full-size Float copy of all source channels), and for
    /// `converting`, so both give the same bits.
    @inline(__always)
    static func convertPixels(_ pixels: Int, from source: Int, to target: Int, sample: (Int) -> Float) -> [Float] {
        let (wr, wg, wb) = Self.lumaWeights
        return [Float](unsafeUninitializedCapacity: pixels * target) { buffer, initialized in
            for p in 0..<pixels {
                let i = p * source
                // Colour channels after compositing onto black.
                let r: Float, g: Float, b: Float
                switch source {
                case 1:
                    r = sample(i); g = r; b = r
                case 2:
                    r = sample(i) * sample(i + 1) / 255; g = r; b = r
                case 3:
                    r = sample(i); g = sample(i + 1); b = sample(i + 2)
                default:
                    let a = sample(i + 3)
                    r = sample(i) * a / 255; g = sample(i + 1) * a / 255; b = sample(i + 2) * a / 255
                }
                if target == 1 {
                    // Gray sources (1, 2) stay gray: no luma weights on replicated values,
                    // so gray+alpha → gray is exactly `v * a / 255`.
                    buffer[p] = source <= 2 ? r : wr * r + wg * g + wb * b
                } else {
                    buffer[3 * p] = r; buffer[3 * p + 1] = g; buffer[3 * p + 2] = b
                }
            }
            initialized = pixels * target
        }
    }
}
