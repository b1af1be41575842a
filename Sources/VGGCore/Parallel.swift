import Dispatch

/// Splits work over the engine's threads. `concurrentPerform` costs tens of µs per call in
/// these VMs, negligible next to a convolution; tiny layers run inline.
package struct Parallel: Sendable {
    package let threads: Int
    package init(threads: Int) { self.threads = threads }

    /// Runs `body(i)` for every `i` in `0..<count`, items interleaved over the threads.
    package func forEach(_ count: Int, _ body: (Int) -> Void) {
        let workers = min(threads, count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < count { box.value(i); i += workers }
            }
        }
    }
}

/// Carries a value the caller knows is safe to share across the worker threads (each
/// worker writes disjoint output ranges).
package struct UnsafeSendable<T>: @unchecked Sendable {
    package let value: T
    package init(_ value: T) { self.value = value }
}
