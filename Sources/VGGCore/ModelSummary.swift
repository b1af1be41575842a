/// What `vggc inspect` reports per layer and in total.
public struct LayerSummary: Sendable {
    public var name: String
    public var kind: LayerKind
    public var settings: String
    public var output: ActivationShape
    public var parameters: Int
    public var multiplyAccumulates: Int
}

public struct ModelSummary: Sendable {
    public var layers: [LayerSummary]
    public var input: ActivationShape
    public var totalParameters: Int
    public var totalMultiplyAccumulates: Int
    /// Bytes of float32 activations alive at the worst moment for one image, when each
    /// layer reads one buffer and writes another (the engine's ping-pong scheme).
    public var peakActivationBytes: Int

    public init(_ model: Model) throws {
        let shapes = try model.inferShapes()
        input = shapes[0]
        layers = []
        var peak = 0
        for (i, named) in model.layers.enumerated() {
            let s = named.layer.settings
            let params = s.parameters(for: shapes[i]).reduce(0) { $0 + $1.shape.reduce(1, *) }
            layers.append(LayerSummary(name: named.name, kind: named.layer.kind, settings: s.summary,
                                       output: shapes[i + 1], parameters: params,
                                       multiplyAccumulates: s.multiplyAccumulates(input: shapes[i], output: shapes[i + 1])))
            peak = max(peak, (shapes[i].elementCount + shapes[i + 1].elementCount) * 4)
        }
        totalParameters = layers.reduce(0) { $0 + $1.parameters }
        totalMultiplyAccumulates = layers.reduce(0) { $0 + $1.multiplyAccumulates }
        peakActivationBytes = peak
    }
}
