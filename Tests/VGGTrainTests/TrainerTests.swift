import Testing
import VGGImage
import VGGCore
@testable import VGGTrain

/// A learnable pattern: a bright square in the left half (class "left") or the right half
/// ("right") of a 32×32 gray image with noise. Seeded, so every run sees the same images.
func patternImages(count: Int, seed: UInt64) -> DecodedDataset {
    var rng = SeededGenerator(seed: seed)
    var inputs: [Float] = [], labels: [Int] = []
    for i in 0..<count {
        let label = i % 2
        var image = (0..<(32 * 32)).map { _ in rng.uniform(0...0.3) }
        let x0 = label == 0 ? Int(rng.uniform(1...9)) : Int(rng.uniform(18...25))
        let y0 = Int(rng.uniform(2...22))
        for y in y0..<(y0 + 7) { for x in x0..<(x0 + 6) { image[y * 32 + x] = rng.uniform(0.7...1) } }
        inputs += image
        labels.append(label)
    }
    return DecodedDataset(classes: ["left", "right"], shape: .image(height: 32, width: 32, channels: 1), inputs: inputs,
                        labels: labels, sources: (0..<count).map { "synthetic\($0)" })
}

func tinyModel(seed: UInt64 = 1, output: OutputActivation = .softmax, head: ClassifierHead = .globalPool) throws -> Model {
    try Model.vgg(VGGConfiguration(depth: .vgg11, batchNorm: true, widthMultiplier: 0.0625,
                                   input: InputSpec(height: 32, width: 32, channels: 1), labels: ["left", "right"],
                                   head: head, output: output), seed: seed)
}

func options(epochs: Int, seed: UInt64 = 7, lr: Float = 3e-3, threads: Int = 2) -> TrainingOptions {
    var o = TrainingOptions()
    o.epochs = epochs
    o.batchSize = 16
    o.optimizer = OptimizerSettings(learningRate: lr)
    o.seed = seed
    o.threads = threads
    return o
}

@Test func learnsASyntheticPatternQuickly() throws {
    let network = try TrainingNetwork(model: try tinyModel(), threads: 2)
    var o = options(epochs: 20)
    o.stopAtAccuracy = StopAtAccuracy(threshold: 0.95, monitor: .validation)
    let trainer = try Trainer(network: network, options: o, train: patternImages(count: 96, seed: 1),
                              validation: patternImages(count: 48, seed: 2))
    let outcome = try trainer.run()
    #expect(outcome.stopReason == .reachedAccuracy(0.95, .validation), "history: \(outcome.history.epochs.map(\.validationAccuracy))")
    // The exported model, run by the engine's semantics, keeps what was learned.
    let unseen = patternImages(count: 40, seed: 3)
    let accuracy = Trainer.predict(network, unseen).accuracy
    #expect(accuracy >= 0.9, "accuracy on unseen images \(accuracy)")
}

@Test func sigmoidOutputAndDenseHeadTrainToo() throws {
    let network = try TrainingNetwork(model: try tinyModel(output: .sigmoid, head: .small(hidden: 16, dropout: 0.25)), threads: 2)
    let trainer = try Trainer(network: network, options: options(epochs: 12), train: patternImages(count: 96, seed: 1),
                              validation: patternImages(count: 48, seed: 2))
    let outcome = try trainer.run()
    #expect((outcome.history.epochs.map { $0.validationAccuracy ?? 0 }.max() ?? 0) >= 0.85)
}

@Test func sameSeedGivesTheSameWeightsWhateverTheThreads() throws {
    func train(seed: UInt64, threads: Int) throws -> [String: [Float]] {
        let network = try TrainingNetwork(model: try tinyModel(head: .small(hidden: 8, dropout: 0.5)), threads: threads)
        var o = options(epochs: 2, seed: seed, threads: threads)
        o.augmentation = .xray
        _ = try Trainer(network: network, options: o, train: patternImages(count: 40, seed: 1), validation: nil).run()
        return network.store.values
    }
    let a = try train(seed: 5, threads: 2)
    #expect(a == (try train(seed: 5, threads: 2)))
    #expect(a == (try train(seed: 5, threads: 1)))
    #expect(a != (try train(seed: 6, threads: 2)))
}

