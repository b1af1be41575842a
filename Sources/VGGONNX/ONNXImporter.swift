import Foundation
import SwiftProtobuf
import VGGCore
import VGGSystem

/// What the user tells the importer that the graph does not say.
public struct ImportOptions: Sendable {
    /// Height × width × channels of the image, required when the graph's are symbolic.
    public var inputSize: (height: Int, width: Int, channels: Int)?
    /// Class labels in output order; default `class0`, `class1`, …
    public var labels: [String]?
    /// Image preprocessing (`InputSpec`): value = (pixel · scale − mean) / std per channel.
    /// nil: 1/255, or what `vggc export` stored.
    public var pixelScale: Float?
    public var mean: [Float]?
    public var std: [Float]?
    /// nil: area, or what `vggc export` stored.
    public var resize: ResizeFilter?
    /// Graphs that end in logits (torchvision's VGG) get a Softmax appended, because a
    /// vggc model's outputs are probabilities.
    public var appendSoftmax = true

    public init() {}
}

/// The imported model and what the importer had to decide.
public struct ImportResult: Sendable {
    public var model: Model
    public var opset: Int
    public var producer: String
    /// Layout of the graph's input tensor ("NCHW" or "NHWC").
    public var inputLayout: String
    /// True when the graph ended in logits and a Softmax was appended.
    public var appendedSoftmax: Bool
    /// Every file read: the .onnx and its external data files.
    public var inputFiles: [String] = []
    /// One line per decision worth telling the user (folds, permutations, skipped ops).
    public var notes: [String]
}

/// ONNX → `Model`, for the sequential VGG family as PyTorch and tf2onnx export it.
///
/// The graph is walked node by node along its single activation path. Weights are
/// converted to our layouts: conv OIHW → HWIO, Gemm/MatMul → `[in, out]`; when a
/// channels-first feature map is flattened, the next dense layer's rows are permuted from
/// ONNX's (c, y, x) order to our channels-last (y, x, c). Transposes between NHWC and NCHW
/// (Keras exports) only change how the walk reads the tensor. Constants feeding trivial
/// ops (Identity, Constant, Transpose of a weight) are folded.
///
/// Nothing is imported partially: unsupported nodes are all listed in one error, and every
/// initializer must be used by some node.
public enum ONNXImporter {
    public static let supportedOpsets: ClosedRange<Int> = 9...21
    static let supportedOps: Set<String> = [
        "Conv", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Flatten",
        "Reshape", "Gemm", "MatMul", "Add", "Dropout", "Softmax", "Sigmoid", "Identity", "Transpose", "Constant",
    ]

    public static func importModel(path: String, options: ImportOptions = ImportOptions()) throws -> ImportResult {
        // The decoded proto moves into the walk, which drops each weight's bytes once converted.
        let reader = TensorReader(modelPath: path)
        var walk = try GraphWalk(proto: load(path: path), reader: reader, options: options)
        var result = try walk.run()
        result.inputFiles = [path] + reader.files
        return result
    }

    /// Decodes the file, memory-mapped so a file of hundreds of MB is not read twice.
    static func load(path: String) throws -> Onnx_ModelProto {
        // File problems (missing, a FIFO, a folder) are `FileError`s, as for every reader.
        let file = try InputFile.map(path)
        let data = file.count == 0 ? Data() : Data(bytesNoCopy: file.unsafeBaseAddress!, count: file.count,
                                                   deallocator: .custom { _, _ in withExtendedLifetime(file) {} })
        let proto: Onnx_ModelProto
        do { proto = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ONNXError.notONNX(path: path, reason: "protobuf decoding failed (\(error))")
        }
        guard proto.hasGraph, !proto.graph.node.isEmpty else { throw ONNXError.notONNX(path: path, reason: "it has no graph nodes") }
        return proto
    }

    /// The ai.onnx opset the model binds to.
    static func opset(of proto: Onnx_ModelProto) throws -> Int {
        guard let entry = proto.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" }) else {
            throw ONNXError.unsupportedOpset(domain: "ai.onnx", version: 0, supported: supportedOpsets)
        }
        let version = Int(entry.version)
        guard supportedOpsets.contains(version) else {
            throw ONNXError.unsupportedOpset(domain: entry.domain, version: version, supported: supportedOpsets)
        }
        return version
    }
}

/// A layer name from an ONNX node name: only `[A-Za-z0-9_-]` (others become `_`), unique,
/// ≤ 128 bytes, so names exported by vggc come back unchanged.
func layerName(_ raw: String, op: String, index: Int, taken: inout Set<String>) -> String {
    var name = String(raw.unicodeScalars.map { s -> Character in
        (s.isASCII && (CharacterSet.alphanumerics.contains(s) || s == "_" || s == "-")) ? Character(s) : "_"
    })
    if name.isEmpty || name.utf8.count > 120 { name = "\(op.lowercased())\(index)" }
    var unique = name, n = 2
    while taken.contains(unique) { unique = "\(name)_\(n)"; n += 1 }
    taken.insert(unique)
    return unique
}
