/// Why metrics could not be computed from the given predictions. Metrics are computed at the
/// end of every epoch, so bad input must become a message that names the offending value,
/// never a crash halfway through a long run.
public enum MetricsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Two arrays that must pair up element by element have different lengths.
    case countMismatch(what: String, expected: Int, actual: Int)
    /// A score is NaN or infinite (a diverged network); ranks and thresholds need real numbers.
    case nonFiniteScore(index: Int, value: Float)
    /// The decision threshold is NaN or infinite.
    case nonFiniteThreshold(Float)
    /// A confusion matrix needs at least one class.
    case invalidClassCount(Int)
    /// A class index (true or predicted) is outside `0..<classCount`.
    case classOutOfRange(what: String, index: Int, value: Int, classCount: Int)
    /// A count (of a confusion matrix or of a binary outcome) is negative.
    case negativeCount(what: String, value: Int)
    /// A confusion matrix row does not have one entry per class.
    case notSquare(row: Int, columns: Int, classCount: Int)
    /// The requested positive class is not one of the classes.
    case unknownPositiveClass(String, classes: [String])
    /// A positive class was requested for a problem that is not binary.
    case positiveClassNeedsTwoClasses(String, classes: [String])

    public var description: String {
        switch self {
        case .countMismatch(let what, let expected, let actual):
            return "\(what): got \(actual) values, expected \(expected) (one per image)"
        case .nonFiniteScore(let index, let value):
            return "score \(index) is \(value); expected a finite probability"
        case .nonFiniteThreshold(let value):
            return "threshold is \(value); expected a finite number such as 0.5"
        case .invalidClassCount(let count):
            return "confusion matrix with \(count) classes; expected at least 1"
        case .classOutOfRange(let what, let index, let value, let classCount):
            return "\(what) \(index) is class \(value); expected 0...\(classCount - 1)"
        case .negativeCount(let what, let value):
            return "\(what) is \(value); expected a count ≥ 0"
        case .notSquare(let row, let columns, let classCount):
            return "confusion matrix row \(row) has \(columns) entries; expected \(classCount) (one per class)"
        case .unknownPositiveClass(let name, let classes):
            return "positive class \"\(name)\" is not one of the classes [\(classes.joined(separator: ", "))]"
        case .positiveClassNeedsTwoClasses(let name, let classes):
            return "positive class \"\(name)\" needs a binary (two-class) problem;"
                + " the classes are [\(classes.joined(separator: ", "))]"
        }
    }
}
