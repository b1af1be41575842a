import Testing
import VGGCore
import VGGImage
@testable import VGGTrain

private func transferSetup() throws -> (Model, Int, DecodedDataset, DecodedDataset) {
    let base = try tinyModel(seed: 4)
    let model = try TransferLearning.model(base: base, head: .small(hidden: 8, dropout: 0), labels: ["left", "right"],
                                           seed: 2)
    let length = try TransferLearning.baseLength(of: base)
    return (model, length, patternImages(count: 24, seed: 1), patternImages(count: 12, seed: 9))
}

private func headOptions(epochs: Int) -> TrainingOptions {
    var o = options(epochs: epochs, lr: 1e-2)
    o.batchSize = 8
    return o
}

@Test func headOnlyTransferKeepsTheBaseAndReportsItsPhases() throws {
    let (model, length, train, validation) = try transferSetup()
    var policy = FrozenBaseTraining()
    var phases: [FrozenBaseTraining.Phase] = [], cached = 0
    policy.configure = { _, phase in phases.append(phase) }
    policy.onEvent = { if case let .caching(done, _) = $0 { cached = done } }
    let outcome = try policy.run(model, baseLength: length, options: headOptions(epochs: 2), train: train,
                                 validation: validation)
    #expect(phases == [.head] && cached == train.count)
    #expect(outcome.history.epochs.count == 2 && outcome.keptEpoch == 2)
    let trained = outcome.network.exportModel()
    for named in model.layers[..<length] {
        for (name, tensor) in model.tensors where name.hasPrefix(named.name + ".") {
            #expect(trained.tensors[name] == tensor, "\(name) belongs to the frozen base")
        }
    }
    #expect(trained.tensors["head_predictions.weight"] != model.tensors["head_predictions.weight"])
}

@Test func fineTuningMovesOnlyTheUnfrozenLayersAndNumbersItsEpochsAfterTheHead() throws {
    let (model, length, train, validation) = try transferSetup()
    var policy = FrozenBaseTraining()
    policy.unfreezeLast = 1
    policy.fineTuneEpochs = 2
    policy.fineTuneLearningRateFactor = 0.5
    var phases: [FrozenBaseTraining.Phase] = [], rates: [Float] = []
    policy.configure = { trainer, phase in phases.append(phase); rates.append(trainer.options.optimizer.learningRate) }
    let outcome = try policy.run(model, baseLength: length, options: headOptions(epochs: 2), train: train,
                                 validation: validation)
    #expect(phases == [.head, .fineTune] && rates == [1e-2, 5e-3])
    #expect(outcome.history.epochs.map(\.epoch) == [1, 2, 3, 4])
    let unfrozen = try TransferLearning.trainableLayers(of: model, baseLength: length, unfreezeLast: 1)
    let trained = outcome.network.exportModel()
    for named in model.layers[..<length] where !unfrozen.contains(named.name) {
        for (name, tensor) in model.tensors where name.hasPrefix(named.name + ".") {
            #expect(trained.tensors[name] == tensor, "\(name) stays frozen while fine-tuning")
        }
    }
}

@Test func aFineTuneThatValidatesWorseKeepsTheHeadOnlyWeights() throws {
    let (model, length, train, validation) = try transferSetup()
    var policy = FrozenBaseTraining()
    policy.unfreezeLast = 2
    policy.fineTuneEpochs = 1
    // A learning rate of 1 wrecks the network in one epoch: its validation loss cannot beat the head's.
    policy.fineTuneLearningRateFactor = 500
    let outcome = try policy.run(model, baseLength: length, options: headOptions(epochs: 2), train: train,
                                 validation: validation)
    #expect(outcome.history.epochs.count == 3)
    #expect(outcome.keptEpoch == 2, "the head phase's kept epoch, not the fine-tune's")
    let trained = outcome.network.exportModel()
    for (name, tensor) in model.tensors where name.hasPrefix("block") {
        #expect(trained.tensors[name] == tensor, "\(name): the head-only network never fine-tuned its base")
    }
}

@Test func transferSettingsAreCheckedBeforeAnyTraining() throws {
    let (model, length, train, _) = try transferSetup()
    var policy = FrozenBaseTraining()
    var trained = false
    policy.configure = { _, _ in trained = true }
    func run(_ baseLength: Int) throws {
        _ = try policy.run(model, baseLength: baseLength, options: headOptions(epochs: 1), train: train, validation: nil)
    }
    policy.unfreezeLast = 99
    #expect(throws: TrainingError.self) { try run(length) }
    policy.unfreezeLast = 1
    policy.fineTuneLearningRateFactor = .nan
    #expect(throws: TrainingError.self) { try run(length) }
    policy.fineTuneLearningRateFactor = 0.1
    #expect(throws: TrainingError.self) { try run(model.layers.count) }
    #expect(!trained)
}
