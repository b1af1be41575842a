import Testing
import VGGImage
import VGGTestSupport

/// One PNG variant: colour type, bit depth, optional tRNS.
struct PNGFormat: Sendable, CustomTestStringConvertible {
    var color: PNGColor
    var depth: Int
    var withTRNS = false

    var testDescription: String { "\(color) \(depth)-bit\(withTRNS ? " + tRNS" : "")" }

    /// Channels after decoding (palette → RGB(A), tRNS → alpha).
    var decodedChannels: Int {
        switch color {
        case .palette: return withTRNS ? 4 : 3
        case .gray: return withTRNS ? 2 : 1
        case .rgb: return withTRNS ? 4 : 3
        default: return color.channels
        }
    }

    static let all: [PNGFormat] =
        [1, 2, 4, 8, 16].map { PNGFormat(color: .gray, depth: $0) }
        + [8, 16].flatMap { d in [PNGColor.grayAlpha, .rgb, .rgba].map { PNGFormat(color: $0, depth: d) } }
        + [1, 2, 4, 8].flatMap { d in [false, true].map { PNGFormat(color: .palette, depth: d, withTRNS: $0) } }
        + [PNGFormat(color: .gray, depth: 8, withTRNS: true), PNGFormat(color: .rgb, depth: 8, withTRNS: true),
           PNGFormat(color: .gray, depth: 16, withTRNS: true)]
}

/// A synthetic image of `format` with its raw file values and the exact decoded samples.
struct PNGFixture {
    var raw: [UInt16] = []
    var palette: [UInt8]?
    var trns: [UInt8]?
    var expected: [Float] = []

    init(_ format: PNGFormat, width: Int, height: Int) {
        let depth = format.depth
        let maxValue = (1 << depth) - 1
        let paletteCount = min(1 << depth, 256)
        if format.color == .palette {
            var entries: [UInt8] = []
            for i in 0..<paletteCount {
                entries += [UInt8(i * 7 % 256), UInt8(255 - i), UInt8(i * 31 % 256)]
            }
            palette = entries
            if format.withTRNS { trns = (0..<max(1, paletteCount / 2)).map { UInt8(($0 * 40 + 3) % 256) } }
        }
        // A value pattern that reaches both ends of the range and varies per channel.
        func value(_ x: Int, _ y: Int, _ c: Int) -> Int {
            if depth == 16 { return (x * 7919 + y * 30011 + c * 12345 + (x == 0 && y == 0 ? 65535 : 0)) % 65536 }
            let v = (x * 3 + y * 5 + c * 2 + x * y) % (maxValue + 1)
            return format.color == .palette ? v % paletteCount : v
        }
        // 8-bit expansion of low depths is bit replication, i.e. multiplication by 255/max.
        func scaled(_ v: Int) -> Float {
            depth == 16 ? Float(UInt16(v)) / 257 : Float(v * (255 / maxValue))
        }
        let transparentGray = 5 % (maxValue + 1)
        if format.withTRNS && format.color == .gray {
            trns = [UInt8(transparentGray >> 8), UInt8(transparentGray & 0xFF)]
        }
        let transparentRGB = [value(1, 0, 0), value(1, 0, 1), value(1, 0, 2)]
        if format.withTRNS && format.color == .rgb {
            trns = transparentRGB.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        }
        for y in 0..<height {
            for x in 0..<width {
                let values = (0..<format.color.channels).map { value(x, y, $0) }
                raw += values.map { UInt16($0) }
                switch format.color {
                case .palette:
                    let i = values[0]
                    expected += (0..<3).map { Float(palette![3 * i + $0]) }
                    if format.withTRNS { expected.append(i < trns!.count ? Float(trns![i]) : 255) }
                case .gray where format.withTRNS:
                    expected += [scaled(values[0]), values[0] == transparentGray ? 0 : 255]
                case .rgb where format.withTRNS:
                    expected += values.map(scaled) + [values == transparentRGB ? 0 : 255]
                default:
                    expected += values.map(scaled)
                }
            }
        }
    }
}

