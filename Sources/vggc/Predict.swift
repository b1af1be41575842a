import ArgumentParser
import Foundation
import VGGCore
import VGGEngine
import VGGFormat
import VGGImage
import VGGSystem

/// `vggc predict`: classify images with the dynamic engine.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify PNG/JPEG images with a model (dynamic engine).",
        discussion: """
        Each image is decoded (any PNG colour type or bit depth, or JPEG), converted to the
        model's channels (alpha over black, RGB→gray by BT.601 luma), resized to the model's
        input with its filter, normalized, and run. A folder argument adds every image in it
        (recursively, in sorted order).

        An image that cannot be read is reported on standard error and the others still run;
        the exit code is then 65 (66 if a named file does not exist).
        """
    )

    @Argument(help: "The model.bin file.")
    var model: String

    @Argument(help: "Images (.png, .jpg, .jpeg) or folders of images.")
    var images: [String]

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Images run together per engine pass.")
    var batch = 8

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image or folder") }
        guard (1...1024).contains(batch) else { throw ValidationError("--batch must be 1...1024, got \(batch)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
    }

    func run() throws {
        var failure: Int32?
        try vggc.run {
            let loaded = try ModelFile.read(path: model)
            let engine = try Engine(model: loaded.model, threads: threads ?? Engine.defaultThreads)
            let m = loaded.model
            var results: [PredictionRow] = []
            let files = try expand(images, missing: { path in
                printError("no such file or folder: \(Display.text(path))")
                failure = Exit.noInput
            })
            // Decode a batch, run it, report; memory stays bounded by the batch size.
            for start in stride(from: 0, to: files.count, by: batch) {
                var inputs: [Float] = [], names: [String] = []
                for path in files[start ..< min(start + batch, files.count)] {
                    do {
                        inputs += try InputLoader.tensor(path: path, spec: m.input)
                        names.append(path)
                    } catch {
                        printError("\(error)")
                        results.append(PredictionRow(file: Display.bytesEscaped(path), error: "\(error)"))
                        failure = max(failure ?? 0, exitStatus(for: error))
                    }
                }
                guard !names.isEmpty else { continue }
                let probabilities = try engine.probabilities(inputs, batch: names.count)
                for (path, p) in zip(names, probabilities) {
                    guard p.allSatisfy(\.isFinite) else {
                        // Never a label for a NaN: finite pixels cannot cause it, but a value
                        // can leave float32's range inside the network.
                        let message = "the network's output for \(Display.text(path)) is not finite (a value left the float32 range inside the network); no label is given"
                        printError(message)
                        results.append(PredictionRow(file: Display.bytesEscaped(path), error: message))
                        failure = max(failure ?? 0, Exit.dataError)
                        continue
                    }
                    let best = p.indices.max { p[$0] < p[$1] }!
                    let row = PredictionRow(file: Display.bytesEscaped(path), label: m.labels[best],
                                            probabilities: zip(m.labels, p).map { .init(label: $0, probability: $1) })
                    results.append(row)
                    if !json {
                        let detail = zip(m.labels, p).map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: "  ")
                        print("\(Display.text(path))  \(m.labels[best])  \(String(format: "%.4f", p[best]))  (\(detail))")
                    }
                }
            }
            if json {
                try printJSON(PredictReport(model: model, sha256: loaded.info.hash, labels: m.labels, results: results))
            }
        }
        if let failure { throw ExitCode(failure) }
    }

    /// Files stay as given; folders become their image files, recursively, sorted.
    private func expand(_ paths: [String], missing: (String) -> Void) throws -> [String] {
        var out: [String] = []
        for path in paths {
            guard let status = FileStatus.of(path) else { missing(path); continue }
            guard status.kind == .directory else { out.append(path); continue }
            let found = try imageFiles(under: path)
            if found.isEmpty { printWarning("folder \(Display.text(path)) holds no .png/.jpg/.jpeg images") }
            out += found
        }
        return out
    }
}

struct PredictionRow: Encodable {
    struct Probability: Encodable { var label: String; var probability: Float }
    var file: String
    var label: String?
    var probabilities: [Probability]?
    var error: String?

    init(file: String, label: String, probabilities: [Probability]) {
        self.file = file; self.label = label; self.probabilities = probabilities
    }
    init(file: String, error: String) { self.file = file; self.error = error }
}

struct PredictReport: Encodable {
    var model: String
    var sha256: String
    var labels: [String]
    var results: [PredictionRow]
}
