import Foundation
import Testing
import VGGCore
import VGGEngine
import VGGTestSupport
@testable import VGGONNX

/// Small graphs built in Swift (with the generated protobuf types) for the corners the
/// ONNX Runtime fixtures do not reach: hostile attributes, folds, and importer decisions.
struct GraphBuilder {
    var graph = Onnx_GraphProto()
    var opset: Int64 = 13

    init(input: [Int] = [1, 2, 4, 4]) {
        graph.input = [ONNXExporter.valueInfo("x", input)]
    }

    mutating func node(_ op: String, _ inputs: [String], _ output: String, name: String = "", _ attributes: [Onnx_AttributeProto] = []) {
        var n = Onnx_NodeProto()
        n.opType = op; n.input = inputs; n.output = output.isEmpty ? [] : [output]; n.name = name; n.attribute = attributes
        graph.node.append(n)
    }

    mutating func weight(_ name: String, _ dims: [Int], seed: UInt64 = 1) {
        var t = Onnx_TensorProto()
        t.name = name; t.dims = dims.map { Int64($0) }; t.dataType = 1
        var rng = SeededGenerator(seed: seed)
        t.floatData = (0..<dims.reduce(1, *)).map { _ in rng.uniform(-1...1) }
        graph.initializer.append(t)
    }

    func write(output: String, dims: [Int]) throws -> String {
        var g = graph
        g.output = [ONNXExporter.valueInfo(output, dims)]
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var op = Onnx_OperatorSetIdProto(); op.version = opset
        model.opsetImport = [op]
        model.graph = g
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vggc-graph-\(UUID().uuidString).onnx")
        let data: Data = try model.serializedBytes()
        try data.write(to: url)
        return url.path
    }
}

func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto { ONNXExporter.ints(name, v) }

func importError(_ path: String) -> ONNXError? {
    do { _ = try ONNXImporter.importModel(path: path); return nil } catch let e as ONNXError { return e } catch { return nil }
}

@Test func halfPrecisionDecodesExactly() {
    for bits: UInt16 in [0x0000, 0x8000, 0x3c00, 0xbc00, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x3555] {
        #expect(halfToFloat(bits) == Float(Float16(bitPattern: bits)), "bits \(String(bits, radix: 16))")
    }
    #expect(halfToFloat(0x7e00).isNaN)
}

@Test func hostileAttributesAreListedNotTrapped() throws {
    var b = GraphBuilder()
    b.weight("w", [2, 2, 3, 3])
    b.node("Conv", ["x", "w"], "c", name: "zero_stride", [ints("strides", [0, 0])])
    b.node("MaxPool", ["c"], "p", name: "one_stride", [ints("kernel_shape", [2, 2]), ints("strides", [2])])
    b.node("Relu", ["p"], "", name: "no_output")
    b.node("Flatten", ["p"], "f", name: "flat", [ONNXExporter.int("axis", 2)])
    let e = importError(try b.write(output: "f", dims: [1, 8]))
    guard case let .unsupportedNodes(problems)? = e else { Issue.record("expected a list, got \(String(describing: e))"); return }
    #expect(problems.map(\.name) == ["zero_stride", "one_stride", "no_output", "flat"])
}

@Test func reshapeOfConstantsMustKeepTheElementCount() throws {
    var b = GraphBuilder()
    b.weight("w27", [27])
    var shape = Onnx_TensorProto(); shape.name = "s"; shape.dims = [4]; shape.dataType = 7; shape.int64Data = [2, 3, 3, 3]
    b.graph.initializer.append(shape)
    b.node("Reshape", ["w27", "s"], "w", name: "reshape_w")
    b.node("Conv", ["x", "w"], "c", name: "conv")
    let e = importError(try b.write(output: "c", dims: [1, 2, 2, 2]))
    guard case let .badTensor(name, reason)? = e else { Issue.record("got \(String(describing: e))"); return }
    #expect(name == "s" && reason.contains("different number of elements"))
}

@Test func softmaxOnAFeatureMapIsRefused() throws {
    var b = GraphBuilder()
    b.node("GlobalAveragePool", ["x"], "g", name: "gap")
    b.node("Softmax", ["g"], "y", name: "softmax")
    let e = importError(try b.write(output: "y", dims: [1, 2, 1, 1]))
    guard case let .graphShape(reason)? = e else { Issue.record("got \(String(describing: e))"); return }
    #expect(reason.contains("4-D"))
}

