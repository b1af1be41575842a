import VGGCore

/// `out = max(in, 0)` element-wise; exact. NaN stays NaN (Swift's `max` would not say so
/// clearly, hence the explicit comparison), so a poisoned input is visible downstream.
struct ReLUKernel: PreparedLayer {
    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        for i in 0..<input.count {
            let v = input[i]
            output[i] = v < 0 ? 0 : v
        }
    }
}
