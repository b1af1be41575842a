import VGGCore
#if canImport(Glibc)
import Glibc
#endif

/// Errors from running a model.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case inputSize(expected: Int, got: Int, batch: Int)
    case invalidBatch(Int)
    case invalidThreads(Int)
    case layerRange(lower: Int, upper: Int, layers: Int)
    case invalidAlgorithmFactor(Float)
    /// A layer listed as computed by Winograd F(4×4, 3×3) is not a 3×3 stride-1 convolution
    /// with channel counts that are multiples of 16.
    case notWinogradEligible(layer: String)
    /// The system refused the memory a run needs (activations of the batch).
    case outOfMemory(bytes: Int, batch: Int)

    public var description: String {
        switch self {
        case let .inputSize(expected, got, batch):
            return "input holds \(got) values; a batch of \(batch) needs \(expected)"
        case let .invalidBatch(n):
            return "batch size \(n) is invalid; expected 1...65536"
        case let .layerRange(lower, upper, layers):
            return "layer range \(lower)...\(upper) is invalid for a model of \(layers) layers"
        case let .invalidThreads(n):
            return "thread count \(n) is invalid; expected 1...256"
        case let .invalidAlgorithmFactor(f):
            return "algorithm factor \(f) is invalid; expected a finite value ≥ 1"
        case let .outOfMemory(bytes, batch):
            return "cannot allocate \(bytes) bytes for the activations of a batch of \(batch); use a smaller batch or free memory"
        case let .notWinogradEligible(layer):
            return "layer \(layer) cannot be a Winograd F(4×4, 3×3) convolution; expected a 3×3 stride-1 Conv2D with channel counts that are multiples of 16"
        }
    }
}

/// The dynamic engine: runs any valid model on a batch of inputs.
///
/// It is the executable definition of what a model computes. Every layer does exactly what
/// its settings' documentation says, in a fixed summation order, and everything faster
/// (generated predictors, other back ends) is checked against it by `vggc check`.
/// Inputs and outputs are channels-last and image-major: image `b` starts at
/// `b · inputShape.elementCount`.
public final class Engine: @unchecked Sendable {
    public let model: Model
    /// `shapes[0]` is the input, `shapes[i + 1]` the output of layer `i`.
    public let shapes: [ActivationShape]
    public let threads: Int
    private let prepared: [PreparedLayer]
    /// Conv/dense kernels over |weights| without bias, built on first use by `errorBounds`.
    let absoluteKernels = AbsoluteKernelCache()

    /// Validates the model and prepares every layer (weights repacked once).
    public init(model: Model, threads: Int = Engine.defaultThreads) throws {
        guard (1...256).contains(threads) else { throw EngineError.invalidThreads(threads) }
        let shapes = try model.validate()
        self.shapes = shapes
        self.model = model
        self.threads = threads
        prepared = try model.layers.enumerated().map { i, named in
            try named.layer.prepare(LayerContext(name: named.name, input: shapes[i], output: shapes[i + 1], model: model))
        }
    }

