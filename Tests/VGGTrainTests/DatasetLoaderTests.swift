import Foundation
import Testing
import VGGCore
import VGGImage
import VGGTestSupport
@testable import VGGTrain

private let spec = InputSpec(height: 4, width: 4, channels: 1, mean: [0.5], std: [0.25])

@Test func loaderKeepsFolderOrderLabelsAndPipeline() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let root = try makeImageFolder(in: dir, counts: ["NORMAL": 3, "PNEUMONIA": 5])
    let folder = try ImageFolder(path: root)
    var calls: [(Int, Int)] = []
    let data = try DatasetLoader.load(folder, spec: spec, threads: 2) { calls.append(($0, $1)) }

    #expect(data.classes == ["NORMAL", "PNEUMONIA"])
    #expect(data.shape == .image(height: 4, width: 4, channels: 1))
    #expect(data.labels == [0, 0, 0, 1, 1, 1, 1, 1])
    #expect(data.sources == folder.images.map(\.path))
    // Each slot holds exactly what the inference pipeline makes of that file.
    for (i, image) in folder.images.enumerated() {
        let expected = try InputLoader.tensor(path: image.path, spec: spec)
        #expect(Array(data.inputs[i * 16 ..< (i + 1) * 16]) == expected)
    }
    #expect(calls.last.map { [$0.0, $0.1] } == [8, 8])
    #expect(calls.map(\.0) == calls.map(\.0).sorted())
}

@Test func loaderResultDoesNotDependOnThreadCount() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    // More images than one batch (16 per thread), so several batches run.
    let root = try makeImageFolder(in: dir, counts: ["a": 23, "b": 30])
    let folder = try ImageFolder(path: root)
    let one = try DatasetLoader.load(folder, spec: spec, threads: 1)
    let two = try DatasetLoader.load(folder, spec: spec, threads: 2)
    let five = try DatasetLoader.load(folder, spec: spec, threads: 5)
    #expect(one.count == 53)
    #expect(one == two)
    #expect(one == five)
}

@Test func loaderConvertsChannelsLikeInference() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let root = try makeImageFolder(in: dir, counts: ["x": 2, "y": 2])
    let rgb = InputSpec(height: 3, width: 2, channels: 3)
    let data = try DatasetLoader.load(try ImageFolder(path: root), spec: rgb, threads: 2)
    #expect(data.shape == .image(height: 3, width: 2, channels: 3))
    #expect(data.inputs.count == 4 * 18)
    #expect(data.inputs == (try ImageFolder(path: root).images.flatMap { try InputLoader.tensor(path: $0.path, spec: rgb) }))
}

@Test func corruptImageIsNamed() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let root = try makeImageFolder(in: dir, counts: ["a": 20, "b": 20])
    let bad = root + "/b/005.png"
    let later = root + "/b/012.png"
    // A valid signature with garbage after it, and a second bad file later in folder order.
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: bad)))
    bytes = Array(bytes.prefix(30))
    try Data(bytes).write(to: URL(fileURLWithPath: bad))
    try Data("not an image".utf8).write(to: URL(fileURLWithPath: later))

    for threads in [1, 2, 4] {
        var caught: DatasetError?
        do {
            _ = try DatasetLoader.load(try ImageFolder(path: root), spec: spec, threads: threads)
        } catch let error as DatasetError {
            caught = error
        }
        guard case let .unreadableImage(path, reason)? = caught else {
            Issue.record("expected unreadableImage, got \(String(describing: caught))")
            continue
        }
        #expect(path == bad)
        #expect(!reason.contains(bad), "the path is not repeated in the reason")
        let message = caught!.description
        #expect(message.hasPrefix("cannot read image \(bad): "))
    }
}

@Test func loaderRejectsBadOptions() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let folder = try ImageFolder(path: try makeImageFolder(in: dir, counts: ["a": 1, "b": 1]))
    #expect(throws: DatasetError.invalidThreadCount(0)) {
        try DatasetLoader.load(folder, spec: spec, threads: 0)
    }
    #expect(throws: ModelError.self) {
        try DatasetLoader.load(folder, spec: InputSpec(height: 4, width: 4, channels: 2), threads: 1)
    }
    #expect(throws: ModelError.self) {
        try DatasetLoader.load(folder, spec: InputSpec(height: 0, width: 4, channels: 1), threads: 1)
    }
    var broken = folder
    broken.images[1].classIndex = 7
    #expect(throws: DatasetError.invalidLabel(path: broken.images[1].path, label: 7, classCount: 2)) {
        try DatasetLoader.load(broken, spec: spec, threads: 1)
    }
}

@Test func missingFileIsNamed() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let folder = try ImageFolder(path: try makeImageFolder(in: dir, counts: ["a": 2, "b": 2]))
    try FileManager.default.removeItem(atPath: folder.images[2].path)
    #expect(throws: DatasetError.unreadableImage(path: folder.images[2].path, reason: "no such file")) {
        try DatasetLoader.load(folder, spec: spec, threads: 2)
    }
}
