import Foundation
import VGGSystem

/// A constant of the graph (initializer, `Constant` node, or a fold of those), decoded to
/// Float or integer values. `dims` is ONNX's shape (row-major).
struct ConstantTensor {
    var dims: [Int]
    var floats: [Float]
    /// Integer tensors (shapes, axes) keep exact values here as well.
    var integers: [Int64]?

    var count: Int { floats.count }
}

/// IEEE 754 half → Float, by hand: `Float16` is unavailable on some platforms (Intel Macs).
func halfToFloat(_ h: UInt16) -> Float {
    let sign: UInt32 = UInt32(h >> 15) << 31
    let exponent = Int((h >> 10) & 0x1f), mantissa = UInt32(h & 0x3ff)
    switch exponent {
    case 0:  // zero or subnormal: mantissa · 2⁻²⁴
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 31: // infinity or NaN
        return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
    default:
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}

/// Reads the tensor payloads of one ONNX file: inline (`raw_data` or the typed fields) or
/// external (`data_location = EXTERNAL`, weights in files beside the model). External files
/// are memory-mapped once each, so a large model is never read twice into memory.
final class TensorReader {
    /// The model's folder, as given and resolved (symlinks, "..").
    let directory: String
    private var mapped: [String: Data] = [:]
    /// Every external data file read, as paths (for "the output is not an input" checks).
    private(set) var files: [String] = []

    init(modelPath: String) {
        directory = SystemPath.directory(of: modelPath)
    }

    func decode(_ t: Onnx_TensorProto, name: String) throws -> ConstantTensor {
        let dims = t.dims.map { Int($0) }
        guard dims.allSatisfy({ $0 >= 0 }), let count = dims.reduce(Optional(1), { acc, d in
            acc.flatMap { a in a.multipliedReportingOverflow(by: d).overflow || a * d > 1 << 31 ? nil : a * d }
        }) else {
            throw ONNXError.badTensor(name: name, reason: "dims \(dims) are negative or exceed 2^31 elements")
        }
        let raw: Data?
        if t.dataLocation == .external {
            raw = try external(t, name: name)
        } else {
            raw = t.hasRawData ? t.rawData : nil
        }
        switch t.dataType {
        case 1: // FLOAT
            let values = try raw.map { try littleEndian($0, count: count, bytes: 4, name: name) { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) } } ?? t.floatData
            return try checked(dims, values, nil, count, name)
        case 10: // FLOAT16: raw bytes, or one value per int32_data element
            let bits = try raw.map { try littleEndian($0, count: count, bytes: 2, name: name) { UInt16(truncatingIfNeeded: $0) } }
                ?? t.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            return try checked(dims, bits.map(halfToFloat), nil, count, name)
        case 11: // DOUBLE
            let values = try raw.map { try littleEndian($0, count: count, bytes: 8, name: name) { Double(bitPattern: $0) } } ?? t.doubleData
            return try checked(dims, values.map { Float($0) }, nil, count, name)
        case 7: // INT64
            let values = try raw.map { try littleEndian($0, count: count, bytes: 8, name: name) { Int64(bitPattern: $0) } } ?? t.int64Data
            return try checked(dims, values.map { Float($0) }, values, count, name)
        case 6: // INT32
            let values = try raw.map { try littleEndian($0, count: count, bytes: 4, name: name) { Int64(Int32(truncatingIfNeeded: $0)) } }
                ?? t.int32Data.map { Int64($0) }
            return try checked(dims, values.map { Float($0) }, values, count, name)
        default:
            throw ONNXError.badTensor(name: name, reason: "data type \(t.dataType) is not supported; expected FLOAT, FLOAT16, DOUBLE, INT32 or INT64")
        }
    }

    private func checked(_ dims: [Int], _ floats: [Float], _ ints: [Int64]?, _ count: Int, _ name: String) throws -> ConstantTensor {
        guard floats.count == count else {
            throw ONNXError.badTensor(name: name, reason: "holds \(floats.count) values but its dims \(dims) need \(count)")
        }
        return ConstantTensor(dims: dims, floats: floats, integers: ints)
    }

    /// Little-endian fixed-width values from `data`, which must hold exactly `count` of them.
    private func littleEndian<T>(_ data: Data, count: Int, bytes: Int, name: String, _ make: (UInt64) -> T) throws -> [T] {
        guard data.count == count * bytes else {
            throw ONNXError.badTensor(name: name, reason: "raw data has \(data.count) bytes but \(count) values of \(bytes) bytes need \(count * bytes)")
        }
        return data.withUnsafeBytes { raw in
            (0..<count).map { i in
                var v: UInt64 = 0
                for b in 0..<bytes { v |= UInt64(raw[i * bytes + b]) << (8 * UInt64(b)) }
                return make(v)
            }
        }
    }

    /// The bytes of an external tensor: `location` (relative to the model's folder, never
    /// leaving it), optional `offset` and `length`.
    private func external(_ t: Onnx_TensorProto, name: String) throws -> Data {
        var entries: [String: String] = [:]
        for e in t.externalData { entries[e.key] = e.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw ONNXError.externalData(tensor: name, reason: "no location given")
        }
        let inside = "must be a relative path inside the model's folder"
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw ONNXError.externalData(tensor: name, reason: "location \(Display.text(location)) \(inside)")
        }
        if mapped[location] == nil {
            var path = SystemPath.join(directory, location)
            // A symlink must not lead out of the folder either: compare the resolved paths (as
            // bytes), and read the resolved one, so the link cannot change between the two.
            if let folder = SystemPath.realPath(directory), let real = SystemPath.realPath(path) {
                guard SystemPath.isInside(real, folder: folder) else {
                    throw ONNXError.externalData(tensor: name, reason: "location \(Display.text(location)) resolves to "
                        + "\(Display.text(real)), outside the model's folder \(Display.text(folder)); it \(inside)")
                }
                path = real
            }
            do {
                let file = try InputFile.map(path)
                mapped[location] = file.count == 0 ? Data() : Data(
                    bytesNoCopy: file.unsafeBaseAddress!, count: file.count,
                    deallocator: .custom { _, _ in withExtendedLifetime(file) {} })
                files.append(path)
            } catch let e as FileError {
                throw ONNXError.externalData(tensor: name, reason: e.description)
            }
        }
        let file = mapped[location]!
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].map { Int($0) ?? -1 } ?? (file.count - max(offset, 0))
        guard offset >= 0, length >= 0, offset <= file.count, length <= file.count - offset else {
            throw ONNXError.externalData(tensor: name, reason: "offset \(entries["offset"] ?? "0") and length \(entries["length"] ?? "(rest)") do not fit in \(location) (\(file.count) bytes)")
        }
        return file.subdata(in: offset ..< offset + length)
    }
}
