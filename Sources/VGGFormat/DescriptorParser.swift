import VGGCore

/// What the descriptor says, checked structurally but not yet against the tensor bytes.
struct ParsedDescriptor {
    var input: InputSpec
    var labels: [String]
    var layers: [NamedLayer]
    /// Directory entries, `hash` in hex; `rawHashes` holds the same hashes as bytes.
    var entries: [TensorEntry]
    var rawHashes: [[UInt8]]
    var metadata: Metadata
}

/// Parses the descriptor (bytes 64 ..< 64 + descriptorLength) section by section.
///
/// Every count is checked against its limit before anything is allocated for it, every
/// tensor entry against the file's bounds as soon as it is read, and a `ByteReadError`
/// (truncation, oversized string, bad UTF-8) is reported with the section it hit.
struct DescriptorParser {
    var r: ByteReader
    let fileSize: Int
    /// First byte after the descriptor: tensors may not start before it.
    let descriptorEnd: Int

    init(file: UnsafeRawBufferPointer, header: ModelHeader) {
        descriptorEnd = ModelFile.headerSize + header.descriptorLength
        fileSize = file.count
        r = ByteReader(UnsafeRawBufferPointer(rebasing: file[ModelFile.headerSize ..< descriptorEnd]),
                       origin: ModelFile.headerSize)
    }

    mutating func parse() throws -> ParsedDescriptor {
        let input = try section("input spec") { try InputSpec.decode(from: &$0.r) }
        let labels = try section("labels") { try $0.labels() }
        let layers = try section("layers") { try $0.layers() }
        let (entries, hashes) = try section("tensor directory") { try $0.tensorDirectory() }
        let metadata = try section("metadata") { try $0.metadata() }
        guard r.remaining == 0 else {
            throw ModelFileError(.trailingDescriptorBytes(count: r.remaining, offset: r.fileOffset))
        }
        return ParsedDescriptor(input: input, labels: labels, layers: layers, entries: entries,
                                rawHashes: hashes, metadata: metadata)
    }

    /// Runs one section, naming it in low-level errors.
    private mutating func section<T>(_ name: String, _ body: (inout DescriptorParser) throws -> T) throws -> T {
        do {
            return try body(&self)
        } catch let e as ByteReadError {
            throw ModelFileError(.malformed(section: name, e))
        } catch let e as ModelError {
            // A settings or input-spec field with a value no model can have (e.g. padding mode 7).
            throw ModelFileError(.invalidModel(e))
        }
    }

    private mutating func count(_ what: String, maximum: Int) throws -> Int {
        let n = try r.u32("\(what) count")
        guard n <= maximum else { throw ModelFileError(.countTooLarge(what: what, count: n, maximum: maximum)) }
        return n
    }

    private mutating func labels() throws -> [String] {
        let n = try count("labels", maximum: ModelFile.Limits.labels)
        return try (0..<n).map { try r.string("label[\($0)]", maxBytes: ModelFile.Limits.label) }
    }

    private mutating func layers() throws -> [NamedLayer] {
        let n = try count("layers", maximum: ModelFile.Limits.layers)
        var layers: [NamedLayer] = []
        for i in 0..<n {
            let code = try r.u16("layer[\(i)] kind")
            let name = try r.string("layer[\(i)] name", maxBytes: ModelFile.Limits.layerName)
            let declared = try r.u32("layer \(name) settings length")
            guard let kind = LayerKind(rawValue: code) else {
                throw ModelFileError(.unknownLayerKind(layer: name, code: code))
            }
            layers.append(NamedLayer(name, try settings(kind: kind, layer: name, declared: declared)))
        }
        return layers
    }

    /// Decodes one settings record, which must take exactly its declared length: a decoder
    /// that stops early or wants more means writer and reader disagree on the record.
    private mutating func settings(kind: LayerKind, layer: String, declared: Int) throws -> Layer {
        let start = r.position
        var bounded = ByteReader(UnsafeRawBufferPointer(rebasing: r.base[start ..< start + min(declared, r.remaining)]),
                                 origin: r.fileOffset)
        do {
            let decoded = try Layer.decode(kind: kind, from: &bounded, layer: layer)
            guard bounded.position == declared else {
                throw ModelFileError(.settingsLengthMismatch(layer: layer, declared: declared, actual: bounded.position))
            }
            _ = try r.raw(declared, "layer \(layer) settings")
            return decoded
        } catch ByteReadError.truncated {
            // Too short for its own fields: find out how long the record really is, so the
            // error can say so (if the rest of the descriptor does not parse either, that
            // error is reported instead).
            var unbounded = ByteReader(UnsafeRawBufferPointer(rebasing: r.base[start...]), origin: r.fileOffset)
            _ = try Layer.decode(kind: kind, from: &unbounded, layer: layer)
            throw ModelFileError(.settingsLengthMismatch(layer: layer, declared: declared, actual: unbounded.position))
        }
    }

