import Testing
@testable import VGGCore

@Suite("VGG builders")
struct BuilderTests {
    /// torchvision's vgg16 (224×224×3, 1000 classes) has 138,357,544 parameters; vgg11
    /// 132,863,336; vgg19 143,667,240; vgg16_bn 138,365,992 (BN adds 2·4224 affine ones, and
    /// our count also includes the 2·4224 running statistics).
    @Test(arguments: [(VGGDepth.vgg11, false, 132_863_336), (.vgg16, false, 138_357_544), (.vgg19, false, 143_667_240),
                      (.vgg16, true, 138_365_992 + 2 * 4224)])
    func parameterCountsMatchThePaper(depth: VGGDepth, batchNorm: Bool, expected: Int) throws {
        // The paper's biases are kept even with batch norm in torchvision; ours drop the conv
        // bias when BN follows (it is redundant), so add it back for the comparison.
        let model = try Model.vgg(VGGConfiguration(depth: depth, batchNorm: batchNorm,
                                                   input: InputSpec(height: 224, width: 224, channels: 3),
                                                   labels: (0..<1000).map { "c\($0)" },
                                                   head: .classic(hidden: 4096, dropout: 0.5)))
        let summary = try ModelSummary(model)
        let droppedBiases = batchNorm ? depth.blocks.joined().reduce(0, +) : 0
        #expect(summary.totalParameters + droppedBiases == expected)
    }

    /// VGG-16's convolutions cost 15.35 G MACs at 224×224×3 (the benchmark model of issue 6).
    @Test func vgg16ConvolutionCost() throws {
        let model = try Model.vgg(VGGConfiguration(input: InputSpec(height: 224, width: 224, channels: 3),
                                                   labels: ["NORMAL", "PNEUMONIA"], head: .small(hidden: 256, dropout: 0.5)))
        let s = try ModelSummary(model)
        let conv = s.layers.filter { $0.kind == .conv2D }.reduce(0) { $0 + $1.multiplyAccumulates }
        #expect(conv == 15_346_630_656)
        #expect(s.layers.last { $0.kind == .maxPool2D }?.output == .image(height: 7, width: 7, channels: 512))
        // 224×224×64 in + 224×224×64 out, float32
        #expect(s.peakActivationBytes == 2 * 224 * 224 * 64 * 4)
    }

    @Test func widthMultiplierAndGrayInput() throws {
        let model = try Model.vgg(VGGConfiguration(depth: .vgg11, widthMultiplier: 0.25,
                                                   input: InputSpec(height: 64, width: 64, channels: 1),
                                                   labels: ["NORMAL", "PNEUMONIA"], head: .globalPool, output: .sigmoid))
        let shapes = try model.validate()
        guard case let .conv2D(first) = model.layers[0].layer else { Issue.record("first layer is not a conv"); return }
        #expect(first.inChannels == 1 && first.outChannels == 16)
        #expect(shapes.last == .vector(1))
        #expect(model.isSingleSigmoid)
        #expect(model.classProbabilities([0.25]) == [0.75, 0.25])
    }

    @Test func sameSeedSameWeights() throws {
        let config = VGGConfiguration(depth: .vgg11, widthMultiplier: 0.125, input: InputSpec(height: 32, width: 32, channels: 1),
                                      labels: ["a", "b"])
        let a = try Model.vgg(config, seed: 5), b = try Model.vgg(config, seed: 5), c = try Model.vgg(config, seed: 6)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func tooSmallInputNamesTheLayer() throws {
        let config = VGGConfiguration(depth: .vgg11, widthMultiplier: 0.125, input: InputSpec(height: 16, width: 16, channels: 1),
                                      labels: ["a", "b"])
        #expect(throws: ModelError.impossibleShape(layer: "block5_pool",
                                                   reason: "height 1 is smaller than the 2-pixel window with valid padding")) {
            try Model.vgg(config)
        }
    }
}
