import Foundation
import Testing
import VGGCore
import VGGEngine
import VGGSystem
import VGGTestSupport
@testable import VGGONNX

/// Fixtures built and run by ONNX Runtime (Scripts/make-onnx-fixtures.py), checked against
/// import → engine. CI needs no Python: the outputs are committed.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    struct Spec: Decodable {
        var input_shape: [Int]
        var layout: String
        var opset: Int
        var outputs_per_case: Int?
        var cases: Int?
        var output_is: String
    }

    static func spec(_ name: String) throws -> Spec {
        try JSONDecoder().decode(Spec.self, from: Data(contentsOf: folder.appendingPathComponent("\(name).json")))
    }

    static func floats(_ file: String) throws -> [Float] {
        let data = try Data(contentsOf: folder.appendingPathComponent(file))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// One case's input in our NHWC layout.
    static func nhwc(_ values: [Float], spec: Spec) -> [Float] {
        guard spec.layout == "nchw" else { return values }
        let (c, h, w) = (spec.input_shape[1], spec.input_shape[2], spec.input_shape[3])
        var out = [Float](repeating: 0, count: values.count)
        for ch in 0..<c { for y in 0..<h { for x in 0..<w { out[(y * w + x) * c + ch] = values[(ch * h + y) * w + x] } } }
        return out
    }
}

/// The documented import tolerance (docs/onnx.md): ONNX Runtime and the engine sum in
/// different orders, so each output may differ by the float32 rounding of the longest
/// reduction K in the model, with headroom: |Δ| ≤ 8·K·2⁻²⁴·(1 + max|expected|).
func importTolerance(_ model: Model, expected: [Float]) throws -> Float {
    let shapes = try model.inferShapes()
    var k = 1
    for (i, named) in model.layers.enumerated() {
        switch named.layer {
        case let .conv2D(s): k = max(k, s.kernelHeight * s.kernelWidth * s.inChannels)
        case let .dense(s): k = max(k, s.inFeatures)
        case .averagePool2D, .globalAveragePool: k = max(k, shapes[i].elementCount / max(1, shapes[i].channels))
        default: break
        }
    }
    return 8 * Float(k) * 0x1p-24 * (1 + (expected.map(abs).max() ?? 0))
}

@Test(arguments: ["torch_style", "keras_style", "gap_sigmoid", "torch_logits_opset21", "external_data"])
func importedModelMatchesONNXRuntime(_ name: String) throws {
    let spec = try Fixtures.spec(name)
    let result = try ONNXImporter.importModel(path: Fixtures.path("\(name).onnx"))
    #expect(result.opset == spec.opset)
    #expect(result.inputLayout == spec.layout.uppercased())
    let engine = try Engine(model: result.model, threads: 1)
    let inputs = try Fixtures.floats("\(name).inputs.f32"), expected = try Fixtures.floats("\(name).outputs.f32")
    let cases = spec.cases ?? 0, perInput = inputs.count / cases, perOutput = spec.outputs_per_case ?? 0
    #expect(cases == 3 && perInput == engine.inputShape.elementCount)
    for i in 0..<cases {
        let x = Fixtures.nhwc(Array(inputs[i * perInput ..< (i + 1) * perInput]), spec: spec)
        let want = Array(expected[i * perOutput ..< (i + 1) * perOutput])
        let (logits, _) = try engine.logitsAndProbabilities(x)
        let got = spec.output_is == "logits" ? logits[0] : try engine.run(x)
        #expect(got.count == want.count)
        let tolerance = try importTolerance(result.model, expected: want)
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= tolerance, "\(name) case \(i): max |Δ| \(worst) > \(tolerance); got \(got), ONNX Runtime \(want)")
    }
    if spec.output_is == "logits" { #expect(result.appendedSoftmax) }
}

@Test func importNotesWhatItDecided() throws {
    let torch = try ONNXImporter.importModel(path: Fixtures.path("torch_style.onnx"))
    #expect(torch.notes.contains { $0.contains("permuted the rows of fc1") })
    #expect(torch.model.layers.map(\.name).contains("relu2"))
    #expect(torch.model.layers.contains { if case .dropout = $0.layer { return true } else { return false } })
    let keras = try ONNXImporter.importModel(path: Fixtures.path("keras_style.onnx"))
    #expect(keras.notes.contains { $0.contains("folded Add dense_bias into dense") })
    #expect(!keras.notes.contains { $0.contains("permuted") }, "an NHWC flatten needs no permutation")
    #expect(keras.model.input.channels == 1 && keras.model.input.height == 32)
}

