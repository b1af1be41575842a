import VGGCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ModelFile {
    /// Reads and fully validates the model file at `path` (see `decode`).
    ///
    /// The file is memory-mapped, so only the tensors' Float copies take memory. Errors
    /// carry `path`; a missing file is `.fileNotFound`, distinct from one that cannot be read.
    public static func read(path: String) throws -> LoadedModel {
        do {
            return try withContents(of: path) { try decode($0) }
        } catch var e as ModelFileError {
            e.path = path
            throw e
        }
    }

    /// Calls `body` with the whole file's bytes: mapped for regular files, read for
    /// anything else (a pipe such as `<(curl …)`) or when mapping fails.
    ///
    /// A mapped file that another process truncates meanwhile would fault; writers of
    /// model files replace them by rename (as `write` does), which leaves this mapping intact.
    static func withContents<T>(of path: String, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT: throw ModelFileError(.fileNotFound)
            case EISDIR: throw ModelFileError(.isDirectory)
            default: throw ModelFileError(.notReadable(reason: errorText(code)))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelFileError(.notReadable(reason: errorText(errno))) }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR { throw ModelFileError(.isDirectory) }
        let size = Int(info.st_size)

        if type == S_IFREG, size > 0,
           let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != UnsafeMutableRawPointer(bitPattern: -1) {
            defer { munmap(base, size) }
            return try body(UnsafeRawBufferPointer(start: base, count: size))
        }
        let bytes = try readAll(fd)
        return try bytes.withUnsafeBytes { try body($0) }
    }
}

/// Reads `fd` to its end. (A free function: inside `ModelFile`, `read` is the model reader.)
private func readAll(_ fd: Int32) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n == 0 { return bytes }
            if n < 0 {
                if errno == EINTR { continue }
                throw ModelFileError(.notReadable(reason: errorText(errno)))
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
}
