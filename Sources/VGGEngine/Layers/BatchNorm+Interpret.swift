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
        let x = UnsafeSendable(input.baseAddress!), y = UnsafeSendable(output.baseAddress!)
        let chunk = max(1, 65_536 / channels)
        gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
            mean.withUnsafeBufferPointer { m in inverseStd.withUnsafeBufferPointer { s in
                let p = UnsafeSendable((g.baseAddress!, b.baseAddress!, m.baseAddress!, s.baseAddress!))
                parallel.forEach((positions + chunk - 1) / chunk) { part in
                    let (g, b, m, s) = p.value
                    for pos in (part * chunk)..<min(positions, (part + 1) * chunk) {
                        let base = pos * channels
                        for c in 0..<channels { y.value[base + c] = (x.value[base + c] - m[c]) * s[c] * g[c] + b[c] }
                    }
                }
            } }
        } }
    }
}
