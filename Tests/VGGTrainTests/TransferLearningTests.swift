import Testing
import VGGCore
import VGGEngine
@testable import VGGTrain

@Test func transferModelKeepsTheBaseAndAddsAHead() throws {
    let base = try tinyModel(seed: 4, head: .small(hidden: 8, dropout: 0.5))
    let length = try TransferLearning.baseLength(of: base)
    #expect(base.layers[length].name == "flatten")
    let model = try TransferLearning.model(base: base, head: .small(hidden: 12, dropout: 0.3), labels: ["x", "y", "z"], seed: 2)
    #expect(model.labels == ["x", "y", "z"])
    for named in base.layers[..<length] { #expect(model.layers.contains(named)) }
    for (name, tensor) in base.tensors where !name.hasPrefix("fc") && !name.hasPrefix("predictions") {
        #expect(model.tensors[name] == tensor, "\(name) must keep the base's weights")
    }
    #expect(model.layers.suffix(from: length).allSatisfy { $0.name.hasPrefix("head_") })
    let trainable = try TransferLearning.trainableLayers(of: model, baseLength: length, unfreezeLast: 1)
    #expect(trainable.contains("block5_conv2") && trainable.contains("block5_bn2") && !trainable.contains("block5_conv1"))
    #expect(trainable.contains("head_predictions"))
    #expect(throws: TrainingError.self) {
        try TransferLearning.baseLength(of: Model(input: InputSpec(height: 2, width: 2, channels: 1), labels: ["a", "b"],
                                                  layers: [NamedLayer("f", .flatten(Flatten()))]))
    }
}

@Test func headTrainedOnCachedFeaturesEqualsTheFullNetwork() throws {
    let base = try tinyModel(seed: 4)
    let model = try TransferLearning.model(base: base, head: .small(hidden: 8, dropout: 0), labels: ["left", "right"], seed: 2)
    let length = try TransferLearning.baseLength(of: base)
    let full = try TrainingNetwork(model: model, threads: 2) { _ in false }
    let data = patternImages(count: 24, seed: 1)
    let features = FeatureCache.features(of: data, network: full, baseLength: length, batchSize: 5)
    #expect(features.count == 24 && features.shape == full.shapes[length])
    let head = try TrainingNetwork(model: try TransferLearning.headModel(of: model, baseLength: length), threads: 2)
    var o = TrainingOptions(); o.epochs = 2; o.batchSize = 8; o.optimizer.learningRate = 1e-2
    _ = try Trainer(network: head, options: o, train: features, validation: nil).run()
    full.copyParameters(from: head)
    // The frozen base is untouched and the head's new weights now sit in the full model:
    // the full network on images equals the head on cached features.
    for (name, tensor) in base.tensors where name.hasPrefix("block") { #expect(full.store.values[name] == tensor.data) }
    let viaFull = Trainer.predict(full, data).probabilities
    let viaHead = Trainer.predict(head, features).probabilities
    for (a, b) in zip(viaFull.joined(), viaHead.joined()) { #expect(abs(a - b) < 1e-5) }
    // And the engine agrees with the exported model.
    let engine = try Engine(model: full.exportModel(), threads: 1)
    let p = try engine.probabilities(Array(data.inputs[0..<data.elementCount]))
    #expect(abs(p[0][0] - viaFull[0][0]) < 1e-4)
}

@Test func frozenLayersDoNotMove() throws {
    let model = try tinyModel(seed: 3, head: .small(hidden: 8, dropout: 0))
    let network = try TrainingNetwork(model: model, threads: 2) { $0.hasPrefix("fc") || $0 == "predictions" }
    var o = TrainingOptions(); o.epochs = 1; o.batchSize = 8
    _ = try Trainer(network: network, options: o, train: patternImages(count: 16, seed: 1), validation: nil).run()
    for (name, tensor) in model.tensors {
        let moved = network.store.values[name] != tensor.data
        #expect(moved == (name.hasPrefix("fc") || name.hasPrefix("predictions")), "\(name)")
    }
}
