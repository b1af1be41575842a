/// Batch normalization in its inference form, per channel (the last dimension):
/// `out = gamma · (in − mean) / sqrt(variance + epsilon) + beta`.
///
/// Parameters (each `[channels]`): `gamma`, `beta`, `mean`, `variance`. Works on images and on
/// vectors. The code generator folds it into the preceding convolution; the engine applies
/// it as written, so `check` compares the folding against the definition.
public struct BatchNorm: LayerSettings {
    public static let kind = LayerKind.batchNorm
    public var channels: Int
    public var epsilon: Float

    public init(channels: Int, epsilon: Float = 1e-3) {
        self.channels = channels
        self.epsilon = epsilon
    }

    public func validate(layer: String) throws {
        try check(channels, in: 1...maximumChannels, layer: layer, "channels")
        guard epsilon.isFinite, epsilon > 0, epsilon < 1 else {
            throw ModelError.invalidSetting(layer: layer, setting: "epsilon", value: "\(epsilon)",
                                            expected: "a finite value in (0, 1)")
        }
    }

    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        guard input.channels == channels else {
            throw ModelError.impossibleShape(layer: layer,
                reason: "input has \(input.channels) channels but batch norm has \(channels)")
        }
        return input
    }

    public func parameters(for input: ActivationShape) -> [ParameterSlot] {
        ["gamma", "beta", "mean", "variance"].map { ParameterSlot($0, [channels]) }
    }

    public var summary: String { "\(channels) channels, ε=\(epsilon)" }

    public func encode(into w: inout ByteWriter) {
        w.u32(channels)
        w.f32(epsilon)
    }

    public static func decode(from r: inout ByteReader, layer: String) throws -> BatchNorm {
        BatchNorm(channels: try r.u32("\(layer).channels"), epsilon: try r.f32("\(layer).epsilon"))
    }
}
