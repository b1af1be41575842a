// Copied from Sources/VGGCodegen/Runtime/LevelChoice.swift by vggc compile. Do not edit this copy: edit the original.
// LevelChoice.swift — which of the predictor's instruction-set levels runs on this CPU.
//
// Part of the predictor's main module, compiled for the baseline x86-64 like everything in
// it: the kernels of each level live in their own module, built with that level's flags,
// and nothing of a level runs before `Predictor.level` has found every feature it needs
// (CPUID and XGETBV, through cpu_features.c). Levels.swift (generated) lists the levels.
#if canImport(Glibc)
import Glibc
#endif

/// One level's entry point (its module's `Network.run`).
typealias LevelRun = (UnsafePointer<Float>, Int, ((Int, [Float]) -> Void)?, ((Int) -> Void)?)
    -> (logits: [Float], probabilities: [Float])

struct CodeLevel {
    let name: String
    /// The compiler's names for the CPU features the level's code may use.
    let features: [String]
    /// What runs the bf16 or int8 steps at this level ("" for fp32): the AVX-512 kernels or a
    /// fallback (predictor_kernels.h's tiers).
    let kernels: String
    let run: LevelRun

    /// The level's name, and what runs its bf16 or int8 steps.
    var summary: String { kernels.isEmpty ? name : "\(name) (\(Network.precision) steps: \(kernels))" }

    /// The features this CPU, or its operating system, does not provide.
    var missing: [String] { features.filter { vggc_cpu_supports($0) != 1 } }
}

extension Predictor {
    /// The environment variable that forces a level (for tests, and for numbers that must
    /// not depend on the machine).
    static let levelVariable = "VGGC_LEVEL"

    /// The level this run uses: the one VGGC_LEVEL names, else the best this CPU runs.
    /// Exits 64 for a name the predictor does not hold, 69 if the CPU runs none.
    static let level: CodeLevel = {
        switch chooseLevel() {
        case let .success(level): return level
        case let .failure(problem): fail(problem.message, problem.code)
        }
    }()

    struct LevelProblem: Error {
        let message: String
        let code: Int32
    }

    static func chooseLevel() -> Result<CodeLevel, LevelProblem> {
        let names = Levels.all.map(\.name).joined(separator: ", ")
        if let forced = getenv(levelVariable).map({ String(cString: $0) }), !forced.isEmpty {
            guard let level = Levels.all.first(where: { $0.name == forced }) else {
                return .failure(LevelProblem(message: "\(levelVariable)=\(Display.text(forced)) names no level of this "
                    + "predictor; it holds \(names)", code: PredictorExit.usage))
            }
            let missing = level.missing
            guard missing.isEmpty else {
                let lacks = missing.joined(separator: ", ")
                return .failure(LevelProblem(message: "\(levelVariable)=\(level.name) forces a level this CPU cannot "
                    + "run: it lacks \(lacks); unset \(levelVariable) to use the best it runs",
                    code: PredictorExit.unsupportedCPU))
            }
            return .success(level)
        }
        if let level = Levels.all.first(where: { $0.missing.isEmpty }) { return .success(level) }
        let lowest = Levels.all.last!
        return .failure(unsupported(lowest, lowest.missing))
    }

    static func unsupported(_ level: CodeLevel, _ missing: [String]) -> LevelProblem {
        LevelProblem(message: "this CPU lacks \(missing.joined(separator: ", ")), needed by this predictor's "
            + "\(level.name) code; rebuild it with vggc compile --target-cpu portable (the default), which runs "
            + "on any x86-64 CPU", code: PredictorExit.unsupportedCPU)
    }

    /// The levels for `--version`: each marked runnable here or not.
    static var levelSummary: String {
        Levels.all.map { level in
            let missing = level.missing
            // Spaces, not commas, inside the parentheses: readers split the list on commas.
            return missing.isEmpty ? level.name : "\(level.name) (needs \(missing.joined(separator: " ")))"
        }.joined(separator: ", ")
    }
}
