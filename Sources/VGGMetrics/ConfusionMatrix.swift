import Foundation

/// Counts of (true class, predicted class) pairs for a K-class classifier: `counts[t][p]` is
/// the number of images of class `t` predicted as class `p` (rows = truth, columns =
/// prediction), so the diagonal holds the correct predictions.
///
/// Per-class ratios follow `BinaryMetrics`' rule: a zero denominator gives 0, never NaN
/// (precision of a class never predicted, recall of a class with no images, accuracy of an
/// empty matrix).
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// `counts[trueClass][predictedClass]`; square, one row and column per class.
    public let counts: [[Int]]

    /// Tallies `truth[i]` against `predicted[i]`. Throws `MetricsError` when `classCount` < 1,
    /// the arrays differ in length or an index is outside `0..<classCount`.
    public init(classCount: Int, truth: [Int], predicted: [Int]) throws {
        guard classCount >= 1 else { throw MetricsError.invalidClassCount(classCount) }
        guard truth.count == predicted.count else {
            throw MetricsError.countMismatch(what: "predictions", expected: truth.count, actual: predicted.count)
        }
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (i, (t, p)) in zip(truth, predicted).enumerated() {
            guard (0..<classCount).contains(t) else {
                throw MetricsError.classOutOfRange(what: "true label", index: i, value: t, classCount: classCount)
            }
            guard (0..<classCount).contains(p) else {
                throw MetricsError.classOutOfRange(what: "prediction", index: i, value: p, classCount: classCount)
            }
            counts[t][p] += 1
        }
        self.counts = counts
    }

    /// A matrix from its counts (e.g. read back from a report). Throws when it is empty, not
    /// square or holds a negative count.
    public init(counts: [[Int]]) throws {
        guard !counts.isEmpty else { throw MetricsError.invalidClassCount(0) }
        for (r, row) in counts.enumerated() {
            guard row.count == counts.count else {
                throw MetricsError.notSquare(row: r, columns: row.count, classCount: counts.count)
            }
            if let c = row.firstIndex(where: { $0 < 0 }) {
                throw MetricsError.negativeCount(what: "count[\(r)][\(c)]", value: row[c])
            }
        }
        self.counts = counts
    }

    /// Decoding validates the shape like `init(counts:)`, so a hand-edited file cannot make
    /// the per-class accessors index out of range.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(counts: c.decode([[Int]].self, forKey: .counts))
        } catch let error as MetricsError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: error.description))
        }
    }

    /// Number of classes (K).
    public var classCount: Int { counts.count }
    /// Number of images.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Correct predictions (the diagonal).
    public var correct: Int { (0..<classCount).reduce(0) { $0 + counts[$1][$1] } }
    /// Fraction of images predicted correctly.
    public var accuracy: Double { BinaryMetrics.ratio(correct, total) }

    /// Images per true class (row sums), indexed by class.
    public var support: [Int] { counts.map { $0.reduce(0, +) } }
    /// Predictions per class (column sums), indexed by class.
    public var predictedCounts: [Int] {
        (0..<classCount).map { p in counts.reduce(0) { $0 + $1[p] } }
    }
    /// Per class: correct / predicted as that class.
    public var precision: [Double] {
        let predicted = predictedCounts
        return (0..<classCount).map { BinaryMetrics.ratio(counts[$0][$0], predicted[$0]) }
    }
    /// Per class: correct / images of that class.
    public var recall: [Double] {
        let support = support
        return (0..<classCount).map { BinaryMetrics.ratio(counts[$0][$0], support[$0]) }
    }
    /// Per class: 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall.
    public var f1: [Double] {
        let predicted = predictedCounts, support = support
        return (0..<classCount).map { k in
            let tp = counts[k][k]
            return BinaryMetrics.ratio(2 * tp, 2 * tp + (predicted[k] - tp) + (support[k] - tp))
        }
    }

    /// An aligned text table for terminal reports: the matrix with class names on both axes,
    /// then precision, recall, F1 and support per class, then the overall accuracy.
    ///
    /// `classes` names the classes by index; a missing name is shown as "class N" rather than
    /// failing, because a report is better with a placeholder than without the numbers.
    public func render(classes: [String]) -> String {
        let names = (0..<classCount).map { k in
            k < classes.count && !classes[k].isEmpty ? classes[k] : "class \(k)"
        }
        var lines: [String] = []

        // The matrix: a row label column, then one column per predicted class.
        let corner = "true \\ predicted"
        let labelWidth = max(corner.count, names.map(\.count).max() ?? 0)
        let cells = counts.map { $0.map(String.init) }
        let columnWidths = (0..<classCount).map { p in
            max(names[p].count, cells.map { $0[p].count }.max() ?? 0)
        }
        lines.append(([pad(corner, labelWidth, left: true)]
                      + (0..<classCount).map { pad(names[$0], columnWidths[$0]) }).joined(separator: "  "))
        for t in 0..<classCount {
            lines.append(([pad(names[t], labelWidth, left: true)]
                          + (0..<classCount).map { pad(cells[t][$0], columnWidths[$0]) }).joined(separator: "  "))
        }
        lines.append("")

        // Per-class metrics.
        let headers = ["class", "precision", "recall", "f1", "support"]
        let precision = precision, recall = recall, f1 = f1, support = support
        let rows = (0..<classCount).map { k in
            [names[k], Self.fixed(precision[k]), Self.fixed(recall[k]), Self.fixed(f1[k]), String(support[k])]
        }
        let widths = headers.indices.map { c in max(headers[c].count, rows.map { $0[c].count }.max() ?? 0) }
        let format = { (row: [String]) in
            row.indices.map { self.pad(row[$0], widths[$0], left: $0 == 0) }.joined(separator: "  ")
        }
        lines.append(format(headers))
        lines += rows.map(format)
        lines.append("")
        lines.append("accuracy \(Self.fixed(accuracy)) (\(correct) of \(total))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Three decimals: enough to tell classifiers apart, short enough to align.
    static func fixed(_ value: Double) -> String {
        String(format: "%.3f", value)
    }

    /// Pads to `width` characters: names left-aligned, numbers right-aligned.
    private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + fill : fill + text
    }
}
