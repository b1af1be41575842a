// Copied from Sources/VGGSystem/OutputFile.swift by vggc compile. Do not edit this copy: edit the original.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output path, checked before any work is done and written atomically.
///
/// Rules (the same for every writer: models, ONNX graphs, history files, predictors):
/// - the folder must exist;
/// - an existing target must be a regular file; a device, FIFO, socket or folder is
///   refused, never replaced;
/// - a symlink to a regular file is followed: the file it names is replaced and the link
///   stays (as a shell's `>` would); a dangling symlink is refused;
/// - the target must not be the same file (device and inode) as any input of the command.
///
/// Writing goes to `.<name>.vggc-tmp-<pid>-<random>` in the target's folder, is flushed
/// with fsync and renamed over the target, so a reader or a crash sees the old file or the
/// complete new one, never a mixture. The temporary file is removed on every error and on
/// Ctrl-C/SIGTERM (`Interruption`); after a SIGKILL, the next write to the same target
/// removes the temporaries of processes that no longer exist.
public struct OutputFile: Sendable {
    /// The path as the user gave it (for messages).
    public let path: String
    /// Where the bytes go: `path`, or the file its symlink names.
    public let target: String
    /// Identities of the inputs, with their paths for the message.
    let inputs: [(identity: FileIdentity, path: String)]

    /// Checks `path` as an output of a command that reads `inputs`.
    public init(_ path: String, inputs: [String] = []) throws {
        self.path = path
        self.inputs = inputs.compactMap { input in FileStatus.of(input).map { ($0.identity, input) } }
        target = try Self.resolve(path)
        try check()
    }

    /// Re-checks the rules (the file system may have changed since `init`).
    public func check() throws {
        let folder = SystemPath.directory(of: target)
        guard let dir = FileStatus.of(folder), dir.kind == .directory else {
            throw FileError(.outputDirectoryMissing(folder), path: path)
        }
        guard let existing = FileStatus.of(target) else { return }
        guard existing.kind == .regular else { throw FileError(.outputNotRegularFile(existing.kind), path: path) }
        if let input = inputs.first(where: { $0.identity == existing.identity }) {
            throw FileError(.outputIsInput(input: input.path), path: path)
        }
    }

