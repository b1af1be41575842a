/// How an image becomes the network's input tensor.
///
/// A decoded pixel sample `p` is on the 0...255 scale (16-bit files map to it exactly:
/// `p = v16 / 257`). The network sees `(p · pixelScale − mean[c]) / std[c]` per channel,
/// after the image was converted to `channels` (1 = gray, 3 = RGB) and resized to
/// `height × width` with `resize`.
public struct InputSpec: Equatable, Sendable {
    public var height: Int
    public var width: Int
    public var channels: Int
    public var pixelScale: Float
    public var mean: [Float]
    public var std: [Float]
    public var resize: ResizeFilter

    public init(height: Int, width: Int, channels: Int, pixelScale: Float = 1.0 / 255.0,
                mean: [Float]? = nil, std: [Float]? = nil, resize: ResizeFilter = .area) {
        self.height = height; self.width = width; self.channels = channels
        self.pixelScale = pixelScale
        self.mean = mean ?? Array(repeating: 0, count: channels)
        self.std = std ?? Array(repeating: 1, count: channels)
        self.resize = resize
    }

    public var shape: ActivationShape { .image(height: height, width: width, channels: channels) }

    public func validate() throws {
        for (field, v) in [("height", height), ("width", width)] where !(1...16_384).contains(v) {
            throw ModelError.invalidInput(field: field, value: "\(v)", expected: "1...16384")
        }
        // Images supply 1 (gray) or 3 (RGB) channels; other counts are for raw tensor input.
        guard (1...4096).contains(channels) else {
            throw ModelError.invalidInput(field: "channels", value: "\(channels)", expected: "1...4096 (1 gray, 3 RGB)")
        }
        guard checkedElementCount([height, width, channels]) != nil else {
            throw ModelError.invalidInput(field: "height×width×channels", value: "\(height)×\(width)×\(channels)",
                                          expected: "at most \(maximumElementCount) elements")
        }
        guard pixelScale.isFinite, pixelScale > 0 else {
            throw ModelError.invalidInput(field: "pixelScale", value: "\(pixelScale)", expected: "a finite value > 0")
        }
        guard mean.count == channels, std.count == channels else {
            throw ModelError.invalidInput(field: "mean/std count", value: "\(mean.count)/\(std.count)",
                                          expected: "\(channels) each (one per channel)")
        }
        for (c, m) in mean.enumerated() where !m.isFinite {
            throw ModelError.invalidInput(field: "mean[\(c)]", value: "\(m)", expected: "a finite value")
        }
        for (c, s) in std.enumerated() where !(s.isFinite && s > 0) {
            throw ModelError.invalidInput(field: "std[\(c)]", value: "\(s)", expected: "a finite value > 0")
        }
    }

    /// Maps a 0...255 pixel sample of channel `c` to the network's input value.
    @inline(__always)
    public func normalize(_ pixel: Float, channel c: Int) -> Float {
        (pixel * pixelScale - mean[c]) / std[c]
    }

    /// The input value range a real image can produce, per channel (used for random tests).
    public func valueRange(channel c: Int) -> ClosedRange<Float> {
        normalize(0, channel: c)...normalize(255, channel: c)
    }

    public func encode(into w: inout ByteWriter) {
        w.u32(height); w.u32(width); w.u32(channels)
        w.f32(pixelScale)
        for m in mean { w.f32(m) }
        for s in std { w.f32(s) }
        w.u8(resize.rawValue)
    }

    public static func decode(from r: inout ByteReader) throws -> InputSpec {
        let h = try r.u32("input.height"), w = try r.u32("input.width"), c = try r.u32("input.channels")
        // Checked before the per-channel arrays are allocated.
        guard (1...4096).contains(c) else {
            throw ModelError.invalidInput(field: "channels", value: "\(c)", expected: "1...4096 (1 gray, 3 RGB)")
        }
        let scale = try r.f32("input.pixelScale")
        let mean = try (0..<c).map { try r.f32("input.mean[\($0)]") }
        let std = try (0..<c).map { try r.f32("input.std[\($0)]") }
        let filter = try r.u8("input.resize")
        guard let resize = ResizeFilter(rawValue: filter) else {
            throw ModelError.invalidInput(field: "resize", value: "\(filter)", expected: "0 (area) or 1 (bilinear)")
        }
        return InputSpec(height: h, width: w, channels: c, pixelScale: scale, mean: mean, std: std, resize: resize)
    }
}
