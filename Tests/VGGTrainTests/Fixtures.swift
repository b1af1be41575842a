import VGGImage
import CImageCodecs
import Foundation
import VGGCore
import VGGTrain

/// A fresh temporary folder, removed when the value is released.
final class TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("vggc-train-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Creates `name` (and missing parents) inside the folder; returns its path.
    @discardableResult
    func folder(_ name: String) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// Writes an 8-bit gray PNG with the codec shim's writer.
func writeGrayPNG(_ path: String, width: Int, height: Int, samples: [UInt8]) throws {
    precondition(samples.count == width * height)
    var err = [CChar](repeating: 0, count: 256)
    let wide = samples.map { UInt16($0) }
    let status = wide.withUnsafeBufferPointer { s in
        vggc_png_write(path, UInt32(width), UInt32(height), 0, 8, 0, s.baseAddress, nil, 0, nil, 0,
                       &err, err.count)
    }
    guard status == VGGC_OK else { throw FixtureError(description: "vggc_png_write: \(String(cString: err))") }
}

/// A `root/{CLASS}/NNN.png` folder of small gray images whose sizes and contents differ per
/// image, so resizing produces distinct tensors. Returns the root path.
@discardableResult
func makeImageFolder(in dir: TempDir, counts: [String: Int], name: String = "set") throws -> String {
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
