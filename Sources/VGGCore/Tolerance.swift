/// How far two float32 computations of the same value may honestly differ.
///
/// A dot product of length `n` computed in float32 in any order, with or without fused
/// multiply-adds, differs from the exact result by at most `γ(n) · Σ|aᵢ·bᵢ|`, where
/// `γ(n) = n·u / (1 − n·u)` and `u = 2⁻²⁴` is the unit roundoff (Higham, *Accuracy and
/// Stability of Numerical Algorithms*, §3.1). Two implementations that each obey it differ
/// by at most twice that. The bound grows with the reduction length and with the
/// magnitudes involved, never with a guessed constant; it is 0 — exact comparison — for
/// layers that do no arithmetic (ReLU, max-pool, copies).
public enum Tolerance {
    public static let unitRoundoff = 0x1p-24

    /// `γ(n)`; for the lengths a VGG has (≤ 10⁸) `n·u` stays far below 1.
    public static func gamma(_ n: Int) -> Double {
        let nu = Double(n) * unitRoundoff
        return nu / (1 - nu)
    }

    /// Largest difference allowed between two float32 evaluations of a dot product of
    /// length `n` whose terms have absolute sum `absoluteSum` (one more term for a bias).
    public static func dotProduct(length n: Int, absoluteSum: Double) -> Double {
        2 * gamma(n + 1) * absoluteSum
    }
}
