import VGGSystem

/// A sequential VGG-family network with its input spec, labels, weights and provenance.
/// `validate()` is the single definition of a well-formed model: the reader calls it on
/// every file, the builders and importers on everything they make.
public struct Model: Equatable, Sendable {
    public var input: InputSpec
    /// Class labels; output `i` is the probability of `labels[i]`.
    public var labels: [String]
    public var layers: [NamedLayer]
    /// Parameter tensors by name (`<layer>.<suffix>`).
    public var tensors: [String: Tensor]
    /// Free-form provenance (dataset, command, epochs, metrics), written sorted by key.
    public var metadata: Metadata

    public init(input: InputSpec, labels: [String], layers: [NamedLayer],
                tensors: [String: Tensor] = [:], metadata: Metadata = [:]) {
        self.input = input; self.labels = labels; self.layers = layers
        self.tensors = tensors; self.metadata = metadata
    }

    /// What running one image may cost at most. Every valid model stays below both, so a
    /// file of a few hundred bytes cannot make a reader allocate gigabytes or run for days
    /// (docs/model-format.md, "Resource ceilings").
    public enum Ceilings {
        /// Float32 activations alive at once for one image: a layer's input plus its output.
        /// (A generated predictor's arena holds two such buffers.)
        public static let activationBytesPerImage = 1 << 30
        /// Multiply-accumulates per image over all layers (VGG-16 at 224×224: 1.5·10¹⁰).
        public static let multiplyAccumulatesPerImage = 1 << 40
    }

    /// Every activation shape: `[0]` is the input, `[i + 1]` the output of layer `i`.
    /// Checks names, settings, shapes and the resource ceilings, but not tensors.
    public func inferShapes() throws -> [ActivationShape] {
        try input.validate()
        guard !layers.isEmpty else { throw ModelError.emptyModel }
        var seen = Set<String>()
        var shapes = [input.shape]
        var macs = 0
        for named in layers {
            try Model.checkName(named.name)
            guard seen.insert(named.name).inserted else { throw ModelError.duplicateLayerName(named.name) }
            let settings = named.layer.settings
            try settings.validate(layer: named.name)
            let out = try settings.outputShape(for: shapes.last!, layer: named.name)
            guard checkedElementCount(out.dims) != nil else {
                throw ModelError.impossibleShape(layer: named.name, reason: "output \(out) exceeds \(maximumElementCount) elements")
            }
            // Both checked per layer, so the running sum cannot overflow (a layer's own count
            // is below 2^62 once its shapes are within the element limit).
            let bytes = (shapes.last!.elementCount + out.elementCount) * 4
            guard bytes <= Ceilings.activationBytesPerImage else {
                throw ModelError.resourceCeiling(layer: named.name, what: "activation memory per image (input + output, float32)",
                                                 value: bytes, limit: Ceilings.activationBytesPerImage, unit: "bytes")
            }
            macs += settings.multiplyAccumulates(input: shapes.last!, output: out)
            guard macs <= Ceilings.multiplyAccumulatesPerImage else {
                throw ModelError.resourceCeiling(layer: named.name, what: "multiply-accumulates per image up to this layer",
                                                 value: macs, limit: Ceilings.multiplyAccumulatesPerImage, unit: "")
            }
            shapes.append(out)
        }
        return shapes
    }

    /// The parameter tensors the layers need, in canonical (file) order.
    public func parameterSlots() throws -> [(name: String, shape: [Int])] {
        let shapes = try inferShapes()
        return layers.enumerated().flatMap { i, named in
            named.layer.settings.parameters(for: shapes[i]).map { ("\(named.name).\($0.suffix)", $0.shape) }
        }
    }

