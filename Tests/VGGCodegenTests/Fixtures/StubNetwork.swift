// StubNetwork.swift — a hand-written stand-in for a generated Network.swift (test fixture).
//
// Not compiled by SwiftPM (excluded in Package.swift): a test writes it next to the embedded
// runtime files (RuntimeSources) as Network.swift and builds a standalone predictor from them,
// exactly as vggc does for a real model. It has the generated interface with a trivial model:
// input 8×8×1; step 0 "input" dumps the input tensor unchanged (so a test can compare the
// predictor's preprocessing bit for bit with InputLoader); step 1 two logits = mean of ReLU(x)
// over the top and over the bottom half of the image; step 2 softmax. Dispatch is used (when threads > 1) so the build also proves that a
// static executable links libdispatch.
import Glibc
import Dispatch

enum Network {
    static let name: String = "stub"
    static let modelHash: String = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    static let generatorVersion: String = "0.1.0"
    static let targetCPU: String = "native"
    static let inputHeight: Int = 8
    static let inputWidth: Int = 8
    static let inputChannels: Int = 1
    static let pixelScale: Float = 0.003921569
    static let mean: [Float] = [0.5]
    static let std: [Float] = [0.25]
    static let resize: ResizeFilter = .area
    static let labels: [String] = ["NORMAL", "PNEUMONIA"]
    static let logitCount: Int = 2
    static let steps: [String] = ["input", "logits", "softmax"]
    static let arenaBytes: Int = 64 * 4

    /// Runs one image (8×8×1 floats, channels-last).
    static func run(_ input: UnsafePointer<Float>, threads: Int,
                    dump: ((Int, [Float]) -> Void)?) -> (logits: [Float], probabilities: [Float]) {
        let count = inputHeight * inputWidth * inputChannels
        dump?(0, Array(UnsafeBufferPointer(start: input, count: count)))
        let relu = (0..<count).map { max(0, input[$0]) }

        var logits = [Float](repeating: 0, count: 2)
        let half = count / 2
        logits.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out  // each iteration writes its own element
            let body = { @Sendable (h: Int) in
                var sum: Float = 0
                for i in (h * half)..<((h + 1) * half) { sum += relu[i] }
                out[h] = sum / Float(half)
            }
            if threads > 1 { DispatchQueue.concurrentPerform(iterations: 2, execute: body) }
            else { body(0); body(1) }
        }
        dump?(1, logits)

        let top = max(logits[0], logits[1])
        let e = logits.map { expf($0 - top) }
        let total = e[0] + e[1]
        let probabilities = e.map { $0 / total }
        dump?(2, probabilities)
        return (logits, probabilities)
    }
}
