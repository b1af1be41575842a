import CPredictorKernels
import Testing
@testable import VGGCodegen

@Suite("Instruction-set levels")
struct CodeLevelTests {
    /// Every feature a level can require is one the predictor's CPU check knows: an unknown
    /// name would make the check fail on every CPU (cpu_features.c answers -1 for it).
    @Test func everyFeatureIsKnownToTheCPUCheck() {
        let names = Set(CodeLevel.macros.map(\.1) + CodeLevel.v4.features + PredictorBuilder.precisionFeatures(.bf16)
                        + PredictorBuilder.precisionFeatures(.int8))
        for name in names.sorted() { #expect(vggc_cpu_supports(name) != -1, "\(name)") }
        #expect(vggc_cpu_supports("avx9000") == -1)
    }

    @Test func levelsForTargets() throws {
        #expect(try CodeLevel.levels(for: "portable").map(\.name.text) == ["x86-64-v4", "x86-64-v3", "x86-64"])
        #expect(try CodeLevel.levels(for: "x86-64-v3") == [CodeLevel.v3])
        #expect(CodeLevel.v3.features.contains("fma") && !CodeLevel.v3.features.contains("avx512f"))
        #expect(CodeLevel.v4.features.starts(with: CodeLevel.v3.features))
        #expect(CodeLevel.baseline.name.compilerFlags.isEmpty)
        #expect(throws: CodegenError.self) { try CodeLevel.levels(for: "pentium9000") }
        #expect(throws: CodegenError.self) { try CodeLevel.levels(for: "x86 64; rm") }
    }

    /// `native` requires what clang enables for this machine, which this machine has.
    @Test func nativeRequiresWhatThisMachineHas() throws {
        let native = try #require(try CodeLevel.levels(for: "native").first)
        #expect(native.features.contains("sse4.2"))
        for feature in native.features { #expect(vggc_cpu_supports(feature) == 1, "\(feature)") }
    }
}
