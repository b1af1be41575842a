import Testing
import VGGCore
@testable import VGGFormat
#if canImport(Glibc)
import Glibc
#endif

@Suite("atomic writes")
struct AtomicWriteTests {
    @Test("writing into a missing directory fails cleanly and names the directory")
    func missingDirectory() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("absent/m.bin")
        #expect(throws: ModelFileError(.outputDirectoryMissing(dir.file("absent")), path: path)) {
            try ModelFile.write(TestModels.flattenSigmoid(), to: path)
        }
        #expect(dir.entries().isEmpty)
    }

    @Test("a successful write leaves no temporary file; overwriting replaces the file")
    func overwrite() throws {
        let dir = TemporaryDirectory()
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
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var model = TestModels.flattenSigmoid()
        model.labels = ["only one"]
        #expect(throws: ModelError.self) { try ModelFile.write(model, to: dir.file("m.bin")) }
        #expect(dir.entries().isEmpty)
    }

    @Test("a failing rename (target is a directory) removes the temporary file")
    func failedRenameCleansUp() throws {
        let dir = TemporaryDirectory()
        defer { rmdir(dir.file("taken")); dir.remove() }
        #expect(mkdir(dir.file("taken"), 0o755) == 0)
        do {
            try ModelFile.write(TestModels.flattenSigmoid(), to: dir.file("taken"))
            Issue.record("writing over a directory succeeded")
        } catch let e as ModelFileError {
            guard case .writeFailed(let step, _) = e.problem else { Issue.record("\(e)"); return }
            #expect(step.hasPrefix("renaming"))
            #expect(e.description.hasPrefix("cannot write \(dir.file("taken")): renaming"))
        }
        #expect(dir.entries() == ["taken"])
    }

    @Test("the temporary file goes into the target's directory")
    func directoryName() {
        #expect(AtomicFile.directoryName(of: "m.bin") == ".")
        #expect(AtomicFile.directoryName(of: "/m.bin") == "/")
        #expect(AtomicFile.directoryName(of: "a/b/m.bin") == "a/b")
    }
}
