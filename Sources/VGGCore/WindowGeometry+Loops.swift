/// The one padding-checked window loop, and im2col / col2im built on it. The engine, the
/// trainer, the error bounds and the references all walk windows through these, so a
/// border rule cannot be right in one and wrong in another.
///
/// Taps are visited in row-major (tap row, tap column) order: the summation order the
/// references and the error bounds assume.
extension WindowGeometry {
    /// The input row read by tap row `i` of output row `oy`, or nil over the padding.
    @inlinable @inline(__always)
    public func inputRow(output oy: Int, tap i: Int) -> Int? {
        let iy = oy * strideHeight + i - padTop
        return iy >= 0 && iy < inputHeight ? iy : nil
    }

    /// The input column read by tap column `j` of output column `ox`, or nil over the padding.
    @inlinable @inline(__always)
    public func inputColumn(output ox: Int, tap j: Int) -> Int? {
        let ix = ox * strideWidth + j - padLeft
        return ix >= 0 && ix < inputWidth ? ix : nil
    }

    /// Calls `body(i, j, iy, ix)` for every tap (i, j) of output pixel (oy, ox) that lies
    /// inside the input. Taps over the padding are skipped: a convolution reads zero there
    /// and a pool has no candidate there.
    @inlinable @inline(__always)
    public func forEachTap(output oy: Int, _ ox: Int,
                           _ body: (_ i: Int, _ j: Int, _ iy: Int, _ ix: Int) throws -> Void) rethrows {
        for i in 0..<kernelHeight {
            guard let iy = inputRow(output: oy, tap: i) else { continue }
            for j in 0..<kernelWidth {
                guard let ix = inputColumn(output: ox, tap: j) else { continue }
                try body(i, j, iy, ix)
            }
        }
    }

    /// im2col: copies the receptive field of output pixel `pixel` (row-major over the output)
    /// of a channels-last image into one row of kernelHeight·kernelWidth·`channels` values,
    /// zeros where the window hangs over the padding.
    @inlinable
    public func gatherWindow(pixel: Int, channels: Int, from source: UnsafePointer<Float>,
                             into row: UnsafeMutablePointer<Float>) {
        let oy = pixel / outputWidth, ox = pixel % outputWidth
        var dst = row
        for i in 0..<kernelHeight {
            let iy = inputRow(output: oy, tap: i)
            for j in 0..<kernelWidth {
                if let iy, let ix = inputColumn(output: ox, tap: j) {
                    dst.initialize(from: source + (iy * inputWidth + ix) * channels, count: channels)
                } else {
                    dst.initialize(repeating: 0, count: channels)
                }
                dst += channels
            }
        }
    }

    /// col2im: adds one im2col row's gradient back onto the input positions `gatherWindow`
    /// read it from (padding taps are dropped).
    @inlinable
    public func scatterWindow(pixel: Int, channels: Int, from row: UnsafePointer<Float>,
                              into target: UnsafeMutablePointer<Float>) {
        let oy = pixel / outputWidth, ox = pixel % outputWidth
        forEachTap(output: oy, ox) { i, j, iy, ix in
            let src = row + (i * kernelWidth + j) * channels
            let dst = target + (iy * inputWidth + ix) * channels
            for c in 0..<channels { dst[c] += src[c] }
        }
    }
}