@Test func oneLogitGetsASigmoidAndBiasMayComeFirst() throws {
    var b = GraphBuilder()
    b.node("Flatten", ["x"], "f", name: "flatten")
    b.weight("w", [32, 1]); b.weight("b", [1], seed: 2)
    b.node("MatMul", ["f", "w"], "m", name: "dense")
    b.node("Add", ["b", "m"], "z", name: "bias_first")
    let r = try ONNXImporter.importModel(path: try b.write(output: "z", dims: [1, 1]))
    #expect(r.model.isSingleSigmoid && r.appendedSoftmax)
    #expect(r.model.tensors["dense.bias"] != nil)
    #expect(r.notes.contains { $0.contains("one logit") })
}

@Test func broadcastingAddIsNotABias() throws {
    var b = GraphBuilder()
    b.node("Flatten", ["x"], "f", name: "flatten")
    b.weight("w", [32, 4]); b.weight("b", [4, 1], seed: 2)
    b.node("MatMul", ["f", "w"], "m", name: "dense")
    b.node("Add", ["m", "b"], "z", name: "broadcast")
    #expect(importError(try b.write(output: "z", dims: [4, 4])) != nil)
}

@Test func sharedWeightsAndUnusedConstantsAreRefused() throws {
    var shared = GraphBuilder()
    shared.weight("w", [2, 2, 1, 1])
    shared.node("Identity", ["w"], "w1", name: "id1")
    shared.node("Identity", ["w"], "w2", name: "id2")
    shared.node("Conv", ["x", "w1"], "c1", name: "conv1")
    shared.node("Conv", ["c1", "w2"], "c2", name: "conv2")
    guard case let .graphShape(reason)? = importError(try shared.write(output: "c2", dims: [1, 2, 4, 4])) else {
        Issue.record("shared weight accepted"); return
    }
    #expect(reason.contains("reuses weight"))

    var orphan = GraphBuilder()
    orphan.node("Constant", [], "k", name: "lonely", [{ var a = ints("value_ints", [1, 2]); a.type = .ints; return a }()])
    orphan.node("GlobalAveragePool", ["x"], "g", name: "gap")
    orphan.node("Flatten", ["g"], "f", name: "flatten")
    orphan.node("Softmax", ["f"], "y", name: "softmax")
    #expect(importError(try orphan.write(output: "y", dims: [1, 2])) == .unusedInitializers(["constant node lonely"]))
}

@Test func sameLowerAndConstantIntsAndDropoutRatioInput() throws {
    var b = GraphBuilder(input: [1, 2, 5, 5])
    b.weight("w", [3, 2, 2, 2])
    var autoPad = Onnx_AttributeProto(); autoPad.name = "auto_pad"; autoPad.type = .string; autoPad.s = Data("SAME_LOWER".utf8)
    b.node("Conv", ["x", "w"], "c", name: "conv", [autoPad])
    var ratio = Onnx_TensorProto(); ratio.name = "ratio"; ratio.dataType = 1; ratio.floatData = [0.3]
    b.graph.initializer.append(ratio)
    b.node("Dropout", ["c", "ratio"], "d", name: "drop")
    b.node("Constant", [], "shape", name: "shape", [ints("value_ints", [-1, 75])])
    b.node("Reshape", ["d", "shape"], "f", name: "flat")
    b.weight("fc", [75, 3], seed: 3)
    b.node("MatMul", ["f", "fc"], "z", name: "fc")
    b.node("Softmax", ["z"], "y", name: "softmax")
    let r = try ONNXImporter.importModel(path: try b.write(output: "y", dims: [1, 3]))
    guard case let .conv2D(conv) = r.model.layers[0].layer else { Issue.record("no conv"); return }
    // SAME_LOWER with an even kernel puts the extra pixel first: top/left 1, bottom/right 0.
    #expect(conv.padding == .explicit(top: 1, left: 1, bottom: 0, right: 0))
    guard case let .dropout(d) = r.model.layers[1].layer else { Issue.record("no dropout"); return }
    #expect(abs(d.rate - 0.3) < 1e-6)
}

@Test func preprocessingGivenOnTheCommandLineBeatsTheStoredOne() throws {
    var model = try Model.vgg(VGGConfiguration(depth: .vgg11, widthMultiplier: 0.0625, input: InputSpec(height: 32, width: 32, channels: 1),
                                               labels: ["a", "b"], head: .globalPool), seed: 1)
    model.input.pixelScale = 0.5
    let folder = try TemporaryFolder("vggc-pre")
    defer { folder.remove() }
    let url = folder.url.appendingPathComponent("m.onnx")
    try ONNXExporter.export(model).write(to: url)
    #expect(try ONNXImporter.importModel(path: url.path).model.input.pixelScale == 0.5)
    var options = ImportOptions()
    options.pixelScale = 2
    options.resize = .bilinear
    let r = try ONNXImporter.importModel(path: url.path, options: options)
    #expect(r.model.input.pixelScale == 2 && r.model.input.resize == .bilinear)
}