@Test func unsupportedNodesAreAllListed() throws {
    do {
        _ = try ONNXImporter.importModel(path: Fixtures.path("unsupported.onnx"))
        Issue.record("import must fail")
    } catch let ONNXError.unsupportedNodes(problems) {
        #expect(problems.map(\.opType) == ["LeakyRelu", "Conv", "Concat"])
        #expect(problems.map(\.name) == ["leaky", "grouped", "cat"])
        #expect(problems.map(\.index) == [1, 2, 4])
        #expect(problems[1].reason.contains("group 2"))
    }
}

@Test func unusedAndMissingWeightsAreErrors() throws {
    #expect(throws: ONNXError.unusedInitializers(["orphan"])) {
        try ONNXImporter.importModel(path: Fixtures.path("unused_initializer.onnx"))
    }
    // Drop one weight from a good model: the node that needs it is named.
    var proto = try ONNXImporter.load(path: Fixtures.path("torch_logits_opset21.onnx"))
    proto.graph.initializer.removeAll { $0.name == "classifier.weight" }
    let folder = try TemporaryFolder("vggc-onnx")
    defer { folder.remove() }
    let dir = folder.url
    let broken = dir.appendingPathComponent("missing.onnx")
    let encoded: Data = try proto.serializedBytes()
    try encoded.write(to: broken)
    do {
        _ = try ONNXImporter.importModel(path: broken.path)
        Issue.record("import must fail")
    } catch let ONNXError.missingTensor(name, node) {
        #expect(name == "classifier.weight" && node.contains("classifier"))
    }
    // Truncated, empty and missing files.
    let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("torch_style.onnx")))
    try bytes.prefix(bytes.count / 2).write(to: dir.appendingPathComponent("cut.onnx"))
    #expect(throws: ONNXError.self) { try ONNXImporter.importModel(path: dir.appendingPathComponent("cut.onnx").path) }
    try Data().write(to: dir.appendingPathComponent("empty.onnx"))
    #expect(throws: ONNXError.self) { try ONNXImporter.importModel(path: dir.appendingPathComponent("empty.onnx").path) }
    #expect(throws: FileError(.notFound, path: "/nonexistent.onnx")) {
        try ONNXImporter.importModel(path: "/nonexistent.onnx")
    }
    // External data that is missing is named.
    try FileManager.default.copyItem(atPath: Fixtures.path("external_data.onnx"), toPath: dir.appendingPathComponent("ext.onnx").path)
    #expect(throws: ONNXError.self) { try ONNXImporter.importModel(path: dir.appendingPathComponent("ext.onnx").path) }
}

@Test func symbolicInputNeedsASizeOrUsesTheGraphs() throws {
    var options = ImportOptions()
    options.inputSize = (40, 40, 3)
    #expect(throws: ONNXError.self) { try ONNXImporter.importModel(path: Fixtures.path("torch_style.onnx"), options: options) }
    options.inputSize = (32, 32, 3)
    options.labels = ["a", "b", "c"]
    let r = try ONNXImporter.importModel(path: Fixtures.path("torch_style.onnx"), options: options)
    #expect(r.model.labels == ["a", "b", "c"])
}

@Test func exportThenImportGivesTheSameModelAndOutputs() throws {
    for (head, output) in [(ClassifierHead.small(hidden: 16, dropout: 0.5), OutputActivation.softmax), (.globalPool, .sigmoid)] {
        var model = try Model.vgg(VGGConfiguration(depth: .vgg11, batchNorm: true, widthMultiplier: 0.125,
                                                   input: InputSpec(height: 40, width: 36, channels: 3, mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.4]),
                                                   labels: ["NORMAL", "PNEUMONIA"], head: head, output: output), seed: 3)
        model.randomizeParameters(seed: 9)
        let data = try ONNXExporter.export(model)
        let folder = try TemporaryFolder("vggc-onnx")
        defer { folder.remove() }
        let dir = folder.url
        let file = dir.appendingPathComponent("m.onnx")
        try data.write(to: file)
        let back = try ONNXImporter.importModel(path: file.path)
        #expect(back.model.labels == model.labels)
        #expect(back.model.input == model.input)
        #expect(!back.appendedSoftmax)
        let a = try Engine(model: model, threads: 1), b = try Engine(model: back.model, threads: 1)
        var rng = SeededGenerator(seed: 4)
        let x = (0..<a.inputShape.elementCount).map { _ in rng.uniform(-1...1) }
        #expect(try a.run(x) == b.run(x), "a round trip keeps every weight, so outputs are bit-identical")
    }
}
