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
        let predictorMs = try predictorTimes(runs: runs, seed: seed)
        return LatencyComparison(runs: runs, threads: threads,
                                 engineMedianMs: median(engineMs), engineMinMs: engineMs.min()!,
                                 predictorMedianMs: median(predictorMs), predictorMinMs: predictorMs.min()!)
    }

    /// The predictor's own `--time` of `runs` batch-1 passes in one process, after a warm-up.
    public func predictorTimes(runs: Int, seed: UInt64) throws -> [Double] {
        let input = randomInputs(count: 1, seed: seed)[0]
        let repeated = [[Float]](repeating: input, count: runs + 1).flatMap { $0 }
        let (_, stderr) = try predictor.outputs(raw: repeated, count: runs + 1, valuesPerInput: valuesPerInput,
                                                threads: threads, extra: ["--time"])
        // "<name>: time raw[i]: preprocess X ms, run Y ms" per input; the first is the warm-up.
        let times = stderr.split(separator: "\n").compactMap { line -> Double? in
            guard let r = line.range(of: "run ") else { return nil }
            return Double(line[r.upperBound...].split(separator: " ").first ?? "")
        }.dropFirst()
        guard times.count == runs else {
            throw CheckError.predictorFailed(path: predictor.path, arguments: ["--time"], status: 0,
                                             stderr: "expected \(runs + 1) timing lines, got: \(stderr.prefix(500))")
        }
        return Array(times)
    }
}

/// Predictors timed in turn — one process of `runsPerRound` passes each, round after round —
/// so that a shared machine's slow and fast minutes fall on all of them alike: the way to
/// compare builds that differ by a few percent (a portable and a native build).
public struct InterleavedLatency: Sendable, Encodable {
    public var rounds: Int
    public var runsPerRound: Int
    /// Per predictor, in the order given: the median of all its passes, in ms.
    public var medianMs: [Double]

    public init(_ checkers: [Checker], rounds: Int, runsPerRound: Int, seed: UInt64) throws {
        var times = [[Double]](repeating: [], count: checkers.count)
        for _ in 0..<rounds {
            for (k, checker) in checkers.enumerated() {
                times[k] += try checker.predictorTimes(runs: runsPerRound, seed: seed)
            }
        }
        (self.rounds, self.runsPerRound) = (rounds, runsPerRound)
        medianMs = times.map(median)
    }
}

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
