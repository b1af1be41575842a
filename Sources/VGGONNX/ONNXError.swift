import VGGSystem
/// Why an ONNX file cannot be imported or a model exported. Every case names the node,
/// tensor or value at fault; nothing is ever imported partially.
public enum ONNXError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A node the importer cannot translate.
    public struct NodeProblem: Equatable, Sendable, CustomStringConvertible {
        public var index: Int
        public var opType: String
        public var name: String
        public var reason: String
        public var description: String { "node #\(index) \(Display.text(opType)) \"\(Display.text(name))\": \(reason)" }
    }

    case notONNX(path: String, reason: String)
    case unsupportedOpset(domain: String, version: Int, supported: ClosedRange<Int>)
    /// Every unsupported node of the graph, in graph order (not just the first).
    case unsupportedNodes([NodeProblem])
    case missingTensor(name: String, node: String)
    case unusedInitializers([String])
    case badTensor(name: String, reason: String)
    case externalData(tensor: String, reason: String)
    case graphShape(reason: String)
    /// The graph breaks a rule of ONNX itself (onnx.checker would refuse it too).
    case malformedGraph(String)
    case badInputShape(dims: [String], reason: String)
    case exportUnsupported(layer: String, reason: String)

    public var description: String {
        switch self {
        case let .malformedGraph(reason): return "the graph is not valid ONNX: \(reason)"
        case let .notONNX(path, reason): return "\(Display.text(path)) is not an ONNX model: \(reason)"
        case let .unsupportedOpset(domain, version, supported):
            return "operator set \(domain.isEmpty ? "ai.onnx" : domain) version \(version) is not supported; expected ai.onnx \(supported.lowerBound)...\(supported.upperBound)"
        case let .unsupportedNodes(problems):
            return "the graph has \(problems.count) node\(problems.count == 1 ? "" : "s") vggc cannot import:\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        case let .missingTensor(name, node): return "node \(node) reads tensor \"\(name)\", which no initializer, constant or earlier node provides"
        case let .unusedInitializers(names):
            return "initializer\(names.count == 1 ? "" : "s") not used by any node: \(names.joined(separator: ", ")) (the graph does not match its weights)"
        case let .badTensor(name, reason): return "tensor \"\(name)\": \(reason)"
        case let .externalData(tensor, reason): return "external data of tensor \"\(tensor)\": \(reason)"
        case let .graphShape(reason): return "the graph is not a sequential VGG-family network: \(reason)"
        case let .badInputShape(dims, reason): return "graph input shape [\(dims.joined(separator: ", "))]: \(reason)"
        case let .exportUnsupported(layer, reason): return "cannot export layer \(layer): \(reason)"
        }
    }
}
