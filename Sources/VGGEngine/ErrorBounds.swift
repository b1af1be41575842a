import VGGCore
import Foundation

// Rigorous elementwise bounds on how far two float32 evaluations of a model may differ.
//
// Claim. For one input x (identical, bit for bit, on both sides) and every layer i, any two
// float32 implementations that each follow the layer definitions up to rounding produce
// outputs ŷ¹_i, ŷ²_i with |ŷ¹_i − ŷ²_i| ≤ B_i elementwise. Each one is even within B_i / 2
// of the exact (real-arithmetic) output y_i, which is what the tests check against a Double
// reference. "Up to rounding" allows: any summation order, with or without FMA; batch norm
// applied as written or folded into the directly preceding conv/dense layer (W' = W·s,
// b' = (b − mean)·s + β, each of s, W', b' computed with at most 6 roundings); ReLU and
// max-pool fused into anything; exp accurate to 1 ulp (glibc's expf is). Conv/dense may
// use a transformed algorithm (Winograd, FFT) whose error is `algorithmFactor` times the
// direct dot product's. Underflow is ignored (it only adds errors of order 1e-45).
//
// Notation. u = 2⁻²⁴, γ(n) = n·u / (1 − n·u) (`Tolerance.gamma`), f = algorithmFactor.
// Per layer we carry, per element of the one image:
//   A_i ≥ |y_i|   a magnitude bound on the exact activation;
//   E_i = B_i     the two-sided difference bound (each implementation is within E_i / 2
//                 of y_i, so |ŷ_i| ≤ M_i := A_i + E_i / 2 for every implementation).
// Start: A_0 = |x|, E_0 = 0; likewise A = |engine's input to layer i|, E = 0 at every layer
// listed in `identicalInputs` (a stage the check feeds with the engine's activation).
// After every layer, A ← min(A, |ŷ_eng| + E/2) with ŷ_eng the engine's own float output
// (the exact value is within E/2 of it), so A stays near the real magnitudes instead of
// compounding |W|-growth.
//
// Conv2D / Dense (kernel W, bias b, reduction length K = kh·kw·cin or inFeatures):
//   A_out = |W| ⊛ A_in + |b|
//   P     = |W| ⊛ E_in                               (propagated difference)
//   E_out = P + f·γ(K+1)·(2·A_out + P)
// where ⊛ is the layer's own geometry (strides, pads) with absolute weights. Each
// implementation's dot product of K products plus the bias errs by ≤ f·γ(K+1)·Σ|terms|
// (Higham §3.1, any order, FMA or not) and Σ|terms| ≤ |W| ⊛ M_in + |b| = A_out + P/2.
// The factor 2 on A_out: both sides may err in opposite directions.
//
// BatchNorm (per channel: s = gamma / √(variance + ε), evaluated by the engine as
// (x − mean)·invStd·gamma + beta; mean, beta as stored):
//   A_out = |s|·(A_in + |mean|) + |β|
//   E_out = |s|·E_in + 2·[γ(7)·(|s|·(M_in + |mean|) + |β|) + F·(|s|·|mean| + |β|)]
// γ(7) covers the written form (subtraction, invStd from three roundings ≈ 2.5u, two
// multiplications, the addition) and every form that computes s or t = β − mean·s first.
// F is for folding: if the BN directly follows a conv/dense layer of length K, a predictor
// may fold it there; the folded bias then rides through that dot product, adding
// f·γ(K+1)·|b'| with |b'| ≤ (1 + γ(6))·(|s|·|b| + |s|·|mean| + |β|). The |s|·|b| part is
// already inside the conv's own term (scaled by |s|), so F = f·γ(K+1)·(1 + γ(7)). The
// rounding of the folded weights, W·s·(1 + γ(6)), moves the dot product by
// ≤ γ(6)·|s|·Σ|W||x| ≤ γ(6)·|s|·(Ā + E_in/2), with Ā the conv's A *before* the tightening
// below (|W| ⊛ A + |b|; after tightening A can be far smaller under cancellation), so the
// local term gains γ(6)·|s|·(Ā + E_in/2). F and that term are 0 when no fold is possible.
//
// ReLU:          A_out = A_in, E_out = E_in (1-Lipschitz, exact), except E_out = 0 where the
//                engine's input x satisfies x + E_in ≤ 0 (then every implementation, and the
//                exact value, is ≤ 0: all outputs are exactly 0).
// MaxPool:       A_out = max_window A_in, E_out = max E_in over the window's candidates, the
//                positions j with x_j + E_j ≥ max_k (x_k − E_k) (only they can be the max in
//                any implementation; |max a − max b| ≤ max over candidates |a_j − b_j|).
//                Padding never wins, so it contributes nothing. Exact.
// Flatten, Dropout: copies of A and E.
// AveragePool over the n valid positions of a window, GlobalAveragePool over n = H·W pixels:
//   A_out = mean A_in,  E_out = mean E_in + γ(n+1)·(2·A_out + mean E_in)
// (n − 1 additions in any order plus a division or a multiplication by a rounded 1/n).
// Softmax over n logits, p̂ the engine's float result:
//   c = γ(n) + (6 + ln n)·u,  p̄_i = min(1, (p̂_i + u)·(1 + 2c) + ½·max_j E_in,j)
//   E_out,i = min(1, ½·max_j E_in,j + 2·(c·p̄_i + u/2)),  A_out = 1.
// The Jacobian's row i has ∞-norm 2p_i(1 − p_i) ≤ ½ everywhere, so a logit difference
// moves p_i by ≤ ½·max E. Rounding: exp ≤ 2u, its argument z_i − max costs u·|z_i − max|
// relative, i.e. ≤ u/e absolute (p·ln(1/p) ≤ 1/e), the sum γ(n−1) plus the entropy term
// u·ln n, the division u. p̄_i bounds the exact p_i at any implementation's logits.
// Sigmoid: σ̄ = min(1, (σ̂ + u)·(1 + 2γ(6)) + ¼·E_in),
//   E_out = ¼·E_in + 2·(γ(6)·σ̄ + u),  A_out = 1     (|σ'| ≤ ¼; exp, add, divide, or the
//   e^x/(1 + e^x) and tanh forms; the absolute u covers cancellation in 1 + tanh).
//
// The bound's own arithmetic. |W| ⊛ v runs on the engine's own conv/dense kernels with
// packed |W| and no bias, on a batch of two images [A_in, E_in]. A float sum of K
// non-negative terms (FMA or not) is ≥ (1 − γ(K)) times the exact sum, so each kernel
// result is divided by (1 − γ(K)) in Double; |b| and every other formula above are then
// evaluated in Double and rounded up to Float. Every arithmetic layer's E is finally
// multiplied by (1 + 2⁻¹⁰), a margin that absorbs the Double roundings and the
// second-order terms (products of two roundings) the formulas drop. Exact layers (ReLU,
// max-pool, copies) pass E through unchanged or lower it, so their bound is exactly 0 when
// their input's is. The refinements that read the engine's own outputs (A ← min, ReLU,
// max-pool, softmax, sigmoid) rely only on the engine being one such implementation.
//
// Reach. Propagation through |W| assumes the worst case: every error aligned with the
// signs of the next layer's weights. That multiplies E by about Σ|w| ≈ √(2K) per conv layer
// (He-scaled weights), so end to end the bound is useful for a few conv layers and vacuous
// after 4–6 (small VGG-11: 3e-4 relative after block 2, 1e4 relative on the logits, while
// the real differences stay near 1e-6). Stage by stage — `identicalInputs` listing every
// fused stage's first layer, the check feeding each stage the engine's activation — each
// bound covers one stage's roundings: ≲ 4e-4 relative on every layer of that VGG.

