import Foundation

/// One image of a dataset: its file and the index of its class in `ImageFolder.classes`.
public struct LabeledImage: Sendable, Equatable {
    public var path: String
    public var classIndex: Int

    public init(path: String, classIndex: Int) {
        self.path = path
        self.classIndex = classIndex
    }
}

/// A folder-per-class image set: `PATH/{CLASS}/*.{png,jpg,jpeg}`.
///
/// Deterministic by construction, so training runs and reports are reproducible: classes are
/// the sorted subfolder names and images are sorted by class, then file name (Swift `String`
/// order: Unicode scalar order, locale-independent, so "B" sorts before "a"). Symlinks to
/// folders and files are followed. Hidden entries (starting with "."), files with other
/// extensions and nested folders are skipped but listed in `ignored`, so the caller can warn.
/// Files are not opened here: a damaged image is reported when it is decoded.
public struct ImageFolder: Sendable, Equatable {
    /// Extensions (lowercased) that count as images; matched case-insensitively.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    public var path: String
    public var classes: [String]
    public var images: [LabeledImage]
    /// Entries that were skipped (hidden files, other extensions, nested folders), sorted.
    public var ignored: [String]

    /// Scans `path`. Throws `DatasetError` if the folder is missing, has no classes, only
    /// one class, or a class without images.
    public init(path: String) throws {
        let fm = FileManager.default
        try Self.requireDirectory(path)
        var classes: [String] = []
        var ignored: [String] = []
        for name in try Self.entries(of: path) {
            let full = Self.join(path, name)
            if name.hasPrefix(".") || !Self.isDirectory(full, fm) {
                ignored.append(full)
            } else {
                classes.append(name)
            }
        }
        guard !classes.isEmpty else { throw DatasetError.noClasses(path: path) }
        guard classes.count >= 2 else { throw DatasetError.singleClass(path: path, className: classes[0]) }

        var images: [LabeledImage] = []
        for (index, className) in classes.enumerated() {
            let classPath = Self.join(path, className)
            var count = 0
            for name in try Self.entries(of: classPath) {
                let full = Self.join(classPath, name)
                let ext = (name as NSString).pathExtension.lowercased()
                if name.hasPrefix(".") || !Self.imageExtensions.contains(ext) || Self.isDirectory(full, fm) {
                    ignored.append(full)
                } else {
                    images.append(LabeledImage(path: full, classIndex: index))
                    count += 1
                }
            }
            guard count > 0 else { throw DatasetError.emptyClass(path: path, className: className) }
        }
        self.path = path
        self.classes = classes
        self.images = images
        self.ignored = ignored.sorted()
    }

    /// Number of images per class, indexed like `classes`.
    public func counts() -> [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for image in images { counts[image.classIndex] += 1 }
        return counts
    }

    // MARK: - File system helpers (shared with ImageDataset)

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// `fileExists(atPath:isDirectory:)` follows symlinks, which is what we want.
    static func isDirectory(_ path: String, _ fm: FileManager = .default) -> Bool {
        var isDir: ObjCBool = false
        return fm.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func requireDirectory(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DatasetError.missingFolder(path: path)
        }
        guard isDir.boolValue else { throw DatasetError.notADirectory(path: path) }
    }

    /// The sorted entry names of a folder.
    static func entries(of path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            // Exists (checked by the caller) but cannot be listed: permissions, or a race.
            throw DatasetError.notADirectory(path: path)
        }
    }
}
