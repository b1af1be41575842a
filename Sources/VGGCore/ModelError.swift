import VGGSystem

/// A model that cannot be: every case names the offending value, what was expected and
/// where (layer or tensor name), so the message alone tells the user what to fix.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidSetting(layer: String, setting: String, value: String, expected: String)
    case impossibleShape(layer: String, reason: String)
    case invalidInput(field: String, value: String, expected: String)
    case duplicateLayerName(String)
    case invalidName(String, reason: String)
    case missingTensor(name: String, expectedShape: [Int])
    case tensorShapeMismatch(name: String, found: [Int], expected: [Int])
    case tensorDataMismatch(name: String, elements: Int, expected: Int)
    case unusedTensor(String)
    case emptyModel
    case badOutput(reason: String)
    case labelCount(labels: Int, expected: Int, reason: String)
    /// The model would need more than a resource ceiling (`Model.Ceilings`) allows.
    case resourceCeiling(layer: String, what: String, value: Int, limit: Int, unit: String)

    public var description: String {
        switch self {
        case let .invalidSetting(layer, setting, value, expected):
            return "layer \(layer): \(setting) is \(value), expected \(expected)"
        case let .impossibleShape(layer, reason):
            return "layer \(layer): impossible shape: \(reason)"
        case let .invalidInput(field, value, expected):
            return "input spec: \(field) is \(value), expected \(expected)"
        case let .duplicateLayerName(name):
            return "two layers are named \(Display.text(name)); layer names must be unique"
        case let .invalidName(name, reason):
            return "name \"\(Display.text(name))\" is invalid: \(reason)"
        case let .missingTensor(name, shape):
            return "tensor \(name) (shape \(shape)) is missing"
        case let .tensorShapeMismatch(name, found, expected):
            return "tensor \(name) has shape \(found), expected \(expected)"
        case let .tensorDataMismatch(name, elements, expected):
            return "tensor \(name) holds \(elements) values, its shape needs \(expected)"
        case let .unusedTensor(name):
            return "tensor \(name) is not used by any layer"
        case .emptyModel:
            return "the model has no layers"
        case let .badOutput(reason):
            return "output: \(reason)"
        case let .labelCount(labels, expected, reason):
            return "\(labels) class labels given, expected \(expected) (\(reason))"
        case let .resourceCeiling(layer, what, value, limit, unit):
            let u = unit.isEmpty ? "" : " \(unit)"
            return "layer \(layer): \(what) would be \(value)\(u), more than the ceiling of \(limit)\(u) every model must respect"
        }
    }
}
