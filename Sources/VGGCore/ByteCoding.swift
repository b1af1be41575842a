/// Little-endian primitives for the model file. The reader checks every access against
/// the end of its buffer, so a truncated or lying file becomes an error, never a crash.

public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func u8(_ v: Int) { bytes.append(UInt8(truncatingIfNeeded: v)) }
    public mutating func u16(_ v: Int) { appendLE(UInt16(truncatingIfNeeded: v)) }
    public mutating func u32(_ v: Int) { appendLE(UInt32(truncatingIfNeeded: v)) }
    public mutating func u64(_ v: Int) { appendLE(UInt64(truncatingIfNeeded: v)) }
    public mutating func f32(_ v: Float) { appendLE(v.bitPattern) }
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    /// A string: u32 byte count, then UTF-8 bytes (no terminator).
    public mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(utf8.count)
        bytes.append(contentsOf: utf8)
    }
    public mutating func pad(toMultipleOf n: Int) {
        while bytes.count % n != 0 { bytes.append(0) }
    }
    private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Errors from reading bytes: where, what was wanted, what was there.
public enum ByteReadError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(field: String, offset: Int, needed: Int, available: Int)
    case tooLong(field: String, value: Int, maximum: Int)
    case notUTF8(field: String, offset: Int)

    public var description: String {
        switch self {
        case let .truncated(field, offset, needed, available):
            return "\(field) at byte \(offset) needs \(needed) bytes but only \(available) remain"
        case let .tooLong(field, value, maximum):
            return "\(field) is \(value), more than the maximum \(maximum)"
        case let .notUTF8(field, offset):
            return "\(field) at byte \(offset) is not valid UTF-8"
        }
    }
}

public struct ByteReader {
    public let base: UnsafeRawBufferPointer
    /// Absolute offset of `base` in the file, so errors report file positions.
    public let origin: Int
    public private(set) var position = 0

    public init(_ base: UnsafeRawBufferPointer, origin: Int = 0) {
        self.base = base
        self.origin = origin
    }

    public var remaining: Int { base.count - position }
    public var fileOffset: Int { origin + position }

    mutating func take(_ n: Int, _ field: String) throws -> Int {
        guard n >= 0, n <= remaining else {
            throw ByteReadError.truncated(field: field, offset: fileOffset, needed: n, available: remaining)
        }
        defer { position += n }
        return position
    }
    private mutating func le<T: FixedWidthInteger>(_ t: T.Type, _ field: String) throws -> T {
        let at = try take(MemoryLayout<T>.size, field)
        return T(littleEndian: base.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    public mutating func u8(_ field: String) throws -> Int { Int(try le(UInt8.self, field)) }
    public mutating func u16(_ field: String) throws -> Int { Int(try le(UInt16.self, field)) }
    public mutating func u32(_ field: String) throws -> Int { Int(try le(UInt32.self, field)) }
    /// Values above Int.max cannot be offsets or sizes; they are reported, not wrapped.
    public mutating func u64(_ field: String) throws -> Int {
        let v = try le(UInt64.self, field)
        guard v <= UInt64(Int.max) else {
            throw ByteReadError.tooLong(field: field, value: Int(truncatingIfNeeded: v), maximum: Int.max)
        }
        return Int(v)
    }
    public mutating func f32(_ field: String) throws -> Float { Float(bitPattern: try le(UInt32.self, field)) }
    public mutating func raw(_ n: Int, _ field: String) throws -> [UInt8] {
        let at = try take(n, field)
        return Array(base[at ..< at + n])
    }
    public mutating func string(_ field: String, maxBytes: Int = 65_536) throws -> String {
        let start = fileOffset
        let n = try u32("\(field) length")
        guard n <= maxBytes else { throw ByteReadError.tooLong(field: "\(field) length", value: n, maximum: maxBytes) }
        let at = try take(n, field)
        guard let s = String(validating: base[at ..< at + n], as: UTF8.self) else {
            throw ByteReadError.notUTF8(field: field, offset: start)
        }
        return s
    }
}
