/// Parameter updates from the gradients in a `ParameterStore`.
///
/// - Adam (Kingma & Ba), with bias correction: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
///   `θ ← θ − lr · m̂ / (√v̂ + ε)`.
/// - SGD with momentum: `u ← μu + g`, `θ ← θ − lr · u` (PyTorch's form).
///
/// Weight decay is decoupled (AdamW, Loshchilov & Hutter): `θ ← θ − lr · λ · θ`, applied to
/// weights only — never to biases or batch-norm parameters, where it only hurts.
public struct OptimizerSettings: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case adam(beta1: Float, beta2: Float, epsilon: Float)
        case sgd(momentum: Float)
    }
    public var kind: Kind
    public var learningRate: Float
    public var weightDecay: Float

    public init(kind: Kind = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-7), learningRate: Float = 1e-4, weightDecay: Float = 0) {
        self.kind = kind; self.learningRate = learningRate; self.weightDecay = weightDecay
    }

    public func validate() throws {
        guard learningRate.isFinite, learningRate > 0, learningRate < 10 else {
            throw TrainingError.invalidSetting(.learningRate, value: "\(learningRate)", expected: "0 < lr < 10")
        }
        guard weightDecay.isFinite, weightDecay >= 0, weightDecay < 1 else {
            throw TrainingError.invalidSetting(.weightDecay, value: "\(weightDecay)", expected: "0 ≤ decay < 1")
        }
        switch kind {
        case let .adam(b1, b2, eps):
            for (n, v) in [(TrainingSetting.beta1, b1), (.beta2, b2)] where !(v >= 0 && v < 1) {
                throw TrainingError.invalidSetting(n, value: "\(v)", expected: "0 ≤ β < 1")
            }
            guard eps > 0, eps.isFinite else {
                throw TrainingError.invalidSetting(.epsilon, value: "\(eps)", expected: "a finite value > 0")
            }
        case let .sgd(m):
            guard m >= 0, m < 1 else { throw TrainingError.invalidSetting(.momentum, value: "\(m)", expected: "0 ≤ μ < 1") }
        }
    }

    public var summary: String {
        switch kind {
        case let .adam(b1, b2, eps): return "adam lr=\(learningRate) β=(\(b1), \(b2)) ε=\(eps) decay=\(weightDecay)"
        case let .sgd(m): return "sgd lr=\(learningRate) momentum=\(m) decay=\(weightDecay)"
        }
    }
}

public final class Optimizer {
    public let settings: OptimizerSettings
    private var first: [String: [Float]] = [:]
    private var second: [String: [Float]] = [:]
    public private(set) var steps = 0

    public init(_ settings: OptimizerSettings) { self.settings = settings }

    /// Applies one update with `learningRate` (the schedule's current value) to every
    /// trainable parameter that has a gradient. Names are visited in sorted order so the
    /// result never depends on dictionary order.
    public func step(_ store: ParameterStore, learningRate lr: Float) {
        steps += 1
        for name in store.gradients.keys.sorted() where store.isTrainable(name) {
            guard let g = store.gradients[name], var theta = store.values[name] else { continue }
            let decay = name.hasSuffix(".weight") ? settings.weightDecay : 0
            switch settings.kind {
            case let .adam(b1, b2, eps):
                var m = first[name] ?? [Float](repeating: 0, count: g.count)
                var v = second[name] ?? [Float](repeating: 0, count: g.count)
                let c1 = 1 - powf(b1, Float(steps)), c2 = 1 - powf(b2, Float(steps))
                for i in 0..<g.count {
                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                    theta[i] -= lr * ((m[i] / c1) / ((v[i] / c2).squareRoot() + eps) + decay * theta[i])
                }
                first[name] = m; second[name] = v
            case let .sgd(mu):
                var u = first[name] ?? [Float](repeating: 0, count: g.count)
                for i in 0..<g.count {
                    u[i] = mu * u[i] + g[i]
                    theta[i] -= lr * (u[i] + decay * theta[i])
                }
                first[name] = u
            }
            store.values[name] = theta
        }
    }

    /// Forgets the moment estimates (used when the set of trainable layers changes).
    public func reset() { first = [:]; second = [:]; steps = 0 }
}

#if canImport(Glibc)
import Glibc
#endif
