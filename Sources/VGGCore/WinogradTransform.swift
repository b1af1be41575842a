/// The transform matrices of Winograd F(4×4, 3×3), shared by the code generator (which
/// transforms weights and emits the kernels) and the engine (whose error bound for such a
/// convolution is derived from these same matrices, docs/verification.md).
///
/// `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` for a 6×6 input tile d, a 3×3 kernel g and a 4×4
/// output tile Y, with the interpolation points 0, ±1, ±2 and ∞ (Lavin & Gray, "Fast
/// Algorithms for Convolutional Neural Networks", 2016).
public enum WinogradF43 {
    /// Bᵀ, 6×6: the input transform.
    public static let bt: [[Double]] = [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ]
    /// G, 6×3: the weight transform.
    public static let g: [[Double]] = [
        [1.0 / 4, 0, 0],
        [-1.0 / 6, -1.0 / 6, -1.0 / 6],
        [-1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6],
        [1.0 / 24, -1.0 / 12, 1.0 / 6],
        [0, 0, 1],
    ]
    /// Aᵀ, 4×6: the output transform.
    public static let at: [[Double]] = [
        [1, 1, 1, 1, 1, 0],
        [0, 1, -1, 2, -2, 0],
        [0, 1, 1, 4, 4, 0],
        [0, 1, -1, 8, -8, 1],
    ]

    /// Whether a convolution may run as F(4×4, 3×3) in a predictor: 3×3, stride 1, and
    /// channel counts the generated SIMD16 transforms cover exactly. The generator picks only
    /// such layers, and the engine's bound accepts only such layers as Winograd steps.
    public static func accepts(_ conv: Conv2D) -> Bool {
        conv.kernelHeight == 3 && conv.kernelWidth == 3 && conv.strideHeight == 1 && conv.strideWidth == 1
            && conv.inChannels % 16 == 0 && conv.outChannels % 16 == 0
    }

    /// `G k Gᵀ` in Double (6×6 from 3×3).
    public static func transformKernel(_ k: [[Double]]) -> [[Double]] {
        let gk = (0..<6).map { a in (0..<3).map { j in (0..<3).reduce(0.0) { $0 + g[a][$1] * k[$1][j] } } }
        return (0..<6).map { a in (0..<6).map { b in (0..<3).reduce(0.0) { $0 + gk[a][$1] * g[b][$1] } } }
    }

    /// `productWeights[k][t][p]` = Σ_ξ |Aᵀ|_kξ · |G|_ξt · |Bᵀ|_ξp: in one dimension, how much
    /// the product of tap t and input p can weigh, in absolute terms, in output k once every
    /// intermediate of the algorithm is taken at its worst (4 × 3 × 6). Two dimensions
    /// multiply: the 2-D transforms are Kronecker products of the 1-D ones.
    public static let productWeights: [[[Double]]] = (0..<4).map { k in
        (0..<3).map { t in
            (0..<6).map { p in (0..<6).reduce(0.0) { $0 + abs(at[k][$1]) * abs(g[$1][t]) * abs(bt[$1][p]) } }
        }
    }

    /// Per output position k of a tile row (0…3): max over taps t of
    /// Σ_ξ |Aᵀ|_kξ · |G|_ξt · Σ_p |Bᵀ|_ξp — how much one product g_t·d_p can weigh, in
    /// absolute terms, in output k once every intermediate of the 1-D algorithm is taken at
    /// its worst. Two dimensions multiply (the 2-D transforms are Kronecker products):
    /// output (ky, kx) gets `amplification[ky] · amplification[kx]`, from 40 at a tile's
    /// first pixel to 860 at its last.
    public static let amplification: [Double] = productWeights.map { k in k.map { $0.reduce(0, +) }.max()! }

    /// Roundings on one output's longest path besides the Cin-term sum in the transformed
    /// domain, for the transforms evaluated as written in any order, with or without FMA:
    /// input transform 4 + 4 (two passes; a row of Bᵀ has at most 4 non-zero terms, whose
    /// products by 4 or 5 may round), the rounding of U, output transform 5 + 5 (rows of Aᵀ
    /// have up to 5 terms), the bias addition 1. (The generated kernel's factored form uses
    /// 2 + 2 and 3 + 3; the bound covers any form.)
    public static let transformRoundings = 20
}
