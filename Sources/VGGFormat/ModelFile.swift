import VGGCore

/// Reads and writes `model.bin`, format v1 (specified in docs/model-format.md).
///
/// Writing validates the model first and replaces the target atomically; reading checks
/// every structural field, both hashes and finally `Model.validate()` before it returns a
/// model, so code downstream of the reader never sees a malformed one.
public enum ModelFile {
    /// The format version this code writes and the only one it reads.
    public static let formatVersion = 1
    /// `\x89VGGC\r\n\x1a`: the high byte catches 7-bit transfers, CR LF and LF catch
    /// newline conversion, 0x1A stops `type` on DOS (the PNG signature's reasoning).
    public static let magic: [UInt8] = [0x89, 0x56, 0x47, 0x47, 0x43, 0x0D, 0x0A, 0x1A]
    /// Bytes in the fixed header; the descriptor starts right after it.
    public static let headerSize = 64
    /// Every tensor starts at a multiple of this absolute offset, so a memory-mapped file
    /// gives aligned loads for any SIMD width up to 512 bits.
    public static let tensorAlignment = 64

    /// Count limits, checked before anything is allocated for the items counted.
    public enum Limits {
        public static let layers = 4096
        public static let tensors = 65_536
        public static let labels = 65_536
        public static let metadataEntries = 4096
        public static let rank = 8
        /// String byte lengths: names as `Model.validate()` allows them, with headroom so that
        /// a slightly-too-long name is reported by the validator with its reason.
        static let layerName = 1024
        static let tensorName = 2048
        static let label = 1024
        static let metadataKey = 1024
        static let metadataValue = 65_536
    }
}

/// A model read from a file, with what the file said about itself.
public struct LoadedModel: Equatable, Sendable {
    public var model: Model
    public var info: ModelInfo
    public init(model: Model, info: ModelInfo) { self.model = model; self.info = info }
}

/// The facts of one encoded model file, as `vggc inspect` shows them.
public struct ModelInfo: Equatable, Sendable {
    public var formatVersion: Int
    public var fileSize: Int
    /// The model hash: lowercase hex of the header's SHA-256 (see docs/model-format.md).
    public var hash: String
    public var descriptorLength: Int
    /// In file-directory order (canonical parameter order for files this code wrote).
    public var tensors: [TensorEntry]

    public init(formatVersion: Int, fileSize: Int, hash: String, descriptorLength: Int, tensors: [TensorEntry]) {
        self.formatVersion = formatVersion; self.fileSize = fileSize; self.hash = hash
        self.descriptorLength = descriptorLength; self.tensors = tensors
    }
}

/// One tensor directory entry.
public struct TensorEntry: Equatable, Sendable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    /// Absolute byte offset of the first element in the file (a multiple of 64).
    public var offset: Int
    public var byteLength: Int
    /// Lowercase hex SHA-256 of the tensor's stored bytes.
    public var hash: String

    public init(name: String, dtype: DType, shape: [Int], offset: Int, byteLength: Int, hash: String) {
        self.name = name; self.dtype = dtype; self.shape = shape
        self.offset = offset; self.byteLength = byteLength; self.hash = hash
    }
}
