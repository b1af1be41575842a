import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VGGCheck
import VGGCodegen
import VGGCore
import VGGEngine
import VGGFormat
import VGGONNX
import VGGSystem

/// `vggc bench`: batch-1 latency of the predictor, the engine and (when available) ONNX
/// Runtime on the same models, measured side by side in one run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark compiled predictors against the engine and ONNX Runtime (batch 1, side by side).",
        discussion: """
        Builds the benchmark models with seeded random weights (or takes model.bin files),
        compiles each, exports it to ONNX, and for every thread count times batch-1 passes
        of the predictor (its own --time: network only), the engine, and ONNX Runtime
        (Scripts/ort-bench.py in a Python venv with onnxruntime; skipped when absent). Prints
        median and min latency, images/s, GFLOP/s (2 × MACs / median) and ratios; --json for
        scripts. Absolute times on a shared machine mean little; ratios measured in one run do.

        Suite models:
          vgg16  VGG-16 conv base + Flatten→256→2, 224×224×3 (15.35 G MACs)
          small  32,32,M,64,64,M,128,128,M,256,256,M → 128 → 2, 128×128×1 (0.84 G MACs)
        ONNX Runtime setup: python3 -m venv .build/onnx-venv && .build/onnx-venv/bin/pip install onnx onnxruntime numpy
        Each model is built once per --precision (default fp32; bf16 and int8 add reduced-precision
        builds, int8 compared with ONNX Runtime's own int8) and --winograd policy (default off,auto:
        direct convolution and the default; int8 has one build), all timed in the same run.
        Example: vggc bench --suite small,vgg16 --threads 1,2 --runs 30
        """
    )

    @Argument(help: "model.bin files to benchmark besides (or instead of) the suite.")
    var models: [String] = []

    @Option(help: "Suite models, comma-separated: small, vgg16 (none: only the given files).")
    var suite = "small,vgg16"

    @Option(help: "Thread counts, comma-separated.")
    var threads = "1,2"

    @Option(help: "Winograd policies to build predictors with, comma-separated: off (direct convolution), auto, on. Each gets its own rows, measured in the same run.")
    var winograd = "off,auto"

    @Option(help: "Precisions, comma-separated: fp32, bf16, int8; one build per precision and --winograd policy (int8: one build, calibrated on 8 seeded random inputs and compared with ONNX Runtime's int8, static QDQ, calibrated on the same inputs).")
    var precision = "fp32"

    @Option(help: ArgumentHelp("CPU targets to build for, comma-separated (see vggc compile --help): portable "
                               + "(the default build), native, x86-64-v3, … Each gets its own rows, measured in "
                               + "the same run; with several, their predictors are then timed again in turn, round "
                               + "after round, and compared (e.g. portable,native: the portable build's cost)."))
    var targetCpu = "portable"

    @Flag(help: ArgumentHelp("For portable builds, also time every other instruction-set level this CPU runs "
                             + "(forced with VGGC_LEVEL), in rows named portable@LEVEL."))
    var eachLevel = false

    @Option(help: "Timed runs per measurement (after warm-up).")
    var runs = 30

    @Option(help: "Python with onnxruntime for the ONNX Runtime column ('none' to skip).")
    var python = ".build/onnx-venv/bin/python"

    @Option(help: "Seconds one ONNX Runtime, start-up or profiling run may take before it (and everything it started) is stopped.")
    var timeout = 1800.0

    @Option(help: "Where models, sources and predictors are built.")
    var workDir = ".build/bench"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func threadCounts() throws -> [Int] {
        try strictList(threads, option: "--threads", expected: "comma-separated thread counts in 1...256") { item in
            Int(item).flatMap { (1...256).contains($0) ? $0 : nil }
        }
    }

    func suiteModels() throws -> [String] {
        if suite.lowercased() == "none" { return [] }
        return try strictList(suite.lowercased(), option: "--suite", expected: "small and/or vgg16, comma-separated (or none)") { item in
            ["small", "vgg16"].contains(item) ? item : nil
        }
    }

    /// A comma-separated list of distinct values of `T` (`option` names it in the error).
    static func list<T: RawRepresentable & CaseIterable & Hashable>(_ text: String, option: String) throws -> [T]
        where T.RawValue == String {
        let expected = "distinct values from \(T.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated"
        let parsed: [T] = try strictList(text, option: option, expected: expected) { T(rawValue: $0) }
        guard Set(parsed).count == parsed.count else {
            throw ValidationError("\(option) takes distinct values from \(T.allCases.map(\.rawValue).joined(separator: ", ")), "
                                  + "comma-separated; got \(text)")
        }
        return parsed
    }

    /// The predictor builds to time: each precision with each Winograd policy, except int8
    /// (no Winograd steps): one build.
    func variants() throws -> [(policy: WinogradPolicy, precision: Precision)] {
        let policies: [WinogradPolicy] = try Self.list(winograd, option: "--winograd")
        let precisions: [Precision] = try Self.list(precision, option: "--precision")
        // int8 builds have no Winograd steps: one build.
        return precisions.flatMap { p in p == .int8 ? [(WinogradPolicy.off, p)] : policies.map { ($0, p) } }
    }

    func targets() throws -> [String] {
        let list = targetCpu.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !list.isEmpty, Set(list).count == list.count else {
            throw ValidationError("--target-cpu: expected distinct comma-separated targets, got '\(targetCpu)'")
        }
        for t in list {
            do { try PredictorBuilder.checkTargetCPU(t) } catch { throw ValidationError("--target-cpu: \(error)") }
        }
        return list
    }

    func validate() throws {
        _ = try threadCounts()
        _ = try targets()
        _ = try variants()
        guard try !suiteModels().isEmpty || !models.isEmpty else { throw ValidationError("nothing to benchmark: give --suite or model files") }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be 1...10000, got \(runs)") }
        try validateTimeout(timeout)
    }

    static func suiteModel(_ name: String) throws -> Model {
        let labels = ["NORMAL", "PNEUMONIA"]
        var config: VGGConfiguration
        switch name {
        case "vgg16":
            config = VGGConfiguration(depth: .vgg16, input: InputSpec(height: 224, width: 224, channels: 3), labels: labels,
                                      head: .small(hidden: 256, dropout: 0.5))
        default:
            config = VGGConfiguration(depth: .vgg16, input: InputSpec(height: 128, width: 128, channels: 1), labels: labels,
                                      head: .small(hidden: 128, dropout: 0.5))
            config.customBlocks = [[32, 32], [64, 64], [128, 128], [256, 256]]
        }
        var model = try Model.vgg(config, seed: 1)
        model.randomizeParameters(seed: 2)
        model.metadata["created-by"] = "vggc bench --suite \(name)"
        return model
    }

    func run() throws {
        let counts = try threadCounts()
        try vggc.run {
            try Directory.create(workDir)
            var entries: [(name: String, path: String)] = try suiteModels().map { name in
                let path = "\(workDir)/\(name).bin"
                _ = try ModelFile.write(try Self.suiteModel(name), to: try OutputFile(path, inputs: models))
                return (name, path)
            }
            entries += models.map { (($0 as NSString).lastPathComponent.replacingOccurrences(of: ".bin", with: ""), $0) }
            // Each entry builds into workDir/<name>.*: two files with one name would overwrite.
            var seen = Set<String>()
            for i in entries.indices {
                var name = entries[i].name, n = 2
                while seen.contains(name) { name = "\(entries[i].name)\(n)"; n += 1 }
                seen.insert(name)
                entries[i].name = name
            }
            let ort = python.lowercased() == "none" || !FileManager.default.isExecutableFile(atPath: python) ? nil : python
            if ort == nil && !json { printWarning("no ONNX Runtime column: \(python) not found (see vggc bench --help for the setup)") }
            var rows: [BenchRow] = []
            // The unforced rows of one model, build and thread count, by target: timed again
            // interleaved when there are several targets (`InterleavedLatency`).
            var sameBuild: [(key: String, members: [(row: Int, checker: Checker)])] = []
            for entry in entries {
                let loaded = try ModelFile.read(path: entry.path)
                let macs = try ModelSummary(loaded.model).totalMultiplyAccumulates
                let name = entry.name.filter { $0.isLetter || $0.isNumber || $0 == "_" }
                let onnx = "\(workDir)/\(name).onnx"
                try OutputFile(onnx, inputs: models).write([UInt8](try ONNXExporter.export(loaded.model)))
                // ONNX Runtime does not depend on the build: timed once per thread count.
                var ortTimes: [String: (Double?, Double?, String?)] = [:]  // by "threads precision"
                // int8: calibrated on seeded random inputs (the suite's weights are random too);
                // ONNX Runtime's int8 model is quantized on the same inputs.
                let calibration = Checker.randomInputs(for: loaded.model.input, count: 8, seed: 99)
                let calibrationFile = "\(workDir)/\(name)-calibration.f32"
                var int8Maxima: [String: Float] = [:]
                if try variants().contains(where: { $0.precision == .int8 }) {
                    int8Maxima = try Engine.int8InputMaxima(model: loaded.model, inputs: calibration)
                    try OutputFile(calibrationFile, inputs: models).write(floatBytes(calibration.flatMap { $0 }))
                }
                for (policy, precision) in try variants() { for target in try targets() {
                    let build = BenchRow.buildName(policy: policy.rawValue, precision: precision.rawValue)
                        + ", " + target
                    let label = (name.isEmpty ? "bench" : name) + "_" + (precision == .fp32 ? policy.rawValue : "\(precision.rawValue)_\(policy.rawValue)")
                        + (target == "portable" ? "" : "_" + target.filter { $0.isLetter || $0.isNumber })
                    var options = CodegenOptions(name: label, modelHash: loaded.info.hash, targetCPU: target,
                                                 winograd: policy, precision: precision)
                    options.int8InputMaxima = int8Maxima
                    if !json { FileHandle.standardError.write(Data("compiling \(Display.text(entry.name)) (\(build)) …\n".utf8)) }
                    let sources = try PredictorBuilder.writeSources(model: loaded.model, options: options, modelFile: entry.path,
                                                                    to: "\(workDir)/\(label)-src")
                    let built = try PredictorBuilder.build(sources, options: options,
                                                           output: try OutputFile("\(workDir)/\(label)-predictor", inputs: [entry.path]))
                    let startup = try measureStartup(built.output, model: loaded.model)
                    // nil: the level the predictor picks; then, with --each-level, the others this CPU runs.
                    let probe = try PredictorProcess(path: built.output)
                    let runnable = try probe.levels().filter(\.runsHere).map(\.name)
                    let others = eachLevel && target == "portable" ? Array(runnable.dropFirst()) : []
                    let forced: [String?] = [nil] + others
                    for level in forced { for t in counts {
                        if !json { FileHandle.standardError.write(Data("timing \(Display.text(entry.name)) (\(build)), \(t) thread\(t == 1 ? "" : "s") …\n".utf8)) }
                        var process = try PredictorProcess(path: built.output,
                                                           timeLimit: .scaled(multiplyAccumulates: macs))
                        process.level = level
                        let checker = try Checker(model: loaded.model, predictor: process, threads: t,
                                                  precision: precision)
                        let latency = try checker.benchmark(runs: runs, seed: 1)
                        var row = BenchRow(model: entry.name, winograd: policy.rawValue, precision: precision.rawValue, macs: macs,
                                           threads: t, runs: runs,
                                           predictorMedianMs: latency.predictorMedianMs, predictorMinMs: latency.predictorMinMs,
                                           engineMedianMs: latency.engineMedianMs, engineMinMs: latency.engineMinMs,
                                           compileSeconds: built.seconds, binaryBytes: built.binaryBytes, startupMs: startup)
                        row.target = level.map { "\(target)@\($0)" } ?? target
                        row.level = level ?? runnable.first
                        row.headShare = try headShare(built.output, model: loaded.model, threads: t)
                        if let ort {
                            let key = "\(t) \(row.ortPrecision)"
                            if ortTimes[key] == nil {
                                ortTimes[key] = try runORT(ort, onnx: onnx, threads: t,
                                                           int8Calibration: precision == .int8 ? calibrationFile : nil)
                            }
                            (row.ortMedianMs, row.ortMinMs, row.ortVersion) = ortTimes[key]!
                        }
                        if level == nil {
                            let key = "\(entry.name), "
                                + BenchRow.buildName(policy: policy.rawValue, precision: precision.rawValue)
                                + ", \(t) thread\(t == 1 ? "" : "s")"
                            if let g = sameBuild.firstIndex(where: { $0.key == key }) {
                                sameBuild[g].members.append((rows.count, checker))
                            } else {
                                sameBuild.append((key, [(rows.count, checker)]))
                            }
                        }
                        rows.append(row)
                    } }
                } }
            }
            let interleaved = try timeTargetsInTurn(sameBuild, &rows)
            if json { try printJSON(rows) } else {
                print(BenchRow.table(rows))
                if !interleaved.isEmpty {
                    print("\ntargets timed in turn, one process each, round after round (median of all passes):")
                    for line in interleaved { print("  " + line) }
                }
                if rows.contains(where: { $0.precision == "int8" }) {
                    print("int8 rows: ORT is ONNX Runtime's int8 (static QDQ, per-channel weights, calibrated on the same 8 inputs)")
                }
            }
        }
    }

    /// Each group of rows with several targets (same model, build and threads) timed again in
    /// turn, round after round (`InterleavedLatency`): their rows get `interleavedMedianMs`;
    /// returns a line per group comparing them with the first target.
    func timeTargetsInTurn(_ groups: [(key: String, members: [(row: Int, checker: Checker)])],
                           _ rows: inout [BenchRow]) throws -> [String] {
        var lines: [String] = []
        for group in groups where group.members.count > 1 {
            if !json {
                FileHandle.standardError.write(Data("timing \(Display.text(group.key)), targets in turn …\n".utf8))
            }
            let il = try InterleavedLatency(group.members.map(\.checker), rounds: 10,
                                            runsPerRound: max(3, runs / 3), seed: 1)
            for (k, member) in group.members.enumerated() { rows[member.row].interleavedMedianMs = il.medianMs[k] }
            let first = rows[group.members[0].row].target
            let timings = group.members.enumerated().map { k, m in
                "\(rows[m.row].target) " + String(format: "%.3f ms", il.medianMs[k])
                    + (k == 0 ? "" : String(format: " (%.3f× ", il.medianMs[k] / il.medianMs[0]) + "\(first))")
            }
            lines.append("\(group.key), \(il.rounds) rounds × \(il.runsPerRound) runs: "
                         + timings.joined(separator: ", "))
        }
        return lines
    }

    /// Wall time from process start to exit after printing the result for one raw input,
    /// best of 5, run under `Subprocess` (bounded in time like every child of vggc).
    func measureStartup(_ predictor: String, model: Model) throws -> Double {
        let n = model.input.height * model.input.width * model.input.channels
        let file = "\(workDir)/startup-input.f32"
        try OutputFile(file, inputs: models).write(floatBytes([Float](repeating: 0.5, count: n)))
        var best = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            let r = try Subprocess(predictor, ["--raw", file], timeout: timeout).run()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            // Exited normally with 0, or the time means nothing.
            guard r.status == 0 else {
                throw CheckError.predictorFailed(path: predictor, arguments: ["--raw", file], status: r.status, stderr: r.stderrText)
            }
            best = min(best, elapsed)
        }
        return best
    }

    /// The dense head's share of the predictor's time, from its `--profile` (goal: at batch 1
    /// the head is memory-bound and must not dominate).
    func headShare(_ predictor: String, model: Model, threads: Int) throws -> Double? {
        let file = "\(workDir)/startup-input.f32"
        let text = try Subprocess(predictor, ["--raw", file, "--threads", "\(threads)", "--profile", "\(max(5, runs))"],
                                  timeout: timeout).run().stderrText
        guard let line = text.split(separator: "\n").first(where: { $0.contains("dense head") }),
              let eq = line.range(of: "= ") else { return nil }
        return Double(line[eq.upperBound...].split(separator: " ").first ?? "")
    }

    func runORT(_ python: String, onnx: String, threads: Int, int8Calibration: String? = nil) throws -> (Double?, Double?, String?) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/ort-bench.py").path
        let arguments = [FileManager.default.fileExists(atPath: script) ? script : "Scripts/ort-bench.py", onnx, "\(threads)", "\(runs)"]
            + (int8Calibration.map { ["--int8", $0] } ?? [])
        // ONNX Runtime is a comparison column: a run that fails, hangs or floods loses the
        // column, not the benchmark.
        let result: Subprocess.Result
        do {
            result = try Subprocess(python, arguments, timeout: timeout).run()
        } catch let e as SubprocessError {
            printWarning("ONNX Runtime run failed for \(onnx): \(e)")
            return (nil, nil, nil)
        }
        guard result.status == 0, let obj = try? JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any] else {
            printWarning("ONNX Runtime run failed for \(onnx) (status \(result.status)): \(result.stderrText.suffix(300))")
            return (nil, nil, nil)
        }
        return (obj["median_ms"] as? Double, obj["min_ms"] as? Double, obj["version"] as? String)
    }
}

