import VGGCore

/// Naive loops that restate the layer definitions as plainly as possible. Kept in the
/// library (not the tests) so every back end's tests can compare against the same thing.
public enum Reference {
    /// Direct convolution of one channels-last image, summing taps in (i, j, c) order.
    public static func conv2D(_ input: [Float], height: Int, width: Int, settings s: Conv2D,
                              weight: [Float], bias: [Float]?) throws -> [Float] {
        let g = try s.geometry(for: .image(height: height, width: width, channels: s.inChannels), layer: "reference")
        var out = [Float](repeating: 0, count: g.outputHeight * g.outputWidth * s.outChannels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                for o in 0..<s.outChannels {
                    var acc = bias?[o] ?? 0
                    g.forEachTap(output: oy, ox) { i, j, iy, ix in
                        for c in 0..<s.inChannels {
                            acc += input[(iy * width + ix) * s.inChannels + c]
                                * weight[((i * s.kernelWidth + j) * s.inChannels + c) * s.outChannels + o]
                        }
                    }
                    out[(oy * g.outputWidth + ox) * s.outChannels + o] = acc
                }
            }
        }
        return out
    }
}