    /// Full validation: shapes, output layer, labels, and every tensor present, of the
    /// right shape and size, and used. Returns the activation shapes.
    @discardableResult
    public func validate() throws -> [ActivationShape] {
        let shapes = try inferShapes()
        try checkOutput(shapes.last!)
        try checkLabels(outputs: shapes.last!.elementCount)
        var unused = Set(tensors.keys)
        for (name, shape) in try parameterSlots() {
            guard let t = tensors[name] else { throw ModelError.missingTensor(name: name, expectedShape: shape) }
            guard t.shape == shape else { throw ModelError.tensorShapeMismatch(name: name, found: t.shape, expected: shape) }
            let n = shape.reduce(1, *)
            guard t.data.count == n else { throw ModelError.tensorDataMismatch(name: name, elements: t.data.count, expected: n) }
            if name.hasSuffix(".variance"), let i = t.data.firstIndex(where: { $0 < 0 }) {
                throw ModelError.invalidSetting(layer: name, setting: "value[\(i)]", value: "\(t.data[i])", expected: "a variance ≥ 0")
            }
            // A NaN or infinite parameter (e.g. an f16 overflow) poisons every output silently.
            if let i = t.data.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.invalidSetting(layer: name, setting: "value[\(i)]", value: "\(t.data[i])", expected: "a finite number")
            }
            unused.remove(name)
        }
        if let extra = unused.sorted().first { throw ModelError.unusedTensor(extra) }
        for (key, value) in metadata {
            guard !key.isEmpty, key.utf8.count <= 256 else {
                throw ModelError.invalidName(key, reason: "metadata keys are 1...256 bytes")
            }
            guard value.utf8.count <= 65_536 else {
                throw ModelError.invalidName(key, reason: "metadata value is \(value.utf8.count) bytes, at most 65536")
            }
        }
        return shapes
    }

    /// The model ends in Softmax or Sigmoid, so its outputs are probabilities.
    public var outputLayer: LayerKind { layers.last!.layer.kind }

    /// Whether the model is a one-unit sigmoid binary classifier.
    public var isSingleSigmoid: Bool {
        if case .sigmoid = layers.last?.layer, labels.count == 2 { return true }
        return false
    }

    private func checkOutput(_ out: ActivationShape) throws {
        guard case .vector = out else {
            throw ModelError.badOutput(reason: "the network ends with an image \(out); it must end in a vector")
        }
        switch layers.last!.layer {
        case .softmax, .sigmoid: break
        default:
            throw ModelError.badOutput(reason: "the last layer \(layers.last!.name) is \(outputLayer); it must be Softmax or Sigmoid so outputs are probabilities")
        }
    }

    private func checkLabels(outputs: Int) throws {
        var seen = Set<[UInt8]>()  // by bytes, as the format compares them
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 256, !Display.containsControlCharacter(label) else {
                throw ModelError.invalidName(label, reason: "labels are 1...256 bytes without control characters (C0, DEL or C1)")
            }
            guard seen.insert(Array(label.utf8)).inserted else { throw ModelError.invalidName(label, reason: "label appears twice") }
        }
        if case .sigmoid = layers.last!.layer, outputs == 1 {
            guard labels.count == 2 else {
                throw ModelError.labelCount(labels: labels.count, expected: 2, reason: "a one-unit sigmoid output is a binary classifier")
            }
        } else {
            guard labels.count == outputs, outputs >= 2 else {
                throw ModelError.labelCount(labels: labels.count, expected: max(outputs, 2),
                                            reason: "one label per output of \(layers.last!.name), at least 2")
            }
        }
    }

    /// Per-class probabilities from the network's output (expands a one-unit sigmoid).
    public func classProbabilities(_ output: [Float]) -> [Float] {
        if output.count == 1 && labels.count == 2 { return [1 - output[0], output[0]] }
        return output
    }

    static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 128 else {
            throw ModelError.invalidName(name, reason: "layer names are 1...128 bytes")
        }
        let allowed = name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45
        }
        guard allowed else {
            throw ModelError.invalidName(name, reason: "layer names use only letters, digits, '_' and '-'")
        }
    }
}
