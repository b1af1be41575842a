import VGGCore

extension ModelFile {
    /// Encodes a model as a complete v1 file image.
    ///
    /// Validates the model first (a `ModelError` is thrown as is) and refuses tensors whose
    /// `storage` v1 cannot hold. Deterministic: the same model always gives the same bytes.
    public static func encode(_ model: Model) throws -> [UInt8] {
        try encodeWithInfo(model).bytes
    }

    /// `encode`, also returning what `read` would report about the result.
    static func encodeWithInfo(_ model: Model) throws -> (bytes: [UInt8], info: ModelInfo) {
        try model.validate()
        // A value beyond half precision's range would be stored as infinity, which the reader
        // (rightly) refuses: refuse it here, naming the value, instead of writing such a file.
        for (name, t) in model.tensors.sorted(by: { $0.key < $1.key }) where t.storage == .float16 {
            if let i = t.data.firstIndex(where: { !Float(Float16($0)).isFinite }) {
                throw ModelError.invalidSetting(layer: name, setting: "value[\(i)]", value: "\(t.data[i])",
                                                expected: "|value| ≤ 65504 to be stored as float16")
            }
        }
        // The reader's limits, which validate() does not know about: never write a file
        // that cannot be read back.
        for (what, count, maximum) in [("layers", model.layers.count, Limits.layers),
                                       ("labels", model.labels.count, Limits.labels),
                                       ("metadata entries", model.metadata.count, Limits.metadataEntries)]
        where count > maximum {
            throw ModelFileError(.countTooLarge(what: what, count: count, maximum: maximum))
        }
        let slots = try model.parameterSlots()

        // Layout: the descriptor's size does not depend on the offsets and hashes it
        // records (fixed-width fields), so a first pass with placeholders sizes it.
        var entries: [TensorEntry] = []
        for (name, shape) in slots {
            let tensor = model.tensors[name]!  // validate() guarantees presence and shape
            guard TensorCoding.isSupported(tensor.storage) else {
                throw ModelFileError(.unsupportedDType(tensor: name, dtype: tensor.storage))
            }
            entries.append(TensorEntry(name: name, dtype: tensor.storage, shape: shape, offset: 0,
                                       byteLength: tensor.data.count * tensor.storage.byteSize, hash: ""))
        }
        let draft = descriptor(model, entries: entries, hashes: entries.map { _ in zeroHash })
        var end = headerSize + draft.count
        for i in entries.indices {
            entries[i].offset = alignUp(end)
            end = entries[i].offset + entries[i].byteLength
        }

        var file = [UInt8](repeating: 0, count: end)
        var hashes: [[UInt8]] = []
        file.withUnsafeMutableBytes { out in
            for (i, entry) in entries.enumerated() {
                let region = UnsafeMutableRawBufferPointer(rebasing: out[entry.offset ..< entry.offset + entry.byteLength])
                TensorCoding.store(model.tensors[entry.name]!.data, as: entry.dtype, into: region)
                hashes.append(sha256(UnsafeRawBufferPointer(region)))
                entries[i].hash = hex(hashes[i])
            }
        }
        let desc = descriptor(model, entries: entries, hashes: hashes)
        precondition(desc.count == draft.count, "descriptor size depends on offsets")
        file.replaceSubrange(headerSize ..< headerSize + desc.count, with: desc)
        ModelHeader.stamp(into: &file, descriptorLength: desc.count)

        let info = ModelInfo(formatVersion: formatVersion, fileSize: file.count,
                             hash: hex(file[ModelHeader.hashOffset ..< headerSize]),
                             descriptorLength: desc.count, tensors: entries)
        return (file, info)
    }

    /// The descriptor: input spec, labels, layers, tensor directory, metadata.
    static func descriptor(_ model: Model, entries: [TensorEntry], hashes: [[UInt8]]) -> [UInt8] {
        var w = ByteWriter()
        model.input.encode(into: &w)

        w.u32(model.labels.count)
        for label in model.labels { w.string(label) }

        w.u32(model.layers.count)
        for named in model.layers {
            var settings = ByteWriter()
            named.layer.settings.encode(into: &settings)
            w.u16(named.layer.kind.rawValue)
            w.string(named.name)
            w.u32(settings.bytes.count)
            w.raw(settings.bytes)
        }

        w.u32(entries.count)
        for (entry, hash) in zip(entries, hashes) {
            w.string(entry.name)
            w.u8(entry.dtype.rawValue)
            w.u8(entry.shape.count)
            for d in entry.shape { w.u32(d) }
            w.u64(entry.offset)
            w.u64(entry.byteLength)
            w.raw(hash)
        }

        // Sorted by UTF-8 bytes, not String order (which normalizes), so every reader in
        // every language sorts the same way.
        w.u32(model.metadata.count)
        for (key, value) in model.metadata {  // sorted by key bytes
            w.string(key)
            w.string(value)
        }
        return w.bytes
    }

    static let zeroHash = [UInt8](repeating: 0, count: 32)

    static func alignUp(_ n: Int) -> Int {
        (n + tensorAlignment - 1) / tensorAlignment * tensorAlignment
    }
}
