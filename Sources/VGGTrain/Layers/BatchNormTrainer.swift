import VGGCore
import VGGEngine

/// Batch normalization. In training mode it normalizes with the batch's own per-channel
/// mean and (biased) variance over all images and pixels, and moves the running
/// statistics toward them (`running = momentum · running + (1 − momentum) · batch`, with
/// the unbiased variance, as PyTorch does); at inference, and whenever the layer is frozen
/// (Keras' rule for a frozen base), it applies the running statistics, exactly like the engine.
///
/// Loops run over raw pointers, positions outer and channels inner, so the per-channel
/// accumulators vectorize; sums are in a fixed order (deterministic).
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
            x.withUnsafeBufferPointer { xp in
                sum.withUnsafeMutableBufferPointer { s in
                    squares.withUnsafeMutableBufferPointer { q in
                        for p in 0..<positions {
                            let row = xp.baseAddress! + p * c
                            for ch in 0..<c { let v = Double(row[ch]); s[ch] += v; q[ch] += v * v }
                        }
                    }
                }
            }
            var running = mean, runningVar = variance
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
        let keep = context.training
        var xhat = [Float](repeating: 0, count: keep ? x.count : 0)
        let y = [Float](unsafeUninitializedCapacity: x.count) { out, count in
            x.withUnsafeBufferPointer { xp in
                xhat.withUnsafeMutableBufferPointer { hp in
                    for p in 0..<positions {
                        let base = p * c
                        for ch in 0..<c {
                            let h = (xp[base + ch] - mean[ch]) * inv[ch]
                            if keep { hp[base + ch] = h }
                            out[base + ch] = h * gamma[ch] + beta[ch]
                        }
                    }
                }
            }
            count = x.count
        }
        if keep { normalized = xhat; inverseStd = inv }
        return y
    }

    func backward(_ dy: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        let c = settings.channels, positions = dy.count / c
        let gamma = store.values["\(name).gamma"]!
        var dgamma = [Float](repeating: 0, count: c), dbeta = [Float](repeating: 0, count: c)
        dy.withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { h in
                dgamma.withUnsafeMutableBufferPointer { dg in
                    dbeta.withUnsafeMutableBufferPointer { db in
                        for p in 0..<positions {
                            let base = p * c
                            for ch in 0..<c { dg[ch] += g[base + ch] * h[base + ch]; db[ch] += g[base + ch] }
                        }
                    }
                }
            }
        }
        if !frozen {
            store.gradients["\(name).gamma"] = dgamma
            store.gradients["\(name).beta"] = dbeta
        }
        guard needInputGradient else { return [] }
        // Batch statistics: dx = γ·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)), with Σdy = dβ and
        // Σ(dy·x̂) = dγ. Running statistics: the layer is affine, dx = dy·γ·σ⁻¹.
        let m = Float(positions), batchStats = usedBatchStatistics
        let scale = (0..<c).map { gamma[$0] * inverseStd[$0] / (batchStats ? m : 1) }
        return [Float](unsafeUninitializedCapacity: dy.count) { out, count in
            dy.withUnsafeBufferPointer { g in
                normalized.withUnsafeBufferPointer { h in
                    for p in 0..<positions {
                        let base = p * c
                        for ch in 0..<c {
                            out[base + ch] = batchStats
                                ? scale[ch] * (m * g[base + ch] - dbeta[ch] - h[base + ch] * dgamma[ch])
                                : scale[ch] * g[base + ch]
                        }
                    }
                }
            }
            count = dy.count
        }
    }
}
