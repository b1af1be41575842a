import VGGImage
import Testing
import VGGCore
@testable import VGGTrain

@Test func stratifiedSplitKeepsClassProportions() throws {
    let data = syntheticData(counts: [10, 30, 7])
    let (train, validation) = try data.stratifiedSplit(validationFraction: 0.2, seed: 42)
    // round(10·0.2) = 2, round(30·0.2) = 6, round(7·0.2) = 1.
    #expect(validation.counts() == [2, 6, 1])
    #expect(train.counts() == [8, 24, 6])
    #expect(train.classes == data.classes && validation.classes == data.classes)
    #expect(train.shape == data.shape)

    let (trainIndices, validationIndices) = try data.stratifiedSplitIndices(validationFraction: 0.2, seed: 42)
    #expect(trainIndices == trainIndices.sorted())
    #expect(validationIndices == validationIndices.sorted())
    #expect(Set(trainIndices).isDisjoint(with: validationIndices))
    #expect((trainIndices + validationIndices).sorted() == Array(0..<data.count))
    // Images stay whole: inputs, labels and sources travel together.
    #expect(train == data.subset(trainIndices))
    #expect(validation == data.subset(validationIndices))
}

@Test func stratifiedSplitIsSeeded() throws {
    let data = syntheticData(counts: [40, 60])
    let a = try data.stratifiedSplitIndices(validationFraction: 0.25, seed: 7)
    let b = try data.stratifiedSplitIndices(validationFraction: 0.25, seed: 7)
    let c = try data.stratifiedSplitIndices(validationFraction: 0.25, seed: 8)
    #expect(a.train == b.train && a.validation == b.validation)
    #expect(a.validation != c.validation)
    // Not simply the first or last images of each class.
    let firsts = [0, 2, 4, 6, 8]
    #expect(!firsts.allSatisfy(a.validation.contains))
}

@Test func stratifiedSplitKeepsOneImageOnEachSide() throws {
    let data = syntheticData(counts: [2, 3, 50])
    let small = try data.stratifiedSplit(validationFraction: 0.01, seed: 1)
    #expect(small.validation.counts() == [1, 1, 1])
    let large = try data.stratifiedSplit(validationFraction: 0.99, seed: 1)
    #expect(large.train.counts() == [1, 1, 1])
    #expect(large.validation.counts() == [1, 2, 49])
}

@Test func stratifiedSplitRejectsImpossibleRequests() throws {
    let data = syntheticData(counts: [5, 5])
    for fraction in [0, 1, -0.1, 1.5, .nan, .infinity] {
        #expect(throws: TrainingError.self) { try data.stratifiedSplit(validationFraction: fraction, seed: 0) }
    }
    do {
        _ = try data.stratifiedSplit(validationFraction: 0, seed: 0)
    } catch let error as TrainingError {
        #expect(error.description.contains("validation fraction is \"0.0\""))
    }
    let tiny = syntheticData(counts: [5, 1])
    #expect(throws: TrainingError.emptySplit(className: "class1", images: 1)) {
        try tiny.stratifiedSplit(validationFraction: 0.2, seed: 0)
    }
    let missing = syntheticData(counts: [5, 0])
    #expect(throws: TrainingError.emptySplit(className: "class1", images: 0)) {
        try missing.stratifiedSplit(validationFraction: 0.2, seed: 0)
    }
    var bad = syntheticData(counts: [3, 3])
    bad.labels[4] = 9
    #expect(throws: TrainingError.invalidLabel(source: "img4", label: 9, classCount: 2)) {
        try bad.stratifiedSplit(validationFraction: 0.2, seed: 0)
    }
}

@Test func seededShuffleIsAPermutation() {
    var rng = SeededGenerator(seed: 3)
    var values = Array(0..<100)
    rng.shuffle(&values)
    #expect(values.sorted() == Array(0..<100))
    #expect(values != Array(0..<100))
    for bound in [1, 2, 7, 1000] {
        for _ in 0..<200 { #expect((0..<bound).contains(rng.index(below: bound))) }
    }
}
