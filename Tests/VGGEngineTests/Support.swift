import Testing
import VGGCore
@testable import VGGEngine

/// A one-layer-plus-softmax model around `layer`, so the engine (which only runs valid,
/// complete models) can be tested on one layer kind at a time.
func singleLayerModel(input: InputSpec, _ layers: [NamedLayer], seed: UInt64 = 1) throws -> Model {
    var model = Model(input: input, labels: [], layers: layers)
    let shapes = try model.inferShapes()
    var all = layers
    if case .image = shapes.last! { all.append(NamedLayer("flat", .flatten(Flatten()))) }
    all.append(NamedLayer("out", .softmax(Softmax())))
    model.layers = all
    let n = try model.inferShapes().last!.elementCount
    model.labels = (0..<max(n, 2)).map { "c\($0)" }
    if n < 2 {  // a single output cannot be a softmax over classes: widen with a dense layer
        model.layers.insert(NamedLayer("widen", .dense(Dense(inFeatures: n, outFeatures: 2))), at: model.layers.count - 1)
        model.labels = ["c0", "c1"]
    }
    model.randomizeParameters(seed: seed)
    return model
}
