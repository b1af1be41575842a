import Foundation
import Testing
@testable import VGGMetrics

private func close(_ a: Double?, _ b: Double, tolerance: Double = 1e-12) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance
}

/// Trapezoid area under a ROC curve.
private func area(_ curve: [ROCPoint]) -> Double {
    zip(curve, curve.dropFirst()).reduce(0) { sum, pair in
        sum + (pair.1.falsePositiveRate - pair.0.falsePositiveRate)
            * (pair.0.truePositiveRate + pair.1.truePositiveRate) / 2
    }
}

// Five positives (3 above 0.5) and five negatives (1 above 0.5): TP=3 FP=1 TN=4 FN=2.
private let scores: [Float] = [0.9, 0.8, 0.7, 0.3, 0.2, 0.6, 0.4, 0.1, 0.05, 0.0]
private let positives = [true, true, true, true, true, false, false, false, false, false]

@Test func handComputedBinaryMetrics() throws {
    let m = try BinaryMetrics(scores: scores, positives: positives, threshold: 0.5)
    #expect(m.truePositives == 3 && m.falsePositives == 1 && m.trueNegatives == 4 && m.falseNegatives == 2)
    #expect(m.count == 10)
    #expect(close(m.precision, 0.75))
    #expect(close(m.recall, 0.6))
    #expect(m.sensitivity == m.recall)
    #expect(close(m.specificity, 0.8))
    #expect(close(m.f1, 2 * 0.75 * 0.6 / 1.35))
    #expect(close(m.accuracy, 0.7))
    // Positive 0.3 and 0.2 each beat three negatives, the rest beat all five: 21 of 25 pairs.
    #expect(close(m.rocAUC, 21.0 / 25))
    #expect(m.threshold == 0.5)

    let fromCounts = try BinaryMetrics(truePositives: 3, falsePositives: 1, trueNegatives: 4, falseNegatives: 2,
                                       threshold: 0.5, rocAUC: 0.84)
    #expect(fromCounts == m)
}

@Test func thresholdMovesTheCounts() throws {
    let low = try BinaryMetrics(scores: scores, positives: positives, threshold: 0)
    #expect(low.truePositives == 5 && low.falsePositives == 5 && low.trueNegatives == 0)
    #expect(close(low.recall, 1) && close(low.specificity, 0) && close(low.precision, 0.5))

    let high = try BinaryMetrics(scores: scores, positives: positives, threshold: 0.65)
    #expect(high.truePositives == 3 && high.falsePositives == 0 && high.trueNegatives == 5 && high.falseNegatives == 2)
    #expect(close(high.precision, 1) && close(high.specificity, 1))

    // A score equal to the threshold is predicted positive.
    let equal = try BinaryMetrics(scores: scores, positives: positives, threshold: 0.7)
    #expect(equal.truePositives == 3)
    // The AUC does not depend on the threshold.
    #expect(low.rocAUC == high.rocAUC && high.rocAUC == equal.rocAUC)
}

@Test func zeroDenominatorsGiveZero() throws {
    // Nothing predicted positive: precision 0/0 → 0, and F1 0.
    let none = try BinaryMetrics(scores: [0.1, 0.2, 0.3], positives: [true, false, false], threshold: 0.9)
    #expect(none.precision == 0 && none.recall == 0 && none.f1 == 0)
    #expect(close(none.specificity, 1))
    // No positive images: recall 0/0 → 0, and no AUC.
    let noPositives = try BinaryMetrics(scores: [0.1, 0.7], positives: [false, false])
    #expect(noPositives.recall == 0 && noPositives.rocAUC == nil)
    #expect(close(noPositives.specificity, 0.5))
    // No negative images: specificity 0/0 → 0.
    let noNegatives = try BinaryMetrics(scores: [0.1, 0.7], positives: [true, true])
    #expect(noNegatives.specificity == 0 && noNegatives.rocAUC == nil && close(noNegatives.precision, 1))
    // Nothing at all.
    let empty = try BinaryMetrics(scores: [], positives: [])
    #expect(empty.accuracy == 0 && empty.precision == 0 && empty.recall == 0 && empty.specificity == 0)
    #expect(empty.f1 == 0 && empty.rocAUC == nil && empty.count == 0)
}

