import Foundation
import VGGCheck
import VGGCore
import VGGEngine
import VGGFormat
import VGGImage
import VGGMetrics
import VGGSystem

/// A labelled folder (CLASS/* images, or a dataset root with test/CLASS/*) matched to a
/// model's labels by name, so folder order never silently permutes classes. Shared by
/// `vggc eval` and `vggc check --labelled`.
struct LabelledImages {
    let root: String
    let folder: ImageFolder
    /// Per image, the index of its class in the model's labels.
    let labels: [Int]

    init(path: String, model: Model) throws {
        var root = path
        let testPath = SystemPath.join(path, "test")
        if FileStatus.ofLink(testPath) != nil { root = testPath }
        self.root = root
        let images = try ImageFolder(path: root)
        folder = images
        let mapping = try images.classes.map { name -> Int in
            guard let i = model.labels.firstIndex(of: name) else {
                throw DatasetError.modelClassMismatch(path: root, modelLabels: model.labels,
                                                      folderClasses: images.classes)
            }
            return i
        }
        labels = images.images.map { mapping[$0.classIndex] }
    }

    /// Class probabilities from the dynamic engine (the model's fp32 definition).
    func engineProbabilities(_ model: Model, threads: Int) throws -> [[Float]] {
        let data = try DatasetLoader.load(folder, spec: model.input, threads: threads)
        let engine = try Engine(model: model, threads: threads)
        var all: [[Float]] = []
        let n = data.elementCount
        for s in stride(from: 0, to: data.count, by: 32) {
            let c = min(32, data.count - s)
            all += try engine.probabilities(Array(data.inputs[s * n ..< (s + c) * n]), batch: c)
        }
        return all
    }

    /// Class probabilities from a compiled predictor, which decodes the images itself.
    func predictorProbabilities(_ process: PredictorProcess, model: Model, threads: Int) throws -> [[Float]] {
        // Per image the predictor writes its logits, then one probability per label.
        let shapes = try model.validate()
        let logits = shapes[shapes.count - 2].elementCount, classes = model.labels.count
        let raw = try process.outputs(images: folder.images.map(\.path), valuesPerImage: logits + classes, threads: threads)
        return raw.map { Array($0.suffix(classes)) }
    }
}

/// What a predictor changes on labelled images against the engine (the fp32 definition):
/// both sides' metrics, how many top-1 decisions agree, the largest probability change.
struct LabelledComparison: Encodable {
    var folder: String
    var images: Int
    var engine: Evaluation
    var predictor: Evaluation
    var top1Agreement: Int
    var maxProbabilityDelta: Float

    init(folder: String, labels: [Int], classes: [String], engine: [[Float]], predictor: [[Float]]) throws {
        self.folder = folder
        images = labels.count
        self.engine = try Evaluation(classes: classes, probabilities: engine, labels: labels)
        self.predictor = try Evaluation(classes: classes, probabilities: predictor, labels: labels)
        top1Agreement = zip(engine, predictor).filter { Self.argmax($0) == Self.argmax($1) }.count
        maxProbabilityDelta = zip(engine, predictor).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
    }

    var text: String {
        var rows = [["labelled images", "engine (fp32)", "predictor", "Δ"]]
        func row(_ name: String, _ a: Double?, _ b: Double?) {
            guard let a, let b else { return }
            rows.append([name, String(format: "%.4f", a), String(format: "%.4f", b), String(format: "%+.4f", b - a)])
        }
        row("accuracy", engine.accuracy, predictor.accuracy)
        if let e = engine.binary, let p = predictor.binary {
            row("precision", e.precision, p.precision)
            row("recall", e.recall, p.recall)
            row("specificity", e.specificity, p.specificity)
            row("F1", e.f1, p.f1)
            row("ROC AUC", e.rocAUC, p.rocAUC)
        }
        rows.append(["top-1 agreement", "\(top1Agreement)/\(images)", "", ""])
        rows.append(["max |Δ probability|", String(format: "%.3g", maxProbabilityDelta), "", ""])
        return "\(images) labelled images in \(folder), threshold 0.5:\n" + Format.table(rows)
    }

    private static func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] } ?? 0 }
}
