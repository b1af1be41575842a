import ArgumentParser
import Foundation
import VGGCore
import VGGEngine
import VGGFormat
import VGGImage
import VGGMetrics
import VGGTrain
import VGGSystem

/// One `vggc train` run, step by step: data, model, training (head on cached features
/// and optional fine-tuning, or the whole network), test report, files.
struct TrainingSession {
    let command: Train
    let options: TrainingOptions
    let progress: ProgressLine
    /// The model and its history files, checked before any work (hours of training must
    /// not end in "cannot write"), then replaced atomically.
    let outputs: (model: OutputFile, csv: OutputFile, chart: OutputFile)

    init(command: Train) throws {
        self.command = command
        options = try command.trainingOptions()
        progress = ProgressLine(quiet: command.quiet || command.json)
        let stem = command.output.hasSuffix(".bin") ? String(command.output.dropLast(4)) : command.output
        let inputs = command.base.map { [$0] } ?? []
        outputs = (try OutputFile(command.output, inputs: inputs), try OutputFile(stem + ".history.csv", inputs: inputs),
                   try OutputFile(stem + ".history.png", inputs: inputs))
    }

    private func say(_ text: String) {
        progress.clear()
        FileHandle.standardError.write(Data((Display.controls(text) + "\n").utf8))
    }

    func run() throws {
        let started = Date()
        let dataset = try ImageDataset.open(root: command.data)
        let classes = dataset.train.classes
        for path in dataset.train.ignored.prefix(5) { printWarning("skipped \(Display.text(path)) (not a .png/.jpg/.jpeg image)") }

        // 1. The model: a fresh VGG, or a base model's convolutions under a new head.
        var model: Model
        var baseLength: Int?
        if let basePath = command.base {
            let base = try ModelFile.read(path: basePath).model
            model = try TransferLearning.model(base: base, head: try command.architecture.classifierHead(), labels: classes,
                                               output: try command.architecture.outputActivation(), seed: command.seed)
            baseLength = try TransferLearning.baseLength(of: base)
            // --unfreeze-last is checked against the base now, not after the head has trained.
            _ = try TransferLearning.trainableLayers(of: model, baseLength: baseLength!, unfreezeLast: command.unfreezeLast)
            say("base: \(baseLength!) layers of \(basePath) (input \(model.input.height)×\(model.input.width)×\(model.input.channels)); new head for [\(classes.joined(separator: ", "))]")
        } else {
            model = try Model.vgg(try command.architecture.configuration(labels: classes), seed: command.seed)
        }
        let summary = try ModelSummary(model)
        say("model: \(model.layers.count) layers, \(Format.grouped(summary.totalParameters)) parameters, \(Format.count(summary.totalMultiplyAccumulates)) MACs/image")

        // 2. Class balance, then the images, decoded once into memory.
        let balance = ClassBalance(classes: classes, counts: dataset.train.counts())
        say("class balance (train): \(balance)")
        if balance.isSkewed && !options.classWeighting && !options.oversample {
            printWarning("the classes are skewed (\(String(format: "%.2f", balance.ratio)):1); consider --class-weight or --oversample")
        }
        let all = try load(dataset.train, spec: model.input, what: "train")
        var test: DecodedDataset?
        if let folder = dataset.test { test = try load(folder, spec: model.input, what: "test") }
        var train = all, validation: DecodedDataset?
        if command.validateOnTest {
            guard let test else { throw TrainingError.emptySet("\(command.data)/test (needed by --validate-on-test)") }
            validation = test
        } else if command.validationSplit > 0 {
            (train, validation) = try all.stratifiedSplit(validationFraction: command.validationSplit, seed: command.seed)
        }
        say("images: \(train.count) train, \(validation.map { "\($0.count)" } ?? "no") validation\(command.validateOnTest ? " (= test)" : ""), \(test.map { "\($0.count)" } ?? "no") test")

        // 3. Training.
        let network: TrainingNetwork
        var history: TrainingHistory
        var reason: StopReason
        var kept: Int
        if command.freezeBase, let baseLength {
            (network, history, reason, kept) = try trainHead(model, baseLength: baseLength, train: train, validation: validation)
        } else {
            network = try TrainingNetwork(model: model, threads: options.threads)
            let outcome = try fit(network, options, train, validation, label: "")
            (history, reason, kept) = (outcome.history, outcome.stopReason, outcome.keptEpoch)
        }
        guard kept > 0 else { throw TrainingError.interruptedBeforeFirstEpoch }
        let seconds = Date().timeIntervalSince(started)
        say("stopped: \(reason); keeping epoch \(kept) of \(history.epochs.count) (\(ProgressLine.duration(seconds)) in all)")

        // 4. The model as it will ship, evaluated with the engine on the untouched test set.
        var trained = network.exportModel()
        var evaluation: Evaluation?
        if let test {
            evaluation = try evaluate(trained, test)
            let text = report(evaluation!, title: "test (\(test.count) images, threshold \(command.threshold))")
            if command.json { say(text) } else { print(text) }
        }
        trained.metadata = metadata(base: model.metadata, dataset: dataset, history: history, kept: kept, reason: reason,
                                    seconds: seconds, evaluation: evaluation)
        let info = try ModelFile.write(trained, to: outputs.model)
        try writeHistory(history)
        say("wrote \(Display.text(command.output)) (\(Format.bytes(info.fileSize)), sha256:\(info.hash)) and its history (.history.csv, .history.png)")
        if command.json {
            try printJSON(TrainSummary(model: command.output, sha256: info.hash, stopReason: "\(reason)", keptEpoch: kept,
                                       seconds: seconds, history: history.epochs, test: evaluation))
        }
    }

