import ArgumentParser
import Foundation
import VGGCore
import VGGFormat
import VGGONNX
import VGGSystem

/// `vggc import`: an ONNX VGG (PyTorch, Keras via tf2onnx, or `vggc export`) → model.bin.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an ONNX VGG-family model (PyTorch or Keras/tf2onnx export) as model.bin.",
        discussion: """
        Supported operators (opsets 9–21): Conv (pads, strides, auto_pad), Relu, MaxPool,
        AveragePool, GlobalAveragePool, BatchNormalization, Flatten, Reshape (as a flatten),
        Gemm, MatMul + Add, Dropout, Softmax, Sigmoid, Identity, Transpose between NHWC and
        NCHW (Keras graphs), and Constant / Identity / Transpose folded on weights. Weights may
        be external (beside the .onnx). Anything else fails with a list of every unsupported
        node; nothing is imported partially, and every initializer must be used.

        Weights are converted to vggc's layouts (conv OIHW → HWIO, dense [in, out], channels-
        first flattens permuted to channels-last). A graph that ends in logits (torchvision's
        vgg16) gets a Softmax appended. Preprocessing is stored in the model: pixels on the
        0–255 scale become (pixel × pixel-scale − mean) / std per channel.

        Examples:
          vggc import vgg16.onnx -o vgg16.bin --labels NORMAL,PNEUMONIA
          vggc import vgg16.onnx -o vgg16.bin --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225  # torchvision
        """
    )

    @Argument(help: "The .onnx file.")
    var onnx: String

    @Option(name: .shortAndLong, help: "Output model.bin path.")
    var output: String

    @Option(help: "Image size HxWxC, required when the graph's input dimensions are symbolic.")
    var input: String?

    @Option(help: "Comma-separated class labels in output order (default: class0, class1, …, or those stored by vggc export).")
    var labels: String?

    @Option(help: "Multiplier from the 0–255 pixel scale (default 1/255, or what vggc export stored).")
    var pixelScale: Float?

    @Option(help: "Per-channel means subtracted after scaling, comma-separated.")
    var mean: String?

    @Option(help: "Per-channel standard deviations, comma-separated.")
    var std: String?

    @Option(help: "Resize filter for images: area or bilinear (default area, or what vggc export stored).")
    var resize: String?

    @Flag(help: "Refuse graphs that end in logits instead of appending a Softmax.")
    var noSoftmax = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func importOptions() throws -> ImportOptions {
        var o = ImportOptions()
        if let input {
            let dims = input.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard dims.count == 3, let h = dims[0], let w = dims[1], let c = dims[2], (1...16_384).contains(h), (1...16_384).contains(w), (1...4096).contains(c) else {
                throw ValidationError("--input must be HEIGHTxWIDTHxCHANNELS, e.g. 224x224x3; got \(input)")
            }
            o.inputSize = (h, w, c)
        }
        if let labels { o.labels = try parseLabels(labels) }
        func floats(_ text: String?, _ option: String) throws -> [Float]? {
            guard let text else { return nil }
            return try strictList(text, option: option, expected: "comma-separated finite numbers") { Float($0).flatMap { $0.isFinite ? $0 : nil } }
        }
        o.mean = try floats(mean, "--mean")
        o.std = try floats(std, "--std")
        if (o.mean == nil) != (o.std == nil) { throw ValidationError("give --mean and --std together") }
        if let pixelScale {
            guard pixelScale.isFinite, pixelScale > 0 else { throw ValidationError("--pixel-scale must be > 0, got \(pixelScale)") }
            o.pixelScale = pixelScale
        }
        if let resize {
            guard let filter = ResizeFilter.allCases.first(where: { "\($0)" == resize.lowercased() }) else {
                throw ValidationError("--resize must be area or bilinear, got \(resize)")
            }
            o.resize = filter
        }
        o.appendSoftmax = !noSoftmax
        return o
    }

    func validate() throws { _ = try importOptions() }

    func run() throws {
        let options = try importOptions()
        try vggc.run {
            let start = Date()
            _ = try OutputFile(output, inputs: [onnx])  // a bad output fails before the import
            var result = try ONNXImporter.importModel(path: onnx, options: options)
            result.model.metadata["imported-by"] = "vggc import \((onnx as NSString).lastPathComponent)"
            let info = try ModelFile.write(result.model, to: try OutputFile(output, inputs: result.inputFiles))
            let summary = try ModelSummary(result.model)
            let seconds = Date().timeIntervalSince(start)
            if json {
                try printJSON(ImportSummary(model: output, sha256: info.hash, opset: result.opset, producer: result.producer,
                                            inputLayout: result.inputLayout, layers: result.model.layers.count,
                                            parameters: summary.totalParameters, appendedSoftmax: result.appendedSoftmax,
                                            notes: result.notes, seconds: seconds))
                return
            }
            let m = result.model
            print("imported \(Display.text(onnx)): ONNX opset \(result.opset)\(result.producer.isEmpty ? "" : " from \(result.producer)"), \(result.inputLayout) input")
            print("model   \(m.layers.count) layers, \(Format.grouped(summary.totalParameters)) parameters, \(Format.count(summary.totalMultiplyAccumulates)) MACs/image")
            print("input   \(m.input.height)×\(m.input.width)×\(m.input.channels), labels \(m.labels.prefix(8).joined(separator: ", "))\(m.labels.count > 8 ? ", … (\(m.labels.count))" : "")")
            for note in result.notes { print("note    \(note)") }
            print("wrote \(Display.text(output)) (\(Format.bytes(info.fileSize)), sha256:\(info.hash)) in \(String(format: "%.1f", seconds)) s")
        }
    }
}

struct ImportSummary: Encodable {
    var model: String, sha256: String, opset: Int, producer: String, inputLayout: String
    var layers: Int, parameters: Int, appendedSoftmax: Bool, notes: [String], seconds: Double
}
