import VGGCore
@testable import VGGFormat

/// Where every field of a valid encoded model sits, found by walking it independently of
/// the reader, so mutation tests can aim at one field.
struct FileLayout {
    struct LayerRecord { var name: String; var kindAt: Int; var lengthAt: Int; var settingsAt: Int; var length: Int }
    struct TensorRecord {
        var name: String
        var dtypeAt: Int, rankAt: Int, dimsAt: Int, offsetAt: Int, lengthAt: Int, hashAt: Int
        var rank: Int, offset: Int, length: Int
    }
    var labelsCountAt = 0, firstLabelAt = 0, layersCountAt = 0, tensorsCountAt = 0, metadataCountAt = 0
    var layers: [LayerRecord] = []
    var tensors: [TensorRecord] = []
    var metadataKeys: [(at: Int, length: Int)] = []
    var descriptorEnd = 0
    /// Offsets between sections and records: the interesting truncation points.
    var boundaries: [Int] = []

    init(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            _ = try r.raw(64, "header")
            boundaries = [0, 8, 12, 16, 24, 32, 64]
            _ = try InputSpec.decode(from: &r)
            labelsCountAt = r.position
            boundaries.append(r.position)
            let labels = try r.u32("")
            firstLabelAt = r.position
            for _ in 0..<labels { _ = try r.string("") }
            layersCountAt = r.position
            boundaries.append(r.position)
            for _ in 0..<(try r.u32("")) {
                let kindAt = r.position
                _ = try r.u16("")
                let name = try r.string("")
                let lengthAt = r.position
                let length = try r.u32("")
                layers.append(LayerRecord(name: name, kindAt: kindAt, lengthAt: lengthAt, settingsAt: r.position, length: length))
                _ = try r.raw(length, "")
                boundaries.append(r.position)
            }
            tensorsCountAt = r.position
            for _ in 0..<(try r.u32("")) {
                let name = try r.string("")
                let dtypeAt = r.position
                _ = try r.u8("")
                let rankAt = r.position
                let rank = try r.u8("")
                let dimsAt = r.position
                for _ in 0..<rank { _ = try r.u32("") }
                let offsetAt = r.position
                let offset = try r.u64("")
                let length = try r.u64("")
                tensors.append(TensorRecord(name: name, dtypeAt: dtypeAt, rankAt: rankAt, dimsAt: dimsAt, offsetAt: offsetAt,
                                            lengthAt: offsetAt + 8, hashAt: offsetAt + 16, rank: rank,
                                            offset: offset, length: length))
                _ = try r.raw(32, "")
                boundaries.append(r.position)
            }
            metadataCountAt = r.position
            boundaries.append(r.position)
            for _ in 0..<(try r.u32("")) {
                let at = r.position
                let key = try r.string("")
                metadataKeys.append((at, key.utf8.count))
                _ = try r.string("")
            }
            descriptorEnd = r.position
            boundaries.append(r.position)
            for t in tensors { boundaries += [t.offset, t.offset + t.length / 2, t.offset + t.length] }
        }
    }
}

/// Little-endian field surgery on an encoded file.
extension Array where Element == UInt8 {
    mutating func put(_ value: UInt64, at offset: Int, size: Int) {
        for i in 0..<size { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
    func get(at offset: Int, size: Int) -> UInt64 {
        (0..<size).reduce(UInt64(0)) { $0 | UInt64(self[offset + $1]) << (8 * UInt64($1)) }
    }
    /// Recomputes the model hash, so that only structural checks can catch a mutation.
    mutating func rehash() {
        guard count >= 64 else { return }
        let hash = withUnsafeBytes { ModelHeader.modelHash(of: $0) }
        replaceSubrange(32..<64, with: hash)
    }
}
