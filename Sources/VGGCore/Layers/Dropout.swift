/// Dropout. At inference it is the identity (Keras/PyTorch scale at training time), so the
/// engine and predictors copy; the rate is kept for training and for round trips.
public struct Dropout: LayerSettings {
    public static let kind = LayerKind.dropout
    public var rate: Float
    public init(rate: Float = 0.5) { self.rate = rate }

    public func validate(layer: String) throws {
        guard rate.isFinite, rate >= 0, rate < 1 else {
            throw ModelError.invalidSetting(layer: layer, setting: "rate", value: "\(rate)", expected: "0 ≤ rate < 1")
        }
    }
    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape { input }
    public var summary: String { "rate \(rate) (identity at inference)" }
    public func encode(into w: inout ByteWriter) { w.f32(rate) }
    public static func decode(from r: inout ByteReader, layer: String) throws -> Dropout {
        Dropout(rate: try r.f32("\(layer).rate"))
    }
}
