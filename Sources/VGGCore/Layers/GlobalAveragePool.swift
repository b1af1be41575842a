/// Mean over all pixels per channel: `H×W×C` → vector `C` (Keras' GlobalAveragePooling2D).
public struct GlobalAveragePool: LayerSettings {
    public static let kind = LayerKind.globalAveragePool
    public init() {}
    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        let (_, _, c) = try requireImage(input, layer: layer, kind: Self.kind)
        return .vector(c)
    }
    public static func decode(from r: inout ByteReader, layer: String) throws -> GlobalAveragePool { .init() }
}
