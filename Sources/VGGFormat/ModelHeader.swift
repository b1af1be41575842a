import Crypto
import VGGCore

/// The fixed 64-byte header at the start of every model file.
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0  | 8  | magic `89 56 47 47 43 0D 0A 1A` |
/// | 8  | 4  | u32 format version (1) |
/// | 12 | 4  | u32 flags (0) |
/// | 16 | 8  | u64 total file size |
/// | 24 | 8  | u64 descriptor length (the descriptor starts at byte 64) |
/// | 32 | 32 | SHA-256 model hash over bytes 0..<32 ++ 64..<fileSize |
struct ModelHeader: Equatable {
    var version: Int
    var flags: Int
    var fileSize: Int
    var descriptorLength: Int
    var modelHash: [UInt8]

    /// Bytes 0..<32: the part of the header the model hash covers.
    static let hashedPrefix = 32
    static let hashOffset = 32

    /// Writes the header into `file[0..<64]`, computing the model hash over the rest.
    static func stamp(into file: inout [UInt8], descriptorLength: Int) {
        var w = ByteWriter()
        w.raw(ModelFile.magic)
        w.u32(ModelFile.formatVersion)
        w.u32(0)
        w.u64(file.count)
        w.u64(descriptorLength)
        file.replaceSubrange(0..<hashedPrefix, with: w.bytes)
        let hash = file.withUnsafeBytes { modelHash(of: $0) }
        file.replaceSubrange(hashOffset..<ModelFile.headerSize, with: hash)
    }

    /// SHA-256 of header bytes 0..<32 followed by bytes 64..<end: everything but the hash
    /// field itself, so the hash can live in the file it covers.
    static func modelHash(of file: UnsafeRawBufferPointer) -> [UInt8] {
        var sha = SHA256()
        sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[0..<hashedPrefix]))
        sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[ModelFile.headerSize...]))
        return Array(sha.finalize())
    }

    /// Parses and checks the header of `file`, in the order of docs/model-format.md:
    /// magic, size for a header, version, flags, declared size, descriptor bounds.
    static func parse(_ file: UnsafeRawBufferPointer) throws -> ModelHeader {
        let magic = ModelFile.magic
        // The magic comes first even for short files, so "this is a PNG" beats "too small".
        if file.count >= magic.count, !file.prefix(magic.count).elementsEqual(magic) {
            throw ModelFileError(.badMagic(found: Array(file.prefix(magic.count))))
        }
        guard file.count >= ModelFile.headerSize else {
            if file.count < magic.count, !magic.starts(with: file) {
                throw ModelFileError(.badMagic(found: Array(file)))
            }
            throw ModelFileError(.fileTooSmall(size: file.count, minimum: ModelFile.headerSize))
        }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: file[0..<ModelFile.headerSize]))
        do {
            _ = try r.raw(magic.count, "magic")
            let version = try r.u32("version")
            guard version == ModelFile.formatVersion else {
                throw ModelFileError(.unsupportedVersion(found: version, supported: ModelFile.formatVersion))
            }
            let flags = try r.u32("flags")
            guard flags == 0 else { throw ModelFileError(.nonZeroFlags(found: flags)) }
            let fileSize = try r.u64Raw("file size")
            guard fileSize == UInt64(file.count) else {
                throw ModelFileError(.fileSizeMismatch(declared: fileSize, actual: file.count))
            }
            let descriptorLength = try r.u64Raw("descriptor length")
            guard descriptorLength <= UInt64(file.count - ModelFile.headerSize) else {
                throw ModelFileError(.descriptorOutOfBounds(length: descriptorLength, fileSize: file.count))
            }
            let hash = try r.raw(32, "model hash")
            return ModelHeader(version: version, flags: flags, fileSize: file.count,
                               descriptorLength: Int(descriptorLength), modelHash: hash)
        } catch let e as ByteReadError {
            throw ModelFileError(.malformed(section: "header", e)) // unreachable: 64 bytes are there
        }
    }
}

extension ByteReader {
    /// A u64 as read, without `u64`'s Int.max cap, so a huge value can be reported as
    /// the number the file holds rather than as a wrapped negative Int.
    mutating func u64Raw(_ field: String) throws -> UInt64 {
        let low = UInt64(try u32(field)), high = UInt64(try u32(field))
        return high << 32 | low
    }
}

/// Lowercase hexadecimal, two digits per byte.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
}

/// SHA-256 of a byte range.
func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    Array(SHA256.hash(data: bytes))
}
