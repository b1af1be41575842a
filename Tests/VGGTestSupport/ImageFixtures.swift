import CImageCodecs
import Foundation

// Image fixtures written with the codec shim's own writers (libpng, libjpeg-turbo), so
// tests make real files without committing any.

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// PNG colour types (libpng's numbering).
public enum PNGColor: Int32, Sendable {
    case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

    public var channels: Int {
        switch self {
        case .gray, .palette: return 1
        case .grayAlpha: return 2
        case .rgb: return 3
        case .rgba: return 4
        }
    }
}

/// Writes a PNG with the shim's writer (raw sample values / palette indices).
public func writePNG(_ path: String, width: Int, height: Int, color: PNGColor, bitDepth: Int,
              interlaced: Bool = false, samples: [UInt16], palette: [UInt8]? = nil,
              trns: [UInt8]? = nil) throws {
    var err = [CChar](repeating: 0, count: 256)
    let status = samples.withUnsafeBufferPointer { s in
        withOptionalPointer(palette) { pal in
            withOptionalPointer(trns) { t in
                vggc_png_write(path, UInt32(width), UInt32(height), color.rawValue, Int32(bitDepth),
                               interlaced ? 1 : 0, s.baseAddress, pal, Int32((palette?.count ?? 0) / 3),
                               t, Int32(trns?.count ?? 0), &err, err.count)
            }
        }
    }
    guard status == VGGC_OK else { throw FixtureError(description: "vggc_png_write: \(String(cString: err))") }
}

/// Writes an 8-bit JPEG (1 or 3 channels), baseline or progressive (DC scans, then AC scans).
public func writeJPEG(_ path: String, width: Int, height: Int, channels: Int, quality: Int = 95, progressive: Bool = false,
               samples: [UInt8]) throws {
    var err = [CChar](repeating: 0, count: 256)
    let status = vggc_jpeg_write(path, UInt32(width), UInt32(height), Int32(channels), Int32(quality),
                                 progressive ? 1 : 0, samples, &err, err.count)
    guard status == VGGC_OK else { throw FixtureError(description: "vggc_jpeg_write: \(String(cString: err))") }
}

private func withOptionalPointer<R>(_ array: [UInt8]?, _ body: (UnsafePointer<UInt8>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

public func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

public func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Writes an 8-bit gray PNG.
public func writeGrayPNG(_ path: String, width: Int, height: Int, samples: [UInt8]) throws {
    precondition(samples.count == width * height)
    try writePNG(path, width: width, height: height, color: .gray, bitDepth: 8, samples: samples.map { UInt16($0) })
}
