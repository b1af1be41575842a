import Testing
import VGGCore
import VGGImage
import VGGTestSupport

@Suite("Input loader")
struct InputLoaderTests {
    @Test("decode → gray → area resize → normalize, channels last")
    func grayPipeline() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("ramp.png")
        try writePNG(path, width: 4, height: 4, color: .gray, bitDepth: 8, samples: (0..<16).map { UInt16($0 * 10) })
        let spec = InputSpec(height: 2, width: 2, channels: 1, pixelScale: 1.0 / 255.0, mean: [0.5], std: [0.25])
        let tensor = try InputLoader.tensor(path: path, spec: spec)
        let means: [Float] = [25, 45, 105, 125]
        #expect(tensor == means.map { spec.normalize($0, channel: 0) })
    }

    @Test("gray file into an RGB model: replicated channels, per-channel normalisation")
    func rgbPipeline() throws {
        let image = DecodedImage(width: 2, height: 1, channels: 1, samples: [0, 255])
        let spec = InputSpec(height: 1, width: 2, channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
                             resize: .bilinear)
        let tensor = try InputLoader.tensor(image: image, spec: spec)
        #expect(tensor.count == 6)
        for c in 0..<3 {
            #expect(tensor[c] == spec.normalize(0, channel: c))
            #expect(tensor[3 + c] == spec.normalize(255, channel: c))
        }
    }

    @Test func invalidSpecThrows() {
        let image = DecodedImage(width: 1, height: 1, channels: 1, samples: [0])
        #expect(throws: ModelError.self) {
            try InputLoader.tensor(image: image, spec: InputSpec(height: 1, width: 1, channels: 2))
        }
    }

    @Test func missingFileThrowsImageError() {
        #expect(throws: ImageError.fileNotFound(path: "/nonexistent/x.png")) {
            try InputLoader.tensor(path: "/nonexistent/x.png", spec: InputSpec(height: 1, width: 1, channels: 1))
        }
    }
}
