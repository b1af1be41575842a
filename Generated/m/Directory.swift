// Copied from Sources/VGGSystem/Directory.swift by vggc compile. Do not edit this copy: edit the original.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Folder listings with every name preserved byte for byte (see `SystemPath`).
public enum Directory {
    /// The names in `path` except "." and "..", sorted by their bytes (the same order on
    /// every machine and locale).
    public static func names(in path: String) throws -> [String] {
        guard let dir = SystemPath.withCString(path, { opendir($0) }) else {
            let code = errno
            switch code {
            case ENOENT: throw FileError(.notFound, path: path)
            case ENOTDIR: throw FileError(.unreadable(reason: "it is not a folder"), path: path)
            default: throw FileError(.unreadable(reason: systemErrorText(code)), path: path)
            }
        }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                // NULL is the end, or an error: a partial listing must not pass for a whole one.
                if errno != 0 { throw FileError(.unreadable(reason: systemErrorText(errno)), path: path) }
                break
            }
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { SystemPath.string(fromCString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { SystemPath.bytes(of: $0).lexicographicallyPrecedes(SystemPath.bytes(of: $1)) }
    }

    /// Creates `path` and its missing parents (`mkdir -p`), by bytes; an existing folder is
    /// fine, an existing file of another kind is an error.
    public static func create(_ path: String) throws {
        if let status = FileStatus.of(path) {
            guard status.kind == .directory else {
                throw FileError(.writeFailed(step: "creating the folder", reason: "it exists and is a \(status.kind)"), path: path)
            }
            return
        }
        let parent = SystemPath.directory(of: path)
        if parent != path && FileStatus.of(parent) == nil { try create(parent) }
        guard SystemPath.withCString(path, { mkdir($0, 0o755) }) == 0 || errno == EEXIST else {
            throw FileError(.writeFailed(step: "creating the folder", reason: systemErrorText(errno)), path: path)
        }
    }

    /// Every file under `path` whose name passes `include`, recursively (symlinks to
    /// folders are not followed, so a link cycle cannot loop), as paths joined to `path`,
    /// sorted by bytes. Hidden entries (".name") are skipped.
    public static func files(under path: String, include: (String) -> Bool) throws -> [String] {
        var out: [String] = []
        var pending = [path]
        while let folder = pending.popLast() {
            for name in try names(in: folder) where !name.hasPrefix(".") {
                let full = SystemPath.join(folder, name)
                guard let link = FileStatus.ofLink(full) else { continue }
                if link.kind == .directory {
                    pending.append(full)
                } else if include(name), FileStatus.of(full)?.kind != .directory {
                    out.append(full)  // a FIFO or device among them is refused when read, by name
                }
            }
        }
        return out.sorted { SystemPath.bytes(of: $0).lexicographicallyPrecedes(SystemPath.bytes(of: $1)) }
    }
}
