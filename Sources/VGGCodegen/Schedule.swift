import VGGCore

/// The generated network as a list of fused steps.
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
struct Schedule {
    enum Kind {
        case conv(Conv2D, WindowGeometry, batchNorm: BatchNorm?, relu: Bool, pool: Bool, winograd: Bool)
        case dense(Dense, batchNorm: BatchNorm?, relu: Bool)
        case batchNorm(BatchNorm)
        case relu
        case pool(WindowGeometry, max: Bool)
        case globalAveragePool
        case softmax
        case sigmoid
    }

    struct Step {
        /// A one-word kind for profiles: conv, dense, pool, batchnorm, relu, gap, softmax, sigmoid.
        var kindName: String {
            switch kind {
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
        var kind: Kind
        /// How the step computes: `direct` or `winograd4x4` for convolutions, `-` otherwise
        /// (listed by the predictor so `check` applies the matching tolerance).
        var algorithm: String {
            if case let .conv(_, _, _, _, _, winograd) = kind { return winograd ? "winograd4x4" : "direct" }
            return "-"
        }
        /// Indices into `model.layers`, first to last.
        var layers: [Int]
        var name: String
        var input: ActivationShape
        var output: ActivationShape
    }

    /// Zero border around a stored activation, needed when its consumer is a padded convolution.
    struct Border: Equatable { var top = 0, left = 0, bottom = 0, right = 0 }

    let steps: [Step]
    /// `borders[i]` is the border of step i's input storage; `borders[steps.count]` is unused
    /// (the network's output). The model input is stored with `borders[0]`.
    let borders: [Border]

    init(_ model: Model, winograd: WinogradPolicy = .off, precision: Precision = .fp32) throws {
        let shapes = try model.validate()
        var steps: [Step] = []
        var i = 0
        let layers = model.layers
        func next(_ j: Int) -> Layer? { j < layers.count ? layers[j].layer : nil }
        while i < layers.count {
            let start = i
            let kind: Kind
            switch layers[i].layer {
            case let .conv2D(conv):
                let g = try conv.geometry(for: shapes[i], layer: layers[i].name)
                var bn: BatchNorm?
                if case let .batchNorm(b)? = next(i + 1) { bn = b; i += 1 }
                var relu = false
                if case .relu? = next(i + 1) { relu = true; i += 1 }
                var pool = false
                if case let .maxPool2D(p)? = next(i + 1), p.window == PoolWindow(kernel: 2, stride: 2, padding: .valid),
                   g.outputHeight % 2 == 0, g.outputWidth % 2 == 0 {
                    pool = true; i += 1
                }
                let useWinograd: Bool
                switch winograd {
                case .auto: useWinograd = precision == .bf16 ? Winograd.bf16AutoChooses(conv, g) : Winograd.autoChooses(conv, g)
                case .on: useWinograd = WinogradF43.accepts(conv)
                case .off: useWinograd = false
                }
                kind = .conv(conv, g, batchNorm: bn, relu: relu, pool: pool, winograd: useWinograd)
            case let .dense(dense):
                var bn: BatchNorm?
                if case let .batchNorm(b)? = next(i + 1) { bn = b; i += 1 }
                var relu = false
                if case .relu? = next(i + 1) { relu = true; i += 1 }
                kind = .dense(dense, batchNorm: bn, relu: relu)
            case let .batchNorm(bn): kind = .batchNorm(bn)
            case .relu: kind = .relu
            case let .maxPool2D(p):
                kind = .pool(try p.window.geometry(for: shapes[i], layer: layers[i].name, kind: .maxPool2D), max: true)
            case let .averagePool2D(p):
                kind = .pool(try p.window.geometry(for: shapes[i], layer: layers[i].name, kind: .averagePool2D), max: false)
            case .globalAveragePool: kind = .globalAveragePool
            case .softmax: kind = .softmax
            case .sigmoid: kind = .sigmoid
            case .flatten, .dropout:
                i += 1
                continue
            }
            let members = Array(start...i)
            steps.append(Step(kind: kind, layers: members, name: members.map { layers[$0].name }.joined(separator: "+"),
                              input: shapes[start], output: shapes[i + 1]))
            i += 1
        }
        self.steps = steps
        borders = steps.map { step in
            if case let .conv(_, g, _, _, _, winograd) = step.kind {
                // Winograd reads whole 6×6 tiles: the ragged last row and column of tiles
                // read a few more zeros past the padding.
                let extraBottom = winograd ? (4 - g.outputHeight % 4) % 4 : 0
                let extraRight = winograd ? (4 - g.outputWidth % 4) % 4 : 0
                return Border(top: g.padTop, left: g.padLeft, bottom: g.padBottom + extraBottom, right: g.padRight + extraRight)
            }
            return Border()
        } + [Border()]
    }

    /// Storage of tensor `i`: the input of step `i`, which is the output of step `i − 1`
    /// (`i == steps.count`: the network's output). Its shape is the *producer's* output shape
    /// and its border is what the *consumer* needs: a vanished Flatten between them means
    /// the consumer reads the same unbordered channels-last bytes as a vector.
    func storage(input i: Int) -> Storage {
        let shape = i == 0 ? steps[0].input : steps[i - 1].output
        return Storage(shape: shape, border: borders[i])
    }
}

/// How one activation tensor sits in its arena buffer: channels-last with a zero border.
struct Storage: Equatable {
    var height: Int, width: Int, channels: Int
    var border: Schedule.Border

    init(shape: ActivationShape, border: Schedule.Border) {
        switch shape {
        case let .image(h, w, c): (height, width, channels) = (h, w, c)
        case let .vector(n): (height, width, channels) = (1, 1, n)
        }
        self.border = border
    }

    var paddedWidth: Int { width + border.left + border.right }
    var paddedHeight: Int { height + border.top + border.bottom }
    /// Floats between the starts of two consecutive rows.
    var rowStride: Int { paddedWidth * channels }
    /// Float offset of interior pixel (0, 0).
    var origin: Int { border.top * rowStride + border.left * channels }
    var floats: Int { paddedHeight * paddedWidth * channels }
    var isPadded: Bool { border != Schedule.Border() }

    /// The run() line that zeroes the border of `buffer` holding this tensor (or a copy of it
    /// laid out the same way).
    func zeroBorder(_ buffer: String) -> String {
        "zeroBorder(\(buffer), \(height), \(width), \(channels), \(border.top), \(border.left), \(border.bottom), \(border.right))"
    }
}