    /// Atomically replaces the target with `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try write { temporary, fd in
            try bytes.withUnsafeBytes { buffer in
                var done = 0
                while done < buffer.count {
                    let n = posixWrite(fd!, buffer.baseAddress! + done, buffer.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw failure("writing \(temporary)")
                    }
                    done += n
                }
            }
        }
    }

    /// Atomically replaces the target with what `body` writes to the temporary path it is
    /// given, for writers that take a path (libpng, a linker). The file must not exist
    /// before `body` runs; `body` creates it.
    public func write(creatingWith body: (String) throws -> Void) throws {
        try write(opening: false) { temporary, _ in try body(temporary) }
    }

    private func write(opening: Bool = true, _ body: (String, Int32?) throws -> Void) throws {
        try check()
        removeStaleTemporaries()
        let temporary = Self.temporaryPath(for: target)
        let slot = Interruption.registerTemporary(temporary)
        var renamed = false
        defer {
            if !renamed { _ = SystemPath.withCString(temporary) { unlink($0) } }
            Interruption.unregisterTemporary(slot)
        }
        var fd: Int32 = -1
        if opening {
            fd = SystemPath.withCString(temporary) { posixOpen($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
            guard fd >= 0 else { throw failure("creating \(temporary)") }
        }
        defer { if fd >= 0 { close(fd) } }
        try body(temporary, opening ? fd : nil)
        if !opening {
            fd = SystemPath.withCString(temporary) { posixOpen($0, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 else { throw failure("opening \(temporary)") }
            guard FileStatus.of(descriptor: fd)?.kind == .regular else {
                throw FileError(.writeFailed(step: "checking \(temporary)", reason: "the writer did not create a regular file"), path: path)
            }
        }
        // The new file keeps an existing target's permissions (an executable stays one).
        var existing = stat()
        if opening, SystemPath.withCString(target, { stat($0, &existing) }) == 0 {
            _ = fchmod(fd, existing.st_mode & 0o7777)
        }
        guard fsync(fd) == 0 else { throw failure("fsync of \(temporary)") }
        let closing = fd
        fd = -1
        guard close(closing) == 0 else { throw failure("closing \(temporary)") }
        try check()  // nothing replaced the target by something else meanwhile
        let status = SystemPath.withCString(temporary) { from in SystemPath.withCString(target) { rename(from, $0) } }
        guard status == 0 else { throw failure("renaming \(temporary) to \(target)") }
        renamed = true
        Self.syncDirectory(SystemPath.directory(of: target))
    }

    /// The error for the C call that just failed; errno is read before `step` is built.
    private func failure(_ step: @autoclosure () -> String) -> FileError {
        let code = errno
        return FileError(.writeFailed(step: step(), reason: systemErrorText(code)), path: path)
    }

    /// Removes temporaries of this target left by processes that no longer exist (a
    /// SIGKILL, a power cut), and those of vggc versions before 0.2 (`.<name>.tmp-<pid>-…`).
    public func removeStaleTemporaries() {
        let folder = SystemPath.directory(of: target), name = SystemPath.fileName(of: target)
        guard let names = try? Directory.names(in: folder) else { return }
        for entry in names {
            guard let pid = Self.temporaryOwner(entry, of: name), pid != getpid(),
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let full = SystemPath.join(folder, entry)
            if FileStatus.ofLink(full)?.kind == .regular { _ = SystemPath.withCString(full) { unlink($0) } }
        }
    }

    /// The process id in a temporary file name of `name`, or nil if `entry` is not one.
    static func temporaryOwner(_ entry: String, of name: String) -> pid_t? {
        for (infix, stem) in [(".vggc-tmp-", temporaryStem(name)), (".tmp-", name)] {
            let prefix = "." + stem + infix
            guard entry.hasPrefix(prefix) else { continue }
            let rest = entry.dropFirst(prefix.count).split(separator: "-", maxSplits: 1)
            guard rest.count == 2, !rest[1].isEmpty, rest[1].allSatisfy(\.isHexDigit),
                  let pid = pid_t(rest[0]), pid > 0 else { return nil }
            return pid
        }
        return nil
    }

    static func temporaryPath(for target: String) -> String {
        let folder = SystemPath.directory(of: target), name = SystemPath.fileName(of: target)
        let prefix = target.unicodeScalars.contains("/") ? (folder == "/" ? "/" : folder + "/") : ""
        return prefix + ".\(temporaryStem(name)).vggc-tmp-\(getpid())-\(String(UInt64.random(in: 0 ... .max), radix: 16))"
    }

    /// The target's name as it appears in its temporary's name: cut to 200 bytes (at a
    /// scalar boundary), so that with the 36 bytes added a name of up to 255 bytes still
    /// gives a valid temporary name.
    static func temporaryStem(_ name: String) -> String {
        guard SystemPath.bytes(of: name).count > 200 else { return name }
        var stem = String.UnicodeScalarView(), length = 0
        for scalar in name.unicodeScalars {
            length += SystemPath.bytes(of: String(scalar)).count
            if length > 200 { break }
            stem.append(scalar)
        }
        return String(stem)
    }

    /// `path`, or the file a symlink at `path` names (refused if it does not exist).
    static func resolve(_ path: String) throws -> String {
        guard let link = FileStatus.ofLink(path), link.kind == .symlink else { return path }
        guard let real = SystemPath.realPath(path) else {
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = SystemPath.withCString(path) { readlink($0, &buffer, buffer.count - 1) }
            let target = n > 0 ? buffer.withUnsafeBufferPointer { b in
                SystemPath.string(fromBytes: UnsafeRawBufferPointer(start: b.baseAddress, count: n).bindMemory(to: UInt8.self))
            } : "?"
            throw FileError(.danglingSymlink(target: target), path: path)
        }
        return real
    }

    /// Makes the rename durable. Best effort: some file systems refuse fsync on a folder,
    /// and the data is already safe in the file.
    static func syncDirectory(_ directory: String) {
        let fd = SystemPath.withCString(directory) { posixOpen($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
