import VGGImage
import VGGCore

/// Transfer learning: the convolutional base of one model under a new classifier head.
///
/// The base is every layer before the first Flatten, GlobalAveragePool or Dense — the part
/// of a VGG that turns an image into feature maps. With the base frozen, its output for a
/// given image never changes, so `FeatureCache` computes it once per image and training
/// the head costs only the head.
public enum TransferLearning {
    /// The number of leading layers that form the convolutional base.
    public static func baseLength(of model: Model) throws -> Int {
        let end = model.layers.firstIndex { named in
            switch named.layer {
            case .flatten, .globalAveragePool, .dense: return true
            default: return false
            }
        } ?? model.layers.count
        guard model.layers[..<end].contains(where: { if case .conv2D = $0.layer { return true } else { return false } }) else {
            throw TrainingError.unsupportedModel(reason: "the base model has no convolution before its head, so there is no convolutional base to reuse")
        }
        return end
    }

    /// The base of `base` followed by a new head for `labels`, seeded. The base keeps its
    /// weights, input spec and layer names; head layers are named `head_*` so they never
    /// clash with the base's.
    public static func model(base: Model, head: ClassifierHead, labels: [String], output: OutputActivation = .softmax,
                             seed: UInt64) throws -> Model {
        let length = try baseLength(of: base)
        let baseLayers = Array(base.layers[..<length])
        var shapes = [base.input.shape]
        for named in baseLayers { shapes.append(try named.layer.settings.outputShape(for: shapes.last!, layer: named.name)) }
        let features = shapes.last!
        var layers = baseLayers
        var width = features.elementCount
        func dense(_ name: String, _ n: Int) {
            layers.append(NamedLayer(name, .dense(Dense(inFeatures: width, outFeatures: n))))
            width = n
        }
        switch head {
        case let .classic(hidden, dropout), let .small(hidden, dropout):
            if case .image = features { layers.append(NamedLayer("head_flatten", .flatten(Flatten()))) }
            let count: Int = { if case .classic = head { return 2 } else { return 1 } }()
            for h in 1...count {
                dense("head_fc\(h)", hidden)
                layers.append(NamedLayer("head_fc\(h)_relu", .relu(ReLU())))
                if dropout > 0 { layers.append(NamedLayer("head_fc\(h)_dropout", .dropout(Dropout(rate: dropout)))) }
            }
        case .globalPool:
            if case .image = features {
                layers.append(NamedLayer("head_global_pool", .globalAveragePool(GlobalAveragePool())))
                width = features.channels
            }
        }
        if output == .sigmoid && labels.count != 2 {
            throw ModelError.labelCount(labels: labels.count, expected: 2, reason: "a sigmoid output is for binary classifiers")
        }
        dense("head_predictions", output == .sigmoid ? 1 : labels.count)
        layers.append(output == .sigmoid ? NamedLayer("head_sigmoid", .sigmoid(Sigmoid()))
                                         : NamedLayer("head_softmax", .softmax(Softmax())))
        var model = Model(input: base.input, labels: labels, layers: layers, metadata: base.metadata)
        model.initializeParameters(seed: seed)
        // The base keeps its trained weights; only the head starts fresh.
        let baseNames = Set(baseLayers.map(\.name))
        for (name, tensor) in base.tensors where baseNames.contains(String(name.prefix { $0 != "." })) {
            model.tensors[name] = tensor
        }
        try model.validate()
        return model
    }

    /// Names of the layers that learn: the head, plus the last `unfreezeLast` convolutions
    /// of the base and the batch norms that follow them.
    public static func trainableLayers(of model: Model, baseLength: Int, unfreezeLast: Int) throws -> Set<String> {
        var names = Set(model.layers[baseLength...].map(\.name))
        guard unfreezeLast > 0 else { return names }
        let convs = model.layers[..<baseLength].indices.filter { if case .conv2D = model.layers[$0].layer { return true } else { return false } }
        guard unfreezeLast <= convs.count else {
            throw TrainingError.invalidSetting(.unfreezeLast, value: "\(unfreezeLast)",
                                               expected: "1...\(convs.count) (the base has \(convs.count) convolutions)")
        }
        guard let first = convs.suffix(unfreezeLast).first else { return names }
        for i in first..<baseLength { names.insert(model.layers[i].name) }
        return names
    }

    /// The head alone, as a model whose input is the base's feature map, so it can be
    /// trained on cached features. Its tensors are the head's.
    public static func headModel(of model: Model, baseLength: Int) throws -> Model {
        let shapes = try model.inferShapes()
        let features = shapes[baseLength]
        let input: InputSpec
        switch features {
        case let .image(h, w, c): input = InputSpec(height: h, width: w, channels: c)
        case let .vector(n): input = InputSpec(height: 1, width: 1, channels: n)
        }
        var head = Model(input: input, labels: model.labels, layers: Array(model.layers[baseLength...]))
        // A 1×1×n input feeding a Dense needs a Flatten in front to be a vector.
        if case .vector = features { head.layers.insert(NamedLayer("head_input_flatten", .flatten(Flatten())), at: 0) }
        let names = Set(head.layers.map(\.name))
        head.tensors = model.tensors.filter { names.contains(String($0.key.prefix { $0 != "." })) }
        try head.validate()
        return head
    }
}

/// The frozen base's output for every image of a set, computed once.
public enum FeatureCache {
    /// Runs layers `0..<baseLength` of `network` (inference mode) on every image of `data`.
    public static func features(of data: DecodedDataset, network: TrainingNetwork, baseLength: Int,
                                batchSize: Int = 32, progress: ((Int, Int) -> Void)? = nil) -> DecodedDataset {
        let n = data.elementCount
        let outShape = network.shapes[baseLength]
        var out: [Float] = []
        out.reserveCapacity(data.count * outShape.elementCount)
        var i = 0
        while i < data.count {
            let count = min(batchSize, data.count - i)
            out += network.run(Array(data.inputs[i * n ..< (i + count) * n]), batch: count, layers: 0..<baseLength)
            i += count
            progress?(i, data.count)
        }
        return DecodedDataset(classes: data.classes, shape: outShape, inputs: out, labels: data.labels, sources: data.sources)
    }
}
