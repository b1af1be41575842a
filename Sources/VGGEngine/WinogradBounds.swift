import VGGCore

// The difference bound of a convolution that one side (a predictor) computes as Winograd
// F(4×4, 3×3) while the other computes it directly (or also as Winograd).
//
// Direct side: within γ(K+1)·(A_out + P/2) of the exact output, as in ErrorBounds.swift.
// Winograd side, per output o at position k = (ky, kx) of its 4×4 tile (first order in u,
// componentwise, every intermediate at its worst; WinogradF43 has the matrices):
//   |ŷ_o − y_o| ≤ γ(Cin + 20) · (T_o + |b_o|),
//   T_o = Σ_c Σ_taps t |g_c,t,o| · Σ_p w_k(t, p) · M_c,p
// over the tile's 6×6 input window p (padding is 0), with M_in = A_in + E_in/2 and
// w_k(t, p) = productWeights[ky][ty][py] · productWeights[kx][tx][px]. This is the
// expansion of |Aᵀ| (Σ_c |G g_c Gᵀ| ⊙ |Bᵀ d_c B|) |A|, which bounds what rounding can do
// in the transformed domain; w_k reaches 10–30 per dimension where the direct algorithm
// has 1, so this bound is one to three orders above the direct one (docs/verification.md).
// The Cin + 20 roundings: Cin for the sum over input channels in the transformed domain,
// 20 on the transforms' longest path in any evaluation order (transformRoundings).
// Difference: E_out = P + 2 · max(direct term, Winograd term), which covers direct against
// Winograd and Winograd against Winograd.
//
// Evaluation: per tile and channel, Z[k][t][c] = Σ_p w_k(t, p) · M_c,p in Double
// (separably: 432 + 864 multiply-adds instead of 16·9·36), rounded up to Float; then
// T = Z · |W| is one float GEMM with the packed |W| the direct bound already uses, divided
// by (1 − γ(9·Cin)) for its own rounding — about the cost of one direct convolution.

extension Engine {
    /// `linear` for a convolution computed as Winograd F(4×4, 3×3) on at least one side.
    /// `absOut`: the |W| kernel's results on the batch [A_in, E_in] (2 × outCount, before the
    /// sum-rounding scale); `state`: the input's (A, E); `absWeights`: the packed |W|.
    func winogradBound(_ conv: Conv2D, geometry g: WindowGeometry, absWeights: PackedMatrix, bias: [Float]?,
                       state s: BoundState, absOut: [Float], outCount: Int, factor f: Double) -> BoundState {
        let cin = conv.inChannels, cout = conv.outChannels
        let k = g.kernelHeight * g.kernelWidth * cin
        // `f` (algorithmFactor) scales the direct side's term, as in `linear`.
        let sumScale = 1 / (1 - Tolerance.gamma(k)), gDirect = f * Tolerance.gamma(k + 1)
        let gWinograd = Tolerance.gamma(cin + WinogradF43.transformRoundings)
        let w1 = WinogradF43.productWeights
        let tilesHigh = (g.outputHeight + 3) / 4, tilesWide = (g.outputWidth + 3) / 4, tiles = tilesHigh * tilesWide
        var a = [Float](repeating: 0, count: outCount), e = a
        // Tiles in chunks, so Z (16 rows of 9·Cin per tile) stays a few MB.
        let chunk = max(1, (1 << 20) / (16 * k))
        var z = [Float](repeating: 0, count: chunk * 16 * k)
        var t = [Float](repeating: 0, count: chunk * 16 * cout)
        var m = [Double](repeating: 0, count: 36), r = [Double](repeating: 0, count: 6 * 12)
        for first in stride(from: 0, to: tiles, by: chunk) {
            let count = min(chunk, tiles - first)
            for local in 0..<count {
                let ty = (first + local) / tilesWide, tx = (first + local) % tilesWide
                for c in 0..<cin {
                    for py in 0..<6 { for px in 0..<6 {
                        let iy = 4 * ty + py - g.padTop, ix = 4 * tx + px - g.padLeft
                        let inside = iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth
                        let at = (iy * g.inputWidth + ix) * cin + c
                        m[py * 6 + px] = inside ? Double(s.a[at]) + Double(s.e[at]) / 2 : 0
                    } }
                    // R[py][kx][tx] = Σ_px w[kx][tx][px] · M[py][px]
                    for py in 0..<6 { for kx in 0..<4 { for tj in 0..<3 {
                        var sum = 0.0
                        for px in 0..<6 { sum += w1[kx][tj][px] * m[py * 6 + px] }
                        r[py * 12 + kx * 3 + tj] = sum
                    } } }
                    // Z[ky, kx][ti, tj][c] = Σ_py w[ky][ti][py] · R[py][kx][tj]
                    for ky in 0..<4 { for ti in 0..<3 { for kx in 0..<4 { for tj in 0..<3 {
                        var sum = 0.0
                        for py in 0..<6 { sum += w1[ky][ti][py] * r[py * 12 + kx * 3 + tj] }
                        z[(local * 16 + ky * 4 + kx) * k + (ti * 3 + tj) * cin + c] = roundUp(sum)
                    } } } }
                }
            }
            z.withUnsafeBufferPointer { zp in
                t.withUnsafeMutableBufferPointer { tp in
                    GEMM.multiply(a: zp.baseAddress!, lda: k, rows: count * 16, b: absWeights, panels: 0..<absWeights.panels,
                                  bias: nil, c: tp.baseAddress!, ldc: cout)
                }
            }
            for local in 0..<count {
                let ty = (first + local) / tilesWide, tx = (first + local) % tilesWide
                for ky in 0..<4 {
                    let oy = 4 * ty + ky
                    guard oy < g.outputHeight else { break }
                    for kx in 0..<4 {
                        let ox = 4 * tx + kx
                        guard ox < g.outputWidth else { break }
                        let row = (local * 16 + ky * 4 + kx) * cout
                        for o in 0..<cout {
                            let idx = (oy * g.outputWidth + ox) * cout + o
                            let b = Double(abs(bias?[o] ?? 0))
                            let aOut = Double(absOut[idx]) * sumScale + b
                            let p = Double(absOut[outCount + idx]) * sumScale
                            let direct = gDirect * (aOut + p / 2)
                            let winograd = gWinograd * (Double(t[row + o]) * sumScale + b)
                            a[idx] = roundUp(aOut)
                            e[idx] = roundUp((p + 2 * max(direct, winograd)) * boundMargin)
                        }
                    }
                }
            }
        }
        return BoundState(a: a, e: e)
    }
}
