import ArgumentParser
import Foundation
import VGGCore
import VGGEngine
import VGGFormat
import VGGONNX
import VGGCheck
import VGGSystem

/// `vggc export`: model.bin → a standard ONNX graph.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a model.bin as a standard ONNX graph (opset 13) that ONNX Runtime and other tools run.",
        discussion: """
        The graph takes NHWC input [1, H, W, C] (the values the model sees, after
        preprocessing) and outputs the class probabilities. Labels and preprocessing are
        stored in metadata_props, so `vggc import` restores them.

        --reference N also writes N seeded random inputs and the engine's outputs beside the
        .onnx (OUT.reference.inputs.f32 / .outputs.f32 / .json), which
        Scripts/make-onnx-fixtures.py roundtrip checks against ONNX Runtime.
        Example: vggc export Models/pneumonia.bin -o pneumonia.onnx --reference 4
        """
    )

    @Argument(help: "The model.bin file.")
    var model: String

    @Option(name: .shortAndLong, help: "Output .onnx path.")
    var output: String

    @Option(help: "Also write this many seeded random inputs and the engine's outputs for a round-trip check.")
    var reference = 0

    func validate() throws {
        guard (0...1000).contains(reference) else { throw ValidationError("--reference must be 0...1000, got \(reference)") }
    }

    func run() throws {
        try vggc.run {
            let files = try ([output] + (reference > 0 ? Self.referenceSuffixes.map { output + $0 } : []))
                .map { try OutputFile($0, inputs: [model]) }
            let m = try ModelFile.read(path: model).model
            let data = try ONNXExporter.export(m)
            try files[0].write([UInt8](data))
            print("wrote \(Display.text(output)) (\(Format.bytes(data.count)), ONNX opset \(ONNXExporter.opset), NHWC input \(m.input.height)×\(m.input.width)×\(m.input.channels))")
            guard reference > 0 else { return }
            let engine = try Engine(model: m)
            var rng = SeededGenerator(seed: 1)
            let n = engine.inputShape.elementCount
            var inputs: [Float] = []
            for _ in 0..<reference { inputs += (0..<n).map { i in rng.uniform(m.input.valueRange(channel: i % m.input.channels)) } }
            let outputs = try engine.run(inputs, batch: reference)
            try files[1].write(floatBytes(inputs))
            try files[2].write(floatBytes(outputs))
            let json: [String: Any] = ["input_name": "input", "input_shape": [1, m.input.height, m.input.width, m.input.channels],
                                       "layout": "nhwc", "opset": Int(ONNXExporter.opset), "cases": reference,
                                       "outputs_per_case": engine.outputCount, "output_is": "probabilities",
                                       "description": "vggc export --reference of \((model as NSString).lastPathComponent)"]
            try files[3].write([UInt8](try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])))
            print("wrote \(reference) reference inputs and engine outputs to \(Display.text(output)).reference.*")
        }
    }

    static let referenceSuffixes = [".reference.inputs.f32", ".reference.outputs.f32", ".reference.json"]
}