/// The elementwise difference bound of one layer's output for one image.
public struct LayerBounds: Sendable, Equatable {
    public let name: String
    /// One value per element of the layer's output (channels-last, as the output).
    public let bound: [Float]
    public init(name: String, bound: [Float]) { self.name = name; self.bound = bound }
}

extension Engine {
    /// For one input image: for every layer i, an elementwise bound B_i such that any two float32 implementations
    /// that each follow the layer definitions up to rounding (any summation order, with or without FMA, BN folded or not)
    /// produce outputs that differ by at most B_i elementwise, assuming identical inputs.
    /// Each such implementation is within B_i / 2 of the exact output. See the header of
    /// ErrorBounds.swift for the formulas. `algorithmFactor` (≥ 1) scales the conv/dense
    /// rounding term for transformed algorithms (1 for direct convolution).
    ///
    /// `identicalInputs`: indices of layers whose input both sides receive bit-identical —
    /// the engine's float output of the layer before (a stage-by-stage check feeds it to the
    /// predictor's stage). Propagation restarts there with E = 0; with every stage start
    /// listed, each bound covers only that stage's own rounding. The default (no restart,
    /// only the image is shared) is rigorous end to end but grows about √(2K)-fold per
    /// conv layer (worst-case error directions through |W|): vacuous after 4–6 conv layers.
    ///
    /// `winogradLayers`: indices of 3×3 stride-1 convolutions that one side computes as
    /// Winograd F(4×4, 3×3); their bound follows WinogradBounds.swift instead.
    public func errorBounds(for input: [Float], algorithmFactor: Float = 1,
                            identicalInputs: Set<Int> = [], winogradLayers: Set<Int> = []) throws -> [LayerBounds] {
        guard algorithmFactor.isFinite, algorithmFactor >= 1 else { throw EngineError.invalidAlgorithmFactor(algorithmFactor) }
        try validateWinograd(winogradLayers)
        let outputs = try runCapturingLayers(input, batch: 1)
        return try propagate(0...(model.layers.count - 1), input: input, outputs: outputs,
                             factor: Double(algorithmFactor), restarts: identicalInputs, winograd: winogradLayers)
    }

