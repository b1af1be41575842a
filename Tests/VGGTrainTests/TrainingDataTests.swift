import Testing
import VGGImage
import VGGCore
@testable import VGGTrain

@Test func subsetKeepsImagesAndLabelsTogether() {
    let data = DecodedDataset(classes: ["a", "b"], shape: .vector(2), inputs: [0, 1, 2, 3, 4, 5],
                            labels: [0, 1, 1], sources: ["x", "y", "z"])
    let s = data.subset([2, 0])
    #expect(s.inputs == [4, 5, 0, 1])
    #expect(s.labels == [1, 0])
    #expect(s.sources == ["z", "x"])
    #expect(data.counts() == [1, 2])
}
