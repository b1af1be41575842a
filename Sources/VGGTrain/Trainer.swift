import VGGMetrics
import VGGImage
import Foundation
import VGGCore
import VGGEngine

/// Everything that shapes one training run.
public struct TrainingOptions: Sendable {
    public var epochs = 30
    public var batchSize = 32
    public var optimizer = OptimizerSettings()
    public var schedule = LearningRateSchedule.constant
    public var stopAtAccuracy: StopAtAccuracy?
    public var earlyStopping: EarlyStopping?
    public var augmentation = Augmentation.none
    /// Balanced class weights in the loss (Keras' `class_weight='balanced'`).
    public var classWeighting = false
    /// Repeat images of the smaller classes every epoch until classes are even.
    public var oversample = false
    public var seed: UInt64 = 1
    public var threads = Engine.defaultThreads

    public init() {}

    public func validate() throws {
        guard (1...100_000).contains(epochs) else {
            throw TrainingError.invalidSetting(.epochs, value: "\(epochs)", expected: "1...100000")
        }
        guard (1...4096).contains(batchSize) else {
            throw TrainingError.invalidSetting(.batchSize, value: "\(batchSize)", expected: "1...4096")
        }
        try optimizer.validate()
        try stopAtAccuracy?.validate()
        if let e = earlyStopping, e.patience < 1 {
            throw TrainingError.invalidSetting(.patience, value: "\(e.patience)", expected: "at least 1")
        }
    }
}

/// Progress inside an epoch, reported after every batch.
public struct BatchProgress: Sendable {
    public var epoch: Int, epochs: Int
    public var imagesDone: Int, imagesTotal: Int
    public var runningLoss: Double, runningAccuracy: Double
    public var imagesPerSecond: Double
    public var secondsLeftInEpoch: Double
}

/// Why a run ended.
public enum StopReason: Equatable, Sendable, CustomStringConvertible {
    case completedEpochs
    case reachedAccuracy(Double, Monitor)
    case earlyStopping(bestEpoch: Int)
    case interrupted
    /// The loss stopped being a number; the best finished epoch is kept.
    case diverged(epoch: Int, loss: Double)

    public var description: String {
        switch self {
        case .completedEpochs: return "ran every epoch"
        case let .reachedAccuracy(a, m): return "\(m.rawValue) accuracy passed \(a)"
        case let .earlyStopping(best): return "validation loss stopped improving (best epoch \(best))"
        case .interrupted: return "interrupted"
        case let .diverged(epoch, loss): return "the loss became \(loss) in epoch \(epoch) (lower the learning rate); the best earlier epoch is kept"
        }
    }
}

public struct TrainingOutcome: Sendable {
    public var history: TrainingHistory
    public var stopReason: StopReason
    /// The epoch whose weights the network holds at the end (1-based; 0 if none finished).
    public var keptEpoch: Int
}

/// The epoch loop: shuffled (optionally oversampled) mini-batches, seeded augmentation,
/// one optimizer step per batch, validation at the end of each epoch, callbacks.
///
/// Reproducible: the shuffle, augmentation and dropout streams are derived from `seed`, the
/// epoch and the batch, and every kernel sums in a fixed order, so the same seed and data
/// give the same weights bit for bit on the same machine.
public final class Trainer {
    public let network: TrainingNetwork
    public let options: TrainingOptions
    public let train: DecodedDataset
    public let validation: DecodedDataset?
    /// Called after each batch and each epoch (from the training thread).
    public var onBatch: ((BatchProgress) -> Void)?
    public var onEpoch: ((EpochRecord) -> Void)?
    /// Polled after every batch; return true to stop (e.g. after Ctrl-C).
    public var shouldStop: () -> Bool = { false }

