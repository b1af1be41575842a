import ArgumentParser
import Foundation
import VGGCodegen
import VGGCore
import VGGEngine
import VGGFormat
import VGGSystem

/// `vggc compile`: a model → specialized Swift source → one static predictor binary.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate specialized Swift for a model and build it into a standalone predictor.",
        discussion: """
        Writes the predictor's complete source folder (default Generated/<name>: Network.swift, and
        Network_narrow.swift with AVX2-sized register tiles for levels without AVX-512, with
        every shape a literal, the runtime, packed weights linked as data, build.sh), then builds
        one statically linked executable that needs no Swift toolchain or shared libraries.
        Run `vggc check MODEL PREDICTOR` afterwards to prove it agrees with the engine.
        Examples:
          vggc compile Models/pneumonia.bin                        # fp32, Winograd where it wins
          vggc compile Models/pneumonia.bin --precision bf16       # half the weight bytes
          vggc compile Models/pneumonia.bin --precision int8 --calibrate ../shared/data/kermany/train
        """
    )

    @Argument(help: "The model.bin file.")
    var model: String

    @Option(name: .shortAndLong, help: "The predictor binary to write (default: ./<name>-predictor).")
    var output: String?

    @Option(help: "Predictor name (default: the model file's name).")
    var name: String?

    @Option(help: "Folder for the generated source (default: Generated/<name>).")
    var sourceDir: String?

    @Option(help: ArgumentHelp("CPUs to build for: portable (default: one binary with x86-64-v4 (AVX-512), x86-64-v3 (AVX2 + FMA) and baseline x86-64 kernels; it picks the best this CPU runs at start-up), or one level: x86-64, x86-64-v2, x86-64-v3, x86-64-v4, native (this machine) or an LLVM CPU name such as znver5.", discussion: "Every predictor checks at start-up that the CPU has what its code needs and otherwise exits 69 naming the missing features; --help and --version run on any x86-64 CPU. bf16 and int8 steps use AVX512-BF16 / AVX512-VNNI where the level has AVX-512, and fallback kernels below it (int8 bit for bit the same; bf16 as float32 on the same bfloat16 values), so a portable bf16 or int8 predictor also runs on any x86-64 CPU. VGGC_LEVEL=LEVEL in the environment forces a lower level."))
    var targetCPU = "portable"

    @Flag(help: "Unroll the taps of 3×3 convolutions (slower to compile; see docs/codegen.md).")
    var unrollTaps = false

    @Option(help: "Winograd F(4×4, 3×3) for 3×3 stride-1 convolutions: auto (where measured to win), on (every eligible layer) or off (direct convolution only).")
    var winograd: WinogradPolicy = .auto

    @Option(help: "fp32; bf16: weights stored as bfloat16 (half the bytes) and conv/dense inputs rounded to it, convolutions on AVX512-BF16 dot products or (--winograd auto: ≥128 channels on ≥28×28 outputs; on: every eligible layer) Winograd in float32 with its weights transformed at start-up; int8: every conv/dense layer whose input follows a ReLU on 8-bit codes (weights a quarter of the bytes, per-channel scales, input scales from --calibrate), on AVX512-VNNI dot products (both with fallback kernels on CPUs without them: see --target-cpu). Check it with vggc check (against its own definition) and --labelled (against fp32).")
    var precision: Precision = .fp32

    @Option(help: "int8 only: folder of images like the ones the predictor will see (searched recursively); each quantized layer's input scale comes from the largest value its input takes on them.")
    var calibrate: String?

    @Option(help: "int8 only: calibrate on at most this many images, evenly spaced over the folder's sorted list.")
    var calibrationImages = 200

    @Flag(help: "Write the source folder only; do not build.")
    var sourceOnly = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        do { try PredictorBuilder.checkTargetCPU(targetCPU) } catch let e as CodegenError { throw ValidationError("--target-cpu: \(e)") }
        if precision == .int8 && calibrate == nil {
            throw ValidationError("--precision int8 needs --calibrate DIR: images like the ones the predictor will see")
        }
        if precision != .int8 && calibrate != nil { throw ValidationError("--calibrate is for --precision int8 only") }
        guard (1...100_000).contains(calibrationImages) else {
            throw ValidationError("--calibration-images must be 1...100000, got \(calibrationImages)")
        }
    }

    func run() throws {
        try vggc.run {
            let start = Date()
            let predictorName = name ?? Self.defaultName(for: model)
            // Every output is checked before the (long) build: folder, kind, not an input.
            let binary = sourceOnly ? nil : try OutputFile(output ?? "\(predictorName)-predictor", inputs: [model])
            let loaded = try ModelFile.read(path: model)
            var options = CodegenOptions(name: predictorName, modelHash: loaded.info.hash, targetCPU: targetCPU,
                                         unrollTaps: unrollTaps, winograd: winograd, precision: precision)
            if let folder = calibrate {
                let (maxima, count) = try Calibration.inputMaxima(model: loaded.model, folder: folder, limit: calibrationImages,
                                                                  threads: Engine.defaultThreads) { if !json { print($0) } }
                options.int8InputMaxima = maxima
                options.int8Calibration = "--calibrate \(folder) --calibration-images \(calibrationImages)"
                if !json { print("calibrated \(maxima.count) int8 layers on \(count) images") }
            }
            let directory = sourceDir ?? "Generated/\(predictorName)"
            if !json { print("generating \(directory) …") }
            let sources = try PredictorBuilder.writeSources(model: loaded.model, options: options,
                                                            modelFile: (model as NSString).lastPathComponent, to: directory,
                                                            inputs: [model])
            var report = CompileReport(model: model, sha256: loaded.info.hash, sourceDirectory: directory,
                                       steps: sources.network.stepNames, arenaBytes: sources.network.arenaBytes,
                                       scratchBytesPerThread: sources.network.scratchBytesPerThread,
                                       scratchThreads: sources.network.scratchThreads,
                                       weightBytes: sources.network.weights.count, targetCPU: targetCPU)
            if let binary {
                if !json { print("building with swiftc (\(targetCPU)) …") }
                let build = try PredictorBuilder.build(sources, options: options, output: binary)
                report.output = build.output
                report.binaryBytes = build.binaryBytes
                report.codeBytes = build.binaryBytes - build.weightBytes
                report.buildSeconds = build.seconds
            }
            report.totalSeconds = Date().timeIntervalSince(start)
            if json { try printJSON(report) } else { print(report.text) }
        }
    }

    /// `Models/pneumonia.bin` → `pneumonia`, with anything but letters, digits, `_`, `-` replaced.
    static func defaultName(for path: String) -> String {
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let cleaned = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
        return cleaned.isEmpty ? "model" : String(cleaned.prefix(64))
    }
}

