import VGGCore

extension MaxPool2D {
    func prepare(_ context: LayerContext) throws -> PreparedLayer {
        PoolKernel(g: try window.geometry(for: context.input, layer: context.name, kind: Self.kind),
                   channels: context.inputDims.c, mode: .max)
    }
}

/// Max or average over each window, per channel, for every image of the batch.
/// Max: padded positions never win (−∞), exact. Average: the sum of the valid positions in
/// window order divided by their count (padding excluded).
struct PoolKernel: PreparedLayer {
    enum Mode { case max, average }
    let g: WindowGeometry
    let channels: Int
    let mode: Mode

    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        let inImage = g.inputHeight * g.inputWidth * channels
        let outImage = g.outputHeight * g.outputWidth * channels
        var acc = [Float](repeating: 0, count: channels)
        for n in 0..<batch {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    for c in 0..<channels { acc[c] = mode == .max ? -.infinity : 0 }
                    var count = 0
                    for i in 0..<g.kernelHeight {
                        let iy = oy * g.strideHeight + i - g.padTop
                        guard iy >= 0, iy < g.inputHeight else { continue }
                        for j in 0..<g.kernelWidth {
                            let ix = ox * g.strideWidth + j - g.padLeft
                            guard ix >= 0, ix < g.inputWidth else { continue }
                            count += 1
                            let base = n * inImage + (iy * g.inputWidth + ix) * channels
                            for c in 0..<channels {
                                let v = input[base + c]
                                if mode == .max { if v > acc[c] || v.isNaN { acc[c] = v } } else { acc[c] += v }
                            }
                        }
                    }
                    let base = n * outImage + (oy * g.outputWidth + ox) * channels
                    for c in 0..<channels { output[base + c] = mode == .max ? acc[c] : acc[c] / Float(count) }
                }
            }
        }
    }
}
