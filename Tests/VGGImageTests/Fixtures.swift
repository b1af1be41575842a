import CImageCodecs
import Foundation
import VGGImage

/// A fresh temporary folder, removed when the value is released.
final class TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("vggc-image-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// PNG colour types (libpng's numbering).
enum PNGColor: Int32, Sendable {
    case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

    var channels: Int {
        switch self {
        case .gray, .palette: return 1
        case .grayAlpha: return 2
        case .rgb: return 3
        case .rgba: return 4
        }
    }
}

/// Writes a PNG with the shim's writer (raw sample values / palette indices).
func writePNG(_ path: String, width: Int, height: Int, color: PNGColor, bitDepth: Int,
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
func writeJPEG(_ path: String, width: Int, height: Int, channels: Int, quality: Int = 95, progressive: Bool = false,
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

func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// zlib's CRC-32 through the shim.
func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    Array(bytes).withUnsafeBufferPointer { vggc_crc32(0, $0.baseAddress, $0.count) }
}

/// Offset of the first chunk of `type` (the offset of its length field).
func chunkOffset(_ png: [UInt8], _ type: String) -> Int? {
    let tag = Array(type.utf8)
    var offset = 8
    while offset + 8 <= png.count {
        let length = Int(png[offset]) << 24 | Int(png[offset + 1]) << 16 | Int(png[offset + 2]) << 8 | Int(png[offset + 3])
        if Array(png[offset + 4..<offset + 8]) == tag { return offset }
        offset += 12 + length
    }
    return nil
}

/// A small valid PNG (8-bit RGB gradient) as bytes.
func smallPNG(width: Int = 8, height: Int = 6, in dir: TempDir) throws -> [UInt8] {
    let path = dir.file("small-\(width)x\(height).png")
    let samples = (0..<width * height * 3).map { UInt16(($0 * 37) % 256) }
    try writePNG(path, width: width, height: height, color: .rgb, bitDepth: 8, samples: samples)
    return try readBytes(path)
}

/// The package root, found from this file's location (Tests/VGGImageTests/Fixtures.swift).
let packageRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}()

/// `../shared/data` next to the package root (the team's shared datasets), standardized.
let sharedDataPath: String = URL(fileURLWithPath: packageRoot + "/../shared/data").standardizedFileURL.path

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}
