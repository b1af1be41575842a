/// Why an image file could not be turned into pixels. Every case carries the file path (as
/// the caller gave it) so a message in a batch of thousands names the culprit.
public enum ImageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Nothing exists at `path`.
    case fileNotFound(path: String)
    /// The path exists but cannot be read as a file (a directory, a device, permissions, I/O).
    case unreadable(path: String, reason: String)
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
        case .fileNotFound(let path), .unreadable(let path, _), .notAnImage(let path, _),
             .corrupt(let path, _), .tooLarge(let path, _, _, _), .unsupported(let path, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "cannot read \(path): no such file"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .notAnImage(let path, let detail):
            return "cannot read \(path): not a PNG or JPEG image (\(detail))"
        case .corrupt(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .tooLarge(let path, let width, let height, let limit):
            return "cannot read \(path): image is \(width)×\(height) pixels; the limit is \(limit) pixels"
                + " and \(ImageDecoder.maximumSide) per side"
        case .unsupported(let path, let reason):
            return "cannot read \(path): unsupported image: \(reason)"
        }
    }
}
