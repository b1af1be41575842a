/// Why training or evaluation cannot go on. Every case names the value at fault.
public enum TrainingError: Error, Equatable, CustomStringConvertible, Sendable {
    case unsupportedModel(reason: String)
    case invalidOption(name: String, value: String, expected: String)
    case emptySplit(String)
    case classMismatch(model: [String], data: [String])
    case unreadableImage(path: String, reason: String)
    case diverged(epoch: Int, loss: Double)

    public var description: String {
        switch self {
        case let .unsupportedModel(reason): return "cannot train this model: \(reason)"
        case let .invalidOption(name, value, expected): return "\(name) \(value) is invalid; expected \(expected)"
        case let .emptySplit(what): return "\(what) has no images"
        case let .classMismatch(model, data):
            return "the model's labels [\(model.joined(separator: ", "))] differ from the data's classes [\(data.joined(separator: ", "))]"
        case let .unreadableImage(path, reason): return "cannot read \(path): \(reason)"
        case let .diverged(epoch, loss): return "training diverged in epoch \(epoch): loss is \(loss); lower the learning rate"
        }
    }
}
