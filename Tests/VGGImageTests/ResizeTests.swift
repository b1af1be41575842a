import Testing
import VGGCore
import VGGImage

@Suite("Resize")
struct ResizeTests {
    static func ramp(width: Int, height: Int, channels: Int = 1) -> DecodedImage {
        DecodedImage(width: width, height: height, channels: channels,
                     samples: (0..<width * height * channels).map { Float($0) })
    }

    @Test("identity size returns the samples exactly", arguments: ResizeFilter.allCases)
    func identity(filter: ResizeFilter) {
        let image = DecodedImage(width: 5, height: 3, channels: 3,
                                 samples: (0..<45).map { Float($0) * 1.37 + 0.001 })
        #expect(image.resized(width: 5, height: 3, filter: filter) == image)
    }

    @Test("area 4×4 → 2×2 gives the 2×2 block means")
    func areaDownscale() {
        let out = Self.ramp(width: 4, height: 4).resized(width: 2, height: 2, filter: .area)
        // (0+1+4+5)/4, (2+3+6+7)/4, (8+9+12+13)/4, (10+11+14+15)/4
        #expect(out.samples == [2.5, 4.5, 10.5, 12.5])
        #expect(out.width == 2 && out.height == 2 && out.channels == 1)
    }

    @Test("area with a non-integer ratio weights by overlap")
    func areaFractional() {
        // 3 → 2: s = 1.5; output 0 covers [0, 1.5) = p0 + half of p1, output 1 covers [1.5, 3).
        let row = DecodedImage(width: 3, height: 1, channels: 1, samples: [30, 60, 90])
        let out = row.resized(width: 2, height: 1, filter: .area)
        // Weights are overlap / s: 1/1.5 and 0.5/1.5, i.e. Float(2)/3 and Float(1)/3.
        let w1: Float = 2.0 / 3.0, wHalf: Float = 1.0 / 3.0
        let first: Float = w1 * 30 + wHalf * 60
        let second: Float = wHalf * 60 + w1 * 90
        #expect(out.samples == [first, second])
        // Enlarging 2 → 3: the middle output straddles both inputs equally.
        let up = DecodedImage(width: 2, height: 1, channels: 1, samples: [10, 40])
            .resized(width: 3, height: 1, filter: .area)
        #expect(up.samples == [10, 25, 40])
    }

    @Test("bilinear upsampling of a 2-pixel row uses half-pixel centres")
    func bilinearRow() {
        let row = DecodedImage(width: 2, height: 1, channels: 1, samples: [0, 100])
        #expect(row.resized(width: 4, height: 1, filter: .bilinear).samples == [0, 25, 75, 100])
        // Vertical axis, same semantics.
        let column = DecodedImage(width: 1, height: 2, channels: 1, samples: [0, 100])
        #expect(column.resized(width: 1, height: 4, filter: .bilinear).samples == [0, 25, 75, 100])
        // Downscaling 4 → 2: centres at 0.5 and 2.5 → means of neighbours.
        let four = DecodedImage(width: 4, height: 1, channels: 1, samples: [0, 10, 20, 30])
        #expect(four.resized(width: 2, height: 1, filter: .bilinear).samples == [5, 25])
    }

    @Test("a constant image stays constant", arguments: ResizeFilter.allCases,
          [(1, 1), (7, 3), (13, 29), (224, 224)])
    func constant(filter: ResizeFilter, size: (Int, Int)) {
        let image = DecodedImage(width: 37, height: 23, channels: 3,
                                 samples: [Float](repeating: 173.25, count: 37 * 23 * 3))
        let out = image.resized(width: size.0, height: size.1, filter: filter)
        #expect(out.samples.count == size.0 * size.1 * 3)
        #expect(out.samples.allSatisfy { abs($0 - 173.25) <= 173.25 * 1e-5 })
    }

    @Test("taps: area weights sum to 1 and cover the source once", arguments: [(5, 3), (3, 5), (512, 224), (7, 7)])
    func tapsSumToOne(sizes: (Int, Int)) {
        let taps = ResizeTaps(filter: .area, sourceCount: sizes.0, outputCount: sizes.1)
        #expect(taps.outputCount == sizes.1)
        var perSource = [Double](repeating: 0, count: sizes.0)
        for o in 0..<taps.outputCount {
            let range = taps.first[o]..<taps.first[o + 1]
            #expect(abs(range.map { Double(taps.weight[$0]) }.reduce(0, +) - 1) < 1e-6)
            for k in range { perSource[taps.source[k]] += Double(taps.weight[k]) }
        }
        // Each source pixel contributes dst/src in total (its share of the output boxes).
        #expect(perSource.allSatisfy { abs($0 - Double(sizes.1) / Double(sizes.0)) < 1e-5 })
    }

    @Test("channels are filtered independently")
    func channelsIndependent() {
        let image = Self.ramp(width: 4, height: 4, channels: 3)
        let out = image.resized(width: 2, height: 2, filter: .area)
        for c in 0..<3 {
            let single = DecodedImage(width: 4, height: 4, channels: 1,
                                      samples: stride(from: c, to: 48, by: 3).map { image.samples[$0] })
                .resized(width: 2, height: 2, filter: .area)
            #expect(stride(from: c, to: 12, by: 3).map { out.samples[$0] } == single.samples)
        }
    }
}
