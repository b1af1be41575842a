// Copied from Sources/VGGSystem/InputFile.swift by vggc compile. Do not edit this copy: edit the original.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a file that must be a regular file of bounded size.
///
/// Every reader in vggc (model files, ONNX graphs and their external data, images, raw
/// tensors) comes through here, so none can block forever on a FIFO, read `/dev/zero` until
/// memory runs out, or take a folder for a file: the kind is checked on the open descriptor
/// (no race with a rename) before a byte is read, and the size against the caller's limit.
public enum InputFile {
    /// Opens `path` read-only if it is a regular file (symlinks are followed) of at most
    /// `maxBytes` bytes. The caller closes the descriptor.
    ///
    /// Opened with O_NONBLOCK, so opening a FIFO returns at once instead of waiting for a
    /// writer; it is then refused by its kind.
    public static func open(_ path: String, maxBytes: Int = .max) throws -> (descriptor: Int32, status: FileStatus) {
        let fd = SystemPath.withCString(path) { posixOpen($0, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: throw FileError(.notFound, path: path)
            case EISDIR: throw FileError(.isDirectory, path: path)
            case ENXIO:  // a socket, or a device without a driver
                throw FileError(.notRegularFile(FileStatus.of(path)?.kind ?? .unknown), path: path)
            default: throw FileError(.unreadable(reason: systemErrorText(code)), path: path)
            }
        }
        guard let status = FileStatus.of(descriptor: fd) else {
            let code = errno
            close(fd)
            throw FileError(.unreadable(reason: systemErrorText(code)), path: path)
        }
        switch status.kind {
        case .regular: break
        case .directory: close(fd); throw FileError(.isDirectory, path: path)
        default: close(fd); throw FileError(.notRegularFile(status.kind), path: path)
        }
        guard status.size <= maxBytes else {
            close(fd)
            throw FileError(.tooLarge(bytes: status.size, limit: maxBytes), path: path)
        }
        // Regular files never block; clear the flag so reads behave normally everywhere.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, status)
    }

    /// Calls `body` with the whole file. The file is memory-mapped (only the pages `body`
    /// touches are read, so a sparse or mostly unread file costs no memory), or read into
    /// memory when mapping is impossible.
    ///
    /// A mapped file that another process truncates meanwhile would fault; every vggc writer
    /// replaces files by rename, which leaves an existing mapping intact.
    public static func withContents<T>(of path: String, maxBytes: Int = .max,
                                       _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try map(path, maxBytes: maxBytes).withBytes(body)
    }

    /// The whole file, memory-mapped for as long as the returned object lives (for bytes
    /// that must outlive one call, such as a protobuf decoded without a copy).
    public static func map(_ path: String, maxBytes: Int = .max) throws -> MappedFile {
        let (fd, status) = try open(path, maxBytes: maxBytes)
        defer { close(fd) }
        let size = status.size
        guard size > 0 else { return MappedFile(base: nil, count: 0, mapped: false) }
        if let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != UnsafeMutableRawPointer(bitPattern: -1) {
            return MappedFile(base: base, count: size, mapped: true)
        }
        let bytes = try readAll(fd, expected: size, path: path)
        let copy = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return MappedFile(base: copy, count: bytes.count, mapped: false)
    }

    /// The whole file as bytes (see `open` for what is refused).
    public static func read(_ path: String, maxBytes: Int = .max) throws -> [UInt8] {
        let (fd, status) = try open(path, maxBytes: maxBytes)
        defer { close(fd) }
        return try readAll(fd, expected: status.size, path: path)
    }

    /// Reads a regular file's `expected` bytes (fewer if it shrank meanwhile; never more, so
    /// a file that grows cannot exceed the limit that was checked).
    static func readAll(_ fd: Int32, expected: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: expected)
        var filled = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while filled < expected {
                let n = posixRead(fd, buffer.baseAddress! + filled, expected - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError(.unreadable(reason: systemErrorText(errno)), path: path)
                }
                if n == 0 { break }
                filled += n
            }
        }
        if filled < expected { bytes.removeSubrange(filled...) }
        return bytes
    }
}

/// A file's bytes in memory (mapped, or copied where mapping failed) until deinit.
public final class MappedFile: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer?
    private let mapped: Bool
    public let count: Int

    init(base: UnsafeMutableRawPointer?, count: Int, mapped: Bool) {
        self.base = base
        self.count = count
        self.mapped = mapped
    }

    /// Calls `body` with the bytes, keeping them mapped until it returns.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withExtendedLifetime(self) { try body(UnsafeRawBufferPointer(start: base, count: count)) }
    }

    /// The first byte, for wrapping without a copy (`Data(bytesNoCopy:…)` whose deallocator
    /// keeps this object alive); nil for an empty file. Valid only while this object lives.
    public var unsafeBaseAddress: UnsafeMutableRawPointer? { base }

    deinit {
        guard let base else { return }
        if mapped { munmap(base, count) } else { base.deallocate() }
    }
}
