import Foundation
import VGGEngine

/// Batch-1 latency of the engine and of the predictor on the same input, measured in one
/// run on the same machine: absolute times on a shared machine mean little, their ratio does.
public struct LatencyComparison: Sendable, Encodable {
    public var runs: Int
    public var threads: Int
    public var engineMedianMs: Double
    public var engineMinMs: Double
    public var predictorMedianMs: Double
    public var predictorMinMs: Double
    /// Engine time / predictor time: above 1 means the predictor is faster.
    public var speedup: Double { engineMedianMs / predictorMedianMs }
}

extension Checker {
    /// Times `runs` batch-1 passes on each side (after one warm-up), network only: the
    /// predictor's own `--time` reports its `run` time per input, excluding process start
    /// and decoding, which is what the engine's timing covers too.
    public func benchmark(runs: Int, seed: UInt64) throws -> LatencyComparison {
        let input = randomInputs(count: 1, seed: seed)[0]
        _ = try engine.run(input)
        var engineMs: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try engine.run(input)
            engineMs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let repeated = [[Float]](repeating: input, count: runs + 1).flatMap { $0 }
        let (_, stderr) = try predictor.outputs(raw: repeated, count: runs + 1, valuesPerInput: valuesPerInput,
                                                threads: threads, extra: ["--time"])
        // "<name>: time raw[i]: preprocess X ms, run Y ms" per input; the first is the warm-up.
        let predictorMs = stderr.split(separator: "\n").compactMap { line -> Double? in
            guard let r = line.range(of: "run ") else { return nil }
            return Double(line[r.upperBound...].split(separator: " ").first ?? "")
        }.dropFirst()
        guard predictorMs.count == runs else {
            throw CheckError.predictorFailed(path: predictor.path, arguments: ["--time"], status: 0,
                                             stderr: "expected \(runs + 1) timing lines, got: \(stderr.prefix(500))")
        }
        return LatencyComparison(runs: runs, threads: threads, engineMedianMs: median(engineMs), engineMinMs: engineMs.min()!,
                                 predictorMedianMs: median(Array(predictorMs)), predictorMinMs: predictorMs.min()!)
    }
}

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
