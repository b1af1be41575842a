/// Metrics of a two-class classifier (e.g. normal vs. pneumonia) at one decision threshold.
///
/// Built from one score per image — the predicted probability of the *positive* class — and
/// the true labels. An image is predicted positive when `score >= threshold`.
///
/// Division by zero: every ratio whose denominator is zero is reported as **0**, never NaN,
/// so a report or a JSON file never holds a non-number:
/// - `precision` with no positive predictions,
/// - `recall` with no positive images, `specificity` with no negative images,
/// - `f1` when there are no true positives, false positives nor false negatives,
/// - `accuracy` of an empty set.
/// `rocAUC` is different: it is `nil` when one class is absent, because "0" would read as a
/// perfectly wrong ranking.
public struct BinaryMetrics: Sendable, Equatable, Codable {
    /// Positive images predicted positive.
    public let truePositives: Int
    /// Negative images predicted positive.
    public let falsePositives: Int
    /// Negative images predicted negative.
    public let trueNegatives: Int
    /// Positive images predicted negative.
    public let falseNegatives: Int
    /// (TP + TN) / all images.
    public let accuracy: Double
    /// TP / (TP + FP): how many positive predictions are right.
    public let precision: Double
    /// TP / (TP + FN), also called sensitivity: how many positive images are found.
    public let recall: Double
    /// TN / (TN + FP): how many negative images are recognised as such.
    public let specificity: Double
    /// 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall.
    public let f1: Double
    /// Area under the ROC curve: the probability that a random positive image scores higher
    /// than a random negative one, ties counted as 1/2. Independent of the threshold; `nil`
    /// when one class is absent (or when built from counts alone without an AUC).
    public let rocAUC: Double?
    /// The decision threshold these counts were taken at.
    public let threshold: Float

    /// Recall under its clinical name.
    public var sensitivity: Double { recall }
    /// Number of images.
    public var count: Int { truePositives + falsePositives + trueNegatives + falseNegatives }

