import VGGCore
import VGGEngine

/// The trainable parameters of a network and their gradients, by tensor name
/// (`<layer>.<suffix>`, the names model.bin uses), so an optimizer step and a model export
/// never need to know which layer owns what.
public final class ParameterStore: @unchecked Sendable {
    public internal(set) var values: [String: [Float]]
    /// Filled by the last `backward`; absent for frozen parameters.
    public internal(set) var gradients: [String: [Float]] = [:]
    /// Parameters an optimizer updates. Batch-norm running statistics are never trainable
    /// (they are updated by the forward pass in training mode).
    public internal(set) var trainable: Set<String>

    init(values: [String: [Float]], trainable: Set<String>) {
        self.values = values
        self.trainable = trainable
    }

    func isTrainable(_ name: String) -> Bool { trainable.contains(name) }
}

/// What a forward pass needs besides the input: the mode, the threads, and the random
/// stream dropout draws its masks from (sequentially, so masks do not depend on threads).
public struct PassContext {
    public var training: Bool
    var parallel: Parallel
    var random: SeededGenerator

    public init(training: Bool, threads: Int, seed: UInt64) {
        self.training = training
        parallel = Parallel(threads: threads)
        random = SeededGenerator(seed: seed)
    }
}

/// One layer with a backward pass. Each kind lives in `Layers/<Kind>Trainer.swift` with the
/// same steps: build from settings, forward (caching what backward needs when training),
/// backward (input gradient, and parameter gradients stored in the `ParameterStore`).
///
/// Batches are image-major and channels-last, exactly like the engine's, so a trained
/// model runs unchanged in the engine and in compiled predictors.
protocol TrainingLayer: AnyObject {
    var name: String { get }
    /// Names of the parameters an optimizer may update (not running statistics).
    var parameterNames: [String] { get }
    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float]
    /// Returns dL/d(input) when `needInputGradient`, else an empty array (the first trainable
    /// layer never needs it). Writes gradients of trainable parameters into `store`.
    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float]
}

/// The dims of an activation as (height, width, channels); vectors are 1×1×n.
func dims(_ shape: ActivationShape) -> (h: Int, w: Int, c: Int) {
    switch shape {
    case let .image(h, w, c): return (h, w, c)
    case let .vector(n): return (1, 1, n)
    }
}

extension Layer {
    /// The training form of this layer. Softmax and Sigmoid at the end of a network are
    /// replaced by the loss (see `Loss`); elsewhere they backpropagate like any layer.
    func trainingLayer(name: String, input: ActivationShape, output: ActivationShape,
                       store: ParameterStore) throws -> TrainingLayer {
        switch self {
        case let .conv2D(s): return try ConvolutionTrainer(name: name, settings: s, input: input, store: store)
        case let .dense(s): return DenseTrainer(name: name, settings: s, store: store)
        case let .batchNorm(s): return BatchNormTrainer(name: name, settings: s, store: store)
        case .relu: return ReLUTrainer(name: name)
        case let .maxPool2D(s):
            return PoolTrainer(name: name, mode: .max, geometry: try s.window.geometry(for: input, layer: name, kind: .maxPool2D),
                               channels: input.channels)
        case let .averagePool2D(s):
            return PoolTrainer(name: name, mode: .average,
                               geometry: try s.window.geometry(for: input, layer: name, kind: .averagePool2D),
                               channels: input.channels)
        case .globalAveragePool:
            let d = dims(input)
            return GlobalAveragePoolTrainer(name: name, pixels: d.h * d.w, channels: d.c)
        case .flatten: return IdentityTrainer(name: name)
        case let .dropout(s): return DropoutTrainer(name: name, rate: s.rate)
        case .softmax: return SoftmaxTrainer(name: name, features: output.elementCount)
        case .sigmoid: return SigmoidTrainer(name: name)
        }
    }
}

/// Flatten: channels-last is already flat, so both passes copy.
final class IdentityTrainer: TrainingLayer {
    let name: String
    var parameterNames: [String] { [] }
    init(name: String) { self.name = name }
    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float] { input }
    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        needInputGradient ? outputGradient : []
    }
}

/// `f` applied element by element through raw pointers: no bounds checks, so the loop
/// vectorizes (Array subscripts in these loops cost more than the arithmetic).
@inline(__always)
func elementwise(_ a: [Float], _ f: (Float) -> Float) -> [Float] {
    [Float](unsafeUninitializedCapacity: a.count) { out, count in
        a.withUnsafeBufferPointer { x in for i in 0..<x.count { out[i] = f(x[i]) } }
        count = a.count
    }
}

@inline(__always)
func elementwise(_ a: [Float], _ b: [Float], _ f: (Float, Float) -> Float) -> [Float] {
    precondition(a.count == b.count, "elementwise: operand sizes differ")
    return [Float](unsafeUninitializedCapacity: a.count) { out, count in
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in for i in 0..<x.count { out[i] = f(x[i], y[i]) } } }
        count = a.count
    }
}
