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
    /// A folder's classes are not the model's labels (same names, same order).
    case modelClassMismatch(path: String, modelLabels: [String], folderClasses: [String])
    /// An image of the set could not be decoded; `reason` is the decoder's message without
    /// the path (which is in `path`).
    case unreadableImage(path: String, reason: String)
    /// An image carries a label that is not a class index.
    case invalidLabel(path: String, label: Int, classCount: Int)
    /// The decoded set would not fit the in-memory ceiling.
    case tooLarge(images: Int, shape: String, maximumValues: Int)
    /// Decoding was asked to run on fewer than one thread.
    case invalidThreadCount(Int)

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
        case .modelClassMismatch(let path, let labels, let classes):
            return "the classes of \(path) are [\(classes.joined(separator: ", "))], but the model's labels are"
                + " [\(labels.joined(separator: ", "))] (same names in the same order expected)"
        case .unreadableImage(let path, let reason):
            return "cannot read image \(path): \(reason)"
        case .invalidLabel(let path, let label, let classCount):
            return "\(path) has label \(label), expected a class index in 0..<\(classCount)"
        case .tooLarge(let images, let shape, let maximum):
            return "\(images) images of \(shape) do not fit in memory: at most \(maximum) input values"
        case .invalidThreadCount(let threads):
            return "decoding threads is \(threads), expected at least 1"
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
        case .modelClassMismatch(let p, let a, let b):
            return .modelClassMismatch(path: e(p), modelLabels: a.map(e), folderClasses: b.map(e))
        case .unreadableImage(let p, let r): return .unreadableImage(path: e(p), reason: r)
        case .invalidLabel(let p, let l, let n): return .invalidLabel(path: e(p), label: l, classCount: n)
        case .tooLarge, .invalidThreadCount: return self
        }
    }

    /// Wraps a decoder error for the image at `path`. `ImageError`'s messages start with
    /// "cannot read PATH: "; that prefix is dropped so the path is not printed twice.
    static func unreadable(path: String, error: Error) -> DatasetError {
        var reason = String(describing: error)
        if let image = error as? ImageError {
            let prefix = "cannot read \(image.path): "
            if reason.hasPrefix(prefix) { reason.removeFirst(prefix.count) }
        }
        return .unreadableImage(path: path, reason: reason)
    }
}
