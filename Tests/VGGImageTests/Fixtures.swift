import CImageCodecs
import Foundation
import VGGImage
import VGGTestSupport

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
func smallPNG(width: Int = 8, height: Int = 6, in dir: TemporaryFolder) throws -> [UInt8] {
    let path = dir.file("small-\(width)x\(height).png")
    let samples = (0..<width * height * 3).map { UInt16(($0 * 37) % 256) }
    try writePNG(path, width: width, height: height, color: .rgb, bitDepth: 8, samples: samples)
    return try readBytes(path)
}

/// `../shared/data` next to the package root (the team's shared datasets), standardized.
let sharedDataPath: String = URL(fileURLWithPath: packageRoot.path + "/../shared/data").standardizedFileURL.path

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
