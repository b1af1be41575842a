import Foundation
import Testing
import VGGImage
import VGGTestSupport

@Suite("Dataset folders")
struct DatasetTests {
    /// Creates `root/<split>/<class>/<file>` files; `.png`/`.jpg` become real tiny images.
    private func makeTree(_ dir: TemporaryFolder, _ files: [String]) throws -> String {
        let root = dir.file("root")
        for relative in files {
            let path = root + "/" + relative
            let folder = relative.hasSuffix("/") ? path : (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if relative.hasSuffix("/") { continue }
            if relative.lowercased().hasSuffix(".png") {
                try writePNG(path, width: 2, height: 2, color: .gray, bitDepth: 8, samples: [0, 50, 100, 150])
            } else {
                try writeBytes(path, Array("not an image".utf8))
            }
        }
        return root
    }

    @Test("train/test with classes A and B: sorted, counted, extensions case-insensitive")
    func basicTree() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let root = try makeTree(dir, [
            "train/B/b2.png", "train/B/b1.PNG", "train/A/a1.png", "train/A/a3.Jpeg", "train/A/.hidden.png",
            "train/A/notes.txt", "train/A/nested/", "test/A/t1.png", "test/B/t2.jpg", "test/B/t3.png",
        ])
        let dataset = try ImageDataset.open(root: root)
        #expect(dataset.train.classes == ["A", "B"])
        #expect(dataset.train.counts() == [2, 2])
        #expect(dataset.train.images.map { ($0.path as NSString).lastPathComponent } == ["a1.png", "a3.Jpeg", "b1.PNG", "b2.png"])
        #expect(dataset.train.images.map(\.classIndex) == [0, 0, 1, 1])
        #expect(dataset.train.ignored.map { ($0 as NSString).lastPathComponent } == [".hidden.png", "nested", "notes.txt"])
        let test = try #require(dataset.test)
        #expect(test.classes == ["A", "B"] && test.counts() == [1, 2])
        #expect(try ImageDecoder.decode(path: dataset.train.images[0].path).samples == [0, 50, 100, 150])
    }

    @Test("test/ is optional; symlinked class folders are followed")
    func optionalTestAndSymlinks() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let root = try makeTree(dir, ["train/A/1.png", "elsewhere/B/2.png"])
        try FileManager.default.createSymbolicLink(atPath: root + "/train/B", withDestinationPath: root + "/elsewhere/B")
        let dataset = try ImageDataset.open(root: root)
        #expect(dataset.test == nil)
        #expect(dataset.train.classes == ["A", "B"] && dataset.train.counts() == [1, 1])
    }

    @Test func errors() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let missing = dir.file("nothing")
        #expect(throws: DatasetError.missingFolder(path: missing)) { try ImageDataset.open(root: missing) }

        let noTrain = try makeTree(dir, ["test/A/1.png"])
        #expect(throws: DatasetError.missingFolder(path: noTrain + "/train")) { try ImageDataset.open(root: noTrain) }

        let file = dir.file("file")
        try writeBytes(file, [1])
        #expect(throws: DatasetError.notADirectory(path: file)) { try ImageDataset.open(root: file) }
    }

    @Test func folderErrors() throws {
        let d1 = try TemporaryFolder()
        defer { d1.remove() }
        let empty = try makeTree(d1, ["train/A/1.png", "train/B/readme.txt"])
        #expect(throws: DatasetError.emptyClass(path: empty + "/train", className: "B")) { try ImageDataset.open(root: empty) }

        let d2 = try TemporaryFolder()
        defer { d2.remove() }
        let single = try makeTree(d2, ["train/ONLY/1.png"])
        #expect(throws: DatasetError.singleClass(path: single + "/train", className: "ONLY")) {
            try ImageDataset.open(root: single)
        }

        let d3 = try TemporaryFolder()
        defer { d3.remove() }
        let none = try makeTree(d3, ["train/loose.png"])
        #expect(throws: DatasetError.noClasses(path: none + "/train")) { try ImageDataset.open(root: none) }

        let d4 = try TemporaryFolder()
        defer { d4.remove() }
        let mismatch = try makeTree(d4, ["train/A/1.png", "train/B/2.png", "test/A/3.png", "test/C/4.png"])
        let error = #expect(throws: DatasetError.self) { try ImageDataset.open(root: mismatch) }
        #expect(error == .classMismatch(trainClasses: ["A", "B"], testClasses: ["A", "C"]))
        #expect(error?.description.contains("train [A, B], test [A, C]") == true)
    }

    static let covidPath = sharedDataPath + "/xray-covid19"

    @Test("shared xray-covid19 dataset (skipped when ../shared/data is absent)",
          .enabled(if: FileManager.default.fileExists(atPath: covidPath), "../shared/data/xray-covid19 not found"))
    func sharedCovidDataset() throws {
        let dataset = try ImageDataset.open(root: Self.covidPath)
        #expect(dataset.train.classes == ["NORMAL", "PNEUMONIA"])
        #expect(dataset.train.counts() == [74, 74])
        let test = try #require(dataset.test)
        #expect(test.counts() == [17, 17])
        for classIndex in 0..<2 {
            let first = try #require(dataset.train.images.first { $0.classIndex == classIndex })
            let image = try ImageDecoder.decode(path: first.path)
            #expect(image.width > 0 && image.height > 0 && image.samples.count == image.width * image.height * image.channels)
            let tensor = try InputLoader.tensor(image: image, spec: .init(height: 224, width: 224, channels: 3))
            #expect(tensor.count == 224 * 224 * 3 && tensor.allSatisfy { (0...1).contains($0) })
        }
    }
}
