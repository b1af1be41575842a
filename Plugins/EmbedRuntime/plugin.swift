import Foundation
import PackagePlugin

/// Embeds the predictor runtime into VGGCodegen at build time (`RuntimeSources`), from the
/// real files, so no copy of them is committed; and hashes every source that can change
/// what `vggc compile` writes, which becomes the generator's identity.
///
/// The runtime is what `vggc compile` writes next to the generated `Network.swift`: the
/// predictor's command line (Sources/VGGCodegen/Runtime), the image decoding and the
/// operating-system edge it shares with `vggc`, and the C kernels of each precision.
@main
struct EmbedRuntime: BuildToolPlugin {
    /// Swift files, with the predictor module they are compiled into: `main` (the command
    /// line, baseline x86-64), `kernel` (every instruction-set level's module, beside the
    /// generated kernels) or `both`.
    static let swiftFiles = [
        ("Sources/VGGCodegen/Runtime/PredictorMain.swift", "main"),
        ("Sources/VGGCodegen/Runtime/PredictionRun.swift", "main"),
        ("Sources/VGGCodegen/Runtime/PredictorOutputs.swift", "main"),
        ("Sources/VGGCodegen/Runtime/LevelChoice.swift", "main"),
        ("Sources/VGGCodegen/Runtime/Workers.swift", "kernel"),
        ("Sources/VGGCodegen/Runtime/KernelSupport.swift", "kernel"),
        ("Sources/VGGCore/ResizeFilter.swift", "both"),
        ("Sources/VGGCore/StepAlgorithm.swift", "main"),
        ("Sources/VGGImage/ImageError.swift", "main"),
        ("Sources/VGGImage/DecodedImage.swift", "main"),
        ("Sources/VGGImage/DecodedImage+Channels.swift", "main"),
        ("Sources/VGGImage/DecodedImage+Resize.swift", "main"),
        ("Sources/VGGImage/ImageDecoder.swift", "main"),
        ("Sources/VGGSystem/SystemPath.swift", "main"),
        ("Sources/VGGSystem/FileError.swift", "main"),
        ("Sources/VGGSystem/FileStatus.swift", "main"),
        ("Sources/VGGSystem/InputFile.swift", "main"),
        ("Sources/VGGSystem/OutputFile.swift", "main"),
        ("Sources/VGGSystem/Directory.swift", "main"),
        ("Sources/VGGSystem/Interruption.swift", "main"),
    ]
    /// C files, with the precisions that need them (`all`: every predictor).
    static let cFiles = [
        ("Sources/CImageCodecs/png_codec.c", "all"),
        ("Sources/CImageCodecs/jpeg_codec.c", "all"),
        ("Sources/CImageCodecs/codec_common.c", "all"),
        ("Sources/CImageCodecs/codec_internal.h", "all"),
        ("Sources/CImageCodecs/include/image_codecs.h", "all"),
        ("Sources/CPredictorKernels/cpu_features.c", "all"),
        ("Sources/CPredictorKernels/include/predictor_kernels.h", "all"),
        ("Sources/CPredictorKernels/bf16_conv.c", "bf16"),
        ("Sources/CPredictorKernels/bf16_conv_fallback.c", "bf16"),
        ("Sources/CPredictorKernels/int8_conv.c", "int8"),
        ("Sources/CPredictorKernels/int8_conv_fallback.c", "int8"),
        ("Sources/CPredictorKernels/conv_tiles.h", "bf16,int8"),
    ]
    /// Targets whose every source can change the generated output (with the runtime above).
    static let generatorTargets = ["VGGCore", "VGGCodegen", "CPredictorKernels"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        var hashed = Set(Self.swiftFiles.map(\.0) + Self.cFiles.map(\.0))
        for t in try context.package.targets(named: Self.generatorTargets) {
            guard let module = t.sourceModule else { continue }
            for file in module.sourceFiles {
                let path = file.url.path
                if path.hasPrefix(root.path + "/") { hashed.insert(String(path.dropFirst(root.path.count + 1))) }
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "RuntimeSources.swift")
        var arguments = [output.path, root.path]
        arguments += Self.swiftFiles.flatMap { ["--swift", "\($0.0)=\($0.1)"] }
        arguments += Self.cFiles.flatMap { ["--c", "\($0.0)=\($0.1)"] }
        arguments += hashed.sorted().flatMap { ["--hash", $0] }
        return [.buildCommand(displayName: "Embedding the predictor runtime", executable: try context.tool(named: "RuntimeEmbedder").url,
                              arguments: arguments, inputFiles: hashed.sorted().map { root.appending(path: $0) },
                              outputFiles: [output])]
    }
}
