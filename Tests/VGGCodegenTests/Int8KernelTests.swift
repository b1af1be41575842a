import CPredictorKernels
import Testing
import VGGCore

/// The int8 C kernels, called directly at every tier this CPU runs (AVX512-VNNI, and the
/// fallbacks for AVX2 and baseline): the quantization against VGGCore's definition, and the
/// convolution bit for bit against a scalar evaluation of the arithmetic int8_conv.c
/// documents (exact integer sums, then float(acc)·c + b rounded twice, the pool's
/// compare-and-blend, ReLU, the next layer's codes). The whole int8 network is held to
/// Engine.int8Forward by the int8 predictor tests as well.
@Suite("int8 C kernels")
struct Int8KernelTests {
    @Test(arguments: KernelTiers.running("avx512vnni"))
    func quantizationMatchesTheModelDefinition(_ tier: Int32) {
        var x: [Float] = [0, -0.0, 0.5, 1.5, 2.5, 127.5, 254.5, 254.500_02, 255, 256, 1e30, -1e30, .infinity,
                          -.infinity, .nan, Float(bitPattern: 1), 0.499_999_97]
        var rng = SeededGenerator(seed: 8)
        for _ in 0..<10_000 { x.append(rng.uniform(-20...300)) }
        for inverse in [Float(1), 0.37, 25.5] {
            func codes(_ values: ArraySlice<Float>) -> [UInt8] { values.map { Int8Quantization.quantize($0, inverseScale: inverse) } }
            // Both layouts: one run of elements (vectorized), and 3 channels padded to 4.
            var run = [UInt8](repeating: 0xAB, count: x.count)
            vggc_quantize_u8(x, &run, inverse, 1, 1, 0, x.count, tier)
            #expect(run == codes(x[...]), "inverse \(inverse)")
            let pixels = x.count / 3
            var padded = [UInt8](repeating: 0xAB, count: pixels * 4)
            vggc_quantize_u8(x, &padded, inverse, 3, 4, 0, pixels, tier)
            for p in 0..<pixels {
                #expect(Array(padded[(p * 4)..<(p * 4 + 3)]) == codes(x[(p * 3)..<(p * 3 + 3)]))
                #expect(padded[p * 4 + 3] == 0)
            }
        }
    }

