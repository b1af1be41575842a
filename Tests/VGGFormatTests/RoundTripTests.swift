import Testing
import VGGCore
@testable import VGGFormat
import VGGSystem
import VGGTestSupport

@Suite("model.bin round trips")
struct RoundTripTests {
    @Test("VGG variants survive write → read exactly")
    func vggRoundTrip() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        for (name, model) in try TestModels.vggVariants() {
            let path = dir.file("m.bin")
            let written = try ModelFile.write(model, to: path)
            let loaded = try ModelFile.read(path: path)
            #expect(loaded.model == model, "\(name)")
            #expect(loaded.info == written, "\(name)")
            #expect(loaded.model.metadata["architecture"] == model.metadata["architecture"])
        }
    }

    @Test("hand-made models: every layer kind, padding mode and a parameterless model")
    func handMadeRoundTrip() throws {
        for model in [try TestModels.everyKind(), TestModels.flattenSigmoid(), TestModels.parameterless()] {
            let bytes = try ModelFile.encode(model)
            let loaded = try ModelFile.decode(bytes)
            #expect(loaded.model == model)
            #expect(loaded.model.metadata == model.metadata)
            #expect(loaded.info.fileSize == bytes.count)
            #expect(try ModelFile.encode(loaded.model) == bytes)
        }
    }

    @Test("layout: header fields, aligned tensors in canonical order after the descriptor")
    func layout() throws {
        let model = try TestModels.everyKind()
        let bytes = try ModelFile.encode(model)
        let info = try ModelFile.decode(bytes).info
        #expect(Array(bytes[0..<8]) == [0x89, 0x56, 0x47, 0x47, 0x43, 0x0D, 0x0A, 0x1A])
        bytes.withUnsafeBytes { raw in
            #expect(raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self) == 1)
            #expect(raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self) == 0)
            #expect(raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self) == UInt64(bytes.count))
            #expect(raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self) == UInt64(info.descriptorLength))
            #expect(ModelHeader.modelHash(of: raw) == Array(bytes[32..<64]))
        }
        #expect(info.hash == hex(bytes[32..<64]) && info.hash.count == 64)
        #expect(info.tensors.map(\.name) == (try model.parameterSlots()).map(\.name))
        var end = 64 + info.descriptorLength
        for t in info.tensors {
            #expect(t.offset % 64 == 0 && t.offset >= end && t.offset - end < 64)
            #expect(bytes[end..<t.offset].allSatisfy { $0 == 0 })
            #expect(t.byteLength == t.shape.reduce(1, *) * 4)
            end = t.offset + t.byteLength
        }
        #expect(end == bytes.count)
    }

    @Test("float16 storage rounds to nearest even and reads back as Float")
    func float16() throws {
        var model = try TestModels.everyKind()
        model.tensors["c1.weight"]!.data[0] = 1 + 0x1p-11  // a tie: rounds to even (1.0)
        model.tensors["c1.weight"]!.data[1] = 1e6          // beyond half range: refused
        for name in model.tensors.keys { model.tensors[name]!.storage = .float16 }
        #expect(throws: ModelError.invalidSetting(layer: "c1.weight", setting: "value[1]", value: "1000000.0",
                                                  expected: "|value| ≤ 65504 to be stored as float16")) {
            try ModelFile.encode(model)
        }
        model.tensors["c1.weight"]!.data[1] = 65504         // the largest half
        let bytes = try ModelFile.encode(model)
        let loaded = try ModelFile.decode(bytes)
        #expect(loaded.info.tensors.allSatisfy { $0.dtype == .float16 && $0.byteLength == $0.shape.reduce(1, *) * 2 })
        for (name, original) in model.tensors {
            let read = try #require(loaded.model.tensors[name])
            #expect(read.storage == .float16 && read.shape == original.shape)
            #expect(read.data == original.data.map { Float(Float16($0)) })
            for (a, b) in zip(read.data, original.data) where b.magnitude < 60_000 {
                #expect((a - b).magnitude <= max(b.magnitude * 0x1p-11, 0x1p-24))
            }
        }
        #expect(loaded.model.tensors["c1.weight"]!.data[0] == 1)
        #expect(loaded.model.tensors["c1.weight"]!.data[1] == 65504)
        #expect(try ModelFile.encode(loaded.model) == bytes)
    }

    @Test("mixed f32/f16 storage round trips tensor by tensor")
    func mixedStorage() throws {
        var model = TestModels.flattenSigmoid()
        model.tensors["fc.weight"]!.storage = .float16
        let loaded = try ModelFile.decode(try ModelFile.encode(model))
        #expect(loaded.model.tensors["fc.bias"] == model.tensors["fc.bias"])
        #expect(loaded.model.tensors["fc.weight"]!.data == model.tensors["fc.weight"]!.data.map { Float(Float16($0)) })
    }

    @Test("the hash is deterministic and changes with any weight")
    func hashes() throws {
        let model = try TestModels.everyKind()
        let a = try ModelFile.encode(model), b = try ModelFile.encode(model)
        #expect(a == b)
        var changed = model
        changed.tensors["fc2.weight"]!.data[3] += 0x1p-20
        let c = try ModelFile.encode(changed)
        let infoA = try ModelFile.decode(a).info, infoC = try ModelFile.decode(c).info
        #expect(infoA.hash != infoC.hash)
        for (x, y) in zip(infoA.tensors, infoC.tensors) {
            #expect((x.hash == y.hash) == (x.name != "fc2.weight"), "\(x.name)")
        }
        // Metadata is part of the model hash too.
        var annotated = model
        annotated.metadata["epochs"] = "3"
        #expect(try ModelFile.decode(try ModelFile.encode(annotated)).info.hash != infoA.hash)
    }

    @Test("encode refuses invalid models and reserved storage dtypes")
    func encodeRefuses() throws {
        var missing = try TestModels.everyKind()
        missing.tensors["c1.bias"] = nil
        #expect(throws: ModelError.missingTensor(name: "c1.bias", expectedShape: [4])) { try ModelFile.encode(missing) }

        var bf16 = try TestModels.everyKind()
        bf16.tensors["fc1.bias"]!.storage = .bfloat16
        #expect(throws: ModelFileError(.unsupportedDType(tensor: "fc1.bias", dtype: .bfloat16))) {
            try ModelFile.encode(bf16)
        }
        var tooMuchMetadata = TestModels.parameterless()
        for i in 0...ModelFile.Limits.metadataEntries { tooMuchMetadata.metadata["k\(i)"] = "" }
        #expect(throws: ModelFileError(.countTooLarge(what: "metadata entries", count: 4097, maximum: 4096))) {
            try ModelFile.encode(tooMuchMetadata)
        }
    }

    @Test("file-level read errors are distinct and name the file")
    func fileErrors() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let missing = dir.file("nope.bin")
        #expect(throws: FileError(.notFound, path: missing)) { try ModelFile.read(path: missing) }
        #expect(throws: FileError(.isDirectory, path: dir.path)) { try ModelFile.read(path: dir.path) }
        let empty = dir.file("empty.bin")
        try OutputFile(empty).write([])
        #expect(throws: ModelFileError(.fileTooSmall(size: 0, minimum: 64), path: empty)) { try ModelFile.read(path: empty) }
        let png = dir.file("x.png")
        try OutputFile(png).write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0])
        do {
            _ = try ModelFile.read(path: png)
            Issue.record("a PNG was accepted")
        } catch let e as ModelFileError {
            #expect(e.problem == .badMagic(found: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(e.description.hasPrefix("cannot read \(png): not a vggc model file: it starts with 89 50 4e 47"))
        }
        // CR LF → LF, the classic text-mode damage, gets a hint.
        var mangled = try ModelFile.encode(TestModels.parameterless())
        mangled.remove(at: 5)
        let (problem, error) = decodeProblem(mangled)
        #expect(problem == .badMagic(found: [0x89, 0x56, 0x47, 0x47, 0x43, 0x0A, 0x1A, 0x01]))
        #expect("\(error!)".contains("text-mode transfer"))
    }

    @Test("error messages name the value found, the value expected and the place")
    func messages() {
        let e = ModelFileError(.tensorOutOfBounds(tensor: "block3_conv1.weight", end: 9_437_312, fileSize: 9_000_000),
                               path: "m.bin")
        #expect(e.description == "cannot read m.bin: tensor block3_conv1.weight ends at byte 9437312 but the file has 9000000 bytes")
        let w = FileError(.outputDirectoryMissing("out"), path: "out/m.bin")
        #expect(w.description == "cannot write out/m.bin: the folder out does not exist")
        #expect("\(ModelFileError(.unsupportedVersion(found: 2, supported: 1)))".contains("version 2"))
    }
}
