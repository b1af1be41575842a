import Testing
import VGGSystem
import VGGTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("reading: regular files only, bounded")
struct InputFileTests {
    @Test("a FIFO is refused at once, without waiting for a writer")
    func fifo() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        #expect(mkfifo(dir.file("pipe"), 0o644) == 0)
        let t = seconds {
            #expect(throws: FileError(.notRegularFile(.fifo), path: dir.file("pipe"))) { try InputFile.read(dir.file("pipe")) }
            #expect(throws: FileError(.notRegularFile(.fifo), path: dir.file("pipe"))) {
                try InputFile.withContents(of: dir.file("pipe")) { _ in }
            }
        }
        #expect(t < 2)
        // Through a symlink too.
        #expect(symlink(dir.file("pipe"), dir.file("link")) == 0)
        #expect(throws: FileError(.notRegularFile(.fifo), path: dir.file("link"))) { try InputFile.read(dir.file("link")) }
    }

    @Test("devices, sockets and folders are refused; a missing file is not found")
    func otherKinds() throws {
        #expect(throws: FileError(.notRegularFile(.characterDevice), path: "/dev/zero")) { try InputFile.read("/dev/zero") }
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        #expect(throws: FileError(.isDirectory, path: dir.path)) { try InputFile.read(dir.path) }
        #expect(throws: FileError(.notFound, path: dir.file("nope"))) { try InputFile.read(dir.file("nope")) }
        #expect(throws: FileError(.notFound, path: dir.file("nope/x"))) { try InputFile.read(dir.file("nope/x")) }
        // A Unix-domain socket bound in the folder.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(dir.file("sock").utf8.prefix(100)) + [0]
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(throws: FileError(.notRegularFile(.socket), path: dir.file("sock"))) { try InputFile.read(dir.file("sock")) }
    }

    @Test("a size limit is checked before reading; contents arrive whole")
    func sizeAndContents() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        dir.write("f", "hello")
        #expect(try InputFile.read(dir.file("f")) == Array("hello".utf8))
        #expect(try InputFile.withContents(of: dir.file("f")) { Array($0) } == Array("hello".utf8))
        #expect(try InputFile.map(dir.file("f")).withBytes { $0.elementsEqual("hello".utf8) })
        #expect(throws: FileError(.tooLarge(bytes: 5, limit: 4), path: dir.file("f"))) { try InputFile.read(dir.file("f"), maxBytes: 4) }
        dir.write("empty", "")
        #expect(try InputFile.read(dir.file("empty")).isEmpty)
        #expect(try InputFile.withContents(of: dir.file("empty")) { $0.count } == 0)
    }

    @Test("a name that is not UTF-8 is read and listed byte for byte")
    func nonUTF8Name() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let name = SystemPath.string(fromBytes: [0x78, 0xFF, 0x2E, 0x70, 0x6E, 0x67])  // "x\xff.png"
        let fd = SystemPath.withCString(dir.file(name)) { open($0, O_WRONLY | O_CREAT, 0o644) }
        #expect(fd >= 0)
        _ = write(fd, "abc", 3)
        close(fd)
        #expect(try InputFile.read(dir.file(name)) == Array("abc".utf8))
        #expect(try Directory.names(in: dir.path) == [name])
        #expect(try Directory.files(under: dir.path) { $0.hasSuffix(".png") } == [dir.file(name)])
    }
}
