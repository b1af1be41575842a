import VGGCore

/// One file of the predictor runtime, as `RuntimeSources` (written at build time by
/// Plugins/EmbedRuntime from the real file) holds it: stamped with its original's path.
struct RuntimeFile {
    let name: String
    /// The repository path it was copied from.
    let original: String
    /// The predictor module it is compiled into.
    let module: Module
    /// The precisions whose predictors need it; nil: every predictor.
    let precisions: [Precision]?
    let contents: String
}

extension RuntimeFile {
    /// A predictor is one main module (the command line, compiled for baseline x86-64) and
    /// one module per instruction-set level (the generated kernels, compiled for the level).
    enum Module { case main, kernel, both }
}

extension RuntimeSources {
    static var mainSwiftFiles: [RuntimeFile] { swiftFiles.filter { $0.module != .kernel } }
    static var kernelSwiftFiles: [RuntimeFile] { swiftFiles.filter { $0.module != .main } }

    /// The C files a predictor of `precision` compiles: an fp32 predictor carries no bf16 or
    /// int8 kernel.
    static func cFiles(for precision: Precision) -> [RuntimeFile] {
        cFiles.filter { $0.precisions?.contains(precision) ?? true }
    }
}

/// What made a generated file: the toolchain version and the hash of every source that can
/// change the generated output (the generator, VGGCore, the runtime and the C kernels). Two
/// outputs that differ always name different generators; an unchanged generator keeps its
/// name on every machine (the hash covers file contents, not times or paths).
public enum GeneratorIdentity {
    public static let string = "\(ToolchainVersion.string)+\(RuntimeSources.generatorHash.prefix(12))"
    /// The full SHA-256 of the generator's sources.
    public static let hash = RuntimeSources.generatorHash
}
