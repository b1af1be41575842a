/// The weight-gradient product of a convolution, `dW[k, o] += Σ_p cols[p, k] · dY[p, o]`,
/// without transposing the im2col block.
///
/// The engine's GEMM wants its left operand row-major in the reduction, which here would
/// be colsᵀ — a strided transpose that cost as much as the multiplication itself for the
/// narrow layers of a width-0.25 VGG. This kernel reads `cols` as it is: for every pixel it
/// broadcasts 8 consecutive values of the pixel's im2col row (8 rows of dW) against 32
/// output channels of dY, keeping the 8 × 32 tile of dW in 16 `SIMD16` registers across
/// the whole pixel block (the register shape of docs/swiftc-facts.md).
/// Pixels are summed in ascending order, so the result is deterministic.
enum WeightGradientKernel {
    /// Columns of dY and dW are padded to a multiple of this (zeros in dY).
    static let columnBlock = 32
    /// Extra floats the caller allocates after `cols`: the last row block may read up to 7
    /// values past row `k` of the last pixel (they only feed rows that are not stored).
    static let colsSlack = 8

    /// - cols: `count × k`, row stride `k`.
    /// - dy: `count × paddedColumns`, row stride `paddedColumns` (multiple of 32).
    /// - dw: `k × paddedColumns`, accumulated into.
    static func accumulate(cols: UnsafePointer<Float>, k: Int, dy: UnsafePointer<Float>, paddedColumns: Int,
                           count: Int, dw: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let ld = paddedColumns
        var o = 0
        while o < ld {
            var r = 0
            while r < k {
                let rows = min(8, k - r)
                @inline(__always) func load(_ i: Int, _ half: Int) -> V {
                    i < rows ? UnsafeRawPointer(dw + (r + i) * ld + o + 16 * half).loadUnaligned(as: V.self) : V()
                }
                var c00 = load(0, 0), c01 = load(0, 1), c10 = load(1, 0), c11 = load(1, 1)
                var c20 = load(2, 0), c21 = load(2, 1), c30 = load(3, 0), c31 = load(3, 1)
                var c40 = load(4, 0), c41 = load(4, 1), c50 = load(5, 0), c51 = load(5, 1)
                var c60 = load(6, 0), c61 = load(6, 1), c70 = load(7, 0), c71 = load(7, 1)
                var a = cols + r
                var d = UnsafeRawPointer(dy + o)
                for _ in 0..<count {
                    let d0 = d.loadUnaligned(as: V.self), d1 = d.loadUnaligned(fromByteOffset: 64, as: V.self)
                    var x = V(repeating: a[0]); c00 = c00.addingProduct(x, d0); c01 = c01.addingProduct(x, d1)
                    x = V(repeating: a[1]); c10 = c10.addingProduct(x, d0); c11 = c11.addingProduct(x, d1)
                    x = V(repeating: a[2]); c20 = c20.addingProduct(x, d0); c21 = c21.addingProduct(x, d1)
                    x = V(repeating: a[3]); c30 = c30.addingProduct(x, d0); c31 = c31.addingProduct(x, d1)
                    x = V(repeating: a[4]); c40 = c40.addingProduct(x, d0); c41 = c41.addingProduct(x, d1)
                    x = V(repeating: a[5]); c50 = c50.addingProduct(x, d0); c51 = c51.addingProduct(x, d1)
                    x = V(repeating: a[6]); c60 = c60.addingProduct(x, d0); c61 = c61.addingProduct(x, d1)
                    x = V(repeating: a[7]); c70 = c70.addingProduct(x, d0); c71 = c71.addingProduct(x, d1)
                    a += k
                    d += ld * 4
                }
                @inline(__always) func store(_ i: Int, _ lo: V, _ hi: V) {
                    guard i < rows else { return }
                    let p = UnsafeMutableRawPointer(dw + (r + i) * ld + o)
                    p.storeBytes(of: lo, as: V.self)
                    p.storeBytes(of: hi, toByteOffset: 64, as: V.self)
                }
                store(0, c00, c01); store(1, c10, c11); store(2, c20, c21); store(3, c30, c31)
                store(4, c40, c41); store(5, c50, c51); store(6, c60, c61); store(7, c70, c71)
                r += 8
            }
            o += columnBlock
        }
    }
}
