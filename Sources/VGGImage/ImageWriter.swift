import CImageCodecs
import VGGSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes 8-bit PNG files (training charts, debugging dumps of preprocessed inputs).
///
/// A thin wrapper over the C shim's `vggc_png_write`, so libpng's setjmp/longjmp error
/// handling stays in C; every failure becomes an `ImageWriteError`.
public enum ImageWriter {
    /// Writes `samples` — `width · height · channels` interleaved bytes, row-major, top row
    /// first — as an 8-bit PNG at `path`; channels is 1 (gray) or 3 (RGB). An existing file
    /// is replaced; on failure no partial file is left behind.
    ///
    /// Throws `ImageWriteError` when a side is outside 1...`ImageDecoder.maximumSide` (the
    /// file could not be read back), the channel count is not 1 or 3, the sample count does
    /// not match the size, or the file cannot be written (missing folder, permissions, disk
    /// full).
    public static func writePNG(path: String, width: Int, height: Int, channels: Int, samples: [UInt8]) throws {
        try writePNG(to: try OutputFile(path), width: width, height: height, channels: channels, samples: samples)
    }

    /// `writePNG(path:…)` to a checked output, replaced atomically (see `OutputFile`).
    public static func writePNG(to output: OutputFile, width: Int, height: Int, channels: Int, samples: [UInt8]) throws {
        let path = output.path
        let sides = 1...ImageDecoder.maximumSide
        guard sides.contains(width), sides.contains(height) else {
            throw ImageWriteError.invalidSize(path: path, width: width, height: height)
        }
        let colorType: Int32
        switch channels {
        case 1: colorType = Int32(VGGC_COLOR_GRAY)
        case 3: colorType = Int32(VGGC_COLOR_RGB)
        default: throw ImageWriteError.invalidChannels(path: path, channels: channels)
        }
        // Cannot overflow: both sides are at most 65535 and channels at most 3.
        let expected = width * height * channels
        guard samples.count == expected else {
            throw ImageWriteError.sampleCountMismatch(path: path, expected: expected, actual: samples.count)
        }
        // The shim takes 16-bit sample slots for every depth; at depth 8 each holds one byte.
        let wide = samples.map(UInt16.init)
        try output.write(creatingWith: { temporary in
            var message = [CChar](repeating: 0, count: 512)
            var systemError: Int32 = 0
            let status = wide.withUnsafeBufferPointer { data in
                message.withUnsafeMutableBufferPointer { err in
                    SystemPath.withCString(temporary) { file in
                        // The shim's I/O messages do not say *why* (permissions, disk full);
                        // errno, read right after the call, does.
                        errno = 0
                        let status = vggc_png_write(file, UInt32(width), UInt32(height), colorType, 8, 0,
                                                    data.baseAddress, nil, 0, nil, 0, err.baseAddress, err.count)
                        systemError = errno
                        return status
                    }
                }
            }
            guard status == Int32(VGGC_OK) else {
                var reason = String(cString: message).replacing(temporary, with: path)  // the user knows the target
                if reason.isEmpty { reason = "error \(status)" }
                if status == Int32(VGGC_ERR_IO) && systemError != 0 {
                    reason += " (\(String(cString: strerror(systemError))))"
                }
                throw ImageWriteError.writeFailed(path: path, reason: reason)
            }
        })
    }
}

/// Why an image could not be written. Every case names the file.
///
/// Separate from `ImageError` because that type is copied verbatim into every generated
/// predictor (see Plugins/EmbedRuntime), which only ever reads images.
public enum ImageWriteError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Width or height is outside 1...65535.
    case invalidSize(path: String, width: Int, height: Int)
    /// The channel count is neither 1 (gray) nor 3 (RGB).
    case invalidChannels(path: String, channels: Int)
    /// `samples` does not hold width · height · channels values.
    case sampleCountMismatch(path: String, expected: Int, actual: Int)
    /// libpng or the file system refused; `reason` is the shim's message.
    case writeFailed(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .invalidSize(let path, _, _), .invalidChannels(let path, _),
             .sampleCountMismatch(let path, _, _), .writeFailed(let path, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case .invalidSize(let path, let width, let height):
            return "cannot write \(path): image is \(width)×\(height) pixels;"
                + " each side must be 1...\(ImageDecoder.maximumSide)"
        case .invalidChannels(let path, let channels):
            return "cannot write \(path): \(channels) channels; expected 1 (gray) or 3 (RGB)"
        case .sampleCountMismatch(let path, let expected, let actual):
            return "cannot write \(path): got \(actual) samples; expected \(expected) (width · height · channels)"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}

