import Foundation
import Testing
import VGGCore
@testable import VGGONNX
#if canImport(Glibc)
import Glibc
import VGGTestSupport
#endif

/// Graphs that `onnx.checker` and ONNX Runtime refuse must not import either.
@Suite("invalid ONNX graphs and escaping external data")
struct InvalidGraphTests {
    /// x → Conv → Relu → GlobalAveragePool → Flatten → Gemm: a graph that imports.
    static func valid(_ edit: (inout GraphBuilder) -> Void = { _ in }) throws -> String {
        var b = GraphBuilder()
        b.weight("w", [4, 2, 3, 3])
        b.weight("fw", [2, 4], seed: 2)
        b.node("Conv", ["x", "w"], "c", name: "conv", [ints("pads", [1, 1, 1, 1])])
        b.node("Relu", ["c"], "r", name: "relu")
        b.node("GlobalAveragePool", ["r"], "g", name: "gap")
        b.node("Flatten", ["g"], "f", name: "flat")
        b.node("Gemm", ["f", "fw"], "y", name: "fc", [ONNXExporter.int("transB", 1)])
        edit(&b)
        return try b.write(output: "y", dims: [1, 2])
    }

    @Test("the baseline graph imports")
    func baseline() throws {
        _ = try ONNXImporter.importModel(path: try Self.valid())
    }

    @Test("a value produced twice (not SSA) is refused, naming it")
    func duplicateOutputs() throws {
        let path = try Self.valid { b in b.graph.node[1].output = ["c"] }  // Relu writes Conv's output again
        guard case let .malformedGraph(reason)? = importError(path) else { Issue.record("\(String(describing: importError(path)))"); return }
        #expect(reason.contains("\"c\" is produced twice"))
        let shadowsInput = try Self.valid { b in b.graph.node[1].output = ["x"] }
        #expect(importError(shadowsInput).map { if case .malformedGraph = $0 { return true }; return false } == true)
        let shadowsWeight = try Self.valid { b in b.graph.node[1].output = ["fw"] }
        #expect(importError(shadowsWeight).map { if case .malformedGraph = $0 { return true }; return false } == true)
    }

    @Test("a node with more outputs than its operator has is refused")
    func tooManyOutputs() throws {
        let path = try Self.valid { b in b.graph.node[1].output = ["r"] + (1...1000).map { "extra\($0)" } }
        guard case let .malformedGraph(reason)? = importError(path) else { Issue.record("\(String(describing: importError(path)))"); return }
        #expect(reason.contains("1001 outputs; Relu has at most 1"))
    }

    @Test("Reshape to [-1, -1] is refused (at most one -1)")
    func reshapeTwoInferred() throws {
        let path = try Self.valid { b in
            var shape = Onnx_TensorProto()
            shape.name = "shape"; shape.dims = [2]; shape.dataType = 7; shape.int64Data = [-1, -1]
            b.graph.initializer.append(shape)
            b.graph.node[3] = { var n = Onnx_NodeProto(); n.opType = "Reshape"; n.name = "reshape"; n.input = ["g", "shape"]; n.output = ["f"]; return n }()
        }
        let e = importError(path)
        guard case let .graphShape(reason)? = e else { Issue.record("\(String(describing: e))"); return }
        #expect(reason.contains("[-1, -1]"))
        let ok = try Self.valid { b in
            var shape = Onnx_TensorProto()
            shape.name = "shape"; shape.dims = [2]; shape.dataType = 7; shape.int64Data = [1, -1]
            b.graph.initializer.append(shape)
            b.graph.node[3] = { var n = Onnx_NodeProto(); n.opType = "Reshape"; n.name = "reshape"; n.input = ["g", "shape"]; n.output = ["f"]; return n }()
        }
        _ = try ONNXImporter.importModel(path: ok)
    }

    @Test("external data cannot leave the model's folder through a symlink")
    func externalDataSymlinkEscape() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let folder = try TemporaryFolder("vggc-ext")
        defer { folder.remove() }
        let dir = folder.url
        let inside = dir.appendingPathComponent("model"), outside = dir.appendingPathComponent("secret")
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("external_data.onnx"), to: inside.appendingPathComponent("m.onnx"))
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("external_data.weights"), to: outside.appendingPathComponent("external_data.weights"))
        // The file the graph names is a symlink to a file outside the folder.
        #expect(symlink(outside.appendingPathComponent("external_data.weights").path, inside.appendingPathComponent("external_data.weights").path) == 0)
        let e = importError(inside.appendingPathComponent("m.onnx").path)
        guard case let .externalData(_, reason)? = e else { Issue.record("\(String(describing: e))"); return }
        #expect(reason.contains("outside the model's folder"), "\(reason)")
        // A symlink that stays inside the folder is fine.
        try FileManager.default.removeItem(at: inside.appendingPathComponent("external_data.weights"))
        try FileManager.default.moveItem(at: outside.appendingPathComponent("external_data.weights"), to: inside.appendingPathComponent("real.weights"))
        #expect(symlink("real.weights", inside.appendingPathComponent("external_data.weights").path) == 0)
        _ = try ONNXImporter.importModel(path: inside.appendingPathComponent("m.onnx").path)
    }
}
