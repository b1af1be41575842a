import VGGCore
#if canImport(Glibc)
import Glibc
#endif

/// `1 / (1 + exp(−x))` element-wise.
struct SigmoidKernel: PreparedLayer {
    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        for i in 0..<input.count { output[i] = 1 / (1 + expf(-input[i])) }
    }
}