    /// All the cores of this machine.
    public static var defaultThreads: Int { max(1, min(256, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    public var inputShape: ActivationShape { shapes[0] }
    public var outputCount: Int { shapes.last!.elementCount }

    /// Runs `batch` images and returns the last layer's output, `batch × outputCount` values.
    public func run(_ input: [Float], batch: Int = 1) throws -> [Float] {
        try forward(input, batch: batch, keep: { $0 == prepared.count - 1 }).last!
    }

    /// Runs `batch` images and returns every layer's output; element `i` is layer `i`'s.
    /// This is what `check` bisects with.
    public func runCapturingLayers(_ input: [Float], batch: Int = 1) throws -> [[Float]] {
        try forward(input, batch: batch, keep: { _ in true })
    }

    /// Per-image class probabilities (a one-unit sigmoid expanded to two classes).
    public func probabilities(_ input: [Float], batch: Int = 1) throws -> [[Float]] {
        let out = try run(input, batch: batch)
        return (0..<batch).map { b in
            model.classProbabilities(Array(out[b * outputCount ..< (b + 1) * outputCount]))
        }
    }

    /// Per-image outputs of the layer before the output layer (the logits for softmax and
    /// sigmoid models) and the probabilities, in one pass.
    public func logitsAndProbabilities(_ input: [Float], batch: Int = 1) throws -> (logits: [[Float]], probabilities: [[Float]]) {
        let n = prepared.count
        let outs = try forward(input, batch: batch, keep: { $0 >= n - 2 })
        let logits = outs[max(0, n - 2)], probs = outs[n - 1]
        let logitCount = shapes[max(1, n - 1)].elementCount
        return ((0..<batch).map { Array(logits[$0 * logitCount ..< ($0 + 1) * logitCount]) },
                (0..<batch).map { model.classProbabilities(Array(probs[$0 * outputCount ..< ($0 + 1) * outputCount])) })
    }

    /// Runs layers `range` on one image's input to `range.lowerBound` (an intermediate
    /// activation); returns each of those layers' outputs. Used to check one stage alone.
    public func runLayers(_ range: ClosedRange<Int>, input: [Float]) throws -> [[Float]] {
        guard range.lowerBound >= 0, range.upperBound < prepared.count else {
            throw EngineError.layerRange(lower: range.lowerBound, upper: range.upperBound, layers: prepared.count)
        }
        let expected = shapes[range.lowerBound].elementCount
        guard input.count == expected else { throw EngineError.inputSize(expected: expected, got: input.count, batch: 1) }
        let parallel = Parallel(threads: threads)
        var current = input
        var kept: [[Float]] = []
        for i in range {
            current = [Float](unsafeUninitializedCapacity: shapes[i + 1].elementCount) { out, count in
                current.withUnsafeBufferPointer { prepared[i].forward($0, out, batch: 1, parallel: parallel) }
                count = out.count
            }
            kept.append(current)
        }
        return kept
    }

    /// Asks the system for the activation memory of a run before it starts, so a refusal is
    /// an `EngineError` and not a Swift runtime trap in the middle of the run (`Model.Ceilings`
    /// bounds one image; a batch multiplies it).
    func reserveActivations(batch: Int, kept: [Int]) throws {
        // The worst layer's input and output, plus every output that is kept.
        let counts = shapes.map(\.elementCount)
        let perImage = (zip(counts, counts.dropFirst()).map { $0 + $1 }.max() ?? 0) + kept.map { counts[$0 + 1] }.reduce(0, +)
        let bytes = batch * perImage * 4
        // mmap, not malloc: the optimizer may delete an unused malloc/free pair and assume
        // success. The pages are never touched, so asking costs nothing.
        let probe = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let probe, probe != MAP_FAILED else { throw EngineError.outOfMemory(bytes: bytes, batch: batch) }
        munmap(probe, bytes)
    }

    private func forward(_ input: [Float], batch: Int, keep: (Int) -> Bool) throws -> [[Float]] {
        guard (1...65_536).contains(batch) else { throw EngineError.invalidBatch(batch) }
        let expected = batch * shapes[0].elementCount
        guard input.count == expected else { throw EngineError.inputSize(expected: expected, got: input.count, batch: batch) }
        try reserveActivations(batch: batch, kept: prepared.indices.filter(keep))
        let parallel = Parallel(threads: threads)
        var current = input
        var kept: [[Float]] = []
        for (i, layer) in prepared.enumerated() {
            let next = [Float](unsafeUninitializedCapacity: batch * shapes[i + 1].elementCount) { out, count in
                current.withUnsafeBufferPointer { layer.forward($0, out, batch: batch, parallel: parallel) }
                count = out.count
            }
            if keep(i) { kept.append(next) } else { kept.append([]) }
            current = next
        }
        return kept
    }
}
