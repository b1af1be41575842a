// The few C calls the reader and writer make, under names that `ModelFile.read` and
// `ModelFile.write` do not shadow.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// The C library's text for an errno value.
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
