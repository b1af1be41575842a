/// Builders for the standard VGG networks (Simonyan & Zisserman, 2014) at any input size,
/// channel count and width, with a choice of classifier head.

public enum VGGDepth: String, CaseIterable, Sendable {
    case vgg11, vgg13, vgg16, vgg19

    /// Convolution widths per block (before the width multiplier); each block ends in a
    /// 2×2 max pool. Configurations A, B, D and E of the paper.
    public var blocks: [[Int]] {
        switch self {
        case .vgg11: return [[64], [128], [256, 256], [512, 512], [512, 512]]
        case .vgg13: return [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]]
        case .vgg16: return [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]
        case .vgg19: return [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]]
        }
    }
}

public enum ClassifierHead: Equatable, Sendable {
    /// The paper's head: Flatten → Dense(hidden) → ReLU → Dropout → Dense(hidden) → ReLU →
    /// Dropout → Dense(classes). `hidden` is 4096 in the paper.
    case classic(hidden: Int, dropout: Float)
    /// Flatten → Dense(hidden) → ReLU → Dropout → Dense(classes): the tutorial's head.
    case small(hidden: Int, dropout: Float)
    /// GlobalAveragePool → Dense(classes): fewest parameters.
    case globalPool
}

public enum OutputActivation: String, Sendable {
    /// One output per class, softmax.
    case softmax
    /// Binary only: one output unit, sigmoid, P(second label).
    case sigmoid
}

public struct VGGConfiguration: Sendable {
    public var depth: VGGDepth
    public var batchNorm: Bool
    /// Scales every convolution width (rounded, at least 1): 0.25 gives 16…128 channels.
    public var widthMultiplier: Double
    public var input: InputSpec
    public var labels: [String]
    public var head: ClassifierHead
    public var output: OutputActivation
    /// Convolution widths per block, replacing `depth`'s (e.g. the small benchmark VGG
    /// `[[32, 32], [64, 64], [128, 128], [256, 256]]`); nil keeps the paper's.
    public var customBlocks: [[Int]]?

    public init(depth: VGGDepth = .vgg16, batchNorm: Bool = false, widthMultiplier: Double = 1,
                input: InputSpec, labels: [String], head: ClassifierHead = .small(hidden: 256, dropout: 0.5),
                output: OutputActivation = .softmax) {
        self.depth = depth; self.batchNorm = batchNorm; self.widthMultiplier = widthMultiplier
        self.input = input; self.labels = labels; self.head = head; self.output = output
    }
}

extension Model {
    /// Builds a VGG with He-initialized weights (zero biases, identity batch norm), seeded.
    public static func vgg(_ config: VGGConfiguration, seed: UInt64 = 0) throws -> Model {
        guard config.widthMultiplier > 0, config.widthMultiplier <= 16 else {
            throw ModelError.invalidSetting(layer: "vgg", setting: "widthMultiplier",
                                            value: "\(config.widthMultiplier)", expected: "0 < width ≤ 16")
        }
        var layers: [NamedLayer] = []
        var channels = config.input.channels
        for (b, block) in (config.customBlocks ?? config.depth.blocks).enumerated() {
            for (i, width) in block.enumerated() {
                let out = max(1, Int((Double(width) * config.widthMultiplier).rounded()))
                let prefix = "block\(b + 1)_"
                layers.append(NamedLayer(prefix + "conv\(i + 1)",
                    .conv2D(Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: channels,
                                   outChannels: out, hasBias: !config.batchNorm))))
                if config.batchNorm {
                    layers.append(NamedLayer(prefix + "bn\(i + 1)", .batchNorm(BatchNorm(channels: out))))
                }
                layers.append(NamedLayer(prefix + "relu\(i + 1)", .relu(ReLU())))
                channels = out
            }
            layers.append(NamedLayer("block\(b + 1)_pool", .maxPool2D(MaxPool2D())))
        }
        let classes = config.output == .sigmoid ? 1 : config.labels.count
        if config.output == .sigmoid && config.labels.count != 2 {
            throw ModelError.labelCount(labels: config.labels.count, expected: 2,
                                        reason: "a sigmoid output is for binary classifiers")
        }
        // Shapes after the conv base decide the head's input size.
        var draft = Model(input: config.input, labels: config.labels, layers: layers)
        let baseOut = try draft.inferShapes().last!
        var features = baseOut.elementCount
        func dense(_ name: String, _ n: Int) {
            layers.append(NamedLayer(name, .dense(Dense(inFeatures: features, outFeatures: n))))
            features = n
        }
        switch config.head {
        case let .classic(hidden, dropout), let .small(hidden, dropout):
            layers.append(NamedLayer("flatten", .flatten(Flatten())))
            let count = { if case .classic = config.head { return 2 } else { return 1 } }()
            for h in 1...count {
                dense("fc\(h)", hidden)
                layers.append(NamedLayer("fc\(h)_relu", .relu(ReLU())))
                if dropout > 0 { layers.append(NamedLayer("fc\(h)_dropout", .dropout(Dropout(rate: dropout)))) }
            }
        case .globalPool:
            layers.append(NamedLayer("global_pool", .globalAveragePool(GlobalAveragePool())))
            features = baseOut.channels
        }
        dense("predictions", classes)
        layers.append(config.output == .sigmoid ? NamedLayer("sigmoid", .sigmoid(Sigmoid()))
                                                : NamedLayer("softmax", .softmax(Softmax())))
        draft.layers = layers
        draft.initializeParameters(seed: seed)
        let family = config.customBlocks.map { "vgg blocks \($0)" } ?? config.depth.rawValue
        draft.metadata["architecture"] = "\(family)\(config.batchNorm ? "_bn" : "") width \(config.widthMultiplier)"
        try draft.validate()
        return draft
    }

    /// Fills every parameter slot: He-normal weights (std √(2 / fan-in)), zero biases,
    /// identity batch norm. Replaces existing tensors.
    public mutating func initializeParameters(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        tensors = [:]
        guard let slots = try? parameterSlots() else { return }
        for (name, shape) in slots {
            let n = shape.reduce(1, *)
            var data = [Float](repeating: 0, count: n)
            if name.hasSuffix(".weight") {
                let fanIn = shape.dropLast().reduce(1, *)
                let std = (2 / Float(fanIn)).squareRoot()
                for i in 0..<n { data[i] = rng.normal() * std }
            } else if name.hasSuffix(".gamma") || name.hasSuffix(".variance") {
                data = [Float](repeating: 1, count: n)
            }
            tensors[name] = Tensor(shape: shape, data: data)
        }
    }

    /// Replaces every parameter with seeded noise that exercises everything a test should
    /// see: non-zero biases, BN statistics away from identity (variances in [0.5, 1.5]).
    public mutating func randomizeParameters(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        guard let slots = try? parameterSlots() else { return }
        for (name, shape) in slots {
            let n = shape.reduce(1, *)
            let fanIn = max(1, shape.dropLast().reduce(1, *))
            let scale: Float = name.hasSuffix(".weight") ? (2 / Float(fanIn)).squareRoot() : 0.2
            var data = (0..<n).map { _ in rng.normal() * scale }
            if name.hasSuffix(".variance") { data = data.map { 0.5 + abs($0) * 2.5 } }
            if name.hasSuffix(".gamma") { data = data.map { 1 + $0 } }
            tensors[name] = Tensor(shape: shape, data: data)
        }
    }
}