struct BenchRow: Encodable {
    var model: String
    /// The Winograd policy the predictor was compiled with (off = direct convolution only).
    var winograd: String
    /// fp32, bf16 or int8.
    var precision: String
    /// What the ONNX Runtime column ran: its int8 model (static QDQ) for int8 rows, else fp32.
    var ortPrecision: String { precision == "int8" ? "int8" : "fp32" }
    /// The `--target-cpu` it was built for; `portable@LEVEL` for a forced level.
    var target = "portable"
    /// The instruction-set level that ran (nil for a predictor that does not say).
    var level: String?
    var macs: Int
    var threads: Int
    var runs: Int
    var predictorMedianMs: Double, predictorMinMs: Double
    var engineMedianMs: Double, engineMinMs: Double
    var ortMedianMs: Double?, ortMinMs: Double?, ortVersion: String?
    var compileSeconds: Double
    var binaryBytes: Int
    var startupMs: Double
    /// Percent of the predictor's time spent in dense steps (from `--profile`).
    var headShare: Double?
    /// With several `--target-cpu` targets: the median when the targets' predictors were timed
    /// in turn, round after round (`InterleavedLatency`) — the figure to compare them by.
    var interleavedMedianMs: Double?
    var predictorGFLOPs: Double { 2 * Double(macs) / predictorMedianMs / 1e6 }
    var predictorOverORT: Double? { ortMedianMs.map { predictorMedianMs / $0 } }
    var engineOverORT: Double? { ortMedianMs.map { engineMedianMs / $0 } }