struct CompileReport: Encodable {
    var model: String
    var sha256: String
    var sourceDirectory: String
    var steps: [String]
    var arenaBytes: Int
    /// Winograd scratch: this much per thread, for at most `scratchThreads` threads.
    var scratchBytesPerThread: Int
    var scratchThreads: Int
    var weightBytes: Int
    var targetCPU: String
    var output: String?
    var binaryBytes: Int?
    var codeBytes: Int?
    var buildSeconds: Double?
    var totalSeconds: Double = 0

    var text: String {
        var rows = [["source", sourceDirectory], ["steps", "\(steps.count) (fused from the model's layers)"],
                    ["activations", "\(Format.bytes(arenaBytes)) (planned arena)"
                        + (scratchBytesPerThread > 0 ? " + Winograd scratch \(Format.bytes(scratchBytesPerThread)) per thread (≤ \(scratchThreads) threads)" : "")],
                    ["target CPU", targetCPU]]
        if let output, let binaryBytes, let codeBytes, let buildSeconds {
            rows.insert(["predictor", output], at: 0)
            rows.append(["binary", "\(Format.bytes(binaryBytes)): weights \(Format.bytes(weightBytes)), code and runtime \(Format.bytes(codeBytes))"])
            rows.append(["compile time", String(format: "%.1f s (swiftc and link), %.1f s in all", buildSeconds, totalSeconds)])
        } else {
            rows.append(["weights", Format.bytes(weightBytes)])
        }
        return Format.table(rows)
    }
}

extension WinogradPolicy: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
