import VGGCore
import VGGEngine

/// A model made trainable: its layers in training form, its parameters in a
/// `ParameterStore`, and the loss that replaces its final Softmax or Sigmoid.
///
/// `trainable` picks which layers learn; the others are frozen (no parameter gradient, and
/// batch norm uses its running statistics). Backpropagation stops below the lowest
/// trainable layer, so a frozen base costs only its forward pass.
public final class TrainingNetwork {
    public enum Output: Equatable, Sendable {
        case softmax(classes: Int)
        /// One unit, probability of the second label.
        case sigmoid
    }

    /// The architecture, input spec, labels and metadata; tensors are in `store`.
    public private(set) var model: Model
    public let shapes: [ActivationShape]
    public let output: Output
    public let store: ParameterStore
    public var threads: Int
    let layers: [TrainingLayer]
    /// Index of the lowest layer with trainable parameters (layers below it need no gradient).
    let lowestTrainable: Int?

    public init(model: Model, threads: Int = Engine.defaultThreads, trainable: (String) -> Bool = { _ in true }) throws {
        let shapes = try model.validate()
        self.shapes = shapes
        self.model = model
        self.threads = max(1, threads)
        switch model.layers.last!.layer {
        case .sigmoid where shapes[shapes.count - 2].elementCount == 1: output = .sigmoid
        case .softmax: output = .softmax(classes: shapes.last!.elementCount)
        default:
            throw TrainingError.unsupportedModel(reason: "training needs a network ending in Softmax, or in a one-unit Sigmoid; "
                                                 + "\(model.layers.last!.name) is \(model.outputLayer) over \(shapes[shapes.count - 2].elementCount) values")
        }
        var values: [String: [Float]] = [:]
        for (name, tensor) in model.tensors { values[name] = tensor.data }
        let store = ParameterStore(values: values, trainable: [])
        self.store = store
        var built: [TrainingLayer] = []
        for (i, named) in model.layers.dropLast().enumerated() {
            built.append(try named.layer.trainingLayer(name: named.name, input: shapes[i], output: shapes[i + 1], store: store))
        }
        layers = built
        var names = Set<String>()
        for layer in built where trainable(layer.name) { names.formUnion(layer.parameterNames) }
        store.trainable = names
        lowestTrainable = built.firstIndex { !$0.parameterNames.isEmpty && trainable($0.name) }
    }

    public var classes: Int { model.labels.count }
    public var inputCount: Int { shapes[0].elementCount }

    /// Runs the network up to the logits (the final activation is left to the loss).
    public func logits(_ x: [Float], batch: Int, training: Bool, seed: UInt64 = 0) -> [Float] {
        var context = PassContext(training: training, threads: threads, seed: seed)
        var current = x
        for layer in layers { current = layer.forward(current, batch: batch, context: &context) }
        return current
    }

    /// The loss (and its gradient) for `labels` given the logits.
    public func loss(logits: [Float], labels: [Int], classWeights: [Float]?) -> Loss.Result {
        switch output {
        case let .softmax(classes):
            return Loss.softmaxCrossEntropy(logits: logits, labels: labels, classes: classes, classWeights: classWeights)
        case .sigmoid:
            return Loss.sigmoidBinaryCrossEntropy(logits: logits, labels: labels, classWeights: classWeights)
        }
    }

    /// One forward and backward pass in training mode; leaves the gradients of the
    /// trainable parameters in `store.gradients`. `seed` drives dropout.
    @discardableResult
    public func computeGradients(_ x: [Float], labels: [Int], classWeights: [Float]? = nil, seed: UInt64) -> Loss.Result {
        let batch = labels.count
        var context = PassContext(training: true, threads: threads, seed: seed)
        var current = x
        for layer in layers { current = layer.forward(current, batch: batch, context: &context) }
        let result = loss(logits: current, labels: labels, classWeights: classWeights)
        store.gradients = [:]
        guard let lowest = lowestTrainable else { return result }
        var gradient = result.gradient
        for i in stride(from: layers.count - 1, through: lowest, by: -1) {
            gradient = layers[i].backward(gradient, batch: batch, needInputGradient: i > lowest, context: context)
        }
        return result
    }

    /// Class probabilities per image at inference (batch-norm running statistics, no dropout).
    public func probabilities(_ x: [Float], batch: Int) -> [[Float]] {
        let z = logits(x, batch: batch, training: false)
        return loss(logits: z, labels: [Int](repeating: 0, count: batch), classWeights: nil).probabilities
    }

    /// The model with the current parameters and running statistics.
    public func exportModel() -> Model {
        var m = model
        for (name, data) in store.values { m.tensors[name]?.data = data }
        return m
    }

    /// Replaces every parameter (e.g. to restore the best epoch's weights).
    public func load(values: [String: [Float]]) { store.values = values }
}

extension TrainingNetwork {
    /// Runs `layers` (a prefix of the network) at inference on a batch.
    public func run(_ x: [Float], batch: Int, layers range: Range<Int>) -> [Float] {
        var context = PassContext(training: false, threads: threads, seed: 0)
        var current = x
        for i in range { current = layers[i].forward(current, batch: batch, context: &context) }
        return current
    }

    /// Copies the parameters of `other` (same names) into this network, e.g. a head trained
    /// on cached features back into the full model.
    public func copyParameters(from other: TrainingNetwork) {
        for (name, values) in other.store.values where store.values[name] != nil { store.values[name] = values }
    }
}