    /// Bounds for one stage: layers `range`, both sides given the same `input` to its first
    /// layer (for `check`, the predictor's own dumped input to that stage). Returns the
    /// engine's outputs of those layers on that input and their bounds.
    public func stageBounds(layers range: ClosedRange<Int>, input: [Float], algorithmFactor: Float = 1,
                            winogradLayers: Set<Int> = []) throws -> (outputs: [[Float]], bounds: [[Float]]) {
        guard algorithmFactor.isFinite, algorithmFactor >= 1 else { throw EngineError.invalidAlgorithmFactor(algorithmFactor) }
        try validateWinograd(winogradLayers)
        let outputs = try runLayers(range, input: input)
        let all = [[Float]](repeating: [], count: range.lowerBound) + outputs
        let bounds = try propagate(range, input: input, outputs: all, factor: Double(algorithmFactor), restarts: [],
                                   winograd: winogradLayers)
        return (outputs, bounds.map(\.bound))
    }

    /// Propagates (A, E) through `range`, starting from `input` (E = 0); `outputs[i]` is the
    /// engine's output of layer i for every i in range.
    private func propagate(_ range: ClosedRange<Int>, input: [Float], outputs: [[Float]], factor f: Double,
                           restarts identicalInputs: Set<Int>, winograd: Set<Int>) throws -> [LayerBounds] {
        let kernels = try absoluteKernels.kernels(for: self)
        var state = BoundState(a: input.map { abs($0) }, e: [Float](repeating: 0, count: input.count))
        var result: [LayerBounds] = []
        result.reserveCapacity(range.count)
        let first = range.lowerBound
        var untightened: [Float] = []  // the previous layer's A before `tighten` (for BN folding)
        for i in range {
            let named = model.layers[i]
            let outCount = shapes[i + 1].elementCount
            if i > first, identicalInputs.contains(i) {
                state = BoundState(a: outputs[i - 1].map { abs($0) }, e: [Float](repeating: 0, count: outputs[i - 1].count))
            }
            switch named.layer {
            case let .conv2D(s):
                let w = winograd.contains(i)
                    ? (s, try s.geometry(for: shapes[i], layer: named.name)) : nil
                state = linear(kernels[i]!, state, outCount: outCount, channels: s.outChannels,
                               length: s.kernelHeight * s.kernelWidth * s.inChannels,
                               bias: s.hasBias ? tensor(named.name, "bias") : nil, factor: f, winograd: w)
            case let .dense(s):
                state = linear(kernels[i]!, state, outCount: outCount, channels: s.outFeatures, length: s.inFeatures,
                               bias: s.hasBias ? tensor(named.name, "bias") : nil, factor: f, winograd: nil)
            case let .batchNorm(s):
                var foldLength: Int?
                if i > first, !identicalInputs.contains(i) {
                    switch model.layers[i - 1].layer {
                    case let .conv2D(c): foldLength = c.kernelHeight * c.kernelWidth * c.inChannels
                    case let .dense(d): foldLength = d.inFeatures
                    default: break
                    }
                }
                state = batchNorm(s, name: named.name, state, foldLength: foldLength, factor: f,
                                  foldedMagnitude: foldLength == nil ? nil : untightened)
            case .relu:
                state = relu(state, input: i > first ? outputs[i - 1] : input)
            case .flatten, .dropout:
                break
            case let .maxPool2D(p):
                let g = try p.window.geometry(for: shapes[i], layer: named.name, kind: .maxPool2D)
                state = maxPool(g, channels: shapes[i].channels, state, input: i > first ? outputs[i - 1] : input)
            case let .averagePool2D(p):
                let g = try p.window.geometry(for: shapes[i], layer: named.name, kind: .averagePool2D)
                state = averagePool(g, channels: shapes[i].channels, state)
            case .globalAveragePool:
                let c = shapes[i].channels
                let g = try WindowGeometry(layer: named.name, inputHeight: shapes[i].elementCount / c, inputWidth: 1,
                                           kernel: (shapes[i].elementCount / c, 1), stride: (1, 1), padding: .valid)
                state = averagePool(g, channels: c, state)
            case .softmax:
                state = softmax(state, probabilities: outputs[i])
            case .sigmoid:
                state = sigmoid(state, values: outputs[i])
            }
            precondition(state.e.count == outCount && state.a.count == outCount, "bound size for \(named.name)")
            untightened = state.a
            state.tighten(with: outputs[i])
            result.append(LayerBounds(name: named.name, bound: state.e))
        }
        return result
    }

