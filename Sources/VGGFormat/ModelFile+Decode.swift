import VGGCore

extension ModelFile {
    /// Decodes and fully validates a model file image.
    ///
    /// Checks run in the order of docs/model-format.md: header, descriptor structure and
    /// tensor directory, then the model hash, each tensor's hash, and last
    /// `Model.validate()`. Structure comes first so a malformed file gets a precise message;
    /// the hashes then catch corruption that is structurally plausible (a flipped weight bit).
    /// Every failure is a `ModelFileError` with `path` nil.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> LoadedModel {
        let header = try ModelHeader.parse(bytes)
        var parser = DescriptorParser(file: bytes, header: header)
        let d = try parser.parse()

        let computed = ModelHeader.modelHash(of: bytes)
        guard computed == header.modelHash else {
            throw ModelFileError(.modelHashMismatch(stored: hex(header.modelHash), computed: hex(computed)))
        }

        var tensors: [String: Tensor] = [:]
        for (entry, stored) in zip(d.entries, d.rawHashes) {
            let region = UnsafeRawBufferPointer(rebasing: bytes[entry.offset ..< entry.offset + entry.byteLength])
            let actual = sha256(region)
            guard actual == stored else {
                throw ModelFileError(.tensorHashMismatch(tensor: entry.name, stored: entry.hash, computed: hex(actual)))
            }
            let count = entry.byteLength / entry.dtype.byteSize
            tensors[entry.name] = Tensor(shape: entry.shape, data: TensorCoding.load(region, as: entry.dtype, count: count),
                                         storage: entry.dtype)
        }

        let model = Model(input: d.input, labels: d.labels, layers: d.layers, tensors: tensors, metadata: d.metadata)
        do {
            try model.validate()
        } catch let e as ModelError {
            throw ModelFileError(.invalidModel(e))
        }
        let info = ModelInfo(formatVersion: header.version, fileSize: header.fileSize, hash: hex(header.modelHash),
                             descriptorLength: header.descriptorLength, tensors: d.entries)
        return LoadedModel(model: model, info: info)
    }

    /// Decodes and fully validates a model file image held in an array.
    public static func decode(_ bytes: [UInt8]) throws -> LoadedModel {
        try bytes.withUnsafeBytes { try decode($0) }
    }
}
