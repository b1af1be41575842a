import VGGImage
import VGGCore

extension DecodedDataset {
    /// Splits the data into a training and a validation part, class by class.
    ///
    /// Stratifying keeps the class proportions of both parts equal to the whole: a plain
    /// random split of a small, skewed set (a few hundred images of one class) can leave the
    /// validation part with almost none of the rare class, and its accuracy then says little.
    ///
    /// Class `c` with `n` images sends `round(n · validationFraction)` of them, clamped to
    /// `1...n−1`, to validation, chosen at random with `seed`; the same data and seed give
    /// the same split on every machine. Both parts keep the original image order.
    ///
    /// - Throws: `TrainingError.invalidSetting` unless `0 < validationFraction < 1`;
    ///   `TrainingError.emptySplit` for a class with fewer than 2 images;
    ///   `TrainingError.invalidLabel` for a label that is not a class index.
    public func stratifiedSplit(validationFraction: Double, seed: UInt64) throws
        -> (train: DecodedDataset, validation: DecodedDataset) {
        let (train, validation) = try stratifiedSplitIndices(validationFraction: validationFraction, seed: seed)
        return (subset(train), subset(validation))
    }

    /// The index lists behind `stratifiedSplit`, each sorted ascending.
    func stratifiedSplitIndices(validationFraction: Double, seed: UInt64) throws
        -> (train: [Int], validation: [Int]) {
        guard validationFraction.isFinite, validationFraction > 0, validationFraction < 1 else {
            throw TrainingError.invalidSetting(.validationFraction, value: "\(validationFraction)",
                                               expected: "a number strictly between 0 and 1")
        }
        let byClass = try indicesByClass()
        var rng = SeededGenerator(seed: seed)
        var train: [Int] = [], validation: [Int] = []
        train.reserveCapacity(count)
        for (c, members) in byClass.enumerated() {
            let n = members.count
            guard n >= 2 else { throw TrainingError.emptySplit(className: classes[c], images: n) }
            let wanted = Int((Double(n) * validationFraction).rounded())
            let take = min(max(wanted, 1), n - 1)
            // Classes draw from one generator in class order, so adding images to one class
            // changes only that class's split and those after it.
            var shuffled = members
            rng.shuffle(&shuffled)
            validation += shuffled[..<take]
            train += shuffled[take...]
        }
        return (train.sorted(), validation.sorted())
    }

    /// The image indices of every class, ascending, indexed like `classes`.
    func indicesByClass() throws -> [[Int]] {
        var byClass = [[Int]](repeating: [], count: classes.count)
        for (i, label) in labels.enumerated() {
            guard byClass.indices.contains(label) else {
                throw TrainingError.invalidLabel(source: sources[i], label: label, classCount: classes.count)
            }
            byClass[label].append(i)
        }
        return byClass
    }
}

extension SeededGenerator {
    /// A uniform integer in `0..<bound` (`bound > 0`) from one 64-bit draw (Lemire's
    /// multiply-high; the bias, below bound/2⁶⁴, is irrelevant here). Written out rather than
    /// `Int.random(in:using:)` because the standard library does not promise that its
    /// algorithm, and so the sequence for a seed, stays the same across releases.
    mutating func index(below bound: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Fisher–Yates shuffle with `index(below:)`, reproducible for the same reason.
    mutating func shuffle<T>(_ array: inout [T]) {
        var i = array.count - 1
        while i > 0 {
            array.swapAt(i, index(below: i + 1))
            i -= 1
        }
    }
}
