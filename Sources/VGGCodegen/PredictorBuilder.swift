import Foundation
import VGGCore
import VGGSystem

/// Why a predictor could not be generated or built.
public enum CodegenError: Error, Equatable, CustomStringConvertible {
    case toolMissing(String)
    case buildFailed(command: String, output: String)
    case invalidName(String)
    case unsupportedTarget(String)
    /// clang does not know this CPU name; `detail` lists the ones it does.
    case unknownTarget(String, detail: String)
    case missingCalibration(layer: String)
    case int8ScaleOverflow(layer: String, maximum: Float)

    public var description: String {
        switch self {
        case let .toolMissing(tool): return "\(tool) was not found on PATH; it is needed to build the predictor"
        case let .buildFailed(command, output): return "build step failed: \(command)\n\(output)"
        case let .invalidName(name): return "predictor name \"\(name)\" is invalid: use 1...64 letters, digits, '_' or '-'"
        case let .missingCalibration(layer):
            return "--precision int8 needs the calibrated input maximum of layer \(layer) (vggc compile --calibrate DIR)"
        case let .int8ScaleOverflow(layer, maximum):
            return "layer \(layer) cannot be int8: its calibrated input maximum \(maximum) times its weight scale overflows float32"
        case let .unknownTarget(cpu, detail):
            return "target CPU \"\(Display.text(cpu))\" is not known to clang\(detail)"
        case let .unsupportedTarget(cpu):
            return "target CPU \"\(cpu)\" is not known; use portable, x86-64, x86-64-v2, x86-64-v3, x86-64-v4, native "
                + "or an LLVM CPU name such as znver5"
        }
    }
}

/// Writes a predictor's source folder and compiles it into one static executable.
///
/// The folder is complete on its own: the generated `Network.swift`, the runtime (the
/// predictor's command line and the same image-decoding Swift and C files `vggc` itself
/// uses), `bridge.h`, the packed weights (`weights.bin`, linked by `weights.S` through
/// `.incbin` as 64-byte-aligned read-only data — never Swift literals, which swiftc cannot
/// compile at this size) and `build.sh`, the exact commands below.
public enum PredictorBuilder {
    public struct Sources {
        public let directory: String
        public let network: GeneratedNetwork
        public let files: [String]
    }

    public struct Build {
        public let output: String
        public let binaryBytes: Int
        public let weightBytes: Int
        public let seconds: Double
    }

    public static let runtimeLibraries = ["-lpng16", "-ljpeg", "-lz", "-lm"]

    /// Checks `--target-cpu` before any work (asking clang for a CPU name, in milliseconds),
    /// so a misspelt CPU is a usage error now rather than a compiler error after the build.
    public static func checkTargetCPU(_ target: String) throws {
        _ = try CodeLevel.levels(for: target)
    }

