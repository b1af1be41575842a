// Copied from Sources/VGGImage/ImageError.swift by vggc compile. Do not edit this copy: edit the original.

/// Why an image file could not be turned into pixels. Every case carries the file path (as
/// the caller gave it) so a message in a batch of thousands names the culprit.
public enum ImageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Nothing exists at `path`.
    case fileNotFound(path: String)
    /// The path exists but cannot be read as a file (a directory, permissions, I/O).
    case unreadable(path: String, reason: String)
    /// A FIFO, device or socket: reading it could block for ever or never end.
    case notRegularFile(path: String, kind: String)
    /// The bytes are neither PNG nor JPEG; `detail` shows the first bytes seen and the
    /// signatures that were expected.
    case notAnImage(path: String, detail: String)
    /// libpng / libjpeg rejected the data (truncation, CRC errors, bad compressed data);
    /// `reason` is the library's own message.
    case corrupt(path: String, reason: String)
    /// The declared dimensions exceed `limit` pixels (or 65535 per side). Raised from the
    /// header, before pixel memory is allocated.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    /// A valid file in a variant the decoder does not handle (e.g. CMYK JPEG).
    case unsupported(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .fileNotFound(let path), .unreadable(let path, _), .notRegularFile(let path, _), .notAnImage(let path, _),
             .corrupt(let path, _), .tooLarge(let path, _, _, _), .unsupported(let path, _):
            return path
        }
    }

    /// The file-system problem of reading an image, as an image error (the predictor and
    /// the CLI match on `.fileNotFound`).
    public init(_ error: FileError) {
        switch error.problem {
        case .notFound: self = .fileNotFound(path: error.path)
        case .isDirectory: self = .unreadable(path: error.path, reason: "is a directory")
        case .notRegularFile(let kind): self = .notRegularFile(path: error.path, kind: kind.description)
        default: self = .unreadable(path: error.path, reason: error.problem.description)
        }
    }

    /// "cannot read <path>: <reason>", the path escaped so it cannot forge output lines.
    public var description: String {
        let file = Display.text(path)
        switch self {
        case .fileNotFound:
            return "cannot read \(file): no such file"
        case .unreadable(_, let reason):
            return "cannot read \(file): \(reason)"
        case .notRegularFile(_, let kind):
            return "cannot read \(file): it is a \(kind), not a regular file"
        case .notAnImage(_, let detail):
            return "cannot read \(file): not a PNG or JPEG image (\(detail))"
        case .corrupt(_, let reason):
            return "cannot read \(file): \(reason)"
        case .tooLarge(_, let width, let height, let limit):
            return "cannot read \(file): image is \(width)×\(height) pixels; the limit is \(limit) pixels"
                + " and \(ImageDecoder.maximumSide) per side"
        case .unsupported(_, let reason):
            return "cannot read \(file): unsupported image: \(reason)"
        }
    }
}
