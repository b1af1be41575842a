import VGGCore

/// A classifier's results on a labelled set: the confusion matrix over all classes and,
/// for binary problems, the threshold metrics of the positive class.
///
/// The positive class is the one whose misses cost most — PNEUMONIA when a label has that
/// name, otherwise the second label (the one a one-unit sigmoid predicts).
public struct Evaluation: Sendable, Codable, Equatable {
    public var classes: [String]
    public var positiveClass: String?
    public var confusion: ConfusionMatrix
    public var binary: BinaryMetrics?
    public var loss: Double?
    public var images: Int

    /// `probabilities[i]` is image `i`'s class distribution, `labels[i]` its true class.
    /// With two classes, an image is called positive when P(positive) ≥ `threshold`;
    /// otherwise the most probable class is predicted.
    public init(classes: [String], probabilities: [[Float]], labels: [Int], threshold: Float = 0.5,
                positiveClass: String? = nil, loss: Double? = nil) throws {
        self.classes = classes
        images = labels.count
        self.loss = loss
        let positive = try Self.positiveIndex(classes: classes, requested: positiveClass)
        self.positiveClass = positive.map { classes[$0] }
        let predicted: [Int] = probabilities.map { p in
            if let positive, classes.count == 2 { return p[positive] >= threshold ? positive : 1 - positive }
            return p.indices.max { p[$0] < p[$1] } ?? 0
        }
        confusion = try ConfusionMatrix(classCount: classes.count, truth: labels, predicted: predicted)
        if let positive {
            binary = try BinaryMetrics(scores: probabilities.map { $0[positive] }, positives: labels.map { $0 == positive },
                                       threshold: threshold)
        }
    }

    /// Binary problems only: the positive class index (by name, PNEUMONIA, or the second).
    static func positiveIndex(classes: [String], requested: String?) throws -> Int? {
        if let requested {
            guard let i = classes.firstIndex(of: requested) else {
                throw MetricsError.unknownPositiveClass(requested, classes: classes)
            }
            guard classes.count == 2 else {
                throw MetricsError.positiveClassNeedsTwoClasses(requested, classes: classes)
            }
            return i
        }
        guard classes.count == 2 else { return nil }
        return classes.firstIndex { $0.uppercased() == "PNEUMONIA" } ?? 1
    }

    /// Accuracy over all classes.
    public var accuracy: Double { confusion.accuracy }
}