    /// Rows of 13 outputs wrap tiles across rows; 48 channels use 16-lane blocks, 64 the
    /// 32-lane ones, 40 a partial last block; 1×1 is a dense layer (units = output blocks).
    @Test(arguments: [
        BF16KernelTests.Shape(height: 9, width: 13, cin: 8, cout: 64, stride: 1, pool: false, relu: true),
        BF16KernelTests.Shape(height: 9, width: 13, cin: 12, cout: 48, stride: 2, pool: false, relu: false),
        BF16KernelTests.Shape(height: 10, width: 14, cin: 16, cout: 40, stride: 1, pool: true, relu: true),
        BF16KernelTests.Shape(height: 1, width: 1, cin: 36, cout: 40, stride: 1, pool: false, relu: true),
    ], KernelTiers.running("avx512vnni"))
    func convolutionIsBitExact(_ s: BF16KernelTests.Shape, _ tier: Int32) throws {
        var rng = SeededGenerator(seed: 9)
        let dense = s.height == 1 && s.width == 1, k = dense ? 1 : 3, pad = dense ? 0 : 1
        let ph = s.height + 2 * pad, pw = s.width + 2 * pad, cq = s.cin / 4
        let oh = (ph - k) / s.stride + 1, ow = (pw - k) / s.stride + 1
        let lanes = s.cout % 32 == 0 ? 32 : 16, blocks = (s.cout + lanes - 1) / lanes
        var x = [UInt8](repeating: 0, count: ph * pw * s.cin)
        for r in pad..<(ph - pad) { for c in pad..<(pw - pad) { for ch in 0..<s.cin {
            x[(r * pw + c) * s.cin + ch] = UInt8(rng.next() % 256)
        } } }
        // [tap][cin][cout]
        let weight = (0..<(k * k * s.cin * s.cout)).map { _ in Int8(truncatingIfNeeded: rng.next()) }
        let scale = (0..<(blocks * lanes)).map { _ in rng.uniform(0.0001...0.001) }
        let bias = (0..<(blocks * lanes)).map { $0 < s.cout ? rng.uniform(-0.5...0.5) : 0 }
        var words = [UInt32](repeating: 0, count: blocks * k * k * cq * lanes)
        for ob in 0..<blocks { for t in 0..<(k * k) { for q in 0..<cq {
            for l in 0..<lanes where ob * lanes + l < s.cout {
            var word: UInt32 = 0
            for b in 0..<4 {
                word |= UInt32(UInt8(bitPattern: weight[(t * s.cin + 4 * q + b) * s.cout + ob * lanes + l])) << (8 * b)
            }
            words[((ob * k * k + t) * cq + q) * lanes + l] = word
            }
        } } }
        func conv(_ r: Int, _ c: Int, _ o: Int) -> Float {
            var acc: Int32 = 0
            for i in 0..<k { for j in 0..<k { for ch in 0..<s.cin {
                let xv = Int32(x[((r * s.stride + i) * pw + c * s.stride + j) * s.cin + ch])
                acc += xv * Int32(weight[((i * k + j) * s.cin + ch) * s.cout + o])
            } } }
            return Float(acc) * scale[o] + bias[o]
        }
        let yh = s.pool ? oh / 2 : oh, yw = s.pool ? ow / 2 : ow, inverse: Float = 37.5
        var expected = [Float](repeating: 0, count: yh * yw * s.cout)
        // Without keepFloat, y keeps only a fused pool's first-row pair maxima (no ReLU).
        var firstRowMaxima = [Float](repeating: .nan, count: expected.count)
        for r in 0..<yh { for c in 0..<yw { for o in 0..<s.cout {
            func blend(_ a: Float, _ b: Float) -> Float { a < b ? b : a }
            if s.pool {
                firstRowMaxima[(r * yw + c) * s.cout + o] = blend(conv(2 * r, 2 * c, o), conv(2 * r, 2 * c + 1, o))
            }
            var v = s.pool ? blend(blend(conv(2 * r + 1, 2 * c, o), conv(2 * r + 1, 2 * c + 1, o)),
                                   blend(conv(2 * r, 2 * c, o), conv(2 * r, 2 * c + 1, o)))
                           : conv(r, c, o)
            if s.relu && v < 0 { v = 0 }
            expected[(r * yw + c) * s.cout + o] = v
        } } }
        for keepFloat in [Int32(1), 0] {
            var y = [Float](repeating: .nan, count: expected.count)
            var codes = [UInt8](repeating: 0xAB, count: expected.count)
            x.withUnsafeBufferPointer { xp in words.withUnsafeBufferPointer { wp in
                scale.withUnsafeBufferPointer { sp in bias.withUnsafeBufferPointer { bp in y.withUnsafeMutableBufferPointer { yp in
                codes.withUnsafeMutableBufferPointer { qp in
                    var a = vggc_conv_int8_args(
                        x: xp.baseAddress!, w: wp.baseAddress!, scale: sp.baseAddress!, bias: bp.baseAddress!,
                        y: yp.baseAddress!, yq: qp.baseAddress!, nextInverse: inverse, keepFloat: keepFloat,
                        xRowStride: pw * s.cin, yRowStride: yw * s.cout,
                        cin: Int32(s.cin), cout: Int32(s.cout), lanes: Int32(lanes), kh: Int32(k), kw: Int32(k),
                        sh: Int32(s.stride), sw: Int32(s.stride), outHeight: Int32(oh), outWidth: Int32(ow),
                        relu: s.relu ? 1 : 0, pool: s.pool ? 1 : 0)
                    let units = vggc_conv_int8_units(&a)
                    vggc_conv_int8(&a, 0, units / 2, tier)
                    vggc_conv_int8(&a, units / 2, units, tier)
                } } }
            } } }
            let floats = keepFloat == 1 ? expected : firstRowMaxima
            let wrong = zip(y, floats).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
            let first = wrong.first.map { "\($0.offset): \($0.element)" } ?? ""
            #expect(wrong.isEmpty, "keepFloat \(keepFloat): \(wrong.count) floats differ; first at \(first)")
            let expectedCodes = expected.map { Int8Quantization.quantize($0, inverseScale: inverse) }
            #expect(codes == expectedCodes, "keepFloat \(keepFloat)")
        }
    }
}
