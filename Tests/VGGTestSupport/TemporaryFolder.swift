import Foundation

/// A fresh folder under the system's temporary directory: the one temporary-folder helper
/// of every test target.
///
/// Removal is explicit (`defer { folder.remove() }`), not tied to a deinitializer: Swift may
/// end an object's lifetime after its last use, which would delete the folder while a path
/// taken from it is still being read.
public struct TemporaryFolder: Sendable {
    public let path: String

    public init(_ prefix: String = "vggc-test") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// The path of `name` inside the folder (nothing is created).
    public func file(_ name: String) -> String { path + "/" + name }

    /// Creates `name` (and missing parents) inside the folder; returns its path.
    @discardableResult
    public func folder(_ name: String) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    /// Removes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
