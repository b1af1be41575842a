import Testing
import VGGCore

@Suite("int8 quantization")
struct Int8QuantizationTests {
    @Test func quantizesToNearestEvenAndClamps() {
        let q = { (x: Float) in Int8Quantization.quantize(x, inverseScale: 1) }
        #expect(q(0) == 0 && q(-0.0) == 0 && q(-3) == 0)
        #expect(q(.nan) == 0, "NaN gives code 0, as the kernel's max-then-convert does")
        #expect(q(0.5) == 0 && q(1.5) == 2 && q(2.5) == 2, "ties to even")
        #expect(q(254.5) == 254 && q(254.51) == 255 && q(300) == 255 && q(.infinity) == 255)
        #expect(Int8Quantization.quantize(10, inverseScale: 25.5) == 255)
        #expect(Int8Quantization.quantize(5, inverseScale: 25.5) == 128, "127.5 → 128 (even)")
    }

    @Test func inputScales() {
        let (s, inverse) = Int8Quantization.inputScales(maximum: 10)
        #expect(s == Float(10.0 / 255) && inverse == Float(255.0 / 10))
        // An input that was always 0 keeps zeros as zeros.
        #expect(Int8Quantization.inputScales(maximum: 0) == (Float(1.0 / 255), 255))
    }

    @Test func weightsPerOutputChannel() {
        // [in 3][out 2]: channel 0 reaches ±127 at its largest magnitude, channel 1 is all zero.
        let w: [Float] = [0.5, 0, -1.0, 0, 0.25, 0]
        let (q, scales) = Int8Quantization.quantizeWeights(w, outputs: 2)
        #expect(scales == [Float(1.0 / 127), 1])
        #expect(q == [64, 0, -127, 0, 32, 0])  // 63.5 → 64, 31.75 → 32
    }

    @Test func quantizesTheLayersAfterAReLU() throws {
        var m = try Model.vgg(VGGConfiguration(depth: .vgg11, batchNorm: true, widthMultiplier: 0.0625,
                                               input: InputSpec(height: 32, width: 32, channels: 1),
                                               labels: ["a", "b"], head: .small(hidden: 16, dropout: 0.5)), seed: 1)
        m.randomizeParameters(seed: 2)
        let folded = try m.foldingBatchNorms()
        let chosen = folded.int8LayerIndices().map { folded.layers[$0].name }
        let weighted = folded.layers.filter { [.conv2D, .dense].contains($0.layer.kind) }.map(\.name)
        // Every conv and dense layer but the first (the image can be negative) follows a ReLU.
        #expect(chosen == Array(weighted.dropFirst()))
        let index = folded.int8LayerIndices()[0]
        let layer = folded.int8Layer(at: index, inputMaximum: 3)
        #expect(layer.inputScale == Float(3.0 / 255))
        // Dequantized weights are within half a step of the folded ones, and every channel's
        // largest magnitude lands on ±127 (the range is used fully, never exceeded).
        let w = folded.tensors["\(folded.layers[index].name).weight"]!.data, outputs = layer.bias.count
        #expect(w.indices.allSatisfy { abs(Float(layer.weights[$0]) * layer.weightScales[$0 % outputs] - w[$0]) <= layer.weightScales[$0 % outputs] * 0.5001 })
        for o in 0..<outputs { #expect(stride(from: o, to: w.count, by: outputs).map { abs(Int(layer.weights[$0])) }.max() == 127) }
    }

    /// A reduction so long that 255·127·K could overflow 32 bits stays float32; the dense
    /// after a ReLU with a short reduction is int8; the first convolution (image input) is not.
    @Test func longReductionsStayFloat() {
        let m = Model(input: InputSpec(height: 1, width: 70_000, channels: 1), labels: ["a", "b"], layers: [
            NamedLayer("conv", .conv2D(Conv2D(kernel: 1, stride: 1, padding: .valid, inChannels: 1, outChannels: 1))),
            NamedLayer("relu", .relu(ReLU())),
            NamedLayer("flatten", .flatten(Flatten())),
            NamedLayer("long", .dense(Dense(inFeatures: 70_000, outFeatures: 4))),
            NamedLayer("relu2", .relu(ReLU())),
            NamedLayer("short", .dense(Dense(inFeatures: 4, outFeatures: 2))),
        ])
        #expect(m.int8LayerIndices() == [5])
    }
}