    private func validateWinograd(_ layers: Set<Int>) throws {
        for i in layers.sorted() {
            guard i >= 0, i < model.layers.count else {
                throw EngineError.layerRange(lower: i, upper: i, layers: model.layers.count)
            }
            // Exactly the layers the generator may compute that way: a predictor cannot buy a
            // looser bound by labelling any other step Winograd.
            guard case let .conv2D(c) = model.layers[i].layer, WinogradF43.accepts(c) else {
                throw EngineError.notWinogradEligible(layer: model.layers[i].name)
            }
        }
    }

    private func tensor(_ layer: String, _ suffix: String) -> [Float] {
        model.tensors["\(layer).\(suffix)"]!.data  // Engine.init validated the model
    }

    // MARK: - Per-layer rules (formulas in the header)

    private func linear(_ kernel: PreparedLayer, _ s: BoundState, outCount: Int, channels: Int, length k: Int,
                        bias: [Float]?, factor f: Double, winograd: (Conv2D, WindowGeometry)?) -> BoundState {
        let both = s.a + s.e
        let out = [Float](unsafeUninitializedCapacity: 2 * outCount) { buffer, count in
            both.withUnsafeBufferPointer { kernel.forward($0, buffer, batch: 2, parallel: Parallel(threads: threads)) }
            count = 2 * outCount
        }
        if let (conv, g) = winograd, let absWeights = (kernel as? ConvolutionKernel)?.weights {
            return winogradBound(conv, geometry: g, absWeights: absWeights, bias: bias, state: s, absOut: out, outCount: outCount,
                                 factor: f)
        }
        let sumScale = 1 / (1 - Tolerance.gamma(k)), g = f * Tolerance.gamma(k + 1)
        var a = [Float](repeating: 0, count: outCount), e = [Float](repeating: 0, count: outCount)
        for idx in 0..<outCount {
            let aOut = Double(out[idx]) * sumScale + Double(abs(bias?[idx % channels] ?? 0))
            let p = Double(out[outCount + idx]) * sumScale
            a[idx] = roundUp(aOut)
            e[idx] = roundUp((p + g * (2 * aOut + p)) * boundMargin)
        }
        return BoundState(a: a, e: e)
    }

