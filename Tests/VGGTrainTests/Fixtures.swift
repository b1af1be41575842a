import VGGImage
import Foundation
import VGGCore
import VGGTrain
import VGGTestSupport

/// A `root/{CLASS}/NNN.png` folder of small gray images whose sizes and contents differ per
/// image, so resizing produces distinct tensors. Returns the root path.
@discardableResult
func makeImageFolder(in dir: TemporaryFolder, counts: [String: Int], name: String = "set") throws -> String {
    let root = try dir.folder(name)
    var seed: UInt64 = 1
    for (className, count) in counts.sorted(by: { $0.key < $1.key }) {
        let classPath = try dir.folder(name + "/" + className)
        for i in 0..<count {
            let width = 5 + i % 4, height = 4 + i % 3
            var rng = SeededGenerator(seed: seed)
            seed += 1
            let samples = (0..<width * height).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            try writeGrayPNG(classPath + "/" + String(format: "%03d.png", i), width: width, height: height,
                             samples: samples)
        }
    }
    return root
}

/// Labelled vectors (`.vector(2)`, values encode the index) with `counts[c]` images of class
/// `c`, classes interleaved so class members are not contiguous.
func syntheticData(counts: [Int]) -> DecodedDataset {
    var labels: [Int] = []
    var remaining = counts
    while remaining.contains(where: { $0 > 0 }) {
        for c in remaining.indices where remaining[c] > 0 {
            labels.append(c)
            remaining[c] -= 1
        }
    }
    let inputs = labels.indices.flatMap { [Float($0), -Float($0)] }
    return DecodedDataset(classes: counts.indices.map { "class\($0)" }, shape: .vector(2), inputs: inputs,
                        labels: labels, sources: labels.indices.map { "img\($0)" })
}
