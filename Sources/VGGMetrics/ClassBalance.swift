import Foundation
import VGGCore
import VGGImage

/// How evenly images are spread over the classes, and whether it matters.
///
/// A classifier trained on a skewed set (the chest X-ray set has almost three pneumonia
/// images per normal one) can reach a flattering accuracy by favouring the large class, so
/// the trainer reports the balance and offers class weights or oversampling.
public struct ClassBalance: Sendable, Equatable, CustomStringConvertible {
    /// Above this largest/smallest ratio a set counts as skewed. 1.5 flags the 60/40 splits
    /// and worse that measurably bias a classifier, while leaving sets that differ by a few
    /// images alone.
    public static let skewThreshold = 1.5

    public let classes: [String]
    /// Images per class, indexed like `classes`.
    public let counts: [Int]

    /// `classes` and `counts` must have the same length and counts must be ≥ 0.
    public init(classes: [String], counts: [Int]) {
        precondition(classes.count == counts.count, "ClassBalance: \(classes.count) classes, \(counts.count) counts")
        precondition(counts.allSatisfy { $0 >= 0 }, "ClassBalance: negative count")
        self.classes = classes
        self.counts = counts
    }

    public var total: Int { counts.reduce(0, +) }

    /// Largest class count / smallest class count: 1 for a perfectly balanced (or empty)
    /// set, infinity when some class has no image but another has.
    public var ratio: Double {
        guard let largest = counts.max(), let smallest = counts.min(), largest > 0 else { return 1 }
        return smallest == 0 ? .infinity : Double(largest) / Double(smallest)
    }

    /// Whether `ratio` exceeds `skewThreshold`.
    public var isSkewed: Bool { ratio > Self.skewThreshold }

    /// For example "NORMAL 322 (26.6 %), PNEUMONIA 887 (73.4 %); ratio 2.75:1 — skewed".
    public var description: String {
        let total = self.total
        let parts = zip(classes, counts).map { name, n in
            let percent = total > 0 ? 100 * Double(n) / Double(total) : 0
            return "\(name) \(n) (\(String(format: "%.1f", percent)) %)"
        }
        let ratioText = ratio.isFinite ? String(format: "%.2f:1", ratio) : "∞ (a class has no images)"
        return parts.joined(separator: ", ") + "; ratio \(ratioText) — " + (isSkewed ? "skewed" : "balanced")
    }
}

extension DecodedDataset {
    /// The class balance of this data.
    public func balance() -> ClassBalance { ClassBalance(classes: classes, counts: counts()) }
}
