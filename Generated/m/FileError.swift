// Copied from Sources/VGGSystem/FileError.swift by vggc compile. Do not edit this copy: edit the original.
/// Why a file could not be read or written, named by its path. File-system problems of
/// every reader and writer in vggc (models, ONNX graphs, images, charts, predictors) are
/// this one type, so the command line maps them to exit codes in one place.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path as the user gave it.
    public var path: String
    public var problem: Problem

    public init(_ problem: Problem, path: String) {
        self.problem = problem
        self.path = path
    }

    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        // Reading.
        case notFound
        case isDirectory
        /// A FIFO, device or socket where a file is expected: reading it could block forever
        /// or never end.
        case notRegularFile(FileKind)
        case tooLarge(bytes: Int, limit: Int)
        case unreadable(reason: String)
        // Writing.
        case outputDirectoryMissing(String)
        /// The output exists and is not a regular file (or a symlink to one): replacing a
        /// device, FIFO, socket or folder would destroy something that is not ours.
        case outputNotRegularFile(FileKind)
        /// The output is the same file (device and inode) as an input of the same command.
        case outputIsInput(input: String)
        /// The output is a symlink whose target does not exist.
        case danglingSymlink(target: String)
        case writeFailed(step: String, reason: String)

        public var isWriteProblem: Bool {
            switch self {
            case .notFound, .isDirectory, .notRegularFile, .tooLarge, .unreadable: return false
            default: return true
            }
        }

        public var description: String {
            switch self {
            case .notFound: return "no such file"
            case .isDirectory: return "it is a directory, not a file"
            case let .notRegularFile(kind): return "it is a \(kind), not a regular file"
            case let .tooLarge(bytes, limit): return "the file has \(bytes) bytes; the limit is \(limit)"
            case let .unreadable(reason): return reason
            case let .outputDirectoryMissing(directory): return "the folder \(Display.text(directory)) does not exist"
            case let .outputNotRegularFile(kind):
                return "it exists and is a \(kind); only a regular file is replaced (remove it or choose another path)"
            case let .outputIsInput(input):
                return "it is the same file as the input \(Display.text(input)); writing it would destroy the input"
            case let .danglingSymlink(target):
                return "it is a symlink to \(Display.text(target)), which does not exist"
            case let .writeFailed(step, reason): return "\(step): \(reason)"
            }
        }
    }

    public var description: String {
        "cannot \(problem.isWriteProblem ? "write" : "read") \(Display.text(path)): \(problem)"
    }
}

/// What a path names, from `stat`'s `st_mode`.
public enum FileKind: String, Equatable, Sendable, CustomStringConvertible {
    case regular = "regular file", directory, fifo = "FIFO", characterDevice = "character device",
         blockDevice = "block device", socket, symlink, unknown = "file of unknown type"

    public var description: String { rawValue }
}
