import ArgumentParser
import Foundation
import VGGCheck
import VGGCore
import VGGEngine
import VGGFormat
import VGGImage
import VGGMetrics
import VGGSystem

/// `vggc check`: proves a predictor computes what the model defines, or shows where not.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a compiled predictor against the dynamic engine.",
        discussion: """
        Runs the predictor and the engine on the same inputs — seeded random tensors over the
        range real images produce (given to both bit-identically) and every image under
        --images (each side decodes it itself) — and compares the pre-softmax logits and the
        probabilities element by element.

        Verification is stage by stage: the predictor dumps every (fused) step; the engine runs
        the same layers on the predictor's own input to that step, and every element must lie
        within the step's forward-error bound (docs/verification.md) — for a convolution or
        dense layer of reduction length K about 2·γ(K+1)·Σ|w·x| with γ(n) = n·u/(1−n·u),
        u = 2⁻²⁴; exactly 0 for ReLU, max-pool and copies. The first step outside its bound is
        named with position and both values. End-to-end differences of the logits and
        probabilities (max |Δ|, relative, ULP, top-1 agreement) are reported alongside.
        A predictor built with --precision bf16 is checked against the model's bf16 emulation
        (batch norm folded, weights rounded to bfloat16, conv/dense inputs rounded): exactly
        what it computes, up to float32 summation order. One built with --precision int8 lists
        its calibration in --version; its int8 steps are rebuilt from it and must match bit for
        bit. Every predictor is also run once without dumps and must print the same output.
        --labelled DIR adds what the predictor changes on labelled images (CLASS/* or a
        dataset root with test/CLASS/*): its accuracy, precision, recall, specificity, F1 and
        ROC AUC next to the engine's (the model's fp32 definition), the change, and the top-1
        agreement. Informational: the pass criterion stays the stage-by-stage bound.

        Each predictor run has a time limit (--timeout, default scaled from the model's
        multiply-accumulates) and capped output; a predictor that hangs or floods is stopped
        with every process it started.

        Exit codes: 0 agree, 2 disagree, 64 usage, 65 bad data (or a predictor built from a
        different model, or one that fails, hangs or floods), 66 missing file.
        """
    )

    @Argument(help: "The model.bin file.")
    var model: String

    @Argument(help: "The predictor binary built by vggc compile.")
    var predictor: String

    @Option(help: "Folder of images to compare too (searched recursively).")
    var images: String?

    @Option(help: "Labelled folder (CLASS/* images, or a dataset root with test/CLASS/*): also report the predictor's metrics next to the engine's (accuracy, precision, recall, specificity, F1, ROC AUC), their change and the top-1 agreement.")
    var labelled: String?

    @Option(help: "Seeded random inputs to compare.")
    var random = 32

    @Option(help: "Seed for the random inputs.")
    var seed: UInt64 = 1

    @Option(help: "Threads for both sides (default: all cores).")
    var threads: Int?

    @Flag(help: "Compare even if the predictor was built from a model with another hash.")
    var allowHashMismatch = false

    @Flag(help: "Also time the engine and the predictor on one input, side by side, and print the ratio.")
    var bench = false

    @Option(help: "Timed runs per side for --bench.")
    var benchRuns = 20

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Seconds one predictor run may take before it (and every process it started) is stopped; default 60 s plus, per input, 60 s and 100 ns per multiply-accumulate of the model.")
    var timeout: Double?

    func validate() throws {
        guard (1...10_000).contains(benchRuns) else { throw ValidationError("--bench-runs must be 1...10000, got \(benchRuns)") }
        guard (0...100_000).contains(random) else { throw ValidationError("--random must be 0...100000, got \(random)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
        try validateTimeout(timeout)
    }

    func run() throws {
        var disagree = false
        try vggc.run {
            let loaded = try ModelFile.read(path: model)
            let process = try PredictorProcess(path: predictor, timeLimit: try timeLimit(timeout, model: loaded.model))
            let (builtFrom, precision) = try process.version()
            if builtFrom != loaded.info.hash {
                if !allowHashMismatch { throw CheckError.hashMismatch(predictor: builtFrom, model: loaded.info.hash) }
                printWarning("the predictor was built from sha256:\(builtFrom), the model is sha256:\(loaded.info.hash); comparing anyway")
            }
            let checker = try Checker(model: loaded.model, predictor: process, threads: threads ?? Engine.defaultThreads,
                                      precision: precision)
            if precision == .bf16 && !json {
                print("precision bf16: stages are checked against the model's bf16 emulation "
                      + "(weights rounded, batch norm folded, conv/dense inputs rounded); --labelled measures it against fp32")
            }
            if precision == .int8 && !json {
                print("precision int8: \(checker.int8Layers.count) int8 stages are checked bit for bit against the int8 definition "
                      + "(the predictor's own calibration, batch norm folded); --labelled measures it against fp32")
            }
            var files: [String] = []
            if let images {
                guard FileStatus.of(images)?.kind == .directory else { throw ImageFolderMissing(path: images) }
                files = try imageFiles(under: images)
            }
            // Progress on a terminal only; scripts and logs get the report alone.
            let live = !json && isatty(2) == 1
            let report = try checker.run(random: random, seed: seed, images: files) { name in
                if live { FileHandle.standardError.write(Data("\rchecking \(Display.text(name))\u{1B}[K".utf8)) }
            }
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            let levels = try checkOtherLevels(loaded.model, process, precision: precision,
                                              files: Array(files.prefix(8)), main: report)
            disagree = !report.passed || levels.contains { !$0.passed }
            let timing = bench ? try checker.benchmark(runs: benchRuns, seed: seed) : nil
            var comparison: LabelledComparison?
            if let labelled {
                if live { FileHandle.standardError.write(Data("\rlabelled images …\u{1B}[K".utf8)) }
                let set = try LabelledImages(path: labelled, model: loaded.model)
                let t = threads ?? Engine.defaultThreads
                comparison = try LabelledComparison(folder: set.root, labels: set.labels, classes: loaded.model.labels,
                                                    engine: set.engineProbabilities(loaded.model, threads: t),
                                                    predictor: set.predictorProbabilities(process, model: loaded.model, threads: t))
                if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            }
            if json {
                try printJSON(CheckJSON(model: model, predictor: predictor, sha256: loaded.info.hash, report: report, bench: timing,
                                        labelled: comparison, levels: levels))
            } else {
                print(render(report))
                for l in levels {
                    let verdict = l.level == levels.first?.level ? "the level this CPU uses, checked above"
                        : String(format: "%@, worst |Δ| / bound %.3g on %d inputs", l.passed ? "PASS" : "FAIL",
                                 l.worstStageRatio, l.inputs)
                    print("level \(l.level): \(verdict)")
                }
                if let comparison { print(comparison.text) }
                if let t = timing {
                    print(Format.table([
                        ["bench", "batch 1, \(t.threads) thread(s), \(t.runs) runs each, network only"],
                        ["engine", String(format: "median %.3f ms, min %.3f ms", t.engineMedianMs, t.engineMinMs)],
                        ["predictor", String(format: "median %.3f ms, min %.3f ms", t.predictorMedianMs, t.predictorMinMs)],
                        ["ratio", String(format: "predictor is %.2f× the engine's speed", t.speedup)],
                    ]))
                }
            }
        }
        if disagree { throw ExitCode(2) }
    }

    /// A portable predictor holds several instruction-set levels; the main check ran the one
    /// this CPU picks. Every other level this CPU runs is checked too (forced with
    /// VGGC_LEVEL), on the random inputs and at most 8 of the images. Nothing if VGGC_LEVEL is
    /// set for vggc itself (the predictor inherits it: that level was checked) or the
    /// predictor holds one level.
    /// The first entry is the level in use, from `main`, the report of the check above.
    private func checkOtherLevels(_ model: Model, _ process: PredictorProcess, precision: Precision,
                                  files: [String], main: Checker.Report) throws -> [LevelCheck] {
        guard ProcessInfo.processInfo.environment["VGGC_LEVEL"] == nil else { return [] }
        let runnable = try process.levels().filter(\.runsHere).map(\.name)
        guard runnable.count > 1 else { return [] }
        var results = [LevelCheck(runnable[0], main)]
        for name in runnable.dropFirst() {
            var forced = process
            forced.level = name
            let checker = try Checker(model: model, predictor: forced, threads: threads ?? Engine.defaultThreads,
                                      precision: precision)
            results.append(LevelCheck(name, try checker.run(random: random, seed: seed, images: files)))
        }
        return results
    }

    private func render(_ r: Checker.Report) -> String {
        let n = r.results.count
        let randoms = r.results.filter { $0.input.hasPrefix("random[") }.count
        let agree = r.results.filter(\.argmaxAgrees).count
        let maxAbs = r.results.map { max($0.logits.maxAbsolute, $0.probabilities.maxAbsolute) }.max() ?? 0
        let maxRel = r.results.map(\.logits.maxRelative).max() ?? 0
        let maxULP = r.results.map(\.logits.maxULP).max() ?? 0
        var rows = [
            ["inputs", "\(n) (\(randoms) random, \(n - randoms) images)"],
            ["stage check", String(format: "worst |Δ| / bound %.3g over every step of every input (≤ 1 passes)",
                                   r.worst?.worstStageRatio ?? 0)],
            ["end to end", String(format: "max |Δ| %.3g, max relative Δ (logits) %.3g, max %d ULP (logits)", maxAbs, maxRel, maxULP)],
            ["top-1 agreement", "\(agree)/\(n)"],
        ]
        if let w = r.worst { rows.append(["worst input", Display.text(w.input)]) }
        for e in r.imageErrors { rows.append(["unreadable", e]) }
        var out = Format.table(rows) + "\n"
        if r.passed {
            out += "PASS: every step of the predictor is within its bound of the engine on every input"
        } else {
            let failed = r.results.filter { !$0.passed }.count
            out += "FAIL: the predictor disagrees with the engine on \(failed) of \(n) inputs"
            if let d = r.firstDivergence {
                out += "\nfirst diverging step: \(d.step) (input \(Display.text(d.input)))\n  at \(d.position): predictor \(d.predictor), engine \(d.engine), bound \(d.bound)"
            }
        }
        return out
    }
}

/// `--timeout`: a positive number of seconds, at most a day.
func validateTimeout(_ timeout: Double?) throws {
    if let timeout, !(timeout > 0 && timeout <= 86_400) {
        throw ValidationError("--timeout must be a number of seconds in (0, 86400], got \(timeout)")
    }
}

/// `--timeout`, or the limit scaled from the model's cost.
func timeLimit(_ timeout: Double?, model: Model) throws -> TimeLimit {
    if let timeout { return .fixed(timeout) }
    return .scaled(multiplyAccumulates: try ModelSummary(model).totalMultiplyAccumulates)
}

struct ImageFolderMissing: Error, CustomStringConvertible {
    let path: String
    var description: String { "no such folder: \(Display.text(path))" }
}

struct CheckJSON: Encodable {
    var model: String
    var predictor: String
    var sha256: String
    var report: Checker.Report
    var bench: LatencyComparison?
    var labelled: LabelledComparison?
    var levels: [LevelCheck]
    var passed: Bool { report.passed && levels.allSatisfy(\.passed) }
    enum CodingKeys: String, CodingKey { case model, predictor, sha256, report, passed, bench, labelled, levels }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(predictor, forKey: .predictor)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(report, forKey: .report)
        try c.encode(passed, forKey: .passed)
        try c.encode(levels, forKey: .levels)
        try c.encodeIfPresent(bench, forKey: .bench)
        try c.encodeIfPresent(labelled, forKey: .labelled)
    }
}

/// One instruction-set level of a portable predictor, checked against the engine.
struct LevelCheck: Encodable {
    var level: String
    var passed: Bool
    var worstStageRatio: Double
    var inputs: Int

    init(_ level: String, _ report: Checker.Report) {
        (self.level, passed, inputs) = (level, report.passed, report.results.count)
        worstStageRatio = Double(report.worst?.worstStageRatio ?? 0)
    }
}
