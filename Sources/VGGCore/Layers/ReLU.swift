/// Rectified linear unit, element-wise: `out = max(in, 0)`. Any shape; exact.
public struct ReLU: LayerSettings {
    public static let kind = LayerKind.relu
    public init() {}
    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape { input }
    public static func decode(from r: inout ByteReader, layer: String) throws -> ReLU { .init() }
}
