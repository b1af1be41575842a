import VGGCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ModelFile {
    /// Encodes `model` and atomically replaces `path` with it; returns what was written.
    ///
    /// The bytes go to a uniquely named temporary file in the target's directory, are
    /// flushed with fsync and renamed over `path`, so a reader (or a crash) sees the old
    /// file or the new one, never a mixture. The temporary file is removed on any error.
    /// An invalid model throws its `ModelError`; file problems throw `ModelFileError`.
    @discardableResult
    public static func write(_ model: Model, to path: String) throws -> ModelInfo {
        do {
            let (bytes, info) = try encodeWithInfo(model)
            try AtomicFile.write(bytes, to: path)
            return info
        } catch var e as ModelFileError {
            e.path = path
            throw e
        }
    }
}

/// Whole-file replacement by write-to-temporary, fsync, rename.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = directoryName(of: path)
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw ModelFileError(.outputDirectoryMissing(directory))
        }
        // Hidden, and unique per process and call, so concurrent writers never collide.
        let prefix = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        let base = String(path.dropFirst(prefix.count))
        let suffix = String(UInt64.random(in: 0 ... .max), radix: 16)
        let temporary = prefix + ".\(base).tmp-\(getpid())-\(suffix)"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("creating \(temporary)") }
        var isOpen = true, renamed = false
        defer {
            if isOpen { close(fd) }
            if !renamed { unlink(temporary) }
        }
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = systemWrite(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("writing \(temporary)")
                }
                done += n
            }
        }
        guard fsync(fd) == 0 else { throw failure("fsync of \(temporary)") }
        isOpen = false
        guard close(fd) == 0 else { throw failure("closing \(temporary)") }
        guard rename(temporary, path) == 0 else { throw failure("renaming \(temporary) to \(path)") }
        renamed = true
        syncDirectory(directory)
    }

    /// Makes the rename itself durable. Best effort: some file systems refuse fsync on a
    /// directory, and the data is already safe in the file.
    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// The error for the C call that just failed; errno is read before `step` is built.
    private static func failure(_ step: @autoclosure () -> String) -> ModelFileError {
        let code = errno
        return ModelFileError(.writeFailed(step: step(), reason: errorText(code)))
    }

    /// The directory part of `path`: "." for a bare file name, "/" for a file in the root.
    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }
}
