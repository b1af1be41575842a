import VGGCore
import VGGImage

// What training does about an unbalanced set: weight the loss, or repeat the rarer images.
extension DecodedDataset {
    /// Per-class loss weights that make every class contribute equally to the loss:
    /// `total / (classes · count_c)`, the "balanced" convention of scikit-learn and Keras
    /// (weights average to 1 over the images, so the learning rate keeps its meaning).
    /// A class without images gets weight 0 (it never appears in the loss) and is not
    /// counted in `classes`, so the weights still average to 1.
    public func classWeights() -> [Float] {
        let counts = self.counts(), total = Double(count)
        let k = Double(counts.filter { $0 > 0 }.count)
        return counts.map { n in n > 0 ? Float(total / (k * Double(n))) : 0 }
    }

    /// Indices into this data in which every class has as many entries as the largest class:
    /// each image appears once, and images of the smaller classes are repeated.
    ///
    /// Repeats are spread evenly rather than drawn with replacement: a class that needs
    /// `q · n + r` extra entries repeats each of its `n` images `q` times and `r` of them
    /// (chosen at random with `seed`) once more, so no image is repeated much more than the
    /// others. The result is sorted (the trainer shuffles every epoch anyway) and the same
    /// for the same data and seed. Classes without images stay empty; labels that are not
    /// class indices are kept once and not counted.
    public func oversampledIndices(seed: UInt64) -> [Int] {
        var byClass = [[Int]](repeating: [], count: classes.count)
        for (i, label) in labels.enumerated() where byClass.indices.contains(label) { byClass[label].append(i) }
        let target = byClass.map(\.count).max() ?? 0
        var rng = SeededGenerator(seed: seed)
        var result = Array(0..<count)
        result.reserveCapacity(target * classes.count)
        for members in byClass where !members.isEmpty && members.count < target {
            let extra = target - members.count
            for _ in 0..<(extra / members.count) { result += members }
            var shuffled = members
            rng.shuffle(&shuffled)
            result += shuffled[..<(extra % members.count)]
        }
        return result.sorted()
    }
}
