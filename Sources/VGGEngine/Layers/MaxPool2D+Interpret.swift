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
///
/// Output rows of all images are spread over the threads (each writes only its own rows),
/// and the channel loop is innermost over raw pointers so it vectorizes; the arithmetic per
/// output is the same as a plain loop in window order, so results do not depend on threads.
struct PoolKernel: PreparedLayer {
    enum Mode { case max, average }
    let g: WindowGeometry
    let channels: Int
    let mode: Mode

    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        let inImage = g.inputHeight * g.inputWidth * channels
        let outImage = g.outputHeight * g.outputWidth * channels
        let x = UnsafeSendable(input.baseAddress!), y = UnsafeSendable(output.baseAddress!)
        let rows = batch * g.outputHeight
        // Tiny layers run inline: waking a thread costs more than the work.
        let threads = inImage * batch < 16_384 ? Parallel(threads: 1) : parallel
        threads.forEach(rows) { job in
            let n = job / g.outputHeight, oy = job % g.outputHeight
            let source = x.value + n * inImage
            for ox in 0..<g.outputWidth {
                let dst = y.value + n * outImage + (oy * g.outputWidth + ox) * channels
                for c in 0..<channels { dst[c] = mode == .max ? -.infinity : 0 }
                var count = 0
                g.forEachTap(output: oy, ox) { _, _, iy, ix in
                    count += 1
                    let src = source + (iy * g.inputWidth + ix) * channels
                    if mode == .max {
                        for c in 0..<channels { let v = src[c]; if v > dst[c] || v.isNaN { dst[c] = v } }
                    } else {
                        for c in 0..<channels { dst[c] += src[c] }
                    }
                }
                if mode == .average {
                    let d = Float(count)
                    for c in 0..<channels { dst[c] /= d }
                }
            }
        }
    }
}
