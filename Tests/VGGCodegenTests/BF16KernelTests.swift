import CPredictorKernels
import Testing
import VGGCore

/// The predictor's C bf16 kernels (Sources/CPredictorKernels), called directly: the
/// rounding against VGGCore's definition, and the convolution bit for bit against a scalar
/// evaluation of the arithmetic bf16_conv.c documents (odd channel's product first, then
/// the even one's, each sum rounded; taps and pairs in order) — at every kernel tier this
/// CPU runs: the AVX512-BF16 kernels, and the fallbacks compiled for AVX2 and for baseline.
@Suite("bf16 C kernels")
struct BF16KernelTests {
    @Test(arguments: KernelTiers.running("avx512bf16"))
    func roundingMatchesTheModelDefinition(_ tier: Int32) {
        var bits: [UInt32] = [0, 0x8000_0000, 1, 0x8000_0001, 0x007F_FFFF, 0x0080_0000, 0x3F80_8000, 0x3F81_8000,
                              0x7F7F_FFFF, 0x7F80_0000, 0xFF80_0000, 0x7F80_0001, 0x7FC0_0000, 0xFFFF_FFFF, 0x3F80_7FFF]
        var rng = SeededGenerator(seed: 21)
        for _ in 0..<100_000 { bits.append(UInt32(truncatingIfNeeded: rng.next())) }
        let x = bits.map { Float(bitPattern: $0) }
        var y = [UInt16](repeating: 0xDEAD, count: x.count)
        vggc_round_bf16(x, &y, 0, x.count, tier)
        let mismatches = zip(x, y).filter { $0.bf16Bits != $1 }
        #expect(mismatches.isEmpty, "first: \(mismatches.first.map { String($0.0.bitPattern, radix: 16) } ?? "")")
        // In place, as floats (Winograd and dense inputs), over an unaligned range.
        var floats = x
        vggc_round_bf16_floats(&floats, 3, x.count - 5, tier)
        #expect(floats[..<3].map(\.bitPattern) == x[..<3].map(\.bitPattern) && floats.suffix(5).map(\.bitPattern) == x.suffix(5).map(\.bitPattern))
        #expect(zip(x, floats).dropFirst(3).dropLast(5).allSatisfy { $1.bitPattern == UInt32($0.bf16Bits) << 16 })
        // Padding an odd channel count: values rounded the same way, the extra channel zero.
        var padded = [UInt16](repeating: 0xDEAD, count: 4 * 4)
        vggc_round_bf16_pad(Array(x[0..<12]), &padded, 3, 4, 0, 4)
        for p in 0..<4 {
            #expect(Array(padded[(p * 4)..<(p * 4 + 3)]) == x[(p * 3)..<(p * 3 + 3)].map(\.bf16Bits))
            #expect(padded[p * 4 + 3] == 0)
        }
    }

    struct Shape: CustomTestStringConvertible, Sendable {
        var height: Int, width: Int, cin: Int, cout: Int, stride: Int, pool: Bool, relu: Bool
        var testDescription: String {
            "\(height)×\(width)×\(cin)→\(cout) s\(stride)" + (pool ? " pool" : "") + (relu ? " relu" : "")
        }
    }

    /// Rows of 13 and 7 outputs wrap tiles across rows; 48 channels use 16-lane blocks, 64
    /// the 32-lane ones, 40 a partial last block; 2 and 4 channels the unrolled image paths.
    static let shapes = [
        Shape(height: 9, width: 13, cin: 6, cout: 64, stride: 1, pool: false, relu: true),
        Shape(height: 9, width: 13, cin: 8, cout: 48, stride: 2, pool: false, relu: false),
        Shape(height: 10, width: 14, cin: 10, cout: 40, stride: 1, pool: true, relu: true),
        Shape(height: 6, width: 6, cin: 4, cout: 32, stride: 1, pool: true, relu: false),
        Shape(height: 5, width: 11, cin: 2, cout: 16, stride: 1, pool: false, relu: true),
    ]

