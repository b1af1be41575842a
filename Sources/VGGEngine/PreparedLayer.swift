import VGGCore

/// A layer made ready to run: its parameters looked up and repacked once, at load time.
///
/// `forward` reads `batch` images of the input shape (channels-last, image after image) and
/// writes `batch` images of the output shape. Each layer kind's `prepare` lives in its own
/// `<Kind>+Interpret.swift` file next to this one.
protocol PreparedLayer: Sendable {
    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel)
}

/// What a layer's `prepare` gets: its name, its input and output shapes, its tensors.
struct LayerContext {
    let name: String
    let input: ActivationShape
    let output: ActivationShape
    let model: Model

    /// The layer's `<name>.<suffix>` tensor. `Model.validate()` already proved it exists
    /// with the right shape, so a miss here is a programming error, reported as such.
    func tensor(_ suffix: String) throws -> [Float] {
        guard let t = model.tensors["\(name).\(suffix)"] else {
            throw ModelError.missingTensor(name: "\(name).\(suffix)", expectedShape: [])
        }
        return t.data
    }

    /// The 2-D dims of an image shape, or (1, 1, n) for a vector.
    var inputDims: (h: Int, w: Int, c: Int) { dims(input) }
    var outputDims: (h: Int, w: Int, c: Int) { dims(output) }
    private func dims(_ s: ActivationShape) -> (h: Int, w: Int, c: Int) {
        switch s {
        case let .image(h, w, c): return (h, w, c)
        case let .vector(n): return (1, 1, n)
        }
    }
}

extension Layer {
    func prepare(_ context: LayerContext) throws -> PreparedLayer {
        switch self {
        case let .conv2D(s): return try s.prepare(context)
        case let .batchNorm(s): return try s.prepare(context)
        case .relu: return ReLUKernel()
        case let .maxPool2D(s): return try s.prepare(context)
        case let .averagePool2D(s): return try s.prepare(context)
        case .globalAveragePool: return GlobalAveragePoolKernel(pixels: context.inputDims.h * context.inputDims.w,
                                                                channels: context.inputDims.c)
        case .flatten, .dropout: return CopyKernel()
        case let .dense(s): return try s.prepare(context)
        case .softmax: return SoftmaxKernel(features: context.output.elementCount)
        case .sigmoid: return SigmoidKernel()
        }
    }
}

/// Flatten (channels-last is already flat) and Dropout (identity at inference) copy.
struct CopyKernel: PreparedLayer {
    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        _ = output.initialize(from: input)
    }
}
