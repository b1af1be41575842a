import ArgumentParser
import VGGCore
import VGGFormat
import VGGSystem

/// `vggc inspect`: everything a user should know about a model file before trusting it.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's layers, shapes, parameters, cost, memory, hash and metadata.",
        discussion: """
        The file is fully validated first (structure, shapes, every tensor hash), so a model
        that inspects cleanly is one the engine and the compiler will accept.
        MACs are multiply-accumulates per image (convolutions and dense layers); FLOPs = 2 × MACs.
        Peak activations: float32 bytes alive at once for one image when each layer reads one
        buffer and writes another.
        """
    )

    @Argument(help: "The model.bin file.")
    var model: String

    @Flag(help: "Also list the tensor directory (dtype, shape, offset, size, SHA-256).")
    var tensors = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try vggc.run {
            let loaded = try ModelFile.read(path: model)
            let summary = try ModelSummary(loaded.model)
            if json {
                try printJSON(InspectReport(path: model, loaded: loaded, summary: summary, includeTensors: tensors))
            } else {
                print(render(loaded, summary))
            }
        }
    }

    private func render(_ loaded: LoadedModel, _ s: ModelSummary) -> String {
        let m = loaded.model, info = loaded.info
        var out: [String] = []
        let spec = m.input
        out.append(Format.table([
            ["model", model],
            ["format", "v\(info.formatVersion), \(Format.grouped(info.fileSize)) bytes"],
            ["hash", "sha256:\(info.hash)"],
            ["input", "\(spec.height)×\(spec.width)×\(spec.channels), value = (pixel × \(spec.pixelScale) − mean) / std, "
                + "mean \(spec.mean), std \(spec.std), resize \(spec.resize)"],
            ["labels", m.labels.joined(separator: ", ") + " (output: \(m.outputLayer)\(m.isSingleSigmoid ? ", P(\(m.labels[1]))" : ""))"],
        ]))
        out.append("")
        var rows = [["#", "name", "kind", "settings", "output", "params", "MACs"]]
        for (i, l) in s.layers.enumerated() {
            rows.append(["\(i)", l.name, "\(l.kind)", l.settings, "\(l.output)",
                         l.parameters == 0 ? "-" : Format.count(l.parameters),
                         l.multiplyAccumulates == 0 ? "-" : Format.count(l.multiplyAccumulates)])
        }
        out.append(Format.table(rows))
        out.append("")
        out.append(Format.table([
            ["parameters", "\(Format.grouped(s.totalParameters)) (\(Format.bytes(info.tensors.reduce(0) { $0 + $1.byteLength })) stored)"],
            ["MACs/image", "\(Format.count(s.totalMultiplyAccumulates)) (\(Format.count(2 * s.totalMultiplyAccumulates)) FLOP)"],
            ["peak activations", "\(Format.bytes(s.peakActivationBytes)) per image"],
        ]))
        if tensors {
            out.append("")
            var t = [["tensor", "dtype", "shape", "offset", "bytes", "sha256"]]
            for e in info.tensors {
                t.append([e.name, "\(e.dtype)", e.shape.map(String.init).joined(separator: "×"),
                          "\(e.offset)", Format.grouped(e.byteLength), e.hash])
            }
            out.append(Format.table(t))
        }
        if !m.metadata.isEmpty {
            out.append("")
            out.append("metadata:")
            out.append(Format.table(m.metadata.map { ["  " + Display.text($0.key), Display.text($0.value)] }))
        }
        return out.joined(separator: "\n")
    }
}

/// The `--json` shape of `inspect`; keys are stable for scripts.
struct InspectReport: Encodable {
    struct Input: Encodable {
        var height: Int, width: Int, channels: Int
        var pixelScale: Float, mean: [Float], std: [Float], resize: String
    }
    struct LayerRow: Encodable {
        var name: String, kind: String, settings: String, outputShape: [Int], parameters: Int, macs: Int
    }
    struct TensorRow: Encodable {
        var name: String, dtype: String, shape: [Int], offset: Int, bytes: Int, sha256: String
    }
    var path: String
    var formatVersion: Int
    var fileSize: Int
    var sha256: String
    var input: Input
    var labels: [String]
    var output: String
    var layers: [LayerRow]
    var totalParameters: Int
    var totalMACs: Int
    var peakActivationBytes: Int
    /// [key, value] pairs in key-byte order: a JSON object could not hold two keys that are
    /// canonically equivalent but byte-different.
    var metadata: [[String]]
    var tensors: [TensorRow]?

    init(path: String, loaded: LoadedModel, summary s: ModelSummary, includeTensors: Bool) {
        let m = loaded.model
        self.path = path
        formatVersion = loaded.info.formatVersion
        fileSize = loaded.info.fileSize
        sha256 = loaded.info.hash
        input = Input(height: m.input.height, width: m.input.width, channels: m.input.channels,
                      pixelScale: m.input.pixelScale, mean: m.input.mean, std: m.input.std, resize: "\(m.input.resize)")
        labels = m.labels
        output = "\(m.outputLayer)"
        layers = s.layers.map { LayerRow(name: $0.name, kind: "\($0.kind)", settings: $0.settings,
                                         outputShape: $0.output.dims, parameters: $0.parameters, macs: $0.multiplyAccumulates) }
        totalParameters = s.totalParameters
        totalMACs = s.totalMultiplyAccumulates
        peakActivationBytes = s.peakActivationBytes
        metadata = m.metadata.map { [$0.key, $0.value] }
        tensors = includeTensors ? loaded.info.tensors.map {
            TensorRow(name: $0.name, dtype: "\($0.dtype)", shape: $0.shape, offset: $0.offset, bytes: $0.byteLength, sha256: $0.hash)
        } : nil
    }
}