@Test func stopAtAccuracyWatchesTheChosenAccuracy() throws {
    let network = try TrainingNetwork(model: try tinyModel(), threads: 2)
    var o = options(epochs: 5)
    o.stopAtAccuracy = StopAtAccuracy(threshold: 0.01, monitor: .training)
    let outcome = try Trainer(network: network, options: o, train: patternImages(count: 32, seed: 1), validation: nil).run()
    #expect(outcome.stopReason == .reachedAccuracy(0.01, .training))
    #expect(outcome.history.epochs.count == 1 && outcome.keptEpoch == 1)
    #expect(throws: TrainingError.self) { try StopAtAccuracy(threshold: 1.5).validate() }
}

@Test func earlyStoppingRestoresTheBestEpoch() throws {
    // Validation labels are noise, so the validation loss soon stops improving.
    var validation = patternImages(count: 32, seed: 2)
    var rng = SeededGenerator(seed: 9)
    validation.labels = validation.labels.map { _ in Int(rng.next() % 2) }
    let network = try TrainingNetwork(model: try tinyModel(), threads: 2)
    var o = options(epochs: 30, lr: 1e-2)
    o.earlyStopping = EarlyStopping(patience: 2)
    let trainer = try Trainer(network: network, options: o, train: patternImages(count: 64, seed: 1), validation: validation)
    let outcome = try trainer.run()
    guard case let .earlyStopping(best) = outcome.stopReason else {
        Issue.record("expected early stopping, got \(outcome.stopReason)"); return
    }
    let losses = outcome.history.epochs.map { $0.validationLoss! }
    #expect(outcome.history.epochs.count == best + 2)
    #expect(losses.firstIndex(of: losses.min()!)! + 1 == best)
    // The network holds the best epoch's weights again: its validation loss is that epoch's.
    #expect(abs(trainer.evaluate(validation).loss - losses[best - 1]) < 1e-9)
}

@Test func interruptionStopsAfterTheCurrentBatch() throws {
    let network = try TrainingNetwork(model: try tinyModel(), threads: 2)
    let trainer = try Trainer(network: network, options: options(epochs: 3), train: patternImages(count: 48, seed: 1), validation: nil)
    var batches = 0
    trainer.onBatch = { _ in batches += 1 }
    trainer.shouldStop = { batches >= 2 }
    let outcome = try trainer.run()
    #expect(outcome.stopReason == .interrupted && batches == 2 && outcome.keptEpoch == 0)
    // No epoch finished: the network is back at its starting weights, not mid-epoch.
    let fresh = try TrainingNetwork(model: try tinyModel(), threads: 2)
    #expect(network.store.values == fresh.store.values)
}

@Test func learningRateSchedules() throws {
    var step = LearningRateController(schedule: try LearningRateSchedule(parsing: "step:2:0.5"), base: 1, epochs: 6)
    #expect((1...5).map { step.rate(forEpoch: $0, previousValidationLoss: nil) } == [1, 1, 0.5, 0.5, 0.25])
    var cosine = LearningRateController(schedule: try LearningRateSchedule(parsing: "cosine:0.1"), base: 1, epochs: 3)
    let c = (1...3).map { cosine.rate(forEpoch: $0, previousValidationLoss: nil) }
    #expect(c[0] == 1 && abs(c[1] - 0.55) < 1e-6 && abs(c[2] - 0.1) < 1e-6)
    var plateau = LearningRateController(schedule: try LearningRateSchedule(parsing: "plateau:2:0.1"), base: 1, epochs: 9)
    let p = [nil, 1.0, 0.9, 0.95, 0.95, 0.8].enumerated().map { plateau.rate(forEpoch: $0 + 1, previousValidationLoss: $1) }
    #expect(p == [1, 1, 1, 1, 0.1, 0.1])
    for bad in ["", "step", "step:0:0.5", "cosine:2", "plateau:2:1.5", "linear"] {
        #expect(throws: TrainingError.self) { try LearningRateSchedule(parsing: bad) }
    }
}