    public init(network: TrainingNetwork, options: TrainingOptions, train: DecodedDataset, validation: DecodedDataset?) throws {
        try options.validate()
        guard train.count > 0 else { throw TrainingError.emptySet("the training set") }
        if let validation, validation.count == 0 { throw TrainingError.emptySet("the validation set") }
        guard train.classes == network.model.labels else {
            throw TrainingError.classMismatch(expected: network.model.labels, found: train.classes)
        }
        guard train.elementCount == network.inputCount else {
            throw TrainingError.unsupportedModel(reason: "images give \(train.elementCount) input values but the network takes \(network.inputCount)")
        }
        if let validation {
            guard validation.classes == network.model.labels else {
                throw TrainingError.classMismatch(expected: network.model.labels, found: validation.classes)
            }
            guard validation.elementCount == network.inputCount else {
                throw TrainingError.unsupportedModel(reason: "validation images give \(validation.elementCount) input values but the network takes \(network.inputCount)")
            }
        }
        for set in [train] + (validation.map { [$0] } ?? []) {
            if let i = set.labels.firstIndex(where: { !(0..<network.classes).contains($0) }) {
                throw TrainingError.invalidLabel(source: set.sources[i], label: set.labels[i], classCount: network.classes)
            }
        }
        self.network = network
        self.options = options
        self.train = train
        self.validation = validation
        network.threads = options.threads
    }

    public func run() throws -> TrainingOutcome {
        let optimizer = Optimizer(options.optimizer)
        var lr = LearningRateController(schedule: options.schedule, base: options.optimizer.learningRate, epochs: options.epochs)
        let weights = options.classWeighting ? train.classWeights() : nil
        var history = TrainingHistory(epochs: [])
        var best: (loss: Double, epoch: Int, values: [String: [Float]])?
        var stale = 0
        var reason = StopReason.completedEpochs
        // Restored if no epoch finishes, so a run never leaves the network mid-epoch.
        let initial = network.store.values
        for epoch in 1...options.epochs {
            let rate = lr.rate(forEpoch: epoch, previousValidationLoss: history.epochs.last?.validationLoss)
            let start = Date()
            let finished: (Double, Double, Int)?
            do {
                finished = try runEpoch(epoch, optimizer: optimizer, rate: rate, weights: weights)
            } catch TrainingError.diverged(let e, let loss) where best != nil {
                // Keep what the finished epochs learned instead of throwing it all away.
                reason = .diverged(epoch: e, loss: loss)
                break
            }
            guard let (trainLoss, trainAccuracy, seen) = finished else {
                reason = .interrupted
                break
            }
            var record = EpochRecord(epoch: epoch, trainLoss: trainLoss, trainAccuracy: trainAccuracy,
                                     validationLoss: nil, validationAccuracy: nil, learningRate: Double(rate),
                                     seconds: 0, imagesPerSecond: 0)
            if let validation {
                let e = evaluate(validation)
                record.validationLoss = e.loss
                record.validationAccuracy = e.accuracy
            }
            record.seconds = Date().timeIntervalSince(start)
            record.imagesPerSecond = Double(seen) / max(record.seconds, 1e-9)
            history.epochs.append(record)
            onEpoch?(record)

            let monitored = record.validationLoss ?? record.trainLoss
            // A non-finite loss is never an improvement (and never becomes the best).
            if monitored.isFinite && (best == nil || monitored < best!.loss - (options.earlyStopping?.minDelta ?? 0)) {
                best = (monitored, epoch, network.store.values)
                stale = 0
            } else {
                stale += 1
            }
            if let stop = options.stopAtAccuracy, stop.isReached(record) {
                reason = .reachedAccuracy(stop.threshold, stop.monitor)
                best = (monitored, epoch, network.store.values)   // keep the model that reached it
                break
            }
            if let early = options.earlyStopping, stale >= early.patience {
                reason = .earlyStopping(bestEpoch: best!.epoch)
                break
            }
        }
        // Keep the best epoch by validation loss (training loss without a validation set),
        // or the epoch that passed the accuracy threshold.
        if let best { network.load(values: best.values) } else { network.load(values: initial) }
        return TrainingOutcome(history: history, stopReason: reason, keptEpoch: best?.epoch ?? 0)
    }

