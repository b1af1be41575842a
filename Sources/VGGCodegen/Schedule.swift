import VGGCore

/// The generated network as a list of fused, typed steps.
///
/// Fusion rules (each keeps the engine's semantics; `vggc check` proves it):
/// - Conv2D [+ BatchNorm, folded into the weights] [+ ReLU] [+ MaxPool 2×2 stride 2 valid on
///   an even-sized output]: one pass over the input, the pre-pool rows never stored.
/// - Dense [+ BatchNorm, folded] [+ ReLU].
/// - Flatten and Dropout vanish: channels-last storage is already flat, Dropout is the
///   identity at inference.
/// - Everything else is one step of its own.
/// A step is named after its layers (`block1_conv1+block1_relu1+block1_pool`); its output is
/// the output of its last layer, which is what `--dump-layers` writes and `check` compares.
/// Each step carries its algorithm (`StepAlgorithm`, chosen here once: the emitters, the
/// predictor's `steps.txt` and the checker all read it) and its input and output storage.
struct Schedule {
    enum Kind {
        case conv(Conv2D, WindowGeometry, batchNorm: BatchNorm?)
        case dense(Dense, batchNorm: BatchNorm?)
        case batchNorm(BatchNorm)
        case relu
        case pool(WindowGeometry, max: Bool)
        case globalAveragePool
        case softmax
        case sigmoid

        /// A one-word kind for profiles: conv, dense, pool, batchnorm, relu, gap, softmax, sigmoid.
        var name: String {
            switch self {
            case .conv: return "conv"
            case .dense: return "dense"
            case .pool: return "pool"
            case .batchNorm: return "batchnorm"
            case .relu: return "relu"
            case .globalAveragePool: return "gap"
            case .softmax: return "softmax"
            case .sigmoid: return "sigmoid"
            }
        }
    }

    /// What a convolution or dense step does to its sums before storing them, in this order.
    struct Epilogue: Equatable {
        /// A bias (the layer's, or the one batch-norm folding gives) is added.
        var bias = false
        var relu = false
        /// A 2×2 stride-2 max-pool.
        var pool = false
    }

    struct Step {
        var kind: Kind
        var epilogue = Epilogue()
        var algorithm: StepAlgorithm
        /// Indices into `model.layers`, first to last.
        var layers: [Int]
        var name: String
        var inputShape: ActivationShape
        var outputShape: ActivationShape
        /// Where the input and output live (set once every step's border is known).
        var input = Storage(shape: .vector(0), border: Border())
        var output = Storage(shape: .vector(0), border: Border())
        /// A convolution step's layer and geometry (what every convolution emitter starts from).
        var convolution: (Conv2D, WindowGeometry) {
            guard case let .conv(conv, g, _) = kind else { preconditionFailure("not a convolution: \(name)") }
            return (conv, g)
        }
        /// The input as the step reads it: after a vanished Flatten an image is a vector
        /// (same bytes when unbordered, which element-wise steps' inputs always are).
        var flatInput: Storage { Storage(shape: inputShape, border: Border()) }
    }

    /// Zero border around a stored activation, needed when its consumer is a padded convolution.
    struct Border: Equatable { var top = 0, left = 0, bottom = 0, right = 0 }

    let steps: [Step]
    /// `borders[i]` is the border of step i's input storage; `borders[steps.count]` is unused
    /// (the network's output). The model input is stored with `borders[0]`.
    let borders: [Border]

    /// `int8Layers`: the layers an int8 build quantizes (their steps are `.int8`).
    init(_ model: Model, winograd: WinogradPolicy = .off, precision: Precision = .fp32, int8Layers: Set<Int> = []) throws {
        let shapes = try model.validate()
        var steps: [Step] = []
        var i = 0
        let layers = model.layers
        while i < layers.count {
            let start = i
            guard let (kind, epilogue) = try Schedule.fuse(layers, at: &i, shapes: shapes) else { i += 1; continue }
            let algorithm = Schedule.algorithm(kind, layer: start, winograd: winograd, precision: precision, int8Layers: int8Layers)
            let members = Array(start...i)
            steps.append(Step(kind: kind, epilogue: epilogue, algorithm: algorithm, layers: members,
                              name: members.map { layers[$0].name }.joined(separator: "+"),
                              inputShape: shapes[start], outputShape: shapes[i + 1]))
            i += 1
        }
        borders = steps.map(Schedule.inputBorder) + [Border()]
        for k in steps.indices {
            steps[k].input = Storage(shape: k == 0 ? steps[0].inputShape : steps[k - 1].outputShape, border: borders[k])
            steps[k].output = Storage(shape: steps[k].outputShape, border: borders[k + 1])
        }
        self.steps = steps
    }

