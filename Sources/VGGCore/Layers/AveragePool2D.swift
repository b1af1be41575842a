/// Average pooling over the window; padded positions are excluded from the count (ONNX
/// `count_include_pad = 0`, Keras' behaviour), so border outputs are true means.
public struct AveragePool2D: LayerSettings {
    public static let kind = LayerKind.averagePool2D
    public var window: PoolWindow
    public init(_ window: PoolWindow = PoolWindow()) { self.window = window }
    public func validate(layer: String) throws { try window.validate(layer: layer) }
    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        try window.outputShape(for: input, layer: layer, kind: Self.kind)
    }
    public var summary: String { window.summary }
    public func encode(into w: inout ByteWriter) { window.encode(into: &w) }
    public static func decode(from r: inout ByteReader, layer: String) throws -> AveragePool2D {
        AveragePool2D(try PoolWindow.decode(from: &r, layer: layer))
    }
}
