import VGGCore

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
