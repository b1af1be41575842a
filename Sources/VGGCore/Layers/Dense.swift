/// Fully connected layer on a vector: `out[o] = bias[o] + Σ_i in[i] · weight[i, o]`.
///
/// Parameters: `weight` `[inFeatures, outFeatures]` (input-major, so one input feature's
/// row of weights is contiguous and a batch-1 pass streams the matrix once), `bias`
/// `[outFeatures]` if any.
public struct Dense: LayerSettings {
    public static let kind = LayerKind.dense
    public var inFeatures: Int
    public var outFeatures: Int
    public var hasBias: Bool

    public init(inFeatures: Int, outFeatures: Int, hasBias: Bool = true) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.hasBias = hasBias
    }

    public func validate(layer: String) throws {
        try check(inFeatures, in: 1...maximumElementCount, layer: layer, "inFeatures")
        try check(outFeatures, in: 1...maximumChannels, layer: layer, "outFeatures")
    }

    public func outputShape(for input: ActivationShape, layer: String) throws -> ActivationShape {
        let n = try requireVector(input, layer: layer, kind: Self.kind)
        guard n == inFeatures else {
            throw ModelError.impossibleShape(layer: layer,
                reason: "input has \(n) features but the dense layer expects \(inFeatures)")
        }
        return .vector(outFeatures)
    }

    public func parameters(for input: ActivationShape) -> [ParameterSlot] {
        let weight = ParameterSlot("weight", [inFeatures, outFeatures])
        return hasBias ? [weight, ParameterSlot("bias", [outFeatures])] : [weight]
    }

    public func multiplyAccumulates(input: ActivationShape, output: ActivationShape) -> Int {
        inFeatures * outFeatures
    }

    public var summary: String { "\(inFeatures)→\(outFeatures)\(hasBias ? "" : ", no bias")" }

    public func encode(into w: inout ByteWriter) {
        w.u32(inFeatures)
        w.u32(outFeatures)
        w.u8(hasBias ? 1 : 0)
    }

    public static func decode(from r: inout ByteReader, layer: String) throws -> Dense {
        let i = try r.u32("\(layer).inFeatures"), o = try r.u32("\(layer).outFeatures")
        let bias = try r.u8("\(layer).hasBias")
        guard bias <= 1 else {
            throw ModelError.invalidSetting(layer: layer, setting: "hasBias", value: "\(bias)", expected: "0 or 1")
        }
        return Dense(inFeatures: i, outFeatures: o, hasBias: bias == 1)
    }
}