    /// `foldedMagnitude`: when folding is possible, the previous conv/dense layer's A before
    /// tightening (≥ |W| ⊛ M_in + |b|, the size of the sum the folded weights' rounding scales).
    private func batchNorm(_ bn: BatchNorm, name: String, _ s: BoundState, foldLength: Int?, factor f: Double,
                           foldedMagnitude: [Float]?) -> BoundState {
        let gamma = tensor(name, "gamma"), beta = tensor(name, "beta")
        let mean = tensor(name, "mean"), variance = tensor(name, "variance")
        let c = bn.channels
        let scale = (0..<c).map { abs(Double(gamma[$0]) / (Double(variance[$0]) + Double(bn.epsilon)).squareRoot()) }
        let g7 = Tolerance.gamma(7)
        let fold = foldLength.map { f * Tolerance.gamma($0 + 1) * (1 + g7) } ?? 0
        var a = [Float](repeating: 0, count: s.a.count), e = a
        for idx in 0..<s.a.count {
            let ch = idx % c
            let sc = scale[ch], m = abs(Double(mean[ch])), b = abs(Double(beta[ch]))
            let aIn = Double(s.a[idx]), eIn = Double(s.e[idx])
            a[idx] = roundUp(sc * (aIn + m) + b)
            // Folded weights W·s carry one rounding each (≤ γ(6) with s's own): their dot
            // product moves by ≤ γ(6)·|s|·Σ|W||x| — the conv's magnitude before tightening,
            // which cancellation can make far larger than |ŷ|.
            let weightFold = foldedMagnitude.map { Tolerance.gamma(6) * sc * (Double($0[idx]) + eIn / 2) } ?? 0
            let local = g7 * (sc * (aIn + eIn / 2 + m) + b) + fold * (sc * m + b) + weightFold
            e[idx] = roundUp((sc * eIn + 2 * local) * boundMargin)
        }
        return BoundState(a: a, e: e)
    }

    /// An element the engine saw at x ≤ −E_in is ≤ 0 in every implementation and exactly:
    /// its output is 0 everywhere, E_out = 0. Otherwise E_out = E_in.
    private func relu(_ s: BoundState, input x: [Float]) -> BoundState {
        var e = s.e
        for k in e.indices where Double(x[k]) + Double(e[k]) <= 0 { e[k] = 0 }
        return BoundState(a: s.a, e: e)
    }

    /// E_out = max of E_in over the window's candidates: positions whose value can still be
    /// the maximum (x_j + E_j ≥ max_k (x_k − E_k), x the engine's values). A_out = max A_in.
    private func maxPool(_ g: WindowGeometry, channels: Int, _ s: BoundState, input x: [Float]) -> BoundState {
        let count = g.outputHeight * g.outputWidth * channels
        var a = [Float](repeating: 0, count: count), e = a
        var window: [Int] = []
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                for c in 0..<channels {
                    window.removeAll(keepingCapacity: true)
                    g.forEachTap(output: oy, ox) { _, _, iy, ix in window.append((iy * g.inputWidth + ix) * channels + c) }
                    let floor = window.map { Double(x[$0]) - Double(s.e[$0]) }.max()!
                    var maxA: Float = 0, maxE: Float = 0
                    for at in window {
                        maxA = max(maxA, s.a[at])
                        if !(Double(x[at]) + Double(s.e[at]) < floor) { maxE = max(maxE, s.e[at]) }
                    }
                    let out = (oy * g.outputWidth + ox) * channels + c
                    a[out] = maxA
                    e[out] = maxE
                }
            }
        }
        return BoundState(a: a, e: e)
    }

    /// Average pooling over `g`'s windows (GlobalAveragePool is one H·W×1 window).
    private func averagePool(_ g: WindowGeometry, channels: Int, _ s: BoundState) -> BoundState {
        let count = g.outputHeight * g.outputWidth * channels
        var a = [Float](repeating: 0, count: count), e = a
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                for c in 0..<channels {
                    var sumA = 0.0, sumE = 0.0, n = 0
                    g.forEachTap(output: oy, ox) { _, _, iy, ix in
                        let at = (iy * g.inputWidth + ix) * channels + c
                        sumA += Double(s.a[at]); sumE += Double(s.e[at]); n += 1
                    }
                    let out = (oy * g.outputWidth + ox) * channels + c
                    let meanA = sumA / Double(n), meanE = sumE / Double(n)
                    a[out] = roundUp(meanA)
                    e[out] = roundUp((meanE + Tolerance.gamma(n + 1) * (2 * meanA + meanE)) * boundMargin)
                }
            }
        }
        return BoundState(a: a, e: e)
    }

    private func softmax(_ s: BoundState, probabilities p: [Float]) -> BoundState {
        let n = s.e.count, u = Tolerance.unitRoundoff
        let c = Tolerance.gamma(n) + (6 + log(Double(n))) * u
        let maxE = Double(s.e.max() ?? 0)
        let e = (0..<n).map { i -> Float in
            let pBar = min(1, (Double(p[i]) + u) * (1 + 2 * c) + maxE / 2)
            return min(1, roundUp((maxE / 2 + 2 * (c * pBar + u / 2)) * boundMargin))
        }
        return BoundState(a: [Float](repeating: 1, count: n), e: e)
    }

    private func sigmoid(_ s: BoundState, values sigma: [Float]) -> BoundState {
        let u = Tolerance.unitRoundoff, g6 = Tolerance.gamma(6)
        let e = s.e.indices.map { i -> Float in
            let eIn = Double(s.e[i])
            let bar = min(1, (Double(sigma[i]) + u) * (1 + 2 * g6) + eIn / 4)
            return min(1, roundUp((eIn / 4 + 2 * (g6 * bar + u)) * boundMargin))
        }
        return BoundState(a: [Float](repeating: 1, count: s.e.count), e: e)
    }
}

