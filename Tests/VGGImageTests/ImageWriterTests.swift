import Foundation
import Testing
import VGGImage
import VGGSystem
import VGGTestSupport

@Test func rgbPNGRoundTrips() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("tiny.png")
    // 3×2 pixels with distinct values in every channel, including 0 and 255.
    let samples: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255,
                            1, 2, 3, 128, 64, 32, 255, 255, 255]
    try ImageWriter.writePNG(path: path, width: 3, height: 2, channels: 3, samples: samples)
    let image = try ImageDecoder.decode(path: path)
    #expect(image.width == 3 && image.height == 2 && image.channels == 3 && image.bitDepth == 8)
    #expect(image.samples == samples.map(Float.init))

    // Gray, and replacing an existing file.
    try ImageWriter.writePNG(path: path, width: 2, height: 1, channels: 1, samples: [7, 200])
    let gray = try ImageDecoder.decode(path: path)
    #expect(gray.channels == 1 && gray.samples == [7, 200])
}

@Test func writingIntoAMissingFolderThrows() throws {
    let path = "/nonexistent-vggc-folder/sub/chart.png"
    let error = #expect(throws: FileError.self) {
        try ImageWriter.writePNG(path: path, width: 1, height: 1, channels: 3, samples: [1, 2, 3])
    }
    #expect(error == FileError(.outputDirectoryMissing("/nonexistent-vggc-folder/sub"), path: path))
    #expect(error?.description.hasPrefix("cannot write \(path): ") == true)
}

@Test func aFailedWriteKeepsTheOldFileAndLeavesNoTemporary() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("chart.png")
    try ImageWriter.writePNG(path: path, width: 1, height: 1, channels: 1, samples: [9])
    // Wrong sample count: refused before the file system is touched.
    #expect(throws: ImageWriteError.self) { try ImageWriter.writePNG(path: path, width: 2, height: 2, channels: 1, samples: [1]) }
    #expect(try ImageDecoder.decode(path: path).samples == [9])
    #expect(try Directory.names(in: folder.path) == ["chart.png"])
}

@Test func badShapesThrowBeforeWriting() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("bad.png")
    #expect(throws: ImageWriteError.invalidSize(path: path, width: 0, height: 2)) {
        try ImageWriter.writePNG(path: path, width: 0, height: 2, channels: 1, samples: [])
    }
    #expect(throws: ImageWriteError.invalidSize(path: path, width: 70_000, height: 1)) {
        try ImageWriter.writePNG(path: path, width: 70_000, height: 1, channels: 1, samples: [])
    }
    let channels = #expect(throws: ImageWriteError.self) {
        try ImageWriter.writePNG(path: path, width: 1, height: 1, channels: 4, samples: [1, 2, 3, 4])
    }
    #expect(channels?.description == "cannot write \(path): 4 channels; expected 1 (gray) or 3 (RGB)")
    #expect(throws: ImageWriteError.sampleCountMismatch(path: path, expected: 6, actual: 5)) {
        try ImageWriter.writePNG(path: path, width: 2, height: 1, channels: 3, samples: [1, 2, 3, 4, 5])
    }
    #expect(!FileManager.default.fileExists(atPath: path))
}
