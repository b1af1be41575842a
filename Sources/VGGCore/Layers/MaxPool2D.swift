/// Max pooling: `out[y, x, c] = max over the window of in[…, c]`; padding never wins
/// (it counts as −∞). Exact: the engine and every predictor must agree bit for bit.
public struct MaxPool2D: LayerSettings {
    public static let kind = LayerKind.maxPool2D
    public var window: PoolWindow
    public init(_ window: PoolWindow = PoolWindow()) { self.window = window }
    public func validate(layer: String) throws { try window.validate(layer: layer) }
    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        try window.outputShape(for: input, layer: layer, kind: Self.kind)
    }
    public var summary: String { window.summary }
    public func encode(into w: inout ByteWriter) { window.encode(into: &w) }
    public static func decode(from r: inout ByteReader, layer: String) throws -> MaxPool2D {
        MaxPool2D(try PoolWindow.decode(from: &r, layer: layer))
    }
}
