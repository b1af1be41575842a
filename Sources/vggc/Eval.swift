import ArgumentParser
import Foundation
import VGGCore
import VGGEngine
import VGGFormat
import VGGImage
import VGGCheck
import VGGMetrics
import VGGSystem

/// `vggc eval`: a model's (or a compiled predictor's) metrics on a labelled folder.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model on labelled images: accuracy, precision, recall, specificity, F1, ROC AUC, confusion matrix.",
        discussion: """
        FOLDER holds CLASS/*.png|jpg with the model's labels as class names (or is a dataset
        root with test/CLASS/*, which is then used). For two classes, an image is called
        positive when P(positive) ≥ --threshold; the positive class is PNEUMONIA when a label
        has that name, otherwise the second label (--positive picks another). Lowering the
        threshold trades precision for recall: a missed pneumonia is the costly error.

        --predictor runs a binary built by `vggc compile` instead of the engine; it decodes
        the images itself, so the numbers are those of what ships.
        Example: vggc eval Models/pneumonia.bin ../shared/data/kermany/test --threshold 0.3
        """
    )

    @Argument(help: "The model.bin file.")
    var model: String

    @Argument(help: "Folder of CLASS/* images, or a dataset root with test/CLASS/*.")
    var folder: String

    @Option(help: "Decision threshold on P(positive) (binary models).")
    var threshold: Float = 0.5

    @Option(help: "The positive class (binary models); default PNEUMONIA or the second label.")
    var positive: String?

    @Option(help: "Evaluate this compiled predictor binary (built from MODEL) instead of the engine.")
    var predictor: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Seconds one predictor run may take before it (and every process it started) is stopped; default 60 s plus, per input, 60 s and 100 ns per multiply-accumulate of the model.")
    var timeout: Double?

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard threshold > 0, threshold < 1 else { throw ValidationError("--threshold must be in (0, 1), got \(threshold)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
        try validateTimeout(timeout)
    }

    func run() throws {
        try vggc.run {
            let file = try ModelFile.read(path: model)
            let loaded = file.model
            let threads = self.threads ?? Engine.defaultThreads
            let set = try LabelledImages(path: folder, model: loaded)
            let root = set.root, labels = set.labels
            let start = Date()
            let probabilities: [[Float]]
            if let predictor {
                let process = try PredictorProcess(path: predictor, timeLimit: try timeLimit(timeout, model: loaded))
                let hash = file.info.hash
                let built = try process.modelHash()
                guard built == hash else { throw CheckError.hashMismatch(predictor: built, model: hash) }
                probabilities = try set.predictorProbabilities(process, model: loaded, threads: threads)
            } else {
                probabilities = try set.engineProbabilities(loaded, threads: threads)
            }
            let seconds = Date().timeIntervalSince(start)
            let evaluation = try Evaluation(classes: loaded.labels, probabilities: probabilities, labels: labels,
                                            threshold: threshold, positiveClass: positive)
            if json {
                try printJSON(EvalSummary(model: model, folder: root, runner: predictor ?? "engine", seconds: seconds, evaluation: evaluation))
            } else {
                print(report(evaluation, title: "\(Display.text(root)): \(labels.count) images, \(predictor.map { "predictor \(Display.text($0))" } ?? "engine"), "
                    + "threshold \(threshold), \(String(format: "%.1f", seconds)) s"))
            }
        }
    }
}

struct EvalSummary: Encodable {
    var model: String
    var folder: String
    var runner: String
    var seconds: Double
    var evaluation: Evaluation
}
