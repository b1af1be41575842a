/// Reshapes `H×W×C` to a vector of `H·W·C` in channels-last order (`(y·W + x)·C + c`);
/// a vector passes unchanged. A pure copy: exact. Models imported from channels-first
/// frameworks have their next dense layer's rows permuted to this order at import.
public struct Flatten: LayerSettings {
    public static let kind = LayerKind.flatten
    public init() {}
    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        .vector(input.elementCount)
    }
    public static func decode(from r: inout ByteReader, layer: String) throws -> Flatten { .init() }
}