    /// A Swift module name from the predictor's name.
    static func moduleName(_ name: String) -> String {
        "vggc_" + String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// The commands that build the folder, run inside it; `$OUT` is the output binary.
    ///
    /// One module per instruction-set level (the generated kernels, compiled with the level's
    /// flags, entered through `Level_<level>.swift`), then the main module — the command line,
    /// compiled for the baseline x86-64, so `--help`, `--version` and the CPU check run on any
    /// x86-64 CPU — linked with them, the C files and the weights into one static executable.
    public static func buildCommands(options: CodegenOptions) throws -> [[String]] {
        let c = RuntimeSources.cFiles(for: options.precision).map(\.name).filter { $0.hasSuffix(".c") }
        var commands = c.map { ["clang", "-O2", "-ffp-contract=off", "-c", $0, "-o", "$OBJ/\($0.dropLast(2)).o"] }
        commands.append(["clang", "-c", "weights.S", "-o", "$OBJ/weights.o"])
        var objects = c.map { "$OBJ/\($0.dropLast(2)).o" } + ["$OBJ/weights.o"]
        for level in try CodeLevel.levels(for: options.targetCPU).map({ ($0.name, Tiling($0)) }) {
            let (name, tiling) = level
            let object = "$OBJ/level_\(name.symbol).o"
            let module = moduleName(options.name) + "_" + name.symbol
            let kernelSwift = ["NetworkInfo.swift", tiling.sourceFile] + RuntimeSources.kernelSwiftFiles.map(\.name)
            commands.append(["swiftc", "-parse-as-library", "-module-name", module, "-Ounchecked", "-wmo"]
                            + name.compilerFlags + ["-import-objc-header", "bridge.h", "-c"] + kernelSwift + ["Level_\(name.symbol).swift", "-o", object])
            objects.append(object)
        }
        let mainSwift = ["NetworkInfo.swift", "Levels.swift"] + RuntimeSources.mainSwiftFiles.map(\.name)
        commands.append(["swiftc", "-module-name", moduleName(options.name), "-Ounchecked", "-wmo",
                         "-static-executable", "-import-objc-header", "bridge.h"] + mainSwift + objects + runtimeLibraries
                        + ["-Xlinker", "--strip-all", "-o", "$OUT"])
        return commands
    }

    /// The features an AVX-512 level of a `precision` predictor needs besides its own: its
    /// bf16 and int8 C kernels run AVX512-BF16 / AVX512-VNNI instructions. Levels without
    /// AVX-512 run the fallback kernels instead (`KernelTier`) and need nothing more.
    static func precisionFeatures(_ precision: Precision) -> [String] {
        switch precision {
        case .fp32: return []
        case .bf16: return ["avx512f", "avx512bw", "avx512vl", "avx512bf16"]
        case .int8: return ["avx512f", "avx512bw", "avx512vl", "avx512vnni"]
        }
    }

    /// `Levels.swift` (main module: each level's entry and the features it needs, best
    /// first) and `Level_<level>.swift` (each level's module: its entry point).
    static func levelFiles(options: CodegenOptions) throws -> [(String, [UInt8])] {
        let levels = try CodeLevel.levels(for: options.targetCPU)
        let signature = "(_ input: UnsafePointer<Float>, _ threads: Int, _ dump: ((Int, [Float]) -> Void)?, "
            + "_ mark: ((Int) -> Void)?) -> (logits: [Float], probabilities: [Float])"
        var main = SourceWriter()
        main.line("// Levels.swift — generated by vggc \(GeneratorIdentity.string). Generated — do not edit.")
        main.line("// The instruction-set levels this predictor holds, best first (LevelChoice.swift picks one).")
        main.line()
        var files: [(String, [UInt8])] = []
        for level in levels {
            let symbol = "\(moduleName(options.name))_run_\(level.name.symbol)"
            main.line("@_silgen_name(\(literal(symbol)))")
            main.line("func run_\(level.name.symbol)\(signature)")
            var entry = SourceWriter()
            entry.line("// Level_\(level.name.symbol).swift — generated by vggc \(GeneratorIdentity.string). "
                       + "Generated — do not edit.")
            entry.line("// The entry point of the \(level.name.text) module; the main module calls it by this symbol.")
            entry.line()
            entry.line("/// The C kernels this level's code calls (predictor_kernels.h).")
            entry.line("let kernelTier: Int32 = \(KernelTier(level).macro)")
            entry.line()
            entry.line("@_silgen_name(\(literal(symbol)))")
            entry.block("func levelRun\(signature)") { w in
                w.line("Network.run(input, threads: threads, dump: dump, mark: mark)")
            }
            files.append(("Level_\(level.name.symbol).swift", Array(entry.text.utf8)))
        }
        main.line()
        main.block("enum Levels") { w in
            w.line("static let all: [CodeLevel] = [")
            for level in levels {
                let tier = KernelTier(level)
                var features = level.features
                for f in tier == .avx512 ? precisionFeatures(options.precision) : [] where !features.contains(f) { features.append(f) }
                let list = features.map(literal).joined(separator: ", ")
                w.line("    CodeLevel(name: \(literal(level.name.text)), features: [\(list)], "
                       + "kernels: \(literal(tier.summary(options.precision))), run: run_\(level.name.symbol)),")
            }
            w.line("]")
        }
        return [("Levels.swift", Array(main.text.utf8))] + files
    }

    /// Writes every file of the predictor into `directory` (created if missing). Each file
    /// is an `OutputFile`: replaced atomically, and never one of `inputs` (the model file).
    public static func writeSources(model: Model, options: CodegenOptions, modelFile: String,
                                    to directory: String, inputs: [String] = []) throws -> Sources {
        guard (1...64).contains(options.name.count),
              options.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw CodegenError.invalidName(options.name)
        }
        // One Network file per register tiling the levels need; the weights, arena and
        // scratch are the same for all (Tiling), so one copy of the weights serves every level.
        let levels = try CodeLevel.levels(for: options.targetCPU)
        let tilings = Tiling.allCases.filter { t in levels.contains { Tiling($0) == t } }
        let networks = try tilings.map { try NetworkEmitter.generate(model, options: options, modelFile: modelFile, tiling: $0) }
        let network = networks[0]
        precondition(networks.allSatisfy { $0.weights == network.weights && $0.arenaBytes == network.arenaBytes
                         && $0.scratchBytesPerThread == network.scratchBytesPerThread },
                     "a register tiling changed the packed weights or the memory plan")
        var files: [(String, [UInt8])] = [("NetworkInfo.swift", Array(network.info.utf8))]
        files += zip(tilings, networks).map { ($0.sourceFile, Array($1.source.utf8)) }
        files += try levelFiles(options: options)
        files += RuntimeSources.swiftFiles.map { ($0.name, Array($0.contents.utf8)) }
        files += RuntimeSources.cFiles(for: options.precision).map { ($0.name, Array($0.contents.utf8)) }
        files.append(("bridge.h", Array(bridgeHeader.utf8)))
        files.append(("weights.S", Array(weightsAssembly.utf8)))
        files.append(("weights.bin", network.weights))
        files.append(("build.sh", Array(try buildScript(options: options, modelFile: modelFile).utf8)))
        try Directory.create(directory)
        let outputs = try files.map { try OutputFile(SystemPath.join(directory, $0.0), inputs: inputs) }
        for (output, (name, bytes)) in zip(outputs, files) {
            try output.write(bytes)
            if name == "build.sh" { _ = SystemPath.withCString(output.target) { chmod($0, 0o755) } }
        }
        return Sources(directory: directory, network: network, files: files.map(\.0))
    }

