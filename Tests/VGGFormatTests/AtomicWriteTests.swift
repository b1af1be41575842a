import Testing
import VGGCore
@testable import VGGFormat
import VGGSystem
#if canImport(Glibc)
import Glibc
import VGGTestSupport
#endif

@Suite("atomic writes")
struct AtomicWriteTests {
    @Test("writing into a missing directory fails cleanly and names the directory")
    func missingDirectory() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("absent/m.bin")
        #expect(throws: FileError(.outputDirectoryMissing(dir.file("absent")), path: path)) {
            try ModelFile.write(TestModels.flattenSigmoid(), to: path)
        }
        #expect(dir.entries().isEmpty)
    }

    @Test("a successful write leaves no temporary file; overwriting replaces the file")
    func overwrite() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("model.bin")
        let first = try TestModels.everyKind()
        let second = TestModels.flattenSigmoid()
        try ModelFile.write(first, to: path)
        #expect(dir.entries() == ["model.bin"])
        #expect(try ModelFile.read(path: path).model == first)
        let info = try ModelFile.write(second, to: path)
        #expect(dir.entries() == ["model.bin"])
        let loaded = try ModelFile.read(path: path)
        #expect(loaded.model == second && loaded.info == info)
    }

    @Test("an invalid model is never written and leaves no file behind")
    func invalidModelNotWritten() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        var model = TestModels.flattenSigmoid()
        model.labels = ["only one"]
        #expect(throws: ModelError.self) { try ModelFile.write(model, to: dir.file("m.bin")) }
        #expect(dir.entries().isEmpty)
    }

    @Test("an existing folder is refused as a target, never replaced, and no temporary file is left")
    func folderTargetRefused() throws {
        let dir = try TemporaryFolder()
        defer { rmdir(dir.file("taken")); dir.remove() }
        #expect(mkdir(dir.file("taken"), 0o755) == 0)
        #expect(throws: FileError(.outputNotRegularFile(.directory), path: dir.file("taken"))) {
            try ModelFile.write(TestModels.flattenSigmoid(), to: dir.file("taken"))
        }
        #expect(dir.entries() == ["taken"])
    }

    @Test("the temporary file goes into the target's directory")
    func directoryName() {
        #expect(SystemPath.directory(of: "m.bin") == ".")
        #expect(SystemPath.directory(of: "/m.bin") == "/")
        #expect(SystemPath.directory(of: "a/b/m.bin") == "a/b")
    }
}
