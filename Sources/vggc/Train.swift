import ArgumentParser
import Foundation
import VGGCore
import VGGEngine
import VGGFormat
import VGGImage
import VGGMetrics
import VGGTrain
import VGGSystem

/// `vggc train`: train a VGG on a folder of labelled images, from scratch or on top of the
/// convolutional base of another model (transfer learning).
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a VGG classifier on DIR/train/{CLASS}/*.png (from scratch or by transfer learning).",
        discussion: """
        DATA holds train/CLASS/*.png|jpg and optionally test/CLASS/*. Before training the
        class balance is printed (and a warning when it is skewed: use --class-weight or
        --oversample). A seeded stratified part of train (--validation-split) is held out
        for validation, so test stays untouched until the final report.

        Each epoch shows a progress bar with images/s, ETA and running loss/accuracy, then a
        line with train and validation loss/accuracy. Ctrl-C stops after the current batch
        and still writes the best model so far (a second Ctrl-C exits at once).

        Written next to the model: MODEL.history.csv (one row per epoch) and
        MODEL.history.png (loss and accuracy curves). The model's metadata records the
        dataset, the command, the epochs, the seed and the test metrics.

        The best epoch is kept: lowest validation loss (training loss without validation),
        or the epoch that passed --stop-at-accuracy.

        Examples:
          vggc train data --arch vgg16 --width 0.25 --input 128x128x1 --batch-norm \\
               --stop-at-accuracy 0.9 -o model.bin
          vggc train data --base model.bin --freeze-base --head small:256 -o tuned.bin
          vggc train data --base model.bin --freeze-base --unfreeze-last 2 -o tuned.bin
        """
    )

    @Argument(help: "Dataset folder with train/CLASS/* (and optionally test/CLASS/*).")
    var data: String

    @OptionGroup(title: "Architecture (ignored with --base, except --head/--dropout/--activation)")
    var architecture: ArchitectureOptions

    @Option(help: "Transfer learning: start from the convolutional base of this model.bin.")
    var base: String?

    @Flag(help: "Freeze the base: only the new head learns, on features computed once per image.")
    var freezeBase = false

    @Option(help: "After the head is trained, fine-tune the last N conv layers of the base too.")
    var unfreezeLast = 0

    @Option(help: "Epochs of that fine-tuning.")
    var fineTuneEpochs = 5

    @Option(help: "Learning-rate factor for fine-tuning (the base moves gently).")
    var fineTuneLrFactor: Float = 0.1

    @Option(help: "Optimizer: adam or sgd.")
    var optimizer = "adam"

    @Option(help: "Learning rate.")
    var lr: Float = 1e-4

    @Option(help: "Adam β1, β2 and ε, comma-separated.")
    var adam = "0.9,0.999,1e-7"

    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9

    @Option(help: "Decoupled weight decay on weights (AdamW style); 0 for none.")
    var weightDecay: Float = 0

    @Option(help: "Learning-rate schedule: constant, step:EVERY:FACTOR, cosine[:FLOOR], plateau:PATIENCE:FACTOR.")
    var lrSchedule = "constant"

    @Option(help: "Maximum epochs.")
    var epochs = 30

    @Option(help: "Images per mini-batch.")
    var batchSize = 32

    @Option(help: "Stop once accuracy passes this fraction (the study used 0.9).")
    var stopAtAccuracy: Double?

    @Option(help: "Which accuracy --stop-at-accuracy watches: train or validation.")
    var monitor = "train"

    @Option(help: "Early stopping: stop after this many epochs without a better validation loss.")
    var patience: Int?

    @Option(help: "Fraction of train held out (stratified, seeded) for validation; 0 for none.")
    var validationSplit = 0.15

    @Flag(help: "Validate on DATA/test instead of a split of train (what the tutorial did; test is then no longer independent).")
    var validateOnTest = false

    @Option(help: "Augmentation: none, xray (small shifts, rotations, zoom, brightness), or e.g. shift=0.1,rotate=7,zoom=0.1,brightness=0.1[,flip].")
    var augment = "xray"

    @Flag(help: "Weight the loss by inverse class frequency.")
    var classWeight = false

    @Flag(help: "Repeat images of smaller classes each epoch until classes are even.")
    var oversample = false

    @Option(help: "Seed for weights, split, shuffling, augmentation and dropout.")
    var seed: UInt64 = 1

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Decision threshold on P(positive) for the final test report.")
    var threshold: Float = 0.5

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Print the final summary as JSON on standard output.")
    var json = false

    @Option(name: .shortAndLong, help: "Output model.bin path.")
    var output: String

    func validate() throws {
        if base == nil { _ = try architecture.configuration(labels: ["a", "b"]) }
        if freezeBase && base == nil { throw ValidationError("--freeze-base needs --base MODEL") }
        if unfreezeLast > 0 && !freezeBase { throw ValidationError("--unfreeze-last needs --freeze-base (it fine-tunes after the head is trained)") }
        guard unfreezeLast >= 0 else { throw ValidationError("--unfreeze-last must be ≥ 0, got \(unfreezeLast)") }
        // Checked whatever the optimizer: a NaN given for an option that seems unused is a
        // mistake to report, not to ignore.
        guard momentum.isFinite, momentum >= 0, momentum < 1 else { throw ValidationError("--momentum must be in [0, 1), got \(momentum)") }
        guard lr.isFinite, fineTuneLrFactor.isFinite, weightDecay.isFinite else {
            throw ValidationError("--lr, --fine-tune-lr-factor and --weight-decay must be finite numbers")
        }
        if let stopAtAccuracy, !(stopAtAccuracy > 0 && stopAtAccuracy <= 1) {
            throw ValidationError("--stop-at-accuracy must be in (0, 1], got \(stopAtAccuracy)")
        }
        guard (1...10_000).contains(fineTuneEpochs) else { throw ValidationError("--fine-tune-epochs must be 1...10000") }
        guard fineTuneLrFactor > 0, fineTuneLrFactor <= 1 else { throw ValidationError("--fine-tune-lr-factor must be in (0, 1]") }
        guard validationSplit >= 0, validationSplit < 1 else {
            throw ValidationError("--validation-split must be in [0, 1), got \(validationSplit)")
        }
        guard Monitor(rawValue: monitor) != nil else { throw ValidationError("--monitor must be train or validation, got \(monitor)") }
        if monitor == "validation", stopAtAccuracy != nil, validationSplit == 0, !validateOnTest {
            throw ValidationError("--monitor validation needs validation data: --validation-split > 0 or --validate-on-test")
        }
        if patience != nil, validationSplit == 0, !validateOnTest {
            throw ValidationError("--patience watches the validation loss: give --validation-split > 0 or --validate-on-test")
        }
        if lrSchedule.lowercased().hasPrefix("plateau"), validationSplit == 0, !validateOnTest {
            throw ValidationError("--lr-schedule plateau watches the validation loss: give --validation-split > 0 or --validate-on-test")
        }
        if classWeight && oversample {
            // Oversampling already evens the classes each epoch; weighting the loss on top
            // would count the smaller classes twice.
            throw ValidationError("--class-weight and --oversample both correct the class imbalance; choose one")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
        guard threshold > 0, threshold < 1 else { throw ValidationError("--threshold must be in (0, 1), got \(threshold)") }
        _ = try trainingOptions()
    }

    func trainingOptions() throws -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = batchSize
        let kind: OptimizerSettings.Kind
        switch optimizer.lowercased() {
        case "adam":
            let parts = try strictList(adam, option: "--adam", expected: "β1,β2,ε, e.g. 0.9,0.999,1e-7") { Float($0) }
            guard parts.count == 3 else { throw ValidationError("--adam must be β1,β2,ε, e.g. 0.9,0.999,1e-7; got \(adam)") }
            kind = .adam(beta1: parts[0], beta2: parts[1], epsilon: parts[2])
        case "sgd": kind = .sgd(momentum: momentum)
        default: throw ValidationError("--optimizer must be adam or sgd, got \(optimizer)")
        }
        o.optimizer = OptimizerSettings(kind: kind, learningRate: lr, weightDecay: weightDecay)
        do {
            o.schedule = try LearningRateSchedule(parsing: lrSchedule)
            o.augmentation = try Augmentation(parsing: augment)
        } catch { throw ValidationError(vggc.message(for: error)) }
        o.stopAtAccuracy = stopAtAccuracy.map { StopAtAccuracy(threshold: $0, monitor: Monitor(rawValue: monitor) ?? .training) }
        o.earlyStopping = patience.map { EarlyStopping(patience: $0) }
        o.classWeighting = classWeight
        o.oversample = oversample
        o.seed = seed
        o.threads = threads ?? Engine.defaultThreads
        do { try o.validate() } catch { throw ValidationError(vggc.message(for: error)) }
        return o
    }

    func run() throws {
        try vggc.run {
            Interruption.install(gracefulInterrupt: true)  // the first Ctrl-C finishes the batch and saves
            let session = try TrainingSession(command: self)
            try session.run()
        }
    }

    /// The options as typed, minus the output path, for the model's metadata.
    var canonicalCommand: String {
        var parts = ["vggc train \((data as NSString).lastPathComponent)"]
        if let base { parts.append("--base \((base as NSString).lastPathComponent)") } else { parts.append(architecture.canonical) }
        if freezeBase { parts.append("--freeze-base") }
        if unfreezeLast > 0 { parts.append("--unfreeze-last \(unfreezeLast) --fine-tune-epochs \(fineTuneEpochs) --fine-tune-lr-factor \(fineTuneLrFactor)") }
        if base != nil { parts.append("--head \(architecture.head) --dropout \(architecture.dropout) --activation \(architecture.activation)") }
        parts.append("--optimizer \(optimizer) --lr \(lr)\(optimizer == "adam" ? " --adam \(adam)" : " --momentum \(momentum)")")
        if weightDecay > 0 { parts.append("--weight-decay \(weightDecay)") }
        parts.append("--lr-schedule \(lrSchedule) --epochs \(epochs) --batch-size \(batchSize)")
        if let stopAtAccuracy { parts.append("--stop-at-accuracy \(stopAtAccuracy) --monitor \(monitor)") }
        if let patience { parts.append("--patience \(patience)") }
        parts.append(validateOnTest ? "--validate-on-test" : "--validation-split \(validationSplit)")
        parts.append("--augment \(augment)")
        if classWeight { parts.append("--class-weight") }
        if oversample { parts.append("--oversample") }
        parts.append("--seed \(seed)")
        return parts.joined(separator: " ")
    }
}
