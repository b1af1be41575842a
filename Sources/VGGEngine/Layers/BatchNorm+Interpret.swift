import VGGCore

extension BatchNorm {
    func prepare(_ context: LayerContext) throws -> PreparedLayer {
        let variance = try context.tensor("variance")
        return BatchNormKernel(channels: channels, gamma: try context.tensor("gamma"), beta: try context.tensor("beta"),
                               mean: try context.tensor("mean"),
                               inverseStd: variance.map { 1 / ($0 + epsilon).squareRoot() })
    }
}

/// `out = (in − mean) · (1 / √(variance + ε)) · gamma + beta`, per channel (last dim).
/// Written as the definition, not folded: the code generator folds it into the preceding
/// convolution, and `check` measures that folding against this.
struct BatchNormKernel: PreparedLayer {
    let channels: Int
    let gamma: [Float], beta: [Float], mean: [Float], inverseStd: [Float]

    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        let positions = input.count / channels
        for p in 0..<positions {
            let base = p * channels
            for c in 0..<channels {
                output[base + c] = (input[base + c] - mean[c]) * inverseStd[c] * gamma[c] + beta[c]
            }
        }
    }
}
