/// Softmax over a vector: `out[i] = exp(in[i] − max) / Σ_j exp(in[j] − max)`. Subtracting
/// the maximum first keeps it finite for any finite logits. One of the two output layers.
public struct Softmax: LayerSettings {
    public static let kind = LayerKind.softmax
    public init() {}
    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        .vector(try requireVector(input, layer: layer, kind: Self.kind))
    }
    public static func decode(from r: inout ByteReader, layer: String) throws -> Softmax { .init() }
}
