import Testing
import VGGImage
import VGGTestSupport

@Suite("Channel conversion")
struct ChannelTests {
    @Test func rgbaOverBlack() {
        let image = DecodedImage(width: 2, height: 1, channels: 4,
                                 samples: [200, 100, 50, 51, 10, 20, 30, 255])
        let rgb = image.converting(toChannels: 3)
        #expect(rgb.samples == [40, 20, 10, 10, 20, 30])
        #expect(!rgb.hasAlpha && rgb.channels == 3)
        let gray = image.converting(toChannels: 1)
        let luma: (Float, Float, Float) -> Float = { 0.299 * $0 + 0.587 * $1 + 0.114 * $2 }
        #expect(gray.samples == [luma(40, 20, 10), luma(10, 20, 30)])
    }

    @Test func rgbToGrayUsesBT601() {
        let image = DecodedImage(width: 4, height: 1, channels: 3,
                                 samples: [255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100])
        let gray = image.converting(toChannels: 1).samples
        #expect(gray[0] == Float(0.299) * 255 && gray[1] == Float(0.587) * 255 && gray[2] == Float(0.114) * 255)
        #expect(abs(gray[3] - 100) < 1e-4)
    }

    @Test func grayAlphaAndGray() {
        let ga = DecodedImage(width: 2, height: 1, channels: 2, samples: [255, 0, 100, 255])
        #expect(ga.converting(toChannels: 1).samples == [0, 100])
        #expect(ga.converting(toChannels: 3).samples == [0, 0, 0, 100, 100, 100])
        let gray = DecodedImage(width: 2, height: 1, channels: 1, samples: [7, 250])
        #expect(gray.converting(toChannels: 3).samples == [7, 7, 7, 250, 250, 250])
        #expect(gray.converting(toChannels: 1) == gray)
        let rgb = DecodedImage(width: 1, height: 1, channels: 3, samples: [1, 2, 3])
        #expect(rgb.converting(toChannels: 3) == rgb)
    }

    @Test("a decoded palette PNG with tRNS composites onto black")
    func decodedAlpha() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("pal.png")
        try writePNG(path, width: 2, height: 1, color: .palette, bitDepth: 8, samples: [0, 1],
                     palette: [255, 255, 255, 100, 200, 50], trns: [0])
        let image = try ImageDecoder.decode(path: path)
        #expect(image.samples == [255, 255, 255, 0, 100, 200, 50, 255])
        #expect(image.converting(toChannels: 3).samples == [0, 0, 0, 100, 200, 50])
    }
}