    /// One pass over the training set; nil when interrupted.
    private func runEpoch(_ epoch: Int, optimizer: Optimizer, rate: Float, weights: [Float]?) throws -> (Double, Double, Int)? {
        var order = options.oversample ? train.oversampledIndices(seed: options.seed &+ UInt64(epoch)) : Array(0..<train.count)
        var shuffle = SeededGenerator(seed: mix(options.seed, UInt64(epoch), 0x5eed))
        order.shuffle(using: &shuffle)
        let n = train.elementCount, spec = network.model.input
        let start = Date()
        var lossSum = 0.0, correct = 0, seen = 0, batchIndex = 0
        while seen < order.count {
            let indices = Array(order[seen ..< min(seen + options.batchSize, order.count)])
            var x = [Float](repeating: 0, count: indices.count * n)
            assemble(indices, into: &x, epoch: epoch, batch: batchIndex, spec: spec)
            let labels = indices.map { train.labels[$0] }
            let result = network.computeGradients(x, labels: labels, classWeights: weights,
                                                  seed: mix(options.seed, UInt64(epoch), UInt64(batchIndex) &+ 0xd0)) 
            guard result.loss.isFinite else { throw TrainingError.diverged(epoch: epoch, loss: result.loss) }
            optimizer.step(network.store, learningRate: rate)
            lossSum += result.loss * Double(indices.count)
            correct += result.correct
            seen += indices.count
            batchIndex += 1
            let elapsed = Date().timeIntervalSince(start)
            let speed = Double(seen) / max(elapsed, 1e-9)
            onBatch?(BatchProgress(epoch: epoch, epochs: options.epochs, imagesDone: seen, imagesTotal: order.count,
                                   runningLoss: lossSum / Double(seen), runningAccuracy: Double(correct) / Double(seen),
                                   imagesPerSecond: speed, secondsLeftInEpoch: Double(order.count - seen) / max(speed, 1e-9)))
            if shouldStop() { return nil }
        }
        return (lossSum / Double(seen), Double(correct) / Double(seen), seen)
    }

    /// Copies (augmenting, if asked) the batch's images; each image's random stream depends
    /// only on the seed, epoch, batch and position, so threads do not change the result.
    private func assemble(_ indices: [Int], into x: inout [Float], epoch: Int, batch: Int, spec: InputSpec) {
        let n = train.elementCount
        let augmentation = options.augmentation
        let canAugment = !augmentation.isIdentity && train.shape == spec.shape
        train.inputs.withUnsafeBufferPointer { source in
            x.withUnsafeMutableBufferPointer { dst in
                let s = UnsafeSendable(source), d = UnsafeSendable(dst)
                Parallel(threads: options.threads).forEach(indices.count) { j in
                    let from = UnsafeBufferPointer(rebasing: s.value[indices[j] * n ..< (indices[j] + 1) * n])
                    let to = UnsafeMutableBufferPointer(rebasing: d.value[j * n ..< (j + 1) * n])
                    if canAugment {
                        var rng = SeededGenerator(seed: mix(self.options.seed, UInt64(epoch), UInt64(batch) << 20 | UInt64(j)))
                        augmentation.apply(from, spec: spec, into: to, rng: &rng)
                    } else {
                        _ = to.initialize(from: from)
                    }
                }
            }
        }
    }

    /// Mean unweighted loss and accuracy at inference (running statistics, no dropout).
    public func evaluate(_ data: DecodedDataset) -> (loss: Double, accuracy: Double) {
        let e = Trainer.predict(network, data, batchSize: options.batchSize)
        return (e.loss, e.accuracy)
    }

    /// Class probabilities for every image of `data`, with the mean loss and accuracy.
    public static func predict(_ network: TrainingNetwork, _ data: DecodedDataset, batchSize: Int = 32)
        -> (probabilities: [[Float]], loss: Double, accuracy: Double) {
        let n = data.elementCount
        var probabilities: [[Float]] = []
        var lossSum = 0.0, correct = 0
        var i = 0
        while i < data.count {
            let count = min(batchSize, data.count - i)
            let x = Array(data.inputs[i * n ..< (i + count) * n])
            let labels = Array(data.labels[i ..< i + count])
            let result = network.loss(logits: network.logits(x, batch: count, training: false), labels: labels, classWeights: nil)
            probabilities += result.probabilities
            lossSum += result.loss * Double(count)
            correct += result.correct
            i += count
        }
        return (probabilities, lossSum / Double(max(1, data.count)), Double(correct) / Double(max(1, data.count)))
    }
}

/// Combines seed parts into one well-mixed seed (SplitMix64 finalizer).
func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    var z = a &* 0x9E37_79B9_7F4A_7C15 ^ b &* 0xBF58_476D_1CE4_E5B9 ^ c &* 0x94D0_49BB_1331_11EB
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
