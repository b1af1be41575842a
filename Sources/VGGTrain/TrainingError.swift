/// Why training data or a training option cannot be used. Every case names the offending
/// file, class or value and what was expected, so the message alone says what to fix.
public enum TrainingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A setting is out of range or malformed. The library names the setting; the CLI says
    /// which flag sets it.
    case invalidSetting(TrainingSetting, value: String, expected: String)
    /// A split would leave one part without any image of `className`: a class needs at
    /// least two images to appear in both the training and the validation part.
    case emptySplit(className: String, images: Int)
    /// Two data sets (or a data set and a model) disagree on the class list.
    case classMismatch(expected: [String], found: [String])
    /// An image carries a label that is not a class index.
    case invalidLabel(source: String, label: Int, classCount: Int)
    /// The model cannot be trained as it is (no loss fits its output, no base to reuse, …).
    case unsupportedModel(reason: String)
    /// A set the run needs (the training set, the validation set, the test folder) is empty.
    case emptySet(String)
    /// The loss stopped being a number: the learning rate is too high for this model.
    case diverged(epoch: Int, loss: Double)
    /// Training was interrupted before any epoch finished, so there is no model to keep.
    case interruptedBeforeFirstEpoch

    /// The message with an invalid setting called `name` (the CLI passes the flag that sets it).
    public func message(naming name: String) -> String {
        guard case let .invalidSetting(_, value, expected) = self else { return description }
        return "\(name) is \(value.isEmpty ? "empty" : "\"\(value)\""), expected \(expected)"
    }

    public var description: String {
        switch self {
        case let .invalidSetting(setting, _, _): return message(naming: setting.name)
        case let .emptySplit(className, images):
            return "class \(className) has \(images) image\(images == 1 ? "" : "s"); splitting needs at least 2"
                + " per class (one for training, one for validation)"
        case let .classMismatch(expected, found):
            return "class lists differ: expected [\(expected.joined(separator: ", "))],"
                + " found [\(found.joined(separator: ", "))]"
        case let .invalidLabel(source, label, classCount):
            return "\(source) has label \(label), expected a class index in 0..<\(classCount)"
        case let .unsupportedModel(reason): return "cannot train this model: \(reason)"
        case let .emptySet(what): return "\(what) has no images"
        case .interruptedBeforeFirstEpoch: return "interrupted before the first epoch finished; no model was written"
        case let .diverged(epoch, loss): return "training diverged in epoch \(epoch): the loss is \(loss); lower the learning rate"
        }
    }
}

/// The settings of a training run the library checks (`TrainingError.invalidSetting`).
public enum TrainingSetting: Equatable, Sendable {
    case epochs, batchSize, patience, stopAtAccuracy, learningRateSchedule, unfreezeLast, fineTuneEpochs
    case fineTuneLearningRateFactor
    case learningRate, weightDecay, beta1, beta2, epsilon, momentum, validationFraction
    /// The augmentation description, or one of its keys.
    case augmentation(key: String?)

    /// How messages name it.
    public var name: String {
        switch self {
        case .epochs: return "epochs"
        case .batchSize: return "batch size"
        case .patience: return "early-stopping patience"
        case .stopAtAccuracy: return "stop-at accuracy"
        case .learningRateSchedule: return "learning-rate schedule"
        case .unfreezeLast: return "number of base convolutions to unfreeze"
        case .fineTuneEpochs: return "fine-tuning epochs"
        case .fineTuneLearningRateFactor: return "fine-tuning learning-rate factor"
        case .learningRate: return "learning rate"
        case .weightDecay: return "weight decay"
        case .beta1: return "Adam beta1"
        case .beta2: return "Adam beta2"
        case .epsilon: return "Adam epsilon"
        case .momentum: return "momentum"
        case .validationFraction: return "validation fraction"
        case let .augmentation(key): return key.map { "augmentation \($0)" } ?? "augmentation"
        }
    }
}