@Test func optimizerSteps() throws {
    let store = ParameterStore(values: ["l.weight": [1, 1], "l.bias": [0]], trainable: ["l.weight", "l.bias"])
    store.gradients = ["l.weight": [0.5, -2], "l.bias": [1]]
    let adam = Optimizer(OptimizerSettings(kind: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-7), learningRate: 0.1, weightDecay: 0.01))
    adam.step(store, learningRate: 0.1)
    // First Adam step: m̂/√v̂ = sign(g), so each parameter moves by lr (plus decay on weights).
    #expect(abs(store.values["l.weight"]![0] - (1 - 0.1 - 0.1 * 0.01)) < 1e-5)
    #expect(abs(store.values["l.weight"]![1] - (1 + 0.1 - 0.1 * 0.01)) < 1e-5)
    #expect(abs(store.values["l.bias"]![0] - (-0.1)) < 1e-5, "no decay on biases")
    let sgd = Optimizer(OptimizerSettings(kind: .sgd(momentum: 0.9), learningRate: 0.1))
    store.values = ["l.weight": [1, 1], "l.bias": [0]]
    sgd.step(store, learningRate: 0.1)
    sgd.step(store, learningRate: 0.1)
    // u1 = g, u2 = 0.9g + g = 1.9g; θ = 1 − 0.1·(g + 1.9g) = 1 − 0.29g.
    #expect(abs(store.values["l.weight"]![0] - (1 - 0.29 * 0.5)) < 1e-6)
    #expect(throws: TrainingError.self) { try OptimizerSettings(learningRate: -1).validate() }
    #expect(throws: TrainingError.self) { try OptimizerSettings(kind: .sgd(momentum: 1), learningRate: 0.1).validate() }
}

@Test func trainerRejectsMismatchedData() throws {
    let network = try TrainingNetwork(model: try tinyModel(), threads: 1)
    var data = patternImages(count: 4, seed: 1)
    data.classes = ["a", "b"]
    #expect(throws: TrainingError.self) { try Trainer(network: network, options: options(epochs: 1), train: data, validation: nil) }
    var badLabel = patternImages(count: 4, seed: 1)
    badLabel.labels[3] = 7
    #expect(throws: TrainingError.self) { try Trainer(network: network, options: options(epochs: 1), train: badLabel, validation: nil) }
    var otherClasses = patternImages(count: 4, seed: 2)
    otherClasses.classes = ["x", "y"]
    #expect(throws: TrainingError.self) {
        try Trainer(network: network, options: options(epochs: 1), train: patternImages(count: 4, seed: 1), validation: otherClasses)
    }
    var bad = options(epochs: 0)
    #expect(throws: TrainingError.self) { try Trainer(network: network, options: bad, train: patternImages(count: 4, seed: 1), validation: nil) }
    bad = options(epochs: 1); bad.batchSize = 0
    #expect(throws: TrainingError.self) { try bad.validate() }
    var lonely = Model(input: InputSpec(height: 2, width: 2, channels: 1), labels: ["a", "b"],
                       layers: [NamedLayer("f", .flatten(Flatten())), NamedLayer("d", .dense(Dense(inFeatures: 4, outFeatures: 3))),
                                NamedLayer("s", .sigmoid(Sigmoid()))])
    lonely.labels = ["a", "b", "c"]
    lonely.initializeParameters(seed: 1)
    #expect(throws: TrainingError.self) { try TrainingNetwork(model: lonely) }
}

/// Library errors name settings, never command-line flags (the CLI maps them).
@Test func invalidSettingsNameTheSettingNotAFlag() throws {
    var bad = options(epochs: 0)
    #expect(throws: TrainingError.invalidSetting(.epochs, value: "0", expected: "1...100000")) { try bad.validate() }
    bad = options(epochs: 1)
    bad.batchSize = 0
    let error = #expect(throws: TrainingError.self) { try bad.validate() }
    #expect(error?.description == "batch size is \"0\", expected 1...4096")
}
