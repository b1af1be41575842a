import VGGCore

/// `out = max(in, 0)` element-wise; exact. NaN stays NaN (Swift's `max` would not say so
/// clearly, hence the explicit comparison), so a poisoned input is visible downstream.
struct ReLUKernel: PreparedLayer {
    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        // Chunks of 64 Ki values over the threads: memory-bound, so two cores still help.
        let chunk = 65_536, count = input.count
        let x = UnsafeSendable(input.baseAddress!), y = UnsafeSendable(output.baseAddress!)
        parallel.forEach((count + chunk - 1) / chunk) { part in
            for i in (part * chunk)..<min(count, (part + 1) * chunk) {
                let v = x.value[i]
                y.value[i] = v < 0 ? 0 : v
            }
        }
    }
}
