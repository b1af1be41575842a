import Testing
import VGGTestSupport
import VGGCore
@testable import VGGEngine

@Suite("Convolution")
struct ConvolutionTests {
    /// 3×3 ramp 1…9, all-ones 3×3 kernel, same padding: every output is the sum of its
    /// in-bounds neighbours, checkable by hand and exact in float32.
    @Test func rampWithOnesKernelIsHandCheckable() throws {
        let conv = Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: 1, outChannels: 1, hasBias: true)
        var model = try singleLayerModel(input: InputSpec(height: 3, width: 3, channels: 1), [NamedLayer("c", .conv2D(conv))])
        model.tensors["c.weight"] = Tensor(shape: [3, 3, 1, 1], data: Array(repeating: 1, count: 9))
        model.tensors["c.bias"] = Tensor(shape: [1], data: [0.5])
        let engine = try Engine(model: model, threads: 1)
        let out = try engine.runCapturingLayers((1...9).map(Float.init))[0]
        // corners: 1+2+4+5, 2+3+5+6, …; centre: 45; plus the bias
        let expected: [Float] = [12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5]
        #expect(out == expected)
    }

    /// Stride 2, valid padding, 2 channels: picks windows at (0,0), (0,2), (2,0), (2,2).
    @Test func strideTwoValidPicksEveryOtherWindow() throws {
        let conv = Conv2D(kernel: 1, stride: 2, padding: .valid, inChannels: 2, outChannels: 1, hasBias: false)
        var model = try singleLayerModel(input: InputSpec(height: 3, width: 3, channels: 2), [NamedLayer("c", .conv2D(conv))])
        model.tensors["c.weight"] = Tensor(shape: [1, 1, 2, 1], data: [1, 10])
        let engine = try Engine(model: model, threads: 1)
        let input = (0..<18).map(Float.init)  // pixel p has channels (2p, 2p+1)
        let out = try engine.runCapturingLayers(input)[0]
        let expected: [Float] = [0, 2, 6, 8].map { (p: Int) -> Float in Float(2 * p) + 10 * Float(2 * p + 1) }
        #expect(out == expected)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var h: Int, w: Int, cin: Int, cout: Int, kernel: Int, stride: Int, padding: Padding
        var testDescription: String { "\(h)×\(w)×\(cin)→\(cout) k\(kernel) s\(stride) \(padding)" }
    }

    /// Channel counts on SIMD edges (1, 3, 15, 16, 17, 33 around the 16-wide vectors and
    /// 32-wide panels), odd spatial sizes, both strides, every padding kind.
    static let cases: [Case] = {
        var all: [Case] = []
        for (cin, cout) in [(1, 1), (3, 16), (15, 17), (16, 15), (17, 33), (1, 64)] {
            for (h, w) in [(1, 1), (7, 5), (9, 11)] {
                for (k, s, p) in [(3, 1, Padding.same), (3, 2, .same), (1, 1, .valid), (5, 1, .same),
                                  (3, 2, .valid), (3, 1, .explicit(top: 0, left: 1, bottom: 2, right: 1))]
                where p != .valid || (h >= k && w >= k) {
                    all.append(Case(h: h, w: w, cin: cin, cout: cout, kernel: k, stride: s, padding: p))
                }
            }
        }
        return all
    }()

    @Test(arguments: cases)
    func matchesReferenceWithinReductionBound(_ c: Case) throws {
        let conv = Conv2D(kernel: c.kernel, stride: c.stride, padding: c.padding,
                          inChannels: c.cin, outChannels: c.cout, hasBias: true)
        let model = try singleLayerModel(input: InputSpec(height: c.h, width: c.w, channels: c.cin),
                                         [NamedLayer("c", .conv2D(conv))], seed: UInt64(c.h * 100 + c.cin))
        let x = randomInput(c.h * c.w * c.cin, seed: 7)
        let got = try Engine(model: model, threads: 2).runCapturingLayers(x)[0]
        let ref = try referenceConvolution(x, h: c.h, w: c.w, conv, weight: model.tensors["c.weight"]!.data,
                                           bias: model.tensors["c.bias"]!.data)
        try #require(got.count == ref.values.count)
        for i in got.indices {
            let bound = Tolerance.dotProduct(length: ref.length, absoluteSum: ref.absoluteSums[i])
            #expect(abs(Double(got[i]) - ref.values[i]) <= bound, "output \(i)")
        }
    }

    /// The library's float reference agrees too (it is what other back ends' tests use).
    @Test func floatReferenceAgrees() throws {
        let conv = Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: 5, outChannels: 7, hasBias: true)
        let model = try singleLayerModel(input: InputSpec(height: 6, width: 4, channels: 5), [NamedLayer("c", .conv2D(conv))])
        let x = randomInput(6 * 4 * 5, seed: 3)
        let got = try Engine(model: model).runCapturingLayers(x)[0]
        let ref = try Reference.conv2D(x, height: 6, width: 4, settings: conv,
                                       weight: model.tensors["c.weight"]!.data, bias: model.tensors["c.bias"]!.data)
        let exact = try referenceConvolution(x, h: 6, w: 4, conv, weight: model.tensors["c.weight"]!.data,
                                             bias: model.tensors["c.bias"]!.data)
        for i in got.indices {
            #expect(abs(Double(got[i] - ref[i])) <= Tolerance.dotProduct(length: exact.length, absoluteSum: exact.absoluteSums[i]))
        }
    }

    /// The summation order is fixed per output, so results are bit-identical whatever the
    /// thread count, and a batch equals its images run one by one.
    @Test func threadsAndBatchingDoNotChangeBits() throws {
        let conv = Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: 3, outChannels: 20, hasBias: true)
        let model = try singleLayerModel(input: InputSpec(height: 13, width: 11, channels: 3), [NamedLayer("c", .conv2D(conv))])
        let n = 13 * 11 * 3
        let x = randomInput(3 * n, seed: 11)
        let one = try Engine(model: model, threads: 1).runCapturingLayers(x, batch: 3)[0]
        let two = try Engine(model: model, threads: 2).runCapturingLayers(x, batch: 3)[0]
        #expect(one == two)
        let e = try Engine(model: model, threads: 2)
        var separate: [Float] = []
        for b in 0..<3 { separate += try e.runCapturingLayers(Array(x[b * n ..< (b + 1) * n]))[0] }
        #expect(separate == one)
    }
}
