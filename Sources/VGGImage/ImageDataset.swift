import VGGSystem

/// A dataset root laid out as `ROOT/train/{CLASS}/*` and optionally `ROOT/test/{CLASS}/*`.
///
/// Both splits must have the same class folders, so class index `i` means the same thing in
/// training and evaluation.
public struct ImageDataset: Sendable, Equatable {
    public var root: String
    public var train: ImageFolder
    /// nil when `ROOT/test` does not exist.
    public var test: ImageFolder?

    public init(root: String, train: ImageFolder, test: ImageFolder?) {
        self.root = root
        self.train = train
        self.test = test
    }

    /// Scans `root`. Throws `DatasetError`: the root or `root/train` missing, a split with
    /// fewer than two classes or an empty class, or train/test classes that differ.
    public static func open(root: String) throws -> ImageDataset {
        try ImageFolder.requireDirectory(root)
        let trainPath = ImageFolder.join(root, "train")
        try ImageFolder.requireDirectory(trainPath)
        let train = try ImageFolder(path: trainPath)
        let testPath = ImageFolder.join(root, "test")
        var test: ImageFolder?
        if FileStatus.ofLink(testPath) != nil {
            let folder = try ImageFolder(path: testPath)
            guard folder.classes == train.classes else {
                throw DatasetError.classMismatch(trainClasses: train.classes, testClasses: folder.classes)
            }
            test = folder
        }
        return ImageDataset(root: root, train: train, test: test)
    }
}
