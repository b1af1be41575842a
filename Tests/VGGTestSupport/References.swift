import VGGCore

// Naive definitions the optimized code is held to: plain loops, Double sums.

/// Reference convolution in double precision plus each output's Σ|terms|, so a float32
/// result can be held to `Tolerance.dotProduct`.
public func referenceConvolution(_ x: [Float], h: Int, w: Int, _ s: Conv2D, weight: [Float], bias: [Float]?)
    throws -> (values: [Double], absoluteSums: [Double], length: Int) {
    let g = try s.geometry(for: .image(height: h, width: w, channels: s.inChannels), layer: "ref")
    var values = [Double](), sums = [Double]()
    for oy in 0..<g.outputHeight {
        for ox in 0..<g.outputWidth {
            for o in 0..<s.outChannels {
                var acc = Double(bias?[o] ?? 0), abs = Swift.abs(acc)
                g.forEachTap(output: oy, ox) { i, j, iy, ix in
                    for c in 0..<s.inChannels {
                        let t = Double(x[(iy * w + ix) * s.inChannels + c])
                            * Double(weight[((i * s.kernelWidth + j) * s.inChannels + c) * s.outChannels + o])
                        acc += t
                        abs += Swift.abs(t)
                    }
                }
                values.append(acc)
                sums.append(abs)
            }
        }
    }
    return (values, sums, s.kernelHeight * s.kernelWidth * s.inChannels)
}

/// `count` seeded values uniform over `range`.
public func randomInput(_ count: Int, seed: UInt64, range: ClosedRange<Float> = -1...1) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in rng.uniform(range) }
}
