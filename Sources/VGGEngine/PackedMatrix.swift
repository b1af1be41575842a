/// The right-hand matrix of the engine's GEMM, repacked once when a model is loaded.
///
/// A `K × N` row-major matrix (conv weights in HWIO order *are* `[kh·kw·in, out]`, dense
/// weights are `[in, out]`) is cut into panels of `panelWidth` (32) columns; panel `p` holds
/// rows `0..<K` of columns `32p..<32p+32` contiguously, zero-padded past `N`. The micro-kernel
/// then reads two 64-byte-aligned SIMD16 vectors per step of `k`, whatever `N` is.
package final class PackedMatrix: @unchecked Sendable {
    package static let panelWidth = 32
    package let rows: Int         // K
    package let columns: Int      // N
    package let panels: Int
    let storage: UnsafeMutablePointer<Float>

    package init(rowMajor source: UnsafeBufferPointer<Float>, rows: Int, columns: Int) {
        precondition(source.count == rows * columns, "packed matrix source size")
        self.rows = rows
        self.columns = columns
        panels = (columns + Self.panelWidth - 1) / Self.panelWidth
        let count = panels * rows * Self.panelWidth
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        storage = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        storage.initialize(repeating: 0, count: count)
        for p in 0..<panels {
            let first = p * Self.panelWidth
            let width = min(Self.panelWidth, columns - first)
            let panel = storage + p * rows * Self.panelWidth
            for k in 0..<rows {
                for j in 0..<width { panel[k * Self.panelWidth + j] = source[k * columns + first + j] }
            }
        }
    }

    deinit { storage.deallocate() }

    package func panel(_ p: Int) -> UnsafePointer<Float> { UnsafePointer(storage + p * rows * Self.panelWidth) }
}
