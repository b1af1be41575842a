// Copied from Sources/VGGImage/DecodedImage+Resize.swift by vggc compile. Do not edit this copy: edit the original.

/// The filter taps of one axis: for every output index `o`, the source indices
/// `source[first[o] ..< first[o + 1]]` (ascending) and their weights `weight[...]`.
///
/// These definitions are the resize semantics that the generated standalone predictors must
/// reproduce, so they use integer arithmetic wherever possible and one Float division per
/// weight. With `src` source and `dst` output samples and scale `s = src / dst`:
///
/// **area** — output `o` covers the source interval `[o·s, (o+1)·s)`; source sample `j`
/// covers `[j, j+1)`. Measured in units of `1/dst` these are `[o·src, (o+1)·src)` and
/// `[j·dst, (j+1)·dst)`, so the overlap is an exact integer
/// `overlap = min((o+1)·src, (j+1)·dst) − max(o·src, j·dst)` and the weight is
/// `Float(overlap) / Float(src)` (overlap length divided by the box length `s`). Only
/// `j` with `overlap > 0` are taps. This is an exact box filter for shrinking and enlarging.
///
/// **bilinear** — half-pixel centres (PyTorch `align_corners=False`, OpenCV `INTER_LINEAR`):
/// `x = (o + 0.5)·s − 0.5`, computed exactly as the fraction `n / d` with
/// `n = (2o+1)·src − dst`, `d = 2·dst`. If `n ≤ 0`: `j0 = 0, f = 0`; else `j0 = n / d`
/// (integer division), `f = Float(n % d) / Float(d)`; if `j0 ≥ src − 1`: `j0 = src − 1, f = 0`.
/// Taps: `(j0, 1 − f)` and, when `f > 0`, `(j0 + 1, f)`.
public struct ResizeTaps: Sendable, Equatable {
    public var first: [Int]
    public var source: [Int]
    public var weight: [Float]

    public var outputCount: Int { first.count - 1 }

    public init(filter: ResizeFilter, sourceCount src: Int, outputCount dst: Int) {
        precondition(src > 0 && dst > 0, "ResizeTaps: sizes must be positive (\(src) → \(dst))")
        first = [0]
        source = []
        weight = []
        first.reserveCapacity(dst + 1)
        for o in 0..<dst {
            switch filter {
            case .area:
                let lo = o * src, hi = (o + 1) * src
                for j in (lo / dst)...min(src - 1, (hi - 1) / dst) {
                    let overlap = min(hi, (j + 1) * dst) - max(lo, j * dst)
                    if overlap > 0 {
                        source.append(j)
                        weight.append(Float(overlap) / Float(src))
                    }
                }
            case .bilinear:
                let n = (2 * o + 1) * src - dst, d = 2 * dst
                var j0 = 0, f: Float = 0
                if n > 0 {
                    j0 = n / d
                    f = Float(n % d) / Float(d)
                }
                if j0 >= src - 1 { j0 = src - 1; f = 0 }
                source.append(j0); weight.append(1 - f)
                if f > 0 { source.append(j0 + 1); weight.append(f) }
            }
            first.append(source.count)
        }
    }
}

extension DecodedImage {
    /// The image resized to `width × height` with `filter` (see `ResizeTaps` for the exact
    /// tap definitions), applied separably:
    ///
    /// 1. horizontal pass: for every source row, `t[y][x][c] = Σ_k w_k · src[y][j_k][c]`,
    /// 2. vertical pass: `out[y][x][c] = Σ_k w_k · t[j_k][x][c]`,
    ///
    /// each sum accumulated in Float from 0, taps in ascending source order, as
    /// `acc = acc + w · v` (a separate multiply and add: compiled C must use
    /// `-ffp-contract=off` to match). An axis whose size does not change is skipped, and the
    /// identity size returns the samples unchanged. All channels, including alpha, are
    /// filtered the same way.
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter) -> DecodedImage {
        precondition(newWidth > 0 && newHeight > 0, "resized: size must be positive, got \(newWidth)×\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        var current = samples
        if newWidth != width {
            let taps = ResizeTaps(filter: filter, sourceCount: width, outputCount: newWidth)
            current = Self.horizontal(current, rows: height, width: width, channels: channels, taps: taps)
        }
        if newHeight != height {
            let taps = ResizeTaps(filter: filter, sourceCount: height, outputCount: newHeight)
            current = Self.vertical(current, width: newWidth, channels: channels, taps: taps)
        }
        return DecodedImage(width: newWidth, height: newHeight, channels: channels, samples: current,
                            bitDepth: bitDepth)
    }

    private static func horizontal(_ input: [Float], rows: Int, width: Int, channels: Int,
                                   taps: ResizeTaps) -> [Float] {
        let outWidth = taps.outputCount
        let count = rows * outWidth * channels
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            input.withUnsafeBufferPointer { src in
                taps.first.withUnsafeBufferPointer { first in
                    taps.source.withUnsafeBufferPointer { index in
                        taps.weight.withUnsafeBufferPointer { weight in
                            for y in 0..<rows {
                                let row = y * width * channels
                                for x in 0..<outWidth {
                                    let o = (y * outWidth + x) * channels
                                    for c in 0..<channels {
                                        var acc: Float = 0
                                        for k in first[x]..<first[x + 1] {
                                            acc = acc + weight[k] * src[row + index[k] * channels + c]
                                        }
                                        out[o + c] = acc
                                    }
                                }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
    }

    private static func vertical(_ input: [Float], width: Int, channels: Int, taps: ResizeTaps) -> [Float] {
        let outHeight = taps.outputCount
        let rowLength = width * channels
        let count = outHeight * rowLength
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            input.withUnsafeBufferPointer { src in
                for y in 0..<outHeight {
                    let o = y * rowLength
                    // Row-wise accumulation keeps memory access sequential; per element the
                    // order of operations is the same as a per-pixel loop over the taps.
                    for i in 0..<rowLength { out[o + i] = 0 }
                    for k in taps.first[y]..<taps.first[y + 1] {
                        let w = taps.weight[k]
                        let s = taps.source[k] * rowLength
                        for i in 0..<rowLength { out[o + i] = out[o + i] + w * src[s + i] }
                    }
                }
            }
            initialized = count
        }
    }
}
