import VGGImage

/// Why training data or a training option cannot be used. Every case names the offending
/// file, class or value and what was expected, so the message alone says what to fix.
public enum TrainingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// An image of the training set could not be decoded; `reason` is the decoder's message
    /// without the path (which is in `path`).
    case unreadableImage(path: String, reason: String)
    /// A setting (command-line option, augmentation key, split fraction, …) is out of range
    /// or malformed.
    case invalidOption(name: String, value: String, expected: String)
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

    public var description: String {
        switch self {
        case let .unreadableImage(path, reason):
            return "cannot read training image \(path): \(reason)"
        case let .invalidOption(name, value, expected):
            return "\(name) is \(value.isEmpty ? "empty" : "\"\(value)\""), expected \(expected)"
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

    /// Wraps a decoder error for the file at `path`. `ImageError`'s messages start with
    /// "cannot read PATH: "; that prefix is dropped so the path is not printed twice.
    static func unreadable(path: String, error: Error) -> TrainingError {
        var reason = String(describing: error)
        if let image = error as? ImageError {
            let prefix = "cannot read \(image.path): "
            if reason.hasPrefix(prefix) { reason.removeFirst(prefix.count) }
        }
        return .unreadableImage(path: path, reason: reason)
    }
}
