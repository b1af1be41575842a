import VGGCore
import VGGEngine
#if canImport(Glibc)
import Glibc
#endif

/// ReLU: the gradient passes where the output is positive. The derivative at exactly 0 is
/// taken as 0 (like PyTorch and Keras).
final class ReLUTrainer: TrainingLayer {
    let name: String
    var parameterNames: [String] { [] }
    private var output: [Float] = []
    init(name: String) { self.name = name }

    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float] {
        let y = elementwise(input) { $0 > 0 ? $0 : 0 }
        if context.training { output = y }
        return y
    }

    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        guard needInputGradient else { return [] }
        return elementwise(outputGradient, output) { g, y in y > 0 ? g : 0 }
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

/// Inverted dropout: in training each value is kept with probability 1 − rate and scaled
/// by 1 / (1 − rate), so inference is the identity (what the engine does).
final class DropoutTrainer: TrainingLayer {
    let name: String
    let rate: Float
    var parameterNames: [String] { [] }
    private var mask: [Float] = []
    init(name: String, rate: Float) { self.name = name; self.rate = rate }

    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float] {
        guard context.training, rate > 0 else { mask = []; return input }
        let scale = 1 / (1 - rate)
        mask = (0..<input.count).map { _ in context.random.nextUnit() < rate ? 0 : scale }
        return elementwise(input, mask, *)
    }

    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        guard needInputGradient else { return [] }
        guard !mask.isEmpty else { return outputGradient }
        return elementwise(outputGradient, mask, *)
    }
}

/// Sigmoid inside a network (at the end it is folded into the loss): dx = dy · y · (1 − y).
final class SigmoidTrainer: TrainingLayer {
    let name: String
    var parameterNames: [String] { [] }
    private var output: [Float] = []
    init(name: String) { self.name = name }

    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float] {
        let y = input.map { 1 / (1 + expf(-$0)) }
        if context.training { output = y }
        return y
    }

    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        guard needInputGradient else { return [] }
        return outputGradient.indices.map { outputGradient[$0] * output[$0] * (1 - output[$0]) }
    }
}

/// Softmax inside a network: dx = y ⊙ (dy − Σ dy ⊙ y), per image.
final class SoftmaxTrainer: TrainingLayer {
    let name: String
    let features: Int
    var parameterNames: [String] { [] }
    private var output: [Float] = []
    init(name: String, features: Int) { self.name = name; self.features = features }

    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float] {
        var y = input
        for n in 0..<batch { Loss.softmax(&y[n * features ..< (n + 1) * features]) }
        if context.training { output = y }
        return y
    }

    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        guard needInputGradient else { return [] }
        var dx = outputGradient
        for n in 0..<batch {
            let r = n * features ..< (n + 1) * features
            var dot: Float = 0
            for i in r { dot += outputGradient[i] * output[i] }
            for i in r { dx[i] = output[i] * (outputGradient[i] - dot) }
        }
        return dx
    }
}

/// Global average pooling: each channel's mean over the pixels; the gradient spreads evenly.
final class GlobalAveragePoolTrainer: TrainingLayer {
    let name: String
    let pixels: Int, channels: Int
    var parameterNames: [String] { [] }
    init(name: String, pixels: Int, channels: Int) { self.name = name; self.pixels = pixels; self.channels = channels }

    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float] {
        var y = [Float](repeating: 0, count: batch * channels)
        for n in 0..<batch {
            for p in 0..<pixels {
                let base = (n * pixels + p) * channels
                for c in 0..<channels { y[n * channels + c] += input[base + c] }
            }
        }
        let scale = 1 / Float(pixels)
        return y.map { $0 * scale }
    }

    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        guard needInputGradient else { return [] }
        var dx = [Float](repeating: 0, count: batch * pixels * channels)
        let scale = 1 / Float(pixels)
        for n in 0..<batch {
            for p in 0..<pixels {
                let base = (n * pixels + p) * channels
                for c in 0..<channels { dx[base + c] = outputGradient[n * channels + c] * scale }
            }
        }
        return dx
    }
}