    @Test(arguments: shapes, KernelTiers.running("avx512bf16"))
    func convolutionIsBitExact(_ s: Shape, _ tier: Int32) throws {
        var rng = SeededGenerator(seed: 5)
        let ph = s.height + 2, pw = s.width + 2, cw = s.cin / 2
        let oh = (s.height + 2 - 3) / s.stride + 1, ow = (s.width + 2 - 3) / s.stride + 1
        let lanes = s.cout % 32 == 0 ? 32 : 16, blocks = (s.cout + lanes - 1) / lanes
        // Input with a zero border of one pixel (padding 1), values already bfloat16.
        var x = [UInt16](repeating: 0, count: ph * pw * s.cin)
        for r in 1...s.height { for c in 1...s.width { for k in 0..<s.cin {
            x[(r * pw + c) * s.cin + k] = rng.uniform(-2...2).bf16Bits
        } } }
        var weight = [Float](repeating: 0, count: 9 * s.cin * s.cout)  // [i][j][cin][cout]
        for i in weight.indices { weight[i] = rng.uniform(-0.5...0.5).roundedToBF16 }
        let bias = (0..<(blocks * lanes)).map { $0 < s.cout ? rng.uniform(-0.1...0.1) : 0 }
        var words = [UInt32](repeating: 0, count: blocks * 9 * cw * lanes)
        for ob in 0..<blocks { for t in 0..<9 { for k in 0..<cw { for l in 0..<lanes where ob * lanes + l < s.cout {
            let o = ob * lanes + l
            let even = UInt32(weight[(t * s.cin + 2 * k) * s.cout + o].bf16Bits)
            let odd = UInt32(weight[(t * s.cin + 2 * k + 1) * s.cout + o].bf16Bits)
            words[((ob * 9 + t) * cw + k) * lanes + l] = even | odd << 16
        } } } }
        func input(_ r: Int, _ c: Int, _ k: Int) -> Float { Float(bitPattern: UInt32(x[(r * pw + c) * s.cin + k]) << 16) }
        // The documented arithmetic, one output at a time.
        func conv(_ r: Int, _ c: Int, _ o: Int) -> Float {
            var acc = bias[o]
            for i in 0..<3 { for j in 0..<3 { for k in 0..<cw {
                let t = i * 3 + j, rr = r * s.stride + i, cc = c * s.stride + j
                acc = acc + input(rr, cc, 2 * k + 1) * weight[(t * s.cin + 2 * k + 1) * s.cout + o]
                acc = acc + input(rr, cc, 2 * k) * weight[(t * s.cin + 2 * k) * s.cout + o]
            } } }
            return acc
        }
        let yh = s.pool ? oh / 2 : oh, yw = s.pool ? ow / 2 : ow
        var expected = [Float](repeating: 0, count: yh * yw * s.cout)
        for r in 0..<yh { for c in 0..<yw { for o in 0..<s.cout {
            // The kernels' max (a < b ? b : a) and ReLU (v < 0 ? 0 : v), in their order.
            func blend(_ a: Float, _ b: Float) -> Float { a < b ? b : a }
            var v = s.pool ? blend(blend(conv(2 * r + 1, 2 * c, o), conv(2 * r + 1, 2 * c + 1, o)),
                                   blend(conv(2 * r, 2 * c, o), conv(2 * r, 2 * c + 1, o)))
                           : conv(r, c, o)
            if s.relu && v < 0 { v = 0 }
            expected[(r * yw + c) * s.cout + o] = v
        } } }

        for keepFloat in [Int32(1), 0] {
            var y = [Float](repeating: .nan, count: expected.count)
            var half = [UInt16](repeating: 0xDEAD, count: expected.count)
            x.withUnsafeBufferPointer { xp in words.withUnsafeBufferPointer { wp in bias.withUnsafeBufferPointer { bp in
                y.withUnsafeMutableBufferPointer { yp in half.withUnsafeMutableBufferPointer { hp in
                    var a = vggc_conv_bf16_args(
                        x: xp.baseAddress!, w: wp.baseAddress!, bias: bp.baseAddress!, y: yp.baseAddress!, yh: hp.baseAddress!,
                        keepFloat: keepFloat, xRowStride: pw * s.cin, yRowStride: yw * s.cout, cin: Int32(s.cin),
                        cout: Int32(s.cout), lanes: Int32(lanes), kh: 3, kw: 3, sh: Int32(s.stride), sw: Int32(s.stride),
                        outHeight: Int32(oh), outWidth: Int32(ow), relu: s.relu ? 1 : 0, pool: s.pool ? 1 : 0)
                    let units = vggc_conv_bf16_units(&a)
                    // Two calls over halves of the units, as two threads would make them.
                    vggc_conv_bf16(&a, 0, units / 2, tier)
                    vggc_conv_bf16(&a, units / 2, units, tier)
                } }
            } } }
            #expect(half == expected.map(\.bf16Bits), "bfloat16 copy, keepFloat \(keepFloat)")
            if keepFloat == 1 {
                let wrong = zip(y, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
                #expect(wrong.isEmpty, "\(wrong.count) outputs differ; first at \(wrong.first.map { "\($0.offset): \($0.element)" } ?? "")")
            } else if !s.pool {
                #expect(y.allSatisfy { $0.isNaN }, "without keepFloat no float is stored")
            }
        }
    }
}

/// The C kernel tiers (predictor_kernels.h) this CPU runs, lowest first.
enum KernelTiers {
    /// Baseline always; AVX2 with AVX2 and FMA; AVX-512 with AVX512F/BW/VL and `feature`.
    static func running(_ feature: String) -> [Int32] {
        func has(_ names: [String]) -> Bool { names.allSatisfy { name in name.withCString { vggc_cpu_supports($0) == 1 } } }
        var tiers = [VGGC_TIER_BASELINE]
        if has(["avx2", "fma"]) { tiers.append(VGGC_TIER_AVX2) }
        if has(["avx512f", "avx512bw", "avx512vl", feature]) { tiers.append(VGGC_TIER_AVX512) }
        return tiers
    }
}
