import VGGSystem

/// Why a dataset folder cannot be used for training or evaluation. Every case names the
/// folder so the message says what to fix.
public enum DatasetError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A required folder does not exist.
    case missingFolder(path: String)
    /// The path exists but is a file.
    case notADirectory(path: String)
    /// The folder has no class subfolders.
    case noClasses(path: String)
    /// A class subfolder holds no PNG/JPEG files.
    case emptyClass(path: String, className: String)
    /// The folder has only one class; a classifier needs at least two.
    case singleClass(path: String, className: String)
    /// train/ and test/ have different class folders.
    case classMismatch(trainClasses: [String], testClasses: [String])

    public var description: String {
        switch self.escaped {
        case .missingFolder(let path):
            return "dataset folder \(path) does not exist"
        case .notADirectory(let path):
            return "\(path) is not a folder"
        case .noClasses(let path):
            return "\(path) has no class subfolders (expected \(path)/CLASS/*.png|jpg)"
        case .emptyClass(let path, let className):
            return "class folder \(path)/\(className) has no .png/.jpg/.jpeg images"
        case .singleClass(let path, let className):
            return "\(path) has only one class (\(className)); a classifier needs at least two"
        case .classMismatch(let train, let test):
            return "train and test have different classes: train [\(train.joined(separator: ", "))],"
                + " test [\(test.joined(separator: ", "))]"
        }
    }

    /// The same error with every path and name escaped for printing.
    private var escaped: DatasetError {
        let e = Display.text
        switch self {
        case .missingFolder(let p): return .missingFolder(path: e(p))
        case .notADirectory(let p): return .notADirectory(path: e(p))
        case .noClasses(let p): return .noClasses(path: e(p))
        case .emptyClass(let p, let c): return .emptyClass(path: e(p), className: e(c))
        case .singleClass(let p, let c): return .singleClass(path: e(p), className: e(c))
        case .classMismatch(let a, let b): return .classMismatch(trainClasses: a.map(e), testClasses: b.map(e))
        }
    }
}
