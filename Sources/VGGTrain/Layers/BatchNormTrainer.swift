import VGGCore
import VGGEngine

/// Batch normalization. In training mode it normalizes with the batch's own per-channel
/// mean and (biased) variance over all images and pixels, and moves the running
/// statistics toward them (`running = momentum · running + (1 − momentum) · batch`, with
/// the unbiased variance, as PyTorch does); at inference, and whenever the layer is frozen
/// (Keras' rule for a frozen base), it applies the running statistics, exactly like the engine.
final class BatchNormTrainer: TrainingLayer {
    static let momentum: Float = 0.9
    let name: String
    let settings: BatchNorm
    let store: ParameterStore
    private var normalized: [Float] = []
    private var inverseStd: [Float] = []
    private var usedBatchStatistics = false

    init(name: String, settings: BatchNorm, store: ParameterStore) {
        self.name = name
        self.settings = settings
        self.store = store
    }

    var parameterNames: [String] { ["\(name).gamma", "\(name).beta"] }
    private var frozen: Bool { !store.isTrainable("\(name).gamma") }

    func forward(_ x: [Float], batch: Int, context: inout PassContext) -> [Float] {
        let c = settings.channels, positions = x.count / c
        let gamma = store.values["\(name).gamma"]!, beta = store.values["\(name).beta"]!
        var mean = store.values["\(name).mean"]!, variance = store.values["\(name).variance"]!
        usedBatchStatistics = context.training && !frozen
        if usedBatchStatistics {
            var sum = [Double](repeating: 0, count: c), squares = [Double](repeating: 0, count: c)
            for p in 0..<positions { for ch in 0..<c { let v = Double(x[p * c + ch]); sum[ch] += v; squares[ch] += v * v } }
            var running = store.values["\(name).mean"]!, runningVar = store.values["\(name).variance"]!
            for ch in 0..<c {
                let m = sum[ch] / Double(positions)
                let v = max(0, squares[ch] / Double(positions) - m * m)
                mean[ch] = Float(m); variance[ch] = Float(v)
                let unbiased = positions > 1 ? v * Double(positions) / Double(positions - 1) : v
                running[ch] = Self.momentum * running[ch] + (1 - Self.momentum) * Float(m)
                runningVar[ch] = Self.momentum * runningVar[ch] + (1 - Self.momentum) * Float(unbiased)
            }
            store.values["\(name).mean"] = running
            store.values["\(name).variance"] = runningVar
        }
        let inv = variance.map { 1 / ($0 + settings.epsilon).squareRoot() }
        var y = [Float](repeating: 0, count: x.count)
        var xhat = [Float](repeating: 0, count: context.training ? x.count : 0)
        for p in 0..<positions {
            for ch in 0..<c {
                let i = p * c + ch
                let h = (x[i] - mean[ch]) * inv[ch]
                if context.training { xhat[i] = h }
                y[i] = h * gamma[ch] + beta[ch]
            }
        }
        if context.training { normalized = xhat; inverseStd = inv }
        return y
    }

    func backward(_ dy: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        let c = settings.channels, positions = dy.count / c
        let gamma = store.values["\(name).gamma"]!
        var dgamma = [Float](repeating: 0, count: c), dbeta = [Float](repeating: 0, count: c)
        for p in 0..<positions {
            for ch in 0..<c { let i = p * c + ch; dgamma[ch] += dy[i] * normalized[i]; dbeta[ch] += dy[i] }
        }
        if !frozen {
            store.gradients["\(name).gamma"] = dgamma
            store.gradients["\(name).beta"] = dbeta
        }
        guard needInputGradient else { return [] }
        var dx = [Float](repeating: 0, count: dy.count)
        if !usedBatchStatistics {
            for p in 0..<positions { for ch in 0..<c { let i = p * c + ch; dx[i] = dy[i] * gamma[ch] * inverseStd[ch] } }
            return dx
        }
        // dx = γ·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)); Σdy = dβ and Σ(dy·x̂) = dγ.
        let m = Float(positions)
        for p in 0..<positions {
            for ch in 0..<c {
                let i = p * c + ch
                dx[i] = gamma[ch] * inverseStd[ch] / m * (m * dy[i] - dbeta[ch] - normalized[i] * dgamma[ch])
            }
        }
        return dx
    }
}