    enum CodingKeys: String, CodingKey {
        case model, winograd, precision, target, level, macs, threads, runs, predictorMedianMs, predictorMinMs, engineMedianMs, engineMinMs, ortMedianMs, ortMinMs,
             ortVersion, ortPrecision, compileSeconds, binaryBytes, startupMs, headShare, predictorGFLOPs, predictorOverORT,
             engineOverORT, interleavedMedianMs
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model); try c.encode(winograd, forKey: .winograd); try c.encode(precision, forKey: .precision); try c.encode(macs, forKey: .macs); try c.encode(threads, forKey: .threads)
        try c.encode(runs, forKey: .runs)
        try c.encode(target, forKey: .target); try c.encodeIfPresent(level, forKey: .level)
        try c.encode(predictorMedianMs, forKey: .predictorMedianMs); try c.encode(predictorMinMs, forKey: .predictorMinMs)
        try c.encode(engineMedianMs, forKey: .engineMedianMs); try c.encode(engineMinMs, forKey: .engineMinMs)
        try c.encodeIfPresent(ortMedianMs, forKey: .ortMedianMs); try c.encodeIfPresent(ortMinMs, forKey: .ortMinMs)
        try c.encodeIfPresent(ortVersion, forKey: .ortVersion)
        if ortMedianMs != nil { try c.encode(ortPrecision, forKey: .ortPrecision) }
        try c.encode(compileSeconds, forKey: .compileSeconds); try c.encode(binaryBytes, forKey: .binaryBytes)
        try c.encode(startupMs, forKey: .startupMs); try c.encode(predictorGFLOPs, forKey: .predictorGFLOPs)
        try c.encodeIfPresent(headShare, forKey: .headShare)
        try c.encodeIfPresent(interleavedMedianMs, forKey: .interleavedMedianMs)
        try c.encodeIfPresent(predictorOverORT, forKey: .predictorOverORT); try c.encodeIfPresent(engineOverORT, forKey: .engineOverORT)
    }

    /// "winograd auto" for fp32 builds, "bf16 winograd auto" otherwise.
    static func buildName(policy: String, precision: String) -> String {
        (precision == "fp32" ? "" : precision + " ") + "winograd " + policy
    }

    static func table(_ rows: [BenchRow]) -> String {
        func ms(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        var lines = [["model", "build", "MACs", "thr", "predictor ms (min)", "engine ms (min)", "ORT ms (min)", "img/s", "GFLOP/s",
                      "pred/ORT", "engine/ORT", "head", "start-up", "compile", "binary"]]
        for r in rows {
            lines.append([r.model, buildName(policy: r.winograd, precision: r.precision) + ", " + r.target
                          + (r.level.map { r.target.contains("@") ? "" : " (\($0))" } ?? ""), Format.count(r.macs), "\(r.threads)",
                          "\(ms(r.predictorMedianMs)) (\(ms(r.predictorMinMs)))", "\(ms(r.engineMedianMs)) (\(ms(r.engineMinMs)))",
                          r.ortMedianMs.map { "\(ms($0)) (\(ms(r.ortMinMs)))" } ?? "-",
                          String(format: "%.1f", 1000 / r.predictorMedianMs), String(format: "%.0f", r.predictorGFLOPs),
                          r.predictorOverORT.map { String(format: "%.2f×", $0) } ?? "-", r.engineOverORT.map { String(format: "%.2f×", $0) } ?? "-",
                          r.headShare.map { String(format: "%.1f %%", $0) } ?? "-",
                          String(format: "%.1f ms", r.startupMs), String(format: "%.1f s", r.compileSeconds),
                          String(format: "%.1f MiB", Double(r.binaryBytes) / 1_048_576)])
        }
        return Format.table(lines)
    }
}
