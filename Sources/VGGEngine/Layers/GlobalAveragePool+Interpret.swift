import VGGCore

/// `out[c] = (Σ_pixels in[p, c]) / pixels`, summed in pixel order.
struct GlobalAveragePoolKernel: PreparedLayer {
    let pixels: Int
    let channels: Int

    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        for n in 0..<batch {
            let inBase = n * pixels * channels
            for c in 0..<channels { output[n * channels + c] = 0 }
            for p in 0..<pixels {
                for c in 0..<channels { output[n * channels + c] += input[inBase + p * channels + c] }
            }
            for c in 0..<channels { output[n * channels + c] /= Float(pixels) }
        }
    }
}
