import Testing
import VGGCore
@testable import VGGFormat
import VGGSystem

@Suite("model files: resource ceilings, labels, byte-compared keys")
struct FormatReliabilityTests {
    /// conv 1×1 → GAP → dense → softmax: no tensor depends on the input's height and width.
    static func poolingModel(labels: [String] = ["aa", "bb"]) -> Model {
        var m = Model(input: InputSpec(height: 8, width: 8, channels: 1), labels: labels, layers: [
            NamedLayer("conv", .conv2D(Conv2D(kernel: 1, inChannels: 1, outChannels: 1))),
            NamedLayer("gap", .globalAveragePool(GlobalAveragePool())),
            NamedLayer("fc", .dense(Dense(inFeatures: 1, outFeatures: 2))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
        m.initializeParameters(seed: 1)
        return m
    }

    @Test("a file of a few hundred bytes that declares a 16384×16384 input is refused, before anything is allocated")
    func tinyFileHugeActivations() throws {
        var bytes = try ModelFile.encode(Self.poolingModel())
        #expect(bytes.count < 1024)
        bytes.put(16_384, at: 64, size: 4)  // input height
        bytes.put(16_384, at: 68, size: 4)  // input width
        bytes.rehash()
        let (problem, error) = decodeProblem(bytes)
        guard case .invalidModel(.resourceCeiling(let layer, _, let value, let limit, _))? = problem else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(layer == "conv" && value == 2 << 30 && limit == Model.Ceilings.activationBytesPerImage)
        #expect("\(error!)".contains("more than the ceiling"))
    }

    @Test("a label with DEL in the file is refused by the reader")
    func controlCharacterLabel() throws {
        var bytes = try ModelFile.encode(Self.poolingModel())
        let at = try #require((64 ..< bytes.count - 1).first { bytes[$0] == 0x62 && bytes[$0 + 1] == 0x62 })  // "bb"
        bytes[at + 1] = 0x7F
        bytes.rehash()
        let (problem, error) = decodeProblem(bytes)
        guard case .invalidModel(.invalidName(_, let reason))? = problem else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("control characters"))
        #expect("\(error!)".contains("\\u{7f}"), "the message escapes it: \(error!)")
    }

    @Test("metadata keys and labels that differ only by Unicode normalization are distinct and round-trip")
    func canonicalEquivalents() throws {
        var m = Self.poolingModel(labels: ["caf\u{E9}", "cafe\u{301}"])
        m.metadata["caf\u{E9}"] = "NFC"
        m.metadata["cafe\u{301}"] = "NFD"
        let bytes = try ModelFile.encode(m)
        let back = try ModelFile.decode(bytes).model
        #expect(back.metadata.count == 2 && back.metadata["caf\u{E9}"] == "NFC" && back.metadata["cafe\u{301}"] == "NFD")
        #expect(back.labels.map { Array($0.utf8) } == m.labels.map { Array($0.utf8) })
        #expect(try ModelFile.encode(back) == bytes)
    }
}
