import VGGCore

/// Winograd F(4×4, 3×3): a 4×4 output tile of a 3×3 stride-1 convolution from a 6×6 input
/// tile with 36 element-wise products per (input, output) channel pair instead of 144 —
/// 4× fewer multiply-adds, paid for with input and output transforms and 4× the weight bytes.
///
/// `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` with the interpolation points 0, ±1, ±2 and ∞ (Lavin &
/// Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). Summed over input
/// channels in the transformed domain, the 36 products become 36 independent GEMMs of
/// (tiles × Cin) · (Cin × Cout), which run on the same register tile as the direct kernel.
///
/// The weight transform `U = G g Gᵀ` happens here, at compile time, in Double and rounded
/// once, so an fp32 predictor neither transforms nor copies weights at start-up (a bf16
/// build transforms its bfloat16 g at start-up instead: `emitWinogradTransform`). The matrices
/// are `WinogradF43`'s (VGGCore), which the engine's error bound uses too.
enum Winograd {
    /// Whether `auto` picks Winograd for a layer `WinogradF43.accepts`: when the 4×4 tiles need at most
    /// two thirds of the direct multiply-adds (36 per tile instead of 9 per output), so the
    /// transforms are paid for (9·H·W ≥ 54·tiles: very small outputs such as 1×N, 2×2 or
    /// 3×1 stay direct).
    /// Measured with the predictor's `--profile` (docs/performance.md), every eligible
    /// layer of VGG-16 and of the small VGG is 1.5–3.3× faster as Winograd, down to
    /// 14×14 × 512 (16 tiles, 37.7 MB of transformed weights streamed per layer).
    static func autoChooses(_ conv: Conv2D, _ g: WindowGeometry) -> Bool {
        let tiles = ((g.outputHeight + 3) / 4) * ((g.outputWidth + 3) / 4)
        return WinogradF43.accepts(conv) && 2 * 9 * g.outputHeight * g.outputWidth >= 3 * 36 * tiles
    }

    /// `auto` in a bf16 build, where the alternative is the `vdpbf16ps` direct kernel (2.1× the
    /// fp32 one) rather than fp32 direct: Winograd (in float32, on bfloat16-rounded inputs and
    /// weights) only where it was measured well over 2× faster than fp32 direct — at least
    /// 128 input channels on at least 28×28 outputs (VGG-16 per layer, docs/performance.md:
    /// 2.4–3.3× there; 64-channel layers 1.7–2.0× and 14×14 ones 2.0×, which bf16 direct beats).
    static func bf16AutoChooses(_ conv: Conv2D, _ g: WindowGeometry) -> Bool {
        autoChooses(conv, g) && conv.inChannels >= 128 && g.outputHeight * g.outputWidth >= 28 * 28
    }

    /// Transformed weights for the kernel: `U[ξ][outBlock][cin][lanes]` with
    /// ξ = 6·row + column of the 6×6 transformed tile, from the folded `[3][3][cin][cout]`
    /// weights, zero-padded to whole blocks.
    static func transformedWeights(_ weight: [Float], inChannels cin: Int, outChannels cout: Int, lanes: Int) -> [Float] {
        let blocks = (cout + lanes - 1) / lanes
        var out = [Float](repeating: 0, count: 36 * blocks * cin * lanes)
        for c in 0..<cin {
            for o in 0..<cout {
                var k = [[Double]](repeating: [0, 0, 0], count: 3)
                for i in 0..<3 { for j in 0..<3 { k[i][j] = Double(weight[((i * 3 + j) * cin + c) * cout + o]) } }
                let u = WinogradF43.transformKernel(k)
                for a in 0..<6 { for b in 0..<6 {
                    out[(((a * 6 + b) * blocks + o / lanes) * cin + c) * lanes + o % lanes] = Float(u[a][b])
                } }
            }
        }
        return out
    }
}