    /// Longest a compiler or linker may run before it is stopped.
    public static let toolTimeout = 3600.0

    /// Compiles a written source folder into `output` (checked before; see `OutputFile`).
    ///
    /// The linker writes a temporary file beside the output, renamed over it only once the
    /// build succeeded: an interrupted or failed build leaves the previous predictor intact
    /// and no partial binary. Ctrl-C stops the compiler and linker with their children.
    public static func build(_ sources: Sources, options: CodegenOptions, output: OutputFile) throws -> Build {
        let start = Date()
        let objects = FileManager.default.temporaryDirectory.appendingPathComponent("vggc-build-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: objects, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: objects) }
        let commands = try buildCommands(options: options)
        try output.write(creatingWith: { temporary in
            let absolute = temporary.hasPrefix("/") ? temporary
                : SystemPath.join(FileManager.default.currentDirectoryPath, temporary)
            for command in commands {
                let args = command.map { $0.replacingOccurrences(of: "$OBJ", with: objects).replacingOccurrences(of: "$OUT", with: absolute) }
                try runTool(args, in: sources.directory)
            }
        })
        let size = FileStatus.of(output.target)?.size ?? 0
        let out = output.target.hasPrefix("/") ? output.target : SystemPath.join(FileManager.default.currentDirectoryPath, output.target)
        return Build(output: URL(fileURLWithPath: out).standardizedFileURL.path, binaryBytes: size,
                     weightBytes: sources.network.weights.count, seconds: Date().timeIntervalSince(start))
    }

    /// Runs one build tool in `directory` (through `env -C`, which also finds it on PATH).
    static func runTool(_ args: [String], in directory: String) throws {
        let result = try Subprocess("/usr/bin/env", ["-C", directory] + args, timeout: toolTimeout).run()
        guard result.status == 0 else {
            if result.status == 127 { throw CodegenError.toolMissing(args[0]) }
            let text = result.stdoutText + result.stderrText
            throw CodegenError.buildFailed(command: args.joined(separator: " "), output: String(text.suffix(4000)))
        }
    }

    static let bridgeHeader = """
        // bridge.h — generated by vggc. The C side of the predictor: image codecs, C kernels, weights.
        #include "image_codecs.h"
        #include "predictor_kernels.h"
        extern const unsigned char vggc_weights[];
        static inline const float *_Nonnull vggc_weight_base(void) { return (const float *)vggc_weights; }

        """

    static let weightsAssembly = """
        # weights.S — generated by vggc. Links weights.bin into the binary as aligned read-only data.
            .section .rodata
            .balign 64
            .globl vggc_weights
        vggc_weights:
            .incbin "weights.bin"
            .section .note.GNU-stack,"",@progbits

        """

    /// `build.sh`. Its first lines say what to run when `weights.bin` is missing, as it is in
    /// a fresh clone of a repository that commits the generated folder but not the blob.
    static func buildScript(options: CodegenOptions, modelFile: String) throws -> String {
        // The header records the model's file name only; the path is wherever it is now.
        let regenerate = canonicalCommand(modelFile: "<path to>/" + NetworkEmitter.commentSafe(modelFile), options: options)
            + " --source-dir <this folder> --source-only"
        var s = "#!/usr/bin/env bash\n# build.sh — generated by vggc \(GeneratorIdentity.string): builds this predictor without vggc.\n"
        s += "# Usage: ./build.sh [OUTPUT]\n"
        s += "# Needs weights.bin, which vggc writes beside this file and repositories usually leave out\n"
        s += "# (binary, as large as the model). If it is missing, regenerate this folder first:\n"
        s += "#   \(regenerate)\n"
        s += "# (the model file whose SHA-256 is \(options.modelHash)).\n"
        s += "set -euo pipefail\ncd \"$(dirname \"$0\")\"\n"
        s += "if [ ! -f weights.bin ]; then\n"
        s += "    echo \"build.sh: weights.bin is missing; regenerate this folder first:\" >&2\n"
        s += "    echo \(shellQuoted("  " + regenerate)) >&2\n    exit 66\nfi\n"
        s += "OUT=$(realpath -m \"${1:-\(options.name)}\")\nOBJ=$(mktemp -d)\ntrap 'rm -rf \"$OBJ\"' EXIT\n"
        for c in try buildCommands(options: options) {
            s += c.map { $0.hasPrefix("$") || $0.contains("/") ? "\"\($0)\"" : $0 }.joined(separator: " ") + "\n"
        }
        return s
    }
}

/// `text` as one single-quoted shell word.
func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
