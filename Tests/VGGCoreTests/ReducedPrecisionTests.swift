import Testing
import VGGCore

@Suite("bf16 precision")
struct ReducedPrecisionTests {
    @Test func roundsToNearestEven() {
        #expect(Float(1).roundedToBF16 == 1)
        // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: ties go to the even neighbour, 1.
        #expect(Float(1 + 0x1p-8).roundedToBF16 == 1)
        // 1 + 3·2⁻⁸ is halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶: the even one is 1 + 2⁻⁶.
        #expect(Float(1 + 3 * 0x1p-8).roundedToBF16 == 1 + 0x1p-6)
        #expect(Float(1 + 0x1p-8 + 0x1p-20).roundedToBF16 == 1 + 0x1p-7)
        #expect(Float(-3.14159).roundedToBF16 == -3.140625)
        #expect(Float.infinity.roundedToBF16 == .infinity)
        #expect(Float.greatestFiniteMagnitude.roundedToBF16 == .infinity)
        #expect(Float.nan.roundedToBF16.isNaN)
        #expect(Float(bitPattern: 0x7F80_0001).roundedToBF16.isNaN, "a NaN whose payload is in the low bits stays NaN")
        #expect(Float(0).roundedToBF16 == 0 && Float(-0.0).roundedToBF16.sign == .minus)
        // Subnormals flush to a zero of their sign (vdpbf16ps reads them as zero); the
        // smallest normal stays, and the largest subnormal does not round up to it.
        #expect(Float.leastNonzeroMagnitude.roundedToBF16.bitPattern == 0)
        #expect((-Float.leastNonzeroMagnitude).roundedToBF16.bitPattern == 0x8000_0000)
        #expect(Float(bitPattern: 0x007F_FFFF).roundedToBF16.bitPattern == 0)
        #expect(Float.leastNormalMagnitude.roundedToBF16 == .leastNormalMagnitude)
        // Every value is a bfloat16 value afterwards: the low 16 bits are zero.
        var rng = SeededGenerator(seed: 4)
        for _ in 0..<1000 {
            let x = rng.uniform(-1000...1000)
            let r = x.roundedToBF16
            #expect(r.bitPattern & 0xFFFF == 0)
            #expect(abs(r - x) <= abs(x) * 0x1p-8)
        }
    }

    @Test func emulationFoldsBatchNormAndRoundsWeights() throws {
        var model = try Model.vgg(VGGConfiguration(depth: .vgg11, batchNorm: true, widthMultiplier: 0.0625,
                                                   input: InputSpec(height: 32, width: 32, channels: 1),
                                                   labels: ["NORMAL", "PNEUMONIA"], head: .small(hidden: 16, dropout: 0.5)), seed: 2)
        model.randomizeParameters(seed: 3)
        let bf16 = try model.bf16Emulation()
        #expect(bf16.layers.filter { $0.layer.kind == .batchNorm }.isEmpty)
        #expect(bf16.layers.count == model.layers.count - model.layers.filter { $0.layer.kind == .batchNorm }.count)
        #expect(try bf16.validate().last == model.validate().last)
        for named in bf16.layers where [.conv2D, .dense].contains(named.layer.kind) {
            #expect(bf16.tensors["\(named.name).weight"]!.data.allSatisfy { $0.bitPattern & 0xFFFF == 0 }, "\(named.name)")
        }
        // The first conv's weights are its own times γ/√(var+ε), rounded once to float, then to bfloat16.
        let w = model.tensors[model.layers[0].name + ".weight"]!.data
        let bn = model.layers[1].name
        let gamma = model.tensors["\(bn).gamma"]!.data, variance = model.tensors["\(bn).variance"]!.data
        guard case let .batchNorm(b) = model.layers[1].layer else { Issue.record("layer 1 is not BN"); return }
        let outputs = gamma.count
        let folded = bf16.tensors[model.layers[0].name + ".weight"]!.data
        for k in [0, 5, 17] {
            let s = Double(gamma[k % outputs]) / (Double(variance[k % outputs]) + Double(b.epsilon)).squareRoot()
            #expect(folded[k] == Float(Double(w[k]) * s).roundedToBF16)
        }
    }
}
