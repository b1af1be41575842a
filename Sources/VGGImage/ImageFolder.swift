import VGGSystem

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
/// the sorted subfolder names and images are sorted by class, then file name (by bytes:
/// locale-independent, so "B" sorts before "a"; names that are not UTF-8 are kept byte for
/// byte, see `SystemPath`). Symlinks to folders and files are followed. Hidden entries (starting with "."), files with other
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
        try Self.requireDirectory(path)
        var classes: [String] = []
        var ignored: [String] = []
        for name in try Self.entries(of: path) {
            let full = Self.join(path, name)
            if name.hasPrefix(".") || !Self.isDirectory(full) {
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
                if name.hasPrefix(".") || !Self.hasImageExtension(name) || Self.isDirectory(full) {
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

    static func join(_ folder: String, _ name: String) -> String { SystemPath.join(folder, name) }

    /// Whether `name` ends in .png, .jpg or .jpeg, in any case.
    public static func hasImageExtension(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Follows symlinks, which is what we want.
    static func isDirectory(_ path: String) -> Bool { FileStatus.of(path)?.kind == .directory }

    static func requireDirectory(_ path: String) throws {
        guard let status = FileStatus.of(path) else { throw DatasetError.missingFolder(path: path) }
        guard status.kind == .directory else { throw DatasetError.notADirectory(path: path) }
    }

    /// The entry names of a folder, sorted by bytes.
    static func entries(of path: String) throws -> [String] {
        do {
            return try Directory.names(in: path)
        } catch {
            // Exists (checked by the caller) but cannot be listed: permissions, or a race.
            throw DatasetError.notADirectory(path: path)
        }
    }
}
