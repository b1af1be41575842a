/// Logistic sigmoid per element: `out = 1 / (1 + exp(−in))`. As the output layer of a
/// one-unit binary model it gives P(second label); the first label gets `1 − out`.
public struct Sigmoid: LayerSettings {
    public static let kind = LayerKind.sigmoid
    public init() {}
    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        .vector(try requireVector(input, layer: layer, kind: Self.kind))
    }
    public static func decode(from r: inout ByteReader, layer: String) throws -> Sigmoid { .init() }
}
