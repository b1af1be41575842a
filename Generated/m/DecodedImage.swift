// Copied from Sources/VGGImage/DecodedImage.swift by vggc compile. Do not edit this copy: edit the original.
/// A decoded image with samples on the 0...255 scale, whatever the file's bit depth.
///
/// Layout: `samples[(y * width + x) * channels + c]` (interleaved, row-major, top row first).
/// Channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (alpha last, straight i.e. not premultiplied).
///
/// Scale: a file sample is first widened to 16 bits (8-bit `k` → `k · 257`, which is what
/// libpng's expand-to-16 does; lower PNG depths are first scaled to 8 bits by bit
/// replication), then stored as `Float(v16) / 257` — one correctly rounded IEEE division.
/// So 8-bit values are exact integers and 16-bit files keep their extra precision.
public struct DecodedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var samples: [Float]
    /// Bit depth of the file as stored (1, 2, 4, 8 or 16; JPEG is 8). Informational only.
    public var bitDepth: Int

    public init(width: Int, height: Int, channels: Int, samples: [Float], bitDepth: Int = 8) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels),
                     "DecodedImage: invalid shape \(width)×\(height)×\(channels)")
        precondition(samples.count == width * height * channels,
                     "DecodedImage: \(samples.count) samples for \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
        self.bitDepth = bitDepth
    }

    /// Whether the last channel is alpha (2 = gray+alpha, 4 = RGBA).
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The sample of channel `c` at column `x`, row `y`.
    public subscript(x x: Int, y y: Int, channel c: Int) -> Float {
        samples[(y * width + x) * channels + c]
    }
}
