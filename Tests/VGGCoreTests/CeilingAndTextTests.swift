import Testing
@testable import VGGCore

@Suite("Resource ceilings, labels and metadata keys")
struct CeilingAndTextTests {
    /// conv → GAP → dense → softmax on an H×W×C input: tensors do not depend on H and W.
    static func model(height: Int, width: Int, channels: Int = 1, outChannels: Int = 1, kernel: Int = 1) -> Model {
        Model(input: InputSpec(height: height, width: width, channels: channels), labels: ["a", "b"], layers: [
            NamedLayer("conv", .conv2D(Conv2D(kernel: kernel, inChannels: channels, outChannels: outChannels))),
            NamedLayer("gap", .globalAveragePool(GlobalAveragePool())),
            NamedLayer("fc", .dense(Dense(inFeatures: outChannels, outFeatures: 2))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
    }

    @Test("a small model description cannot demand gigabytes of activations")
    func activationCeiling() throws {
        // 16384 × 16384 × 1 in and out: 2 GiB of float32 for one image.
        let m = Self.model(height: 16_384, width: 16_384)
        #expect(throws: ModelError.resourceCeiling(layer: "conv", what: "activation memory per image (input + output, float32)",
                                                   value: 2 << 30, limit: Model.Ceilings.activationBytesPerImage, unit: "bytes")) {
            try m.inferShapes()
        }
        // Just below the ceiling is a model like any other.
        _ = try Self.model(height: 8192, width: 8192).inferShapes()
    }

    @Test("nor days of arithmetic")
    func macCeiling() throws {
        // 31×31 kernel, 1024 → 1024 channels on 64×64: 4.2·10¹² multiply-accumulates.
        let m = Self.model(height: 64, width: 64, channels: 1024, outChannels: 1024, kernel: 31)
        do {
            _ = try m.inferShapes()
            Issue.record("accepted")
        } catch let ModelError.resourceCeiling(layer, what, value, limit, _) {
            #expect(layer == "conv" && what.hasPrefix("multiply-accumulates") && value > limit && limit == 1 << 40)
        }
        #expect(ModelError.resourceCeiling(layer: "conv", what: "x", value: 3, limit: 2, unit: "bytes").description
                == "layer conv: x would be 3 bytes, more than the ceiling of 2 bytes every model must respect")
    }

    @Test("labels with DEL or C1 control characters are refused; canonically equivalent ones are two labels")
    func labels() throws {
        var m = ValidationTests.tiny()
        for bad in ["PNEU\u{7F}", "PNEU\u{9B}2J", "x\u{85}y", "a\nb"] {
            m.labels = ["NORMAL", bad]
            #expect(throws: ModelError.self, "\(bad.unicodeScalars.map(\.value))") { try m.validate() }
        }
        m.labels = ["caf\u{E9}", "cafe\u{301}"]  // NFC and NFD "café": different bytes
        _ = try m.validate()
        m.labels = ["caf\u{E9}", "caf\u{E9}"]
        #expect(throws: ModelError.invalidName("caf\u{E9}", reason: "label appears twice")) { try m.validate() }
        #expect(ModelError.invalidName("a\u{9B}", reason: "r").description == "name \"a\\u{9b}\" is invalid: r")
    }

    @Test("metadata keys compare by bytes, in byte order")
    func metadataKeys() {
        var md = Metadata()
        md["caf\u{E9}"] = "nfc"
        md["cafe\u{301}"] = "nfd"
        md["b"] = "2"
        md["a"] = "1"
        #expect(md.count == 4)
        #expect(md["caf\u{E9}"] == "nfc" && md["cafe\u{301}"] == "nfd")
        #expect(md.keys == ["a", "b", "cafe\u{301}", "caf\u{E9}"])  // "e" (0x65) before "é" (0xC3 0xA9)
        md["b"] = nil
        #expect(md.keys == ["a", "cafe\u{301}", "caf\u{E9}"])
        var copy = md
        #expect(copy == md)
        copy["caf\u{E9}"] = "other"
        #expect(copy != md)
        var ordered = Metadata()
        #expect(ordered.append(key: "a", value: "1") && ordered.append(key: "b", value: "2"))
        #expect(!ordered.append(key: "b", value: "again") && !ordered.append(key: "a", value: "late"))
    }
}
