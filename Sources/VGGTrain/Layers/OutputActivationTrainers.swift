import VGGCore
#if canImport(Glibc)
import Glibc
#endif

/// Softmax and Sigmoid are usually the last layer, where the loss replaces them (see
/// `Loss`); these are their backward passes anywhere else in a network.

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
