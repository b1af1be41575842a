import Foundation

/// What one training epoch achieved; one row of `TrainingHistory`.
public struct EpochRecord: Sendable, Equatable, Codable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch.
    public var trainLoss: Double
    /// Fraction of training images classified correctly (0...1).
    public var trainAccuracy: Double
    /// Loss on the validation set, or `nil` when the run has no validation set.
    public var validationLoss: Double?
    /// Validation accuracy (0...1), or `nil` without a validation set.
    public var validationAccuracy: Double?
    /// Learning rate used during the epoch (schedules change it between epochs).
    public var learningRate: Double
    /// Wall-clock duration of the epoch, validation included.
    public var seconds: Double
    /// Training throughput.
    public var imagesPerSecond: Double

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double? = nil,
                validationAccuracy: Double? = nil, learningRate: Double, seconds: Double,
                imagesPerSecond: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }
}

/// The per-epoch record of a training run, exportable as CSV (spreadsheets, pandas) and
/// JSON (tools), and drawn by `TrainingChart`.
public struct TrainingHistory: Sendable, Equatable, Codable {
    /// One record per completed epoch, in order.
    public var epochs: [EpochRecord]

    public init(epochs: [EpochRecord] = []) {
        self.epochs = epochs
    }

    /// Adds the record of the epoch that just finished.
    public mutating func append(_ record: EpochRecord) {
        epochs.append(record)
    }

    /// Whether any epoch has a validation loss or accuracy (decides whether validation curves
    /// and columns are worth showing).
    public var hasValidation: Bool {
        epochs.contains { $0.validationLoss != nil || $0.validationAccuracy != nil }
    }

    /// The CSV header line, without a newline.
    public static let csvHeader =
        "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,learning_rate,seconds,images_per_second"

    /// The history as CSV: `csvHeader`, then one line per epoch, each ending in "\n".
    ///
    /// Absent validation values are empty fields. Numbers use Swift's shortest representation
    /// that reads back to the same Double (e.g. `0.1`, `1e-05`), so nothing is lost; a
    /// diverged run's NaN/infinite losses appear as `nan` / `inf`, which pandas and
    /// spreadsheets read as such.
    public func csv() -> String {
        var text = Self.csvHeader + "\n"
        for r in epochs {
            let fields = [String(r.epoch), Self.number(r.trainLoss), Self.number(r.trainAccuracy),
                          r.validationLoss.map(Self.number) ?? "", r.validationAccuracy.map(Self.number) ?? "",
                          Self.number(r.learningRate), Self.number(r.seconds), Self.number(r.imagesPerSecond)]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// The history as pretty-printed JSON with sorted keys (stable diffs):
    /// `{"epochs": [{"epoch": 1, "trainLoss": …}, …]}`. Absent validation values are omitted.
    /// Non-finite numbers, which JSON cannot hold, are written as the strings "nan", "inf"
    /// and "-inf" so a diverged run can still be saved; `init(json:)` reads them back.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: Self.positiveInfinity, negativeInfinity: Self.negativeInfinity, nan: Self.nan)
        return try encoder.encode(self)
    }

    /// Reads a history written by `json()`. Throws `DecodingError` on malformed data.
    public init(json data: Data) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: Self.positiveInfinity, negativeInfinity: Self.negativeInfinity, nan: Self.nan)
        self = try decoder.decode(TrainingHistory.self, from: data)
    }

    // The same spellings as `String(describing:)` uses in the CSV.
    private static let positiveInfinity = "inf", negativeInfinity = "-inf", nan = "nan"

    /// Shortest round-tripping text of a number.
    private static func number(_ value: Double) -> String {
        String(describing: value)
    }
}
