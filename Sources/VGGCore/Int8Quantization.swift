/// int8 quantization (`vggc compile --precision int8 --calibrate DIR`): the definition both
/// the generator and `vggc check` use, so a predictor can be checked bit for bit.
///
/// Which layers: every Conv2D and Dense whose input is ≥ 0 by construction — produced by a
/// ReLU, possibly through MaxPool, Flatten or Dropout (in a VGG, all but the first
/// convolution). Their input then fits unsigned 8 bits with zero point 0, which is what
/// `vpdpbusd` multiplies (u8 × s8). The others stay float32.
///
/// The arithmetic of one int8 layer, on the BN-folded model (`foldingBatchNorms`):
/// - input scale `s = max/255` per tensor, `max` calibrated on the user's images (the largest
///   value the layer's input took); the stored `inverse = 255/max` (both Double, rounded once);
/// - `q(x) = clamp(roundHalfEven(x·inverse), 0, 255)` with `x·inverse` one float32
///   multiply, NaN and everything ≤ 0 giving 0 (`quantize`);
/// - weights per output channel: `sᵂ[o] = max|W[·,o]|/127`, `qᵂ = clamp(roundHalfEven(W/sᵂ), ±127)`
///   (Double, from the float32 sᵂ);
/// - `acc[o] = Σ q(x)·qᵂ` exactly, in 32-bit integers (≤ 255·127·K, far inside Int32 for VGG);
/// - `y[o] = Float(acc)·c[o] + b[o]` with `c[o] = s·sᵂ[o]` (Double, rounded once): one
///   conversion, one multiply, one add, each rounded to nearest even — no fused multiply-add.
/// ReLU, max-pool and the next layer's quantization follow as float32 operations. Every step
/// is deterministic, so two correct implementations agree bit for bit.
public struct Int8Layer: Sendable, Equatable {
    public let name: String
    public let inputScale: Float
    public let inverseInputScale: Float
    public let weightScales: [Float]
    /// c[o] = inputScale · weightScales[o], rounded once.
    public let outputScales: [Float]
    /// The quantized weights in the layer's own layout (`[…, out]`, output fastest).
    public let weights: [Int8]
    public let bias: [Float]
}

public enum Int8Quantization {
    /// One value's 8-bit code: `clamp(roundHalfEven(x·inverse), 0, 255)`; NaN gives 0.
    @inlinable public static func quantize(_ x: Float, inverseScale: Float) -> UInt8 {
        let v = x * inverseScale
        if !(v > 0) { return 0 }
        if v >= 255 { return 255 }
        return UInt8(v.rounded(.toNearestOrEven))
    }

    /// The input scale and its stored inverse for a calibrated maximum. A maximum of 0 (the
    /// input was always 0 on the calibration images) uses 1, so zeros stay zeros.
    public static func inputScales(maximum: Float) -> (scale: Float, inverse: Float) {
        let m = maximum > 0 && maximum.isFinite ? Double(maximum) : 1
        return (Float(m / 255), Float(255 / m))
    }

    /// Per-output-channel symmetric quantization of `[…, outputs]` weights.
    public static func quantizeWeights(_ w: [Float], outputs: Int) -> (weights: [Int8], scales: [Float]) {
        var maxima = [Float](repeating: 0, count: outputs)
        for (k, v) in w.enumerated() { maxima[k % outputs] = max(maxima[k % outputs], abs(v)) }
        let scales = maxima.map { $0 > 0 ? Float(Double($0) / 127) : 1 }
        let q = w.enumerated().map { k, v -> Int8 in
            let r = (Double(v) / Double(scales[k % outputs])).rounded(.toNearestOrEven)
            return Int8(max(-127, min(127, r)))
        }
        return (q, scales)
    }
}

extension Model {
    /// Indices of the Conv2D / Dense layers whose input is ≥ 0 by construction: what int8
    /// quantizes — unless its reduction is so long (K > 66 311) that 255·127·K could leave a
    /// 32-bit accumulator, or it is a Dense layer whose features do not fill whole 4-byte
    /// words (the kernel reads four codes at a time); such a layer stays float32.
    public func int8LayerIndices() -> [Int] {
        layers.indices.filter { i in
            let k: Int
            switch layers[i].layer {
            case let .conv2D(c): k = c.kernelHeight * c.kernelWidth * c.inChannels
            case let .dense(d):
                guard d.inFeatures % 4 == 0 else { return false }
                k = d.inFeatures
            default: return false
            }
            guard k * 255 * 127 <= Int(Int32.max) else { return false }
            var j = i - 1
            while j >= 0, [.maxPool2D, .flatten, .dropout].contains(layers[j].layer.kind) { j -= 1 }
            return j >= 0 && layers[j].layer.kind == .relu
        }
    }

    /// Layer `index` of this (BN-folded) model, quantized for an input whose calibrated
    /// maximum is `inputMaximum`.
    public func int8Layer(at index: Int, inputMaximum: Float) -> Int8Layer {
        let named = layers[index]
        let outputs: Int
        switch named.layer {
        case let .conv2D(c): outputs = c.outChannels
        case let .dense(d): outputs = d.outFeatures
        default: preconditionFailure("int8 quantizes Conv2D and Dense layers only")
        }
        let (weights, weightScales) = Int8Quantization.quantizeWeights(tensors["\(named.name).weight"]!.data, outputs: outputs)
        let (s, inverse) = Int8Quantization.inputScales(maximum: inputMaximum)
        return Int8Layer(name: named.name, inputScale: s, inverseInputScale: inverse, weightScales: weightScales,
                         outputScales: weightScales.map { Float(Double(s) * Double($0)) }, weights: weights,
                         bias: tensors["\(named.name).bias"]?.data ?? [Float](repeating: 0, count: outputs))
    }
}
