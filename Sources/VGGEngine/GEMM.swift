/// `C[i, j] = bias[j] + Σ_k A[i, k] · B[k, j]` for the engine's convolutions and dense layers.
///
/// Register blocking follows docs/swiftc-facts.md: an 8-row × 32-column tile
/// of C lives in 16 `SIMD16<Float>` accumulators (the measured sweet spot before spilling),
/// each step of `k` broadcasts 8 values of A and loads one 32-wide row of a packed B panel.
/// Summation order per output is fixed (k ascending, starting from the bias), so a result
/// does not depend on the thread count or the tile an output falls in.
package enum GEMM {
    /// Computes rows `0..<m` of C for the panels in `panels`. A has row stride `lda`, C has
    /// row stride `ldc`; `bias` (N values) may be nil.
    package static func multiply(a: UnsafePointer<Float>, lda: Int, rows m: Int, b: PackedMatrix,
                         panels: Range<Int>, bias: UnsafePointer<Float>?,
                         c: UnsafeMutablePointer<Float>, ldc: Int) {
        var row = 0
        while row < m {
            let valid = min(8, m - row)
            for p in panels {
                let col = p * PackedMatrix.panelWidth
                tile(a: a + row * lda, lda: lda, validRows: valid, k: b.rows, panel: b.panel(p),
                     bias: bias.map { $0 + col }, validColumns: min(PackedMatrix.panelWidth, b.columns - col),
                     c: c + row * ldc + col, ldc: ldc)
            }
            row += 8
        }
    }

    /// One 8×32 tile. Rows past `validRows` recompute row 0 (cheaper than a second kernel)
    /// and are not stored; columns past `validColumns` hit the panel's zero padding.
    @inline(__always)
    static func tile(a: UnsafePointer<Float>, lda: Int, validRows: Int, k: Int, panel: UnsafePointer<Float>,
                     bias: UnsafePointer<Float>?, validColumns: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        typealias V = SIMD16<Float>
        var init0 = V(), init1 = V()
        if let bias {
            for j in 0..<min(16, validColumns) { init0[j] = bias[j] }
            for j in 0..<max(0, min(16, validColumns - 16)) { init1[j] = bias[16 + j] }
        }
        let a0 = a
        let a1 = validRows > 1 ? a + lda : a, a2 = validRows > 2 ? a + 2 * lda : a
        let a3 = validRows > 3 ? a + 3 * lda : a, a4 = validRows > 4 ? a + 4 * lda : a
        let a5 = validRows > 5 ? a + 5 * lda : a, a6 = validRows > 6 ? a + 6 * lda : a
        let a7 = validRows > 7 ? a + 7 * lda : a
        var c00 = init0, c01 = init1, c10 = init0, c11 = init1, c20 = init0, c21 = init1, c30 = init0, c31 = init1
        var c40 = init0, c41 = init1, c50 = init0, c51 = init1, c60 = init0, c61 = init1, c70 = init0, c71 = init1
        var bp = UnsafeRawPointer(panel)
        for kk in 0..<k {
            let b0 = bp.load(as: V.self), b1 = bp.load(fromByteOffset: 64, as: V.self)
            var x = V(repeating: a0[kk]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = V(repeating: a1[kk]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = V(repeating: a2[kk]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = V(repeating: a3[kk]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = V(repeating: a4[kk]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = V(repeating: a5[kk]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            x = V(repeating: a6[kk]); c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
            x = V(repeating: a7[kk]); c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
            bp += 128
        }
        @inline(__always) func store(_ r: Int, _ lo: V, _ hi: V) {
            guard r < validRows else { return }
            let dst = c + r * ldc
            if validColumns == 32 {
                UnsafeMutableRawPointer(dst).storeBytes(of: lo, as: V.self)
                UnsafeMutableRawPointer(dst + 16).storeBytes(of: hi, as: V.self)
            } else {
                for j in 0..<validColumns { dst[j] = j < 16 ? lo[j] : hi[j - 16] }
            }
        }
        store(0, c00, c01); store(1, c10, c11); store(2, c20, c21); store(3, c30, c31)
        store(4, c40, c41); store(5, c50, c51); store(6, c60, c61); store(7, c70, c71)
    }
}
