import VGGMetrics
import Foundation
import VGGImage
import VGGCore

/// Transfer learning with a frozen base, as a policy the library owns (the CLI only shows
/// its events):
///
/// 1. the head learns on the base's features, computed once per image (`FeatureCache`) —
///    augmentation is off in this phase, since cached features cannot be augmented;
/// 2. optionally, the last `unfreezeLast` convolutions and the head are fine-tuned on the
///    images at a lower learning rate, without the stop-at-accuracy callback (the head
///    already reached it);
/// 3. fine-tuning can make things worse, so the phase whose kept weights validated better
///    wins (both losses are measured on the same validation images through the same network).
public struct FrozenBaseTraining {
    public enum Phase: Sendable, CustomStringConvertible {
        case head, fineTune
        public var description: String { self == .head ? "head" : "fine-tune" }
    }

    /// What happens, for a progress display.
    public enum Event: Sendable {
        /// Base features cached for `done` of `total` training images.
        case caching(done: Int, total: Int)
        /// A sentence worth showing the user.
        case note(String)
    }

    public var unfreezeLast = 0
    public var fineTuneEpochs = 5
    /// The fine-tuning learning rate is the head's times this factor.
    public var fineTuneLearningRateFactor: Float = 0.1
    /// Called once per phase with its trainer before it runs (to attach progress hooks).
    public var configure: (Trainer, Phase) -> Void = { _, _ in }
    public var onEvent: (Event) -> Void = { _ in }

    public init() {}

    /// The result: the network holding the kept weights and the history of both phases,
    /// fine-tuning epochs numbered after the head's.
    public struct Outcome {
        public var network: TrainingNetwork
        public var history: TrainingHistory
        public var stopReason: StopReason
        public var keptEpoch: Int
    }

    /// Trains `model` (a base of `baseLength` layers under a new head, see
    /// `TransferLearning.model`) with `options` for the head phase.
    public func run(_ model: Model, baseLength: Int, options: TrainingOptions,
                    train: DecodedDataset, validation: DecodedDataset?) throws -> Outcome {
        try validate(model, baseLength: baseLength)
        let full = try TrainingNetwork(model: model, threads: options.threads) { _ in false }
        let head = try trainHead(model, full: full, baseLength: baseLength, options: options,
                                 train: train, validation: validation)
        full.copyParameters(from: head.network)
        let headOnly = Outcome(network: full, history: head.outcome.history, stopReason: head.outcome.stopReason,
                               keptEpoch: head.outcome.keptEpoch)
        guard unfreezeLast > 0, head.outcome.stopReason != .interrupted else { return headOnly }
        return try fineTune(model, after: headOnly, baseLength: baseLength, options: options,
                            train: train, validation: validation)
    }

    private func validate(_ model: Model, baseLength: Int) throws {
        guard (1..<model.layers.count).contains(baseLength) else {
            throw TrainingError.unsupportedModel(
                reason: "a base of \(baseLength) layers leaves no head in a model of \(model.layers.count)")
        }
        guard unfreezeLast >= 0 else {
            throw TrainingError.invalidSetting(.unfreezeLast, value: "\(unfreezeLast)", expected: "0 or more")
        }
        guard fineTuneEpochs >= 1 else {
            throw TrainingError.invalidSetting(.fineTuneEpochs, value: "\(fineTuneEpochs)", expected: "1 or more")
        }
        guard fineTuneLearningRateFactor.isFinite, fineTuneLearningRateFactor > 0 else {
            throw TrainingError.invalidSetting(.fineTuneLearningRateFactor, value: "\(fineTuneLearningRateFactor)",
                                               expected: "a positive number")
        }
        // Checked against the base now, not after the head has trained.
        _ = try TransferLearning.trainableLayers(of: model, baseLength: baseLength, unfreezeLast: unfreezeLast)
    }

    private func trainHead(_ model: Model, full: TrainingNetwork, baseLength: Int, options: TrainingOptions,
                           train: DecodedDataset, validation: DecodedDataset?) throws
        -> (network: TrainingNetwork, outcome: TrainingOutcome) {
        if !options.augmentation.isIdentity {
            onEvent(.note("the frozen base's features are cached, so augmentation is off while the head trains"))
        }
        let onEvent = self.onEvent
        let cached = FeatureCache.features(of: train, network: full, baseLength: baseLength,
                                           batchSize: options.batchSize) { onEvent(.caching(done: $0, total: $1)) }
        let cachedValidation = validation.map { FeatureCache.features(of: $0, network: full, baseLength: baseLength) }
        onEvent(.note("cached base features of \(train.count + (validation?.count ?? 0)) images (\(cached.shape))"))
        let network = try TrainingNetwork(model: try TransferLearning.headModel(of: model, baseLength: baseLength),
                                          threads: options.threads)
        var headOptions = options
        headOptions.augmentation = .none
        let trainer = try Trainer(network: network, options: headOptions, train: cached, validation: cachedValidation)
        configure(trainer, .head)
        return (network, try trainer.run())
    }

    private func fineTune(_ model: Model, after head: Outcome, baseLength: Int, options: TrainingOptions,
                          train: DecodedDataset, validation: DecodedDataset?) throws -> Outcome {
        let names = try TransferLearning.trainableLayers(of: model, baseLength: baseLength, unfreezeLast: unfreezeLast)
        let tuned = try TrainingNetwork(model: head.network.exportModel(), threads: options.threads) {
            names.contains($0)
        }
        var tuneOptions = options
        tuneOptions.epochs = fineTuneEpochs
        tuneOptions.optimizer.learningRate *= fineTuneLearningRateFactor
        tuneOptions.stopAtAccuracy = nil
        let rate = tuneOptions.optimizer.learningRate
        onEvent(.note("fine-tuning the last \(unfreezeLast) conv layers and the head at lr \(rate)"))
        let trainer = try Trainer(network: tuned, options: tuneOptions, train: train, validation: validation)
        configure(trainer, .fineTune)
        let fine = try trainer.run()
        // Interrupted before a fine-tune epoch finished: keep the trained head.
        guard fine.keptEpoch > 0 else { return Outcome(network: head.network, history: head.history,
                                                       stopReason: .interrupted, keptEpoch: head.keptEpoch) }
        var history = head.history
        let offset = history.epochs.count
        for var record in fine.history.epochs { record.epoch += offset; history.epochs.append(record) }
        let headLoss = head.history.epochs.first { $0.epoch == head.keptEpoch }?.validationLoss
        let fineLoss = fine.history.epochs.first { $0.epoch == fine.keptEpoch }?.validationLoss
        if let h = headLoss, let f = fineLoss, !(f < h) {
            onEvent(.note("fine-tuning did not lower the validation loss (\(String(format: "%.4f", f)) vs "
                + "\(String(format: "%.4f", h)) after the head): keeping the head-only weights of epoch "
                + "\(head.keptEpoch)"))
            return Outcome(network: head.network, history: history, stopReason: fine.stopReason,
                           keptEpoch: head.keptEpoch)
        }
        return Outcome(network: tuned, history: history, stopReason: fine.stopReason,
                       keptEpoch: offset + fine.keptEpoch)
    }
}