    /// Transfer learning with a frozen base: the policy is VGGTrain's; this shows its progress.
    private func trainHead(_ model: Model, baseLength: Int, train: DecodedDataset, validation: DecodedDataset?) throws
        -> (TrainingNetwork, TrainingHistory, StopReason, Int) {
        var policy = FrozenBaseTraining()
        policy.unfreezeLast = command.unfreezeLast
        policy.fineTuneEpochs = command.fineTuneEpochs
        policy.fineTuneLearningRateFactor = command.fineTuneLrFactor
        let progress = self.progress
        policy.configure = { trainer, phase in attach(trainer, label: "\(phase) ") }
        policy.onEvent = { event in
            switch event {
            case let .caching(done, total):
                progress.update("caching base features \(ProgressLine.bar(Double(done) / Double(total))) \(done)/\(total)")
            case let .note(text): say(text)
            }
        }
        let outcome = try policy.run(model, baseLength: baseLength, options: options, train: train, validation: validation)
        return (outcome.network, outcome.history, outcome.stopReason, outcome.keptEpoch)
    }

    private func fit(_ network: TrainingNetwork, _ options: TrainingOptions, _ train: DecodedDataset,
                     _ validation: DecodedDataset?, label: String) throws -> TrainingOutcome {
        let trainer = try Trainer(network: network, options: options, train: train, validation: validation)
        attach(trainer, label: label)
        return try trainer.run()
    }

