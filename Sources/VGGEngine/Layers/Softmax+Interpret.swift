import VGGCore
#if canImport(Glibc)
import Glibc
#endif

/// Per image: `exp(x − max) / Σ exp(x − max)`, the maximum subtracted so no logit overflows.
struct SoftmaxKernel: PreparedLayer {
    let features: Int

    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        for n in 0..<batch {
            let base = n * features
            var top = -Float.infinity
            for i in 0..<features { top = max(top, input[base + i]) }
            var sum: Float = 0
            for i in 0..<features {
                let e = expf(input[base + i] - top)
                output[base + i] = e
                sum += e
            }
            for i in 0..<features { output[base + i] /= sum }
        }
    }
}