    /// Metrics of `scores` (probability of the positive class, one per image) against
    /// `positives` (true labels) at `threshold`; the AUC is computed exactly from the ranks.
    /// Throws `MetricsError` when the arrays differ in length, a score is not finite or the
    /// threshold is not finite.
    public init(scores: [Float], positives: [Bool], threshold: Float = 0.5) throws {
        try Self.validate(scores: scores, positives: positives)
        guard threshold.isFinite else { throw MetricsError.nonFiniteThreshold(threshold) }
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (score, positive) in zip(scores, positives) {
            switch (score >= threshold, positive) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
        self.init(tp: tp, fp: fp, tn: tn, fn: fn, threshold: threshold,
                  rocAUC: Self.exactAUC(scores: scores, positives: positives))
    }

    /// Metrics from outcome counts alone (e.g. from a report); `rocAUC` is passed through as
    /// given because it cannot be derived from counts. Throws on a negative count or a
    /// non-finite threshold.
    public init(truePositives: Int, falsePositives: Int, trueNegatives: Int, falseNegatives: Int,
                threshold: Float = 0.5, rocAUC: Double? = nil) throws {
        for (name, value) in [("true positives", truePositives), ("false positives", falsePositives),
                              ("true negatives", trueNegatives), ("false negatives", falseNegatives)]
        where value < 0 {
            throw MetricsError.negativeCount(what: name, value: value)
        }
        guard threshold.isFinite else { throw MetricsError.nonFiniteThreshold(threshold) }
        self.init(tp: truePositives, fp: falsePositives, tn: trueNegatives, fn: falseNegatives,
                  threshold: threshold, rocAUC: rocAUC)
    }

    /// Every derived value is computed here and only here, so they can never disagree.
    private init(tp: Int, fp: Int, tn: Int, fn: Int, threshold: Float, rocAUC: Double?) {
        truePositives = tp; falsePositives = fp; trueNegatives = tn; falseNegatives = fn
        accuracy = Self.ratio(tp + tn, tp + fp + tn + fn)
        precision = Self.ratio(tp, tp + fp)
        recall = Self.ratio(tp, tp + fn)
        specificity = Self.ratio(tn, tn + fp)
        // The count form needs one division and gives exactly 0 when TP = 0 (P = R = 0).
        f1 = Self.ratio(2 * tp, 2 * tp + fp + fn)
        self.rocAUC = rocAUC
        self.threshold = threshold
    }

    /// Decoding reads the counts, threshold and AUC and recomputes the rest, so an edited
    /// JSON file cannot produce metrics that contradict their own counts.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(truePositives: c.decode(Int.self, forKey: .truePositives),
                          falsePositives: c.decode(Int.self, forKey: .falsePositives),
                          trueNegatives: c.decode(Int.self, forKey: .trueNegatives),
                          falseNegatives: c.decode(Int.self, forKey: .falseNegatives),
                          threshold: c.decode(Float.self, forKey: .threshold),
                          rocAUC: c.decodeIfPresent(Double.self, forKey: .rocAUC))
        } catch let error as MetricsError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: error.description))
        }
    }

    /// `n / d`, or 0 when `d` is 0 (see the type's documentation).
    static func ratio(_ n: Int, _ d: Int) -> Double {
        d == 0 ? 0 : Double(n) / Double(d)
    }

    static func validate(scores: [Float], positives: [Bool]) throws {
        guard scores.count == positives.count else {
            throw MetricsError.countMismatch(what: "labels", expected: scores.count, actual: positives.count)
        }
        if let i = scores.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError.nonFiniteScore(index: i, value: scores[i])
        }
    }

    // MARK: - Ranking

    /// The exact ROC AUC (Mann–Whitney U / (positives · negatives)), ties counted as 1/2, or
    /// `nil` when one class is absent. Throws like `init(scores:positives:threshold:)`.
    public static func rocAUC(scores: [Float], positives: [Bool]) throws -> Double? {
        try validate(scores: scores, positives: positives)
        return exactAUC(scores: scores, positives: positives)
    }

    /// Counts, per group of equal scores from the lowest up, the (positive, negative) pairs a
    /// positive wins. Twice the win count is an integer (a tie adds 1, a win 2), so the only
    /// rounding is the final division.
    private static func exactAUC(scores: [Float], positives: [Bool]) -> Double? {
        let groups = tieGroups(scores: scores, positives: positives, descending: false)
        let totalPositives = groups.reduce(0) { $0 + $1.positives }
        let totalNegatives = groups.reduce(0) { $0 + $1.negatives }
        guard totalPositives > 0, totalNegatives > 0 else { return nil }
        var twiceWins = 0, negativesBelow = 0
        for g in groups {
            twiceWins += 2 * g.positives * negativesBelow + g.positives * g.negatives
            negativesBelow += g.negatives
        }
        return Double(twiceWins) / (2 * Double(totalPositives) * Double(totalNegatives))
    }

    /// The ROC curve: one point per distinct score, from (0, 0) — nothing predicted positive —
    /// to (1, 1), lowering the threshold through the scores. Tied scores move the curve
    /// diagonally, so the trapezoid area under it equals `rocAUC`. Empty when one class is
    /// absent (a rate would divide by zero). Throws like `init(scores:positives:threshold:)`.
    public static func rocCurve(scores: [Float], positives: [Bool]) throws -> [ROCPoint] {
        try validate(scores: scores, positives: positives)
        let groups = tieGroups(scores: scores, positives: positives, descending: true)
        let totalPositives = groups.reduce(0) { $0 + $1.positives }
        let totalNegatives = groups.reduce(0) { $0 + $1.negatives }
        guard totalPositives > 0, totalNegatives > 0 else { return [] }
        var curve = [ROCPoint(falsePositiveRate: 0, truePositiveRate: 0, threshold: nil)]
        var tp = 0, fp = 0
        for g in groups {
            tp += g.positives
            fp += g.negatives
            curve.append(ROCPoint(falsePositiveRate: ratio(fp, totalNegatives),
                                  truePositiveRate: ratio(tp, totalPositives), threshold: g.score))
        }
        return curve
    }

    /// Images grouped by equal score, sorted by score, with each group's class counts.
    private static func tieGroups(scores: [Float], positives: [Bool],
                                  descending: Bool) -> [(score: Float, positives: Int, negatives: Int)] {
        let order = scores.indices.sorted { descending ? scores[$0] > scores[$1] : scores[$0] < scores[$1] }
        var groups: [(score: Float, positives: Int, negatives: Int)] = []
        for i in order {
            // -0.0 == 0.0, so they share a group, as they share a prediction.
            if let last = groups.last, last.score == scores[i] {
                groups[groups.count - 1].positives += positives[i] ? 1 : 0
                groups[groups.count - 1].negatives += positives[i] ? 0 : 1
            } else {
                groups.append((scores[i], positives[i] ? 1 : 0, positives[i] ? 0 : 1))
            }
        }
        return groups
    }
}

/// One point of a ROC curve.
public struct ROCPoint: Sendable, Equatable, Codable {
    /// FP / negatives when predicting positive at `score >= threshold`.
    public var falsePositiveRate: Double
    /// TP / positives (recall) at the same threshold.
    public var truePositiveRate: Double
    /// The lowest score predicted positive at this point; `nil` for the starting point
    /// (0, 0), where nothing is predicted positive (a finite threshold keeps JSON valid).
    public var threshold: Float?

    public init(falsePositiveRate: Double, truePositiveRate: Double, threshold: Float?) {
        self.falsePositiveRate = falsePositiveRate
        self.truePositiveRate = truePositiveRate
        self.threshold = threshold
    }
}
