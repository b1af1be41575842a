import VGGCore

/// Small real networks the tests share.
public enum TestNetworks {
    /// A real VGG-11 on 32×32 gray input with a small dense head and randomized parameters
    /// (batch-norm statistics included, so folding is exercised). At width 0.125 its
    /// convolutions have 8…64 channels.
    public static func smallVGG(batchNorm: Bool, width: Double = 0.125,
                                seeds: (build: UInt64, parameters: UInt64) = (3, 4)) throws -> Model {
        var m = try Model.vgg(VGGConfiguration(depth: .vgg11, batchNorm: batchNorm, widthMultiplier: width,
                                               input: InputSpec(height: 32, width: 32, channels: 1),
                                               labels: ["NORMAL", "PNEUMONIA"], head: .small(hidden: 16, dropout: 0.5)),
                              seed: seeds.build)
        m.randomizeParameters(seed: seeds.parameters)
        return m
    }
}
