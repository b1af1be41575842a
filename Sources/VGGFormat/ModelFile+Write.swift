import VGGCore
import VGGSystem

extension ModelFile {
    /// Encodes `model` and atomically replaces `output` with it; returns what was written.
    ///
    /// The model is encoded (and so fully validated) before the file system is touched.
    /// `OutputFile` refuses targets that are not regular files or that are one of the
    /// command's inputs, and writes through a temporary file renamed over the target, so a
    /// reader (or a crash) sees the old file or the new one, never a mixture. An invalid
    /// model throws its `ModelError`; file problems throw `FileError`.
    @discardableResult
    public static func write(_ model: Model, to output: OutputFile) throws -> ModelInfo {
        let (bytes, info) = try encodeWithInfo(model)
        try output.write(bytes)
        return info
    }

    /// `write(_:to:)` to a path that is checked now (no inputs to protect).
    @discardableResult
    public static func write(_ model: Model, to path: String) throws -> ModelInfo {
        try write(model, to: try OutputFile(path))
    }
}
