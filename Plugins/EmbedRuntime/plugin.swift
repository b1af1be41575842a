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
    /// Swift files, compiled into the predictor's one module.
    static let swiftFiles = [
        "Sources/VGGCodegen/Runtime/PredictorMain.swift",
        "Sources/VGGCodegen/Runtime/PredictionRun.swift",
        "Sources/VGGCodegen/Runtime/PredictorOutputs.swift",
        "Sources/VGGCodegen/Runtime/Workers.swift",
        "Sources/VGGCore/ResizeFilter.swift",
        "Sources/VGGCore/StepAlgorithm.swift",
        "Sources/VGGImage/ImageError.swift",
        "Sources/VGGImage/DecodedImage.swift",
        "Sources/VGGImage/DecodedImage+Channels.swift",
        "Sources/VGGImage/DecodedImage+Resize.swift",
        "Sources/VGGImage/ImageDecoder.swift",
        "Sources/VGGSystem/SystemPath.swift",
        "Sources/VGGSystem/FileError.swift",
        "Sources/VGGSystem/FileStatus.swift",
        "Sources/VGGSystem/InputFile.swift",
        "Sources/VGGSystem/OutputFile.swift",
        "Sources/VGGSystem/Directory.swift",
        "Sources/VGGSystem/Interruption.swift",
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
        ("Sources/CPredictorKernels/int8_conv.c", "int8"),
        ("Sources/CPredictorKernels/conv_tiles.h", "bf16,int8"),
    ]
    /// Targets whose every source can change the generated output (with the runtime above).
    static let generatorTargets = ["VGGCore", "VGGCodegen", "CPredictorKernels"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        var hashed = Set(Self.swiftFiles + Self.cFiles.map(\.0))
        for t in try context.package.targets(named: Self.generatorTargets) {
            guard let module = t.sourceModule else { continue }
            for file in module.sourceFiles {
                let path = file.url.path
                if path.hasPrefix(root.path + "/") { hashed.insert(String(path.dropFirst(root.path.count + 1))) }
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "RuntimeSources.swift")
        var arguments = [output.path, root.path]
        arguments += Self.swiftFiles.flatMap { ["--swift", $0] }
        arguments += Self.cFiles.flatMap { ["--c", "\($0.0)=\($0.1)"] }
        arguments += hashed.sorted().flatMap { ["--hash", $0] }
        return [.buildCommand(displayName: "Embedding the predictor runtime", executable: try context.tool(named: "RuntimeEmbedder").url,
                              arguments: arguments, inputFiles: hashed.sorted().map { root.appending(path: $0) },
                              outputFiles: [output])]
    }
}
