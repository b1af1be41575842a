/// Max and average pooling share their settings and window geometry with convolution,
/// so a pool and a conv with the same kernel/stride/padding see the same windows.

/// The settings both 2-D pools carry.
public struct PoolWindow: Equatable, Sendable {
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padding: Padding

    public init(kernel: Int = 2, stride: Int = 2, padding: Padding = .valid) {
        self.init(kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride, padding: padding)
    }
    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding) {
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padding = padding
    }

    public func validate(layer: String) throws {
        try check(kernelHeight, in: 1...64, layer: layer, "kernelHeight")
        try check(kernelWidth, in: 1...64, layer: layer, "kernelWidth")
        try check(strideHeight, in: 1...64, layer: layer, "strideHeight")
        try check(strideWidth, in: 1...64, layer: layer, "strideWidth")
        try padding.validate(layer: layer, kernel: (kernelHeight, kernelWidth))
    }

    public func geometry(for input: ActivationShape, layer: String, kind: LayerKind) throws -> WindowGeometry {
        let (h, w, _) = try requireImage(input, layer: layer, kind: kind)
        return try WindowGeometry(layer: layer, inputHeight: h, inputWidth: w,
                                  kernel: (kernelHeight, kernelWidth),
                                  stride: (strideHeight, strideWidth), padding: padding)
    }

    func outputShape(for input: ActivationShape, layer: String, kind: LayerKind) throws -> ActivationShape {
        let g = try geometry(for: input, layer: layer, kind: kind)
        return .image(height: g.outputHeight, width: g.outputWidth, channels: input.channels)
    }

    var summary: String {
        let k = kernelHeight == kernelWidth ? "\(kernelHeight)×\(kernelHeight)" : "\(kernelHeight)×\(kernelWidth)"
        let s = strideHeight == strideWidth ? "s\(strideHeight)" : "s\(strideHeight)×\(strideWidth)"
        return "\(k) \(s) \(padding)"
    }

    func encode(into w: inout ByteWriter) {
        for v in [kernelHeight, kernelWidth, strideHeight, strideWidth] { w.u32(v) }
        padding.encode(into: &w)
    }

    static func decode(from r: inout ByteReader, layer: String) throws -> PoolWindow {
        let kh = try r.u32("\(layer).kernelHeight"), kw = try r.u32("\(layer).kernelWidth")
        let sh = try r.u32("\(layer).strideHeight"), sw = try r.u32("\(layer).strideWidth")
        return PoolWindow(kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                          padding: try Padding.decode(from: &r, layer: layer))
    }
}
