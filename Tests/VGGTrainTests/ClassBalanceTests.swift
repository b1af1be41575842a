import VGGImage
import Testing
import VGGMetrics
import VGGCore
@testable import VGGTrain

@Test func balanceDescribesSkew() {
    let b = ClassBalance(classes: ["NORMAL", "PNEUMONIA"], counts: [322, 887])
    #expect(b.total == 1209)
    #expect(abs(b.ratio - 887.0 / 322.0) < 1e-12)
    #expect(b.isSkewed)
    #expect(b.description == "NORMAL 322 (26.6 %), PNEUMONIA 887 (73.4 %); ratio 2.75:1 — skewed")

    let even = ClassBalance(classes: ["a", "b", "c"], counts: [10, 12, 11])
    #expect(!even.isSkewed)
    #expect(even.description.hasSuffix("; ratio 1.20:1 — balanced"))
    #expect(!ClassBalance(classes: ["a", "b"], counts: [10, 15]).isSkewed)
    #expect(ClassBalance(classes: ["a", "b"], counts: [10, 16]).isSkewed)

    let empty = ClassBalance(classes: ["a", "b"], counts: [4, 0])
    #expect(empty.ratio == .infinity)
    #expect(empty.isSkewed)
    #expect(empty.description.contains("∞"))
    #expect(ClassBalance(classes: ["a", "b"], counts: [0, 0]).ratio == 1)

    #expect(syntheticData(counts: [3, 5]).balance() == ClassBalance(classes: ["class0", "class1"], counts: [3, 5]))
}

@Test func classWeightsFollowTheBalancedConvention() {
    let data = syntheticData(counts: [1, 3])
    let w = data.classWeights()
    #expect(w == [2, Float(4.0 / 6.0)])
    // Every class then carries the same total weight, and the mean weight is 1.
    let xray = syntheticData(counts: [322, 887]).classWeights()
    #expect(abs(322 * xray[0] - 887 * xray[1]) < 1e-3)
    #expect(abs((322 * xray[0] + 887 * xray[1]) / 1209 - 1) < 1e-6)
    #expect(syntheticData(counts: [4, 4]).classWeights() == [1, 1])
    #expect(syntheticData(counts: [4, 0, 4]).classWeights() == [1, 0, 1])
    #expect(syntheticData(counts: [2, 0, 6]).classWeights() == [2, 0, Float(8.0 / 12.0)])
}

@Test func oversamplingEqualisesClasses() {
    let data = syntheticData(counts: [3, 8, 5])
    let indices = data.oversampledIndices(seed: 11)
    #expect(indices == indices.sorted())
    #expect(indices.count == 24)
    #expect(data.subset(indices).counts() == [8, 8, 8])

    var repeats = [Int](repeating: 0, count: data.count)
    for i in indices { repeats[i] += 1 }
    #expect(repeats.allSatisfy { $0 >= 1 })
    // Class 0 needs 5 extra over 3 images: each repeated once, two of them twice.
    let class0 = data.labels.indices.filter { data.labels[$0] == 0 }.map { repeats[$0] }
    #expect(class0.sorted() == [2, 3, 3])
    // The largest class is never repeated.
    #expect(data.labels.indices.filter { data.labels[$0] == 1 }.allSatisfy { repeats[$0] == 1 })

    #expect(data.oversampledIndices(seed: 11) == indices)
    let seeds = (0..<20).map { data.oversampledIndices(seed: UInt64($0)) }
    #expect(Set(seeds).count > 1, "the repeated images depend on the seed")

    let balanced = syntheticData(counts: [4, 4])
    #expect(balanced.oversampledIndices(seed: 1) == Array(0..<8))
    let withEmpty = syntheticData(counts: [2, 0, 3])
    #expect(withEmpty.subset(withEmpty.oversampledIndices(seed: 1)).counts() == [3, 0, 3])
}