@Test func aucOfSmallHandComputedCases() throws {
    let labels = [true, true, false, false, false]
    #expect(try BinaryMetrics.rocAUC(scores: [0.9, 0.8, 0.3, 0.2, 0.1], positives: labels) == 1)
    #expect(try BinaryMetrics.rocAUC(scores: [0.1, 0.2, 0.7, 0.8, 0.9], positives: labels) == 0)
    #expect(try BinaryMetrics.rocAUC(scores: [0.5, 0.5, 0.5, 0.5, 0.5], positives: labels) == 0.5)
    // Positives 0.8 and 0.4, negatives 0.6, 0.4, 0.2. Pairs: 0.8 beats all three (3);
    // 0.4 loses to 0.6, ties 0.4 (½), beats 0.2 (1) → 4.5 of 6.
    let mixed: [Float] = [0.8, 0.4, 0.6, 0.4, 0.2]
    #expect(try BinaryMetrics.rocAUC(scores: mixed, positives: labels) == 0.75)
    // Order of the images does not matter.
    #expect(try BinaryMetrics.rocAUC(scores: mixed.reversed(), positives: labels.reversed()) == 0.75)
    #expect(try BinaryMetrics.rocAUC(scores: [0.3, 0.4], positives: [true, true]) == nil)
}

@Test func rocCurveMatchesTheAUC() throws {
    let labels = [true, true, false, false, false]
    let curve = try BinaryMetrics.rocCurve(scores: [0.8, 0.4, 0.6, 0.4, 0.2], positives: labels)
    let expected: [(Double, Double, Float?)] = [(0, 0, nil), (0, 0.5, 0.8), (1.0 / 3, 0.5, 0.6),
                                                (2.0 / 3, 1, 0.4), (1, 1, 0.2)]
    #expect(curve.count == expected.count)
    for (point, (fpr, tpr, threshold)) in zip(curve, expected) {
        #expect(close(point.falsePositiveRate, fpr) && close(point.truePositiveRate, tpr))
        #expect(point.threshold == threshold)
    }
    #expect(close(area(curve), 0.75))
    // The tie-aware curve's area equals the rank AUC on a larger tied example.
    #expect(close(area(try BinaryMetrics.rocCurve(scores: scores, positives: positives)), 0.84))
    #expect(try BinaryMetrics.rocCurve(scores: [0.1, 0.2], positives: [false, false]).isEmpty)
}

@Test func badBinaryInputThrowsNamedErrors() throws {
    #expect(throws: MetricsError.countMismatch(what: "labels", expected: 2, actual: 1)) {
        try BinaryMetrics(scores: [0.1, 0.2], positives: [true])
    }
    #expect(throws: MetricsError.nonFiniteScore(index: 1, value: .infinity)) {
        try BinaryMetrics.rocCurve(scores: [0.1, .infinity], positives: [true, false])
    }
    let nan = #expect(throws: MetricsError.self) {
        try BinaryMetrics(scores: [.nan], positives: [true])
    }
    #expect(nan?.description == "score 0 is nan; expected a finite probability")
    #expect(throws: MetricsError.self) { try BinaryMetrics(scores: [0.5], positives: [true], threshold: .nan) }
    let negative = #expect(throws: MetricsError.self) {
        try BinaryMetrics(truePositives: 1, falsePositives: -2, trueNegatives: 0, falseNegatives: 0)
    }
    #expect(negative?.description == "false positives is -2; expected a count ≥ 0")
}

@Test func binaryMetricsRoundTripThroughJSON() throws {
    let m = try BinaryMetrics(scores: scores, positives: positives, threshold: 0.5)
    let data = try JSONEncoder().encode(m)
    #expect(try JSONDecoder().decode(BinaryMetrics.self, from: data) == m)
    // Derived values are recomputed from the counts, never trusted from the file.
    var object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    object["precision"] = 0.123
    let edited = try JSONSerialization.data(withJSONObject: object)
    #expect(try JSONDecoder().decode(BinaryMetrics.self, from: edited).precision == 0.75)
    object["truePositives"] = -1
    let broken = try JSONSerialization.data(withJSONObject: object)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(BinaryMetrics.self, from: broken) }
}

// MARK: - Confusion matrix

@Test func multiClassConfusionMatrix() throws {
    // truth:     0 0 0 0 1 1 1 2 2 2
    // predicted: 0 0 1 2 1 1 0 2 2 2
    let m = try ConfusionMatrix(classCount: 3, truth: [0, 0, 0, 0, 1, 1, 1, 2, 2, 2],
                                predicted: [0, 0, 1, 2, 1, 1, 0, 2, 2, 2])
    #expect(m.counts == [[2, 1, 1], [1, 2, 0], [0, 0, 3]])
    #expect(m.total == 10 && m.correct == 7 && close(m.accuracy, 0.7))
    #expect(m.support == [4, 3, 3] && m.predictedCounts == [3, 3, 4])
    #expect(zip(m.precision, [2.0 / 3, 2.0 / 3, 0.75]).allSatisfy { close($0, $1) })
    #expect(zip(m.recall, [0.5, 2.0 / 3, 1]).allSatisfy { close($0, $1) })
    // F1 of class 0: 2·2 / (2·2 + 1 + 2) = 4/7.
    #expect(zip(m.f1, [4.0 / 7, 2.0 / 3, 6.0 / 7]).allSatisfy { close($0, $1) })
    #expect(try ConfusionMatrix(counts: m.counts) == m)
}