    /// The step starting at layer `i`, with the layers fused into it (`i` ends on the last
    /// one); nil for a layer that computes nothing (Flatten, Dropout).
    private static func fuse(_ layers: [NamedLayer], at i: inout Int, shapes: [ActivationShape]) throws -> (Kind, Epilogue)? {
        func next() -> Layer? { i + 1 < layers.count ? layers[i + 1].layer : nil }
        var epilogue = Epilogue()
        switch layers[i].layer {
        case let .conv2D(conv):
            let g = try conv.geometry(for: shapes[i], layer: layers[i].name)
            var bn: BatchNorm?
            if case let .batchNorm(b)? = next() { bn = b; i += 1 }
            if case .relu? = next() { epilogue.relu = true; i += 1 }
            if case let .maxPool2D(p)? = next(), p.window == PoolWindow(kernel: 2, stride: 2, padding: .valid),
               g.outputHeight % 2 == 0, g.outputWidth % 2 == 0 {
                epilogue.pool = true; i += 1
            }
            epilogue.bias = conv.hasBias || bn != nil
            return (.conv(conv, g, batchNorm: bn), epilogue)
        case let .dense(dense):
            var bn: BatchNorm?
            if case let .batchNorm(b)? = next() { bn = b; i += 1 }
            if case .relu? = next() { epilogue.relu = true; i += 1 }
            epilogue.bias = dense.hasBias || bn != nil
            return (.dense(dense, batchNorm: bn), epilogue)
        case let .batchNorm(bn): return (.batchNorm(bn), epilogue)
        case .relu: return (.relu, epilogue)
        case let .maxPool2D(p):
            return (.pool(try p.window.geometry(for: shapes[i], layer: layers[i].name, kind: .maxPool2D), max: true), epilogue)
        case let .averagePool2D(p):
            return (.pool(try p.window.geometry(for: shapes[i], layer: layers[i].name, kind: .averagePool2D), max: false), epilogue)
        case .globalAveragePool: return (.globalAveragePool, epilogue)
        case .softmax: return (.softmax, epilogue)
        case .sigmoid: return (.sigmoid, epilogue)
        case .flatten, .dropout: return nil
        }
    }

    /// How a step computes: the one place precision, the Winograd policy and quantization
    /// turn into an algorithm.
    private static func algorithm(_ kind: Kind, layer: Int, winograd: WinogradPolicy, precision: Precision,
                                  int8Layers: Set<Int>) -> StepAlgorithm {
        switch kind {
        case let .conv(conv, g, _):
            if int8Layers.contains(layer) { return .int8 }
            let useWinograd: Bool
            switch winograd {
            case .auto: useWinograd = precision == .bf16 ? Winograd.bf16AutoChooses(conv, g) : Winograd.autoChooses(conv, g)
            case .on: useWinograd = WinogradF43.accepts(conv)
            case .off: useWinograd = false
            }
            if precision == .bf16 { return useWinograd ? .bf16Winograd : .bf16Direct }
            return useWinograd ? .winograd4x4 : .direct
        case .dense:
            if int8Layers.contains(layer) { return .int8 }
            return precision == .bf16 ? .bf16Dense : .plain
        default:
            return .plain
        }
    }

    /// The border a step needs around its input: a convolution's padding, as real zeros;
    /// Winograd reads whole 6×6 tiles, so the ragged last row and column of tiles read a few
    /// more zeros past the padding.
    private static func inputBorder(_ step: Step) -> Border {
        guard case let .conv(_, g, _) = step.kind else { return Border() }
        let extraBottom = step.algorithm.isWinograd ? (4 - g.outputHeight % 4) % 4 : 0
        let extraRight = step.algorithm.isWinograd ? (4 - g.outputWidth % 4) % 4 : 0
        return Border(top: g.padTop, left: g.padLeft, bottom: g.padBottom + extraBottom, right: g.padRight + extraRight)
    }

    /// Storage of tensor `i`: the input of step `i`, which is the output of step `i − 1`
    /// (`i == steps.count`: the network's output). Its shape is the *producer's* output shape
    /// and its border is what the *consumer* needs: a vanished Flatten between them means
    /// the consumer reads the same unbordered channels-last bytes as a vector.
    func storage(input i: Int) -> Storage { i < steps.count ? steps[i].input : steps[i - 1].output }
}