    /// Progress lines, epoch lines and Ctrl-C for one trainer.
    private func attach(_ trainer: Trainer, label: String) {
        let options = trainer.options
        say("training \(label.isEmpty ? "" : label)with \(options.optimizer.summary), batch \(options.batchSize), up to \(options.epochs) epochs, \(options.threads) threads")
        let progress = self.progress
        trainer.onBatch = { p in
            progress.update("\(label)epoch \(p.epoch)/\(p.epochs) \(ProgressLine.bar(Double(p.imagesDone) / Double(p.imagesTotal))) "
                + "\(p.imagesDone)/\(p.imagesTotal)  \(String(format: "%.1f", p.imagesPerSecond)) img/s  ETA \(ProgressLine.duration(p.secondsLeftInEpoch))  "
                + "loss \(String(format: "%.4f", p.runningLoss))  acc \(String(format: "%.3f", p.runningAccuracy))")
        }
        trainer.onEpoch = { r in
            var line = "\(label)epoch \(r.epoch)/\(options.epochs): train loss \(String(format: "%.4f", r.trainLoss)) acc \(String(format: "%.3f", r.trainAccuracy))"
            if let l = r.validationLoss, let a = r.validationAccuracy {
                line += " | validation loss \(String(format: "%.4f", l)) acc \(String(format: "%.3f", a))"
            }
            line += " | lr \(String(format: "%.2g", r.learningRate)) | \(String(format: "%.1f", r.seconds)) s, \(String(format: "%.1f", r.imagesPerSecond)) img/s"
            progress.clear()
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        trainer.shouldStop = { Interruption.requests > 0 }
    }

    private func load(_ folder: ImageFolder, spec: InputSpec, what: String) throws -> DecodedDataset {
        let start = Date()
        let data = try DatasetLoader.load(folder, spec: spec, threads: options.threads) { done, total in
            progress.update("decoding \(what) images \(ProgressLine.bar(Double(done) / Double(total))) \(done)/\(total)")
        }
        say("decoded \(data.count) \(what) images in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        return data
    }

    /// The shipped model's numbers: the engine on the exported model, not the trainer.
    private func evaluate(_ model: Model, _ data: DecodedDataset) throws -> Evaluation {
        let engine = try Engine(model: model, threads: options.threads)
        var probabilities: [[Float]] = []
        let n = data.elementCount
        for start in stride(from: 0, to: data.count, by: 32) {
            let count = min(32, data.count - start)
            probabilities += try engine.probabilities(Array(data.inputs[start * n ..< (start + count) * n]), batch: count)
        }
        return try Evaluation(classes: data.classes, probabilities: probabilities, labels: data.labels, threshold: command.threshold)
    }

    private func metadata(base: Metadata, dataset: ImageDataset, history: TrainingHistory, kept: Int,
                          reason: StopReason, seconds: Double, evaluation: Evaluation?) -> Metadata {
        var m = base
        // Nothing inherited from a base model may describe this one.
        for key in ["created-by", "weights", "test-metrics", "trained-by", "dataset", "epochs", "seed", "imported-by"] { m[key] = nil }
        m["trained-by"] = command.canonicalCommand
        m["dataset"] = "\((dataset.root as NSString).lastPathComponent): train \(dataset.train.counts().map(String.init).joined(separator: "/"))"
            + (dataset.test.map { ", test \($0.counts().map(String.init).joined(separator: "/"))" } ?? "")
            + " [\(dataset.train.classes.joined(separator: "/"))]"
        m["epochs"] = "\(history.epochs.count) run, epoch \(kept) kept (\(reason))"
        m["seed"] = "\(command.seed)"
        // No wall time here: it would change the model hash from run to run (it is in the
        // history file instead), and the same seed and data must give the same hash.
        m["toolchain"] = "vggc \(ToolchainVersion.string)"
        if let e = evaluation, let b = e.binary {
            m["test-metrics"] = String(format: "accuracy %.4f, precision %.4f, recall %.4f, specificity %.4f, F1 %.4f, ROC AUC %@ at threshold %.2f (positive %@, %d images)",
                                       b.accuracy, b.precision, b.recall, b.specificity, b.f1,
                                       b.rocAUC.map { String(format: "%.4f", $0) } ?? "n/a", b.threshold, e.positiveClass ?? "", e.images)
        } else if let e = evaluation {
            m["test-metrics"] = String(format: "accuracy %.4f (%d images)", e.accuracy, e.images)
        }
        return m
    }

    private func writeHistory(_ history: TrainingHistory) throws {
        try outputs.csv.write(Array(history.csv().utf8))
        try TrainingChart.write(history, to: outputs.chart)
    }
}

/// `vggc train --json`.
struct TrainSummary: Encodable {
    var model: String
    var sha256: String
    var stopReason: String
    var keptEpoch: Int
    var seconds: Double
    var history: [EpochRecord]
    var test: Evaluation?
}

/// The text report `train` and `eval` print.
func report(_ e: Evaluation, title: String) -> String {
    var lines = [title]
    if let b = e.binary {
        lines.append(String(format: "  accuracy %.4f  precision %.4f  recall (sensitivity) %.4f  specificity %.4f  F1 %.4f  ROC AUC %@",
                            b.accuracy, b.precision, b.recall, b.specificity, b.f1, b.rocAUC.map { String(format: "%.4f", $0) } ?? "n/a"))
        lines.append("  positive class \(e.positiveClass ?? "?"), threshold \(b.threshold): TP \(b.truePositives)  FP \(b.falsePositives)  TN \(b.trueNegatives)  FN \(b.falseNegatives)")
    } else {
        lines.append(String(format: "  accuracy %.4f", e.accuracy))
    }
    if let loss = e.loss { lines.append(String(format: "  loss %.4f", loss)) }
    lines.append(e.confusion.render(classes: e.classes).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    return lines.joined(separator: "\n")
}