@Test func confusionMatrixZeroDenominators() throws {
    // Class 2 has no images and is never predicted.
    let m = try ConfusionMatrix(classCount: 3, truth: [0, 1], predicted: [1, 1])
    #expect(m.precision == [0, 0.5, 0] && m.recall == [0, 1, 0] && m.f1[2] == 0)
    let empty = try ConfusionMatrix(classCount: 2, truth: [], predicted: [])
    #expect(empty.accuracy == 0 && empty.total == 0)
}

@Test func confusionRenderingShowsNamesAndCounts() throws {
    let m = try ConfusionMatrix(counts: [[50, 3, 0], [2, 45, 7], [1, 0, 112]])
    let text = m.render(classes: ["normal", "pneumonia", "covid"])
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0].contains("true \\ predicted") && lines[0].contains("pneumonia") && lines[0].contains("covid"))
    #expect(lines[1].hasPrefix("normal") && lines[1].hasSuffix("0") && lines[1].contains("50"))
    #expect(lines[3].hasPrefix("covid") && lines[3].hasSuffix("112"))
    // Columns line up: every matrix row is as long as the header.
    #expect(lines[1...3].allSatisfy { $0.count == lines[0].count })
    #expect(text.contains("precision") && text.contains("recall") && text.contains("support"))
    #expect(text.contains("accuracy 0.941 (207 of 220)"))
    // Pneumonia recall 45/54 = 0.833.
    #expect(lines.contains { $0.hasPrefix("pneumonia") && $0.contains("0.833") && $0.hasSuffix("54") })
    // A missing name becomes a placeholder instead of a crash.
    #expect(m.render(classes: ["normal"]).contains("class 2"))
}

@Test func badConfusionInputThrowsNamedErrors() throws {
    let out = #expect(throws: MetricsError.self) {
        try ConfusionMatrix(classCount: 2, truth: [0, 1], predicted: [0, 2])
    }
    #expect(out?.description == "prediction 1 is class 2; expected 0...1")
    #expect(throws: MetricsError.classOutOfRange(what: "true label", index: 0, value: -1, classCount: 2)) {
        try ConfusionMatrix(classCount: 2, truth: [-1], predicted: [0])
    }
    #expect(throws: MetricsError.countMismatch(what: "predictions", expected: 2, actual: 1)) {
        try ConfusionMatrix(classCount: 2, truth: [0, 1], predicted: [0])
    }
    #expect(throws: MetricsError.invalidClassCount(0)) { try ConfusionMatrix(classCount: 0, truth: [], predicted: []) }
    #expect(throws: MetricsError.notSquare(row: 1, columns: 1, classCount: 2)) {
        try ConfusionMatrix(counts: [[1, 2], [3]])
    }
    #expect(throws: DecodingError.self) {
        try JSONDecoder().decode(ConfusionMatrix.self, from: Data(#"{"counts": [[1, -1], [0, 0]]}"#.utf8))
    }
}

@Test func evaluationPicksThePositiveClassAndThreshold() throws {
    let probabilities: [[Float]] = [[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.45, 0.55]]
    let e = try Evaluation(classes: ["NORMAL", "PNEUMONIA"], probabilities: probabilities, labels: [0, 1, 1, 0])
    #expect(e.positiveClass == "PNEUMONIA")
    #expect(e.binary?.truePositives == 1 && e.binary?.falseNegatives == 1 && e.binary?.falsePositives == 1)
    let low = try Evaluation(classes: ["NORMAL", "PNEUMONIA"], probabilities: probabilities, labels: [0, 1, 1, 0], threshold: 0.3)
    #expect(low.binary?.recall == 1 && low.confusion.counts == [[1, 1], [0, 2]])
    let flipped = try Evaluation(classes: ["NORMAL", "PNEUMONIA"], probabilities: probabilities, labels: [0, 1, 1, 0], positiveClass: "NORMAL")
    #expect(flipped.positiveClass == "NORMAL" && flipped.binary?.truePositives == 1)
    #expect(throws: MetricsError.unknownPositiveClass("c", classes: ["a", "b"])) {
        try Evaluation(classes: ["a", "b"], probabilities: probabilities, labels: [0, 1, 1, 0], positiveClass: "c")
    }
    #expect(throws: MetricsError.positiveClassNeedsTwoClasses("a", classes: ["a", "b", "c"])) {
        try Evaluation(classes: ["a", "b", "c"], probabilities: probabilities.map { $0 + [0] }, labels: [0, 1, 1, 0],
                       positiveClass: "a")
    }
}