    private mutating func tensorDirectory() throws -> ([TensorEntry], [[UInt8]]) {
        let n = try count("tensors", maximum: ModelFile.Limits.tensors)
        var entries: [TensorEntry] = [], hashes: [[UInt8]] = [], seen = Set<String>()
        for i in 0..<n {
            let name = try r.string("tensor[\(i)] name", maxBytes: ModelFile.Limits.tensorName)
            let code = try r.u8("tensor \(name) dtype")
            guard let dtype = DType(rawValue: code) else { throw ModelFileError(.unknownDType(tensor: name, code: code)) }
            guard TensorCoding.isSupported(dtype) else { throw ModelFileError(.unsupportedDType(tensor: name, dtype: dtype)) }
            let rank = try r.u8("tensor \(name) rank")
            guard (1...ModelFile.Limits.rank).contains(rank) else { throw ModelFileError(.badRank(tensor: name, rank: rank)) }
            let shape = try (0..<rank).map { try r.u32("tensor \(name) dimension \($0)") }
            let offset = try r.u64Raw("tensor \(name) offset")
            let length = try r.u64Raw("tensor \(name) byte length")
            let hash = try r.raw(32, "tensor \(name) hash")

            guard seen.insert(name).inserted else { throw ModelFileError(.duplicateTensorName(name)) }
            guard let elements = checkedElementCount(shape) else {
                throw ModelFileError(.tooManyElements(tensor: name, shape: shape))
            }
            let expected = elements * dtype.byteSize
            guard length == UInt64(expected) else {
                throw ModelFileError(.byteLengthMismatch(tensor: name, found: length, expected: expected))
            }
            guard offset % UInt64(ModelFile.tensorAlignment) == 0 else {
                throw ModelFileError(.misalignedOffset(tensor: name, offset: offset))
            }
            let (end, overflow) = offset.addingReportingOverflow(length)
            guard !overflow, end <= UInt64(fileSize) else {
                throw ModelFileError(.tensorOutOfBounds(tensor: name, end: overflow ? .max : end, fileSize: fileSize))
            }
            guard offset >= UInt64(descriptorEnd) else {
                throw ModelFileError(.tensorOverlapsDescriptor(tensor: name, offset: Int(offset), descriptorEnd: descriptorEnd))
            }
            entries.append(TensorEntry(name: name, dtype: dtype, shape: shape, offset: Int(offset),
                                       byteLength: expected, hash: hex(hash)))
            hashes.append(hash)
        }
        try Self.checkOverlaps(entries)
        return (entries, hashes)
    }

    /// Tensors may lie in any order, but no two may share a byte.
    static func checkOverlaps(_ entries: [TensorEntry]) throws {
        let sorted = entries.filter { $0.byteLength > 0 }.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteLength > b.offset {
            throw ModelFileError(.tensorsOverlap(first: a.name, second: b.name,
                                                 firstEnd: a.offset + a.byteLength, secondOffset: b.offset))
        }
    }

    private mutating func metadata() throws -> Metadata {
        let n = try count("metadata entries", maximum: ModelFile.Limits.metadataEntries)
        var metadata = Metadata()
        for i in 0..<n {
            let key = try r.string("metadata[\(i)] key", maxBytes: ModelFile.Limits.metadataKey)
            let value = try r.string("metadata \(key) value", maxBytes: ModelFile.Limits.metadataValue)
            // Strictly ascending by bytes, which also rules out duplicates. Keys compare as
            // bytes: "é" in NFC and in NFD are two keys, as the format says.
            guard metadata.append(key: key, value: value) else {
                throw ModelFileError(.metadataNotSorted(key: key, previous: metadata.keys.last ?? ""))
            }
        }
        return metadata
    }
}
