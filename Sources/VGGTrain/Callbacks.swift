/// What decides when training ends and how the learning rate moves. Each is checked at the
/// end of an epoch, in this order: learning-rate schedule, stop-at-accuracy, early stopping.

/// Which accuracy a threshold watches.
public enum Monitor: String, Sendable, CaseIterable {
    /// The running accuracy of the epoch's training batches (what the tutorial's callback
    /// watched; optimistic, since it includes augmentation and dropout noise and is
    /// measured while the weights move).
    case training = "train"
    /// Accuracy on the held-out validation images at the end of the epoch.
    case validation
}

/// Stops once accuracy exceeds `threshold` — the study's callback, at 90 %.
public struct StopAtAccuracy: Equatable, Sendable {
    public var threshold: Double
    public var monitor: Monitor
    public init(threshold: Double, monitor: Monitor = .training) { self.threshold = threshold; self.monitor = monitor }

    public func validate() throws {
        guard threshold > 0, threshold <= 1 else {
            throw TrainingError.invalidSetting(.stopAtAccuracy, value: "\(threshold)", expected: "a fraction in (0, 1]")
        }
    }

    func isReached(_ record: EpochRecord) -> Bool {
        switch monitor {
        case .training: return record.trainAccuracy > threshold
        case .validation: return (record.validationAccuracy ?? 0) > threshold
        }
    }
}

/// Stops when the validation loss has not improved by `minDelta` for `patience` epochs;
/// the trainer then restores the weights of the best epoch.
public struct EarlyStopping: Equatable, Sendable {
    public var patience: Int
    public var minDelta: Double
    public init(patience: Int, minDelta: Double = 1e-4) { self.patience = patience; self.minDelta = minDelta }
}

/// The learning rate per epoch (1-based), from the optimizer's base rate.
public enum LearningRateSchedule: Equatable, Sendable {
    case constant
    /// Multiply by `factor` every `every` epochs.
    case step(every: Int, factor: Float)
    /// Cosine decay from the base rate to `base · floor` over the planned epochs.
    case cosine(floor: Float)
    /// Multiply by `factor` when the validation loss has not improved for `patience` epochs.
    case plateau(patience: Int, factor: Float)

    /// Parses `constant`, `step:EVERY:FACTOR`, `cosine[:FLOOR]`, `plateau:PATIENCE:FACTOR`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":").map(String.init)
        func bad() -> TrainingError {
            TrainingError.invalidSetting(.learningRateSchedule, value: text,
                                         expected: "constant, step:EVERY:FACTOR, cosine[:FLOOR] or plateau:PATIENCE:FACTOR")
        }
        func int(_ i: Int) throws -> Int {
            guard i < parts.count, let v = Int(parts[i]), v >= 1 else { throw bad() }
            return v
        }
        func fraction(_ i: Int) throws -> Float {
            guard i < parts.count, let v = Float(parts[i]), v > 0, v < 1 else { throw bad() }
            return v
        }
        switch parts.first {
        case "constant" where parts.count == 1: self = .constant
        case "step" where parts.count == 3: self = .step(every: try int(1), factor: try fraction(2))
        case "cosine" where parts.count <= 2: self = .cosine(floor: parts.count == 2 ? try fraction(1) : 0.01)
        case "plateau" where parts.count == 3: self = .plateau(patience: try int(1), factor: try fraction(2))
        default: throw bad()
        }
    }
}

/// Keeps the schedule's state (the plateau counter) across epochs.
struct LearningRateController {
    let schedule: LearningRateSchedule
    let base: Float
    let epochs: Int
    private(set) var current: Float
    private var bestLoss = Double.infinity
    private var stale = 0

    init(schedule: LearningRateSchedule, base: Float, epochs: Int) {
        self.schedule = schedule; self.base = base; self.epochs = epochs; current = base
    }

    /// The rate for `epoch` (1-based), given the previous epoch's validation loss.
    mutating func rate(forEpoch epoch: Int, previousValidationLoss: Double?) -> Float {
        switch schedule {
        case .constant: current = base
        case let .step(every, factor): current = base * powf(factor, Float((epoch - 1) / every))
        case let .cosine(floor):
            let t = epochs > 1 ? Float(epoch - 1) / Float(epochs - 1) : 0
            current = base * (floor + (1 - floor) * 0.5 * (1 + cosf(.pi * t)))
        case let .plateau(patience, factor):
            if let loss = previousValidationLoss {
                if loss < bestLoss - 1e-4 { bestLoss = loss; stale = 0 } else {
                    stale += 1
                    if stale >= patience { current *= factor; stale = 0 }
                }
            }
        }
        return current
    }
}

#if canImport(Glibc)
import VGGMetrics
import Glibc
#endif