@Suite("PNG decoding")
struct PNGDecodeTests {
    static let sizes: [(Int, Int)] = [(1, 1), (3, 5), (17, 9)]

    @Test("every colour type and bit depth decodes exactly, interlaced or not",
          arguments: PNGFormat.all, sizes)
    func decodesExactly(format: PNGFormat, size: (Int, Int)) throws {
        let (width, height) = size
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let fixture = PNGFixture(format, width: width, height: height)
        var decoded: [DecodedImage] = []
        for interlaced in [false, true] {
            let path = dir.file("img-\(interlaced).png")
            try writePNG(path, width: width, height: height, color: format.color, bitDepth: format.depth,
                         interlaced: interlaced, samples: fixture.raw, palette: fixture.palette, trns: fixture.trns)
            let image = try ImageDecoder.decode(path: path)
            #expect(image.width == width && image.height == height)
            #expect(image.channels == format.decodedChannels)
            #expect(image.bitDepth == format.depth)
            #expect(image.hasAlpha == (format.decodedChannels % 2 == 0))
            #expect(image.samples == fixture.expected)
            decoded.append(image)
        }
        #expect(decoded[0] == decoded[1], "Adam7 must decode to the same pixels")
    }

    @Test("16-bit values map to v / 257; 8-bit values are exact integers")
    func sixteenBitScale() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let values: [UInt16] = [0, 1, 257, 32768, 65534, 65535]
        let path = dir.file("g16.png")
        try writePNG(path, width: 6, height: 1, color: .gray, bitDepth: 16, samples: values)
        let image = try ImageDecoder.decode(path: path)
        #expect(image.samples == values.map { Float($0) / 257 })
        #expect(image.samples[2] == 1 && image.samples[5] == 255)

        let path8 = dir.file("g8.png")
        try writePNG(path8, width: 4, height: 1, color: .gray, bitDepth: 8, samples: [0, 1, 128, 255])
        #expect(try ImageDecoder.decode(path: path8).samples == [0, 1, 128, 255])
    }

    @Test("format is sniffed from the bytes, not the extension")
    func sniffsByMagic() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let png = dir.file("actually-png.jpg")
        try writePNG(png, width: 2, height: 1, color: .gray, bitDepth: 8, samples: [10, 20])
        #expect(try ImageDecoder.decode(path: png).samples == [10, 20])
        let jpeg = dir.file("actually-jpeg.png")
        try writeJPEG(jpeg, width: 8, height: 8, channels: 1, samples: [UInt8](repeating: 90, count: 64))
        let image = try ImageDecoder.decode(path: jpeg)
        #expect(image.channels == 1 && image.bitDepth == 8)
        #expect(image.samples.allSatisfy { abs($0 - 90) <= 1 })
        #expect(ImageDecoder.sniff(try readBytes(png)) == .png)
        #expect(ImageDecoder.sniff(try readBytes(jpeg)) == .jpeg)
    }

    @Test("JPEG gray and RGB decode to 1 and 3 channels with integer values")
    func jpegDecodes() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (w, h) = (16, 12)
        let rgb = (0..<w * h).flatMap { p -> [UInt8] in [200, 40, UInt8(p % 2 == 0 ? 100 : 110)] }
        let path = dir.file("rgb.jpg")
        try writeJPEG(path, width: w, height: h, channels: 3, samples: rgb)
        let image = try ImageDecoder.decode(path: path)
        #expect(image.width == w && image.height == h && image.channels == 3 && !image.hasAlpha)
        #expect(image.samples.allSatisfy { $0 == $0.rounded() && (0...255).contains($0) })
        #expect(abs(image[x: 3, y: 3, channel: 0] - 200) <= 6)
        #expect(abs(image[x: 3, y: 3, channel: 1] - 40) <= 6)
    }
}
