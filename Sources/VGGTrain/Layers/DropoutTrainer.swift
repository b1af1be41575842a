import VGGCore

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
