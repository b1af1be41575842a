import VGGCore
import VGGSystem

extension ModelFile {
    /// Reads and fully validates the model file at `path` (see `decode`).
    ///
    /// Only a regular file is read (a FIFO, device or folder is refused before a byte is
    /// read, by `InputFile`), and it is memory-mapped, so only the tensors' Float copies
    /// take memory. File-system problems throw `FileError`; everything about the contents
    /// throws `ModelFileError` carrying `path`.
    public static func read(path: String) throws -> LoadedModel {
        do {
            return try InputFile.withContents(of: path) { try decode($0) }
        } catch var e as ModelFileError {
            e.path = path
            throw e
        }
    }
}
