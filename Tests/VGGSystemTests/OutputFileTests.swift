import Testing
import VGGSystem
import VGGTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("writing: checked targets, atomic replacement")
struct OutputFileTests {
    @Test("a FIFO, a folder or a device is refused and left as it is")
    func nonRegularTargets() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        #expect(mkfifo(dir.file("pipe"), 0o644) == 0)
        #expect(mkdir(dir.file("folder"), 0o755) == 0)
        #expect(throws: FileError(.outputNotRegularFile(.fifo), path: dir.file("pipe"))) { try OutputFile(dir.file("pipe")) }
        #expect(throws: FileError(.outputNotRegularFile(.directory), path: dir.file("folder"))) { try OutputFile(dir.file("folder")) }
        #expect(throws: FileError(.outputNotRegularFile(.characterDevice), path: "/dev/null")) { try OutputFile("/dev/null") }
        #expect(FileStatus.ofLink(dir.file("pipe"))?.kind == .fifo)
        #expect(FileStatus.of("/dev/null")?.kind == .characterDevice)
        #expect(dir.names() == ["folder", "pipe"])
    }

    @Test("a target that becomes a FIFO after the check is still not replaced")
    func recheckedAtWrite() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let out = try OutputFile(dir.file("m.bin"))
        #expect(mkfifo(dir.file("m.bin"), 0o644) == 0)
        #expect(throws: FileError(.outputNotRegularFile(.fifo), path: dir.file("m.bin"))) { try out.write([1, 2, 3]) }
        #expect(dir.names() == ["m.bin"])
    }

    @Test("the output may not be an input: same path, symlink or hard link")
    func outputIsInput() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        dir.write("in", "precious")
        #expect(link(dir.file("in"), dir.file("hard")) == 0)
        #expect(symlink(dir.file("in"), dir.file("soft")) == 0)
        for name in ["in", "hard", "soft"] {
            #expect(throws: FileError(.outputIsInput(input: dir.file("in")), path: dir.file(name))) {
                try OutputFile(dir.file(name), inputs: [dir.file("in")])
            }
        }
        #expect(dir.read("in") == "precious")
        // Another file with the same contents is fine.
        dir.write("other", "precious")
        try OutputFile(dir.file("other"), inputs: [dir.file("in")]).write(Array("new".utf8))
        #expect(dir.read("other") == "new")
    }

    @Test("a symlink to a regular file: the file is replaced and the link stays; a dangling link is refused")
    func symlinks() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        dir.write("v1.bin", "old")
        #expect(symlink("v1.bin", dir.file("current.bin")) == 0)
        try OutputFile(dir.file("current.bin")).write(Array("new".utf8))
        #expect(FileStatus.ofLink(dir.file("current.bin"))?.kind == .symlink)
        #expect(dir.read("v1.bin") == "new")
        #expect(symlink("gone.bin", dir.file("dangling")) == 0)
        #expect(throws: FileError(.danglingSymlink(target: "gone.bin"), path: dir.file("dangling"))) { try OutputFile(dir.file("dangling")) }
    }

    @Test("a missing folder is reported before any work")
    func missingFolder() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        #expect(throws: FileError(.outputDirectoryMissing(dir.file("no")), path: dir.file("no/m.bin"))) { try OutputFile(dir.file("no/m.bin")) }
    }

    @Test("replacement is atomic, keeps permissions, and leaves no temporary file")
    func replace() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        dir.write("tool", "v1")
        #expect(chmod(dir.file("tool"), 0o750) == 0)
        try OutputFile(dir.file("tool")).write(Array("v2".utf8))
        #expect(dir.read("tool") == "v2")
        var s = stat()
        #expect(stat(dir.file("tool"), &s) == 0 && s.st_mode & 0o777 == 0o750)
        #expect(dir.names() == ["tool"])
        // A writer that fails leaves the old file and no temporary one.
        struct Boom: Error {}
        #expect(throws: Boom.self) { try OutputFile(dir.file("tool")).write(creatingWith: { path in
            createFile(atBytePath: path, "partial")
            throw Boom()
        }) }
        #expect(dir.read("tool") == "v2")
        #expect(dir.names() == ["tool"])
    }

    @Test("temporaries of dead writers are removed by the next write; a live writer's are kept")
    func staleTemporaries() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let dead = deadPID(), live = getppid()
        dir.write(".m.bin.vggc-tmp-\(dead)-1a2b", "half")
        dir.write(".m.bin.tmp-\(dead)-ff00", "half (vggc 0.1 naming)")
        dir.write(".m.bin.vggc-tmp-\(live)-3c4d", "being written")
        dir.write(".other.bin.vggc-tmp-\(dead)-5e6f", "not ours")
        dir.write(".m.bin.vggc-tmp-notapid-1", "not a temporary name")
        try OutputFile(dir.file("m.bin")).write(Array("model".utf8))
        #expect(dir.names() == [".m.bin.vggc-tmp-\(live)-3c4d", ".m.bin.vggc-tmp-notapid-1", ".other.bin.vggc-tmp-\(dead)-5e6f", "m.bin"])
    }
}

/// Creates a file with `text` at a byte path (what a C writer given the temporary path does).
func createFile(atBytePath path: String, _ text: String) {
    let fd = SystemPath.withCString(path) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
    if fd >= 0 {
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}