/// A (magnitude bound) and E (difference bound) of one layer's output, one image.
struct BoundState {
    var a: [Float]
    var e: [Float]

    /// A ← min(A, |ŷ| + E/2), ŷ the engine's output: the exact value is within E/2 of it.
    mutating func tighten(with engineOutput: [Float]) {
        for k in a.indices {
            let posterior = roundUp(Double(abs(engineOutput[k])) + Double(e[k]) / 2)
            if posterior < a[k] { a[k] = posterior }
        }
    }
}

/// Safety margin on every arithmetic layer's E (see the header).
let boundMargin = 1 + 0x1p-10

/// The smallest Float ≥ `x` (after a 2⁻⁴⁰ relative nudge covering the few Double roundings
/// that produced `x`). 0 stays 0; non-finite values pass through.
@inline(__always)
func roundUp(_ x: Double) -> Float {
    guard x > 0 else { return x == 0 ? 0 : Float(x) }
    let v = x * (1 + 0x1p-40)
    let f = Float(v)
    return Double(f) >= v ? f : f.nextUp
}

/// The |W|, bias-free conv/dense kernels `errorBounds` runs, one per layer (nil for other
/// kinds), built once per engine on first use.
final class AbsoluteKernelCache: @unchecked Sendable {
    private let lock = NSLock()
    private var built: [PreparedLayer?]?

    func kernels(for engine: Engine) throws -> [PreparedLayer?] {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        let model = engine.model
        let kernels: [PreparedLayer?] = try model.layers.enumerated().map { i, named in
            switch named.layer {
            case let .conv2D(s):
                let g = try s.geometry(for: engine.shapes[i], layer: named.name)
                let w = model.tensors["\(named.name).weight"]!.data.map { abs($0) }
                let packed = w.withUnsafeBufferPointer {
                    PackedMatrix(rowMajor: $0, rows: s.kernelHeight * s.kernelWidth * s.inChannels, columns: s.outChannels)
                }
                return ConvolutionKernel(g: g, inChannels: s.inChannels, outChannels: s.outChannels, weights: packed, bias: nil)
            case let .dense(s):
                let w = model.tensors["\(named.name).weight"]!.data.map { abs($0) }
                let packed = w.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, rows: s.inFeatures, columns: s.outFeatures) }
                return DenseKernel(weights: packed, bias: nil)
            default:
                return nil
            }
        }
        built = kernels
        return kernels
    }
}
