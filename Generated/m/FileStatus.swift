// Copied from Sources/VGGSystem/FileStatus.swift by vggc compile. Do not edit this copy: edit the original.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's identity (device and inode): two paths name the same file exactly when their
/// identities are equal, whatever their spelling, links or hard links.
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64
}

/// `stat`/`lstat` of a path, with the fields vggc decides on.
public struct FileStatus: Sendable {
    public let kind: FileKind
    public let size: Int
    public let identity: FileIdentity

    init(_ s: stat) {
        kind = FileStatus.kind(of: s.st_mode)
        size = Int(s.st_size)
        identity = FileIdentity(device: UInt64(s.st_dev), inode: UInt64(s.st_ino))
    }

    /// The status of what `path` names, following symlinks; nil if nothing is there.
    public static func of(_ path: String) -> FileStatus? {
        var s = stat()
        return SystemPath.withCString(path) { stat($0, &s) } == 0 ? FileStatus(s) : nil
    }

    /// The status of `path` itself (a symlink is reported as one); nil if nothing is there.
    public static func ofLink(_ path: String) -> FileStatus? {
        var s = stat()
        return SystemPath.withCString(path) { lstat($0, &s) } == 0 ? FileStatus(s) : nil
    }

    /// The status of an open descriptor.
    public static func of(descriptor fd: Int32) -> FileStatus? {
        var s = stat()
        return fstat(fd, &s) == 0 ? FileStatus(s) : nil
    }

    static func kind(of mode: mode_t) -> FileKind {
        switch mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFIFO: return .fifo
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFSOCK: return .socket
        case S_IFLNK: return .symlink
        default: return .unknown
        }
    }
}

/// The C library's text for an errno value.
public func systemErrorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

// The C calls under names that types with their own `open`/`read`/`write` do not shadow.
func posixOpen(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { open(path, flags, mode) }
func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
