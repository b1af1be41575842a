import Foundation

extension Augmentation {
    /// Applies one concrete transform: the deterministic core of `apply`, used directly by
    /// tests. `fill` and `valueRange` hold one value per channel.
    ///
    /// Works backwards: every output pixel is mapped through the inverse transform, a 2×2
    /// matrix and an offset computed once, to a source position sampled bilinearly. Pixel
    /// `(x, y)` sits at coordinates `(x, y)` and the centre at `((W−1)/2, (H−1)/2)`, so
    /// shifts by whole pixels and rotations by multiples of 90° land exactly on source
    /// pixels and copy them without blurring.
    static func apply(transform t: Transform, _ image: UnsafeBufferPointer<Float>,
                      height: Int, width: Int, channels: Int,
                      into out: UnsafeMutableBufferPointer<Float>, fill: [Float], valueRange: [Float]) {
        precondition(height >= 0 && width >= 0 && channels >= 1, "Augmentation: bad shape \(height)×\(width)×\(channels)")
        let count = height * width * channels
        precondition(image.count >= count && out.count >= count,
                     "Augmentation: buffers hold \(image.count) and \(out.count) values, \(count) needed")
        precondition(fill.count == channels && valueRange.count == channels, "Augmentation: one fill/range per channel")
        guard count > 0, let src = image.baseAddress, let dst = out.baseAddress else { return }
        let delta = (0..<channels).map { t.brightness * valueRange[$0] }

        if t.isGeometricIdentity {
            if delta.allSatisfy({ $0 == 0 }) {
                dst.update(from: src, count: count)
            } else {
                for i in 0..<count { dst[i] = src[i] + delta[i % channels] }
            }
            return
        }

        // Inverse map: source = A · (output − centre − shift) + centre
        //                     = A · output + b,   A = flip · rotate(−θ) / zoom.
        let (cosine, sine) = Self.cosineSine(degrees: t.rotationDegrees)
        let z = t.zoom
        let a00 = (t.flip ? -cosine : cosine) / z, a01 = (t.flip ? sine : -sine) / z
        let a10 = sine / z, a11 = cosine / z
        let cx = Float(width - 1) / 2, cy = Float(height - 1) / 2
        let ux = cx + t.shiftX, uy = cy + t.shiftY
        let bx = cx - a00 * ux - a01 * uy, by = cy - a10 * ux - a11 * uy
        let w = Float(width), h = Float(height)
        let rowStride = width * channels

        fill.withUnsafeBufferPointer { fillBuffer in
            delta.withUnsafeBufferPointer { deltaBuffer in
                let fill = fillBuffer.baseAddress!, delta = deltaBuffer.baseAddress!
                for y in 0..<height {
                    let fy = Float(y)
                    let rowX = a01 * fy + bx, rowY = a11 * fy + by
                    for x in 0..<width {
                        let fx = Float(x)
                        let sx = a00 * fx + rowX, sy = a10 * fx + rowY
                        let o = dst + (y * width + x) * channels
                        // Also false for NaN, so Int(_:) below never sees a non-finite value.
                        guard sx > -1, sx < w, sy > -1, sy < h else {
                            for c in 0..<channels { o[c] = fill[c] }
                            continue
                        }
                        let x0f = sx.rounded(.down), y0f = sy.rounded(.down)
                        let wx = sx - x0f, wy = sy - y0f
                        let x0 = Int(x0f), y0 = Int(y0f)
                        let w00 = (1 - wx) * (1 - wy), w10 = wx * (1 - wy)
                        let w01 = (1 - wx) * wy, w11 = wx * wy
                        if x0 >= 0, x0 + 1 < width, y0 >= 0, y0 + 1 < height {
                            // Interior: all four neighbours exist (the common case).
                            let p = src + y0 * rowStride + x0 * channels
                            let q = p + rowStride
                            for c in 0..<channels {
                                o[c] = w00 * p[c] + w10 * p[c + channels] + w01 * q[c] + w11 * q[c + channels]
                                    + delta[c]
                            }
                        } else {
                            // Border: missing neighbours contribute `fill`; brightness only
                            // moves the part that came from the image. The source position is
                            // inside (−1, size), so only x0 + 1 / y0 + 1 can overrun the end
                            // and only x0 / y0 can be −1.
                            let left = x0 >= 0, right = x0 + 1 < width, top = y0 >= 0, bottom = y0 + 1 < height
                            let k00 = left && top, k10 = right && top, k01 = left && bottom, k11 = right && bottom
                            let inside = (k00 ? w00 : 0) + (k10 ? w10 : 0) + (k01 ? w01 : 0) + (k11 ? w11 : 0)
                            let outside = (k00 ? 0 : w00) + (k10 ? 0 : w10) + (k01 ? 0 : w01) + (k11 ? 0 : w11)
                            let base = y0 * rowStride + x0 * channels
                            for c in 0..<channels {
                                var v = outside * fill[c] + inside * delta[c]
                                if k00 { v += w00 * src[base + c] }
                                if k10 { v += w10 * src[base + channels + c] }
                                if k01 { v += w01 * src[base + rowStride + c] }
                                if k11 { v += w11 * src[base + rowStride + channels + c] }
                                o[c] = v
                            }
                        }
                    }
                }
            }
        }
    }

    /// cos θ and sin θ, exact for multiples of 90° (where the float results of `cos`/`sin`
    /// would be off by ~1e-8 and blur a quarter turn).
    static func cosineSine(degrees: Float) -> (Float, Float) {
        guard degrees.isFinite else { return (1, 0) }
        if abs(degrees) <= 3600, degrees.truncatingRemainder(dividingBy: 90) == 0 {
            let quarter = ((Int(degrees / 90) % 4) + 4) % 4
            return [(1, 0), (0, 1), (-1, 0), (0, -1)][quarter]
        }
        let radians = Double(degrees) * .pi / 180
        return (Float(cos(radians)), Float(sin(radians)))
    }
}
