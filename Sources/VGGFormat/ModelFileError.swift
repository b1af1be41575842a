import VGGCore
import VGGSystem

/// Why a model file could not be read or written: the problem, and the file if known.
///
/// `decode` and `encode` work on bytes and leave `path` nil; `read` fills it in, so the
/// message reads `cannot read m.bin: …`. Problems of the file system (missing file, a FIFO
/// where a file is expected, an output that cannot be written) are `VGGSystem.FileError`.
public struct ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String?
    public var problem: Problem

    public init(_ problem: Problem, path: String? = nil) {
        self.problem = problem
        self.path = path
    }

    public var description: String {
        // Names in the problem come from the file itself: escaped, so they cannot forge lines
        // (ModelError escapes its own).
        var text = problem.description
        if case .invalidModel = problem {} else { text = Display.text(text) }
        guard let path else { return text }
        return "cannot read \(Display.text(path)): \(text)"
    }

    /// Every way a file can be unusable. Each case carries the value found, the value
    /// expected and the place (byte offset, section, tensor or layer name).
    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        // Header.
        case fileTooSmall(size: Int, minimum: Int)
        case badMagic(found: [UInt8])
        case unsupportedVersion(found: Int, supported: Int)
        case nonZeroFlags(found: Int)
        case fileSizeMismatch(declared: UInt64, actual: Int)
        case descriptorOutOfBounds(length: UInt64, fileSize: Int)
        // Descriptor.
        /// A field ran past its section or is out of range for its type.
        case malformed(section: String, ByteReadError)
        case countTooLarge(what: String, count: Int, maximum: Int)
        case unknownLayerKind(layer: String, code: Int)
        case settingsLengthMismatch(layer: String, declared: Int, actual: Int)
        case metadataNotSorted(key: String, previous: String)
        case trailingDescriptorBytes(count: Int, offset: Int)
        // Tensor directory.
        case duplicateTensorName(String)
        case unknownDType(tensor: String, code: Int)
        case unsupportedDType(tensor: String, dtype: DType)
        case badRank(tensor: String, rank: Int)
        case tooManyElements(tensor: String, shape: [Int])
        case byteLengthMismatch(tensor: String, found: UInt64, expected: Int)
        case misalignedOffset(tensor: String, offset: UInt64)
        case tensorOutOfBounds(tensor: String, end: UInt64, fileSize: Int)
        case tensorOverlapsDescriptor(tensor: String, offset: Int, descriptorEnd: Int)
        case tensorsOverlap(first: String, second: String, firstEnd: Int, secondOffset: Int)
        // Integrity.
        case modelHashMismatch(stored: String, computed: String)
        case tensorHashMismatch(tensor: String, stored: String, computed: String)
        // Semantics: the file is well formed but the model it holds is not.
        case invalidModel(ModelError)

        public var description: String {
            switch self {
            case let .fileTooSmall(size, minimum):
                return "the file has \(size) bytes, too small for the \(minimum)-byte model header"
            case let .badMagic(found):
                let hex = found.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
                var text = "not a vggc model file: it starts with \(hex), expected 89 56 47 47 43 0d 0a 1a"
                // The letters intact but the control bytes changed: a text-mode transfer.
                if found.count >= 5, Array(found[1..<5]) == Array("VGGC".utf8) {
                    text += " (the file looks damaged by a text-mode transfer; copy it in binary mode)"
                }
                return text
            case let .unsupportedVersion(found, supported):
                return "format version \(found) is not supported (this vggc reads version \(supported)); use a newer vggc"
            case let .nonZeroFlags(found):
                return "header flags are 0x\(String(found, radix: 16)), expected 0 in format version 1"
            case let .fileSizeMismatch(declared, actual):
                let hint = UInt64(actual) < declared ? " (the file is truncated)" : " (extra bytes were appended)"
                return "the header declares \(declared) bytes but the file has \(actual)\(hint)"
            case let .descriptorOutOfBounds(length, fileSize):
                return "the descriptor (\(length) bytes from byte 64) does not fit in the file's \(fileSize) bytes"
            case let .malformed(section, error):
                return "\(section): \(error)"
            case let .countTooLarge(what, count, maximum):
                return "the file declares \(count) \(what), more than the limit \(maximum)"
            case let .unknownLayerKind(layer, code):
                let known = LayerKind.allCases.map { "\($0.rawValue)" }.joined(separator: ", ")
                return "layer \(layer) has kind code \(code), expected one of \(known) (a newer format?)"
            case let .settingsLengthMismatch(layer, declared, actual):
                return "layer \(layer)'s settings record declares \(declared) bytes but its settings take \(actual)"
            case let .metadataNotSorted(key, previous):
                return "metadata key \"\(key)\" follows \"\(previous)\"; keys must be unique and sorted by UTF-8 bytes"
            case let .trailingDescriptorBytes(count, offset):
                return "\(count) unexpected bytes at the end of the descriptor, from byte \(offset)"
            case let .duplicateTensorName(name):
                return "tensor \(name) appears twice in the tensor directory"
            case let .unknownDType(tensor, code):
                return "tensor \(tensor) has dtype code \(code), expected 0 (f32) or 1 (f16)"
            case let .unsupportedDType(tensor, dtype):
                return "tensor \(tensor) has dtype \(dtype) (code \(dtype.rawValue)), reserved and not supported in format version 1; expected f32 or f16"
            case let .badRank(tensor, rank):
                return "tensor \(tensor) has rank \(rank), expected 1...\(ModelFile.Limits.rank)"
            case let .tooManyElements(tensor, shape):
                return "tensor \(tensor) has shape \(shape), more than \(maximumElementCount) elements"
            case let .byteLengthMismatch(tensor, found, expected):
                return "tensor \(tensor) is \(found) bytes long, expected \(expected) (elements × dtype size)"
            case let .misalignedOffset(tensor, offset):
                return "tensor \(tensor) starts at byte \(offset), which is not a multiple of \(ModelFile.tensorAlignment)"
            case let .tensorOutOfBounds(tensor, end, fileSize):
                return "tensor \(tensor) ends at byte \(end) but the file has \(fileSize) bytes"
            case let .tensorOverlapsDescriptor(tensor, offset, descriptorEnd):
                return "tensor \(tensor) starts at byte \(offset), inside the header and descriptor (bytes 0..<\(descriptorEnd))"
            case let .tensorsOverlap(first, second, firstEnd, secondOffset):
                return "tensor \(second) starts at byte \(secondOffset), before tensor \(first) ends at byte \(firstEnd)"
            case let .modelHashMismatch(stored, computed):
                return "model hash mismatch: the header says \(stored) but the contents hash to \(computed) (the file is corrupt)"
            case let .tensorHashMismatch(tensor, stored, computed):
                return "tensor \(tensor) hash mismatch: the directory says \(stored) but its bytes hash to \(computed)"
            case let .invalidModel(error):
                return "invalid model: \(error)"
            }
        }
    }
}

extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
