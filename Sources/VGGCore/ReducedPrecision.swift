/// What arithmetic a compiled predictor uses, and the model it then computes exactly.
///
/// A `bf16` predictor stores its convolution and dense weights as bfloat16 (half the bytes)
/// and rounds each convolution's and dense layer's input to bfloat16; products of two
/// bfloat16 values are exact in float32 and every sum, bias, batch norm, ReLU, pool and
/// softmax stays float32. So it computes, up to float32 summation order, the float32
/// model `bf16Emulation()` returns, run on bfloat16-rounded layer inputs — which is what
/// `vggc check` verifies it against, stage by stage, with the usual bounds; what the
/// rounding costs against the original float32 model is measured separately on labelled
/// images (`check --labelled`).
public enum Precision: String, CaseIterable, Sendable {
    case fp32
    case bf16
    /// Convolutions and dense layers on 8-bit integers (see `Int8Quantization.swift`).
    case int8
}

extension Float {
    /// The nearest bfloat16 value (round to nearest, ties to even), as a Float. NaN stays
    /// NaN and infinities stay infinite; a finite value beyond bfloat16's range becomes
    /// infinite, and a subnormal becomes zero of the same sign, as the conversion
    /// instruction (`vcvtne2ps2bf16`) does — `vdpbf16ps` would read a subnormal as zero
    /// anyway, so flushing here keeps the model and the hardware identical.
    public var roundedToBF16: Float { Float(bitPattern: UInt32(bf16Bits) << 16) }

    /// The upper 16 bits of `roundedToBF16`.
    public var bf16Bits: UInt16 {
        let bits = bitPattern
        if isNaN { return UInt16(bits >> 16) | 0x40 }  // stays a (quiet) NaN
        if bits & 0x7F80_0000 == 0 { return UInt16(bits >> 16) & 0x8000 }  // zero or subnormal → ±0
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }
}

extension Model {
    /// The float32 model a predictor of `precision` computes, as the one definition the
    /// generator builds from and `vggc check` verifies against: fp32, the model itself; bf16,
    /// `bf16Emulation()` (run on bfloat16-rounded conv/dense inputs); int8, the BN-folded
    /// model whose quantized layers are then defined by `Int8Layer` (Int8Quantization.swift).
    public func computed(at precision: Precision) throws -> Model {
        switch precision {
        case .fp32: return self
        case .bf16: return try bf16Emulation()
        case .int8: return try foldingBatchNorms()
        }
    }

    /// Folds BatchNorm `name` into the weights (`[…, outputs]`, output fastest) and bias of
    /// the conv/dense layer before it: `W·s` and `(b − mean)·s + β` with
    /// `s = γ/√(variance + ε)`, each computed in Double and rounded once. The one fold of the
    /// project: `vggc compile` and the bf16 emulation both use it, so they agree bit for bit.
    public func foldBatchNorm(_ bn: BatchNorm, named name: String, weight: inout [Float], bias: inout [Float]) {
        let outputs = bias.count
        let t = { (s: String) -> [Float] in self.tensors["\(name).\(s)"]!.data }  // validated models have them
        let gamma = t("gamma"), beta = t("beta"), mean = t("mean"), variance = t("variance")
        let scale: [Double] = (0..<outputs).map { o in Double(gamma[o]) / (Double(variance[o]) + Double(bn.epsilon)).squareRoot() }
        for k in weight.indices { weight[k] = Float(Double(weight[k]) * scale[k % outputs]) }
        for o in 0..<outputs { bias[o] = Float((Double(bias[o]) - Double(mean[o])) * scale[o] + Double(beta[o])) }
    }

    /// The float32 model a `bf16` predictor computes: every BatchNorm directly after a
    /// Conv2D or Dense folded into it (scale and shift in Double, rounded once, as
    /// `vggc compile` folds them), then every Conv2D and Dense weight rounded to bfloat16.
    /// Biases stay float32. Layer names are kept, so a predictor's steps name the same layers.
    public func bf16Emulation() throws -> Model {
        var out = try foldingBatchNorms()
        for named in out.layers where [.conv2D, .dense].contains(named.layer.kind) {
            out.tensors["\(named.name).weight"]!.data = out.tensors["\(named.name).weight"]!.data.map(\.roundedToBF16)
        }
        out.metadata["precision"] = "bf16 emulation"
        _ = try out.validate()
        return out
    }

    /// The model with every BatchNorm directly after a Conv2D or Dense folded into it
    /// (`foldBatchNorm`: scale and shift in Double, rounded once, as `vggc compile` folds
    /// them). Layer names are kept. What reduced-precision builds start from.
    public func foldingBatchNorms() throws -> Model {
        _ = try validate()
        var out = self
        out.layers = []
        var i = 0
        while i < layers.count {
            var named = layers[i]
            let next: BatchNorm? = i + 1 < layers.count ? {
                if case let .batchNorm(b) = layers[i + 1].layer { return b } else { return nil }
            }() : nil
            let outputs: Int?
            switch named.layer {
            case let .conv2D(c): outputs = c.outChannels
            case let .dense(d): outputs = d.outFeatures
            default: outputs = nil
            }
            guard let outputs else { out.layers.append(named); i += 1; continue }
            var weight = tensors["\(named.name).weight"]!
            var bias = tensors["\(named.name).bias"]?.data ?? [Float](repeating: 0, count: outputs)
            if let bn = next {
                let bnName = layers[i + 1].name
                foldBatchNorm(bn, named: bnName, weight: &weight.data, bias: &bias)
                for s in ["gamma", "beta", "mean", "variance"] { out.tensors["\(bnName).\(s)"] = nil }
                switch named.layer {
                case var .conv2D(c): c.hasBias = true; named.layer = .conv2D(c)
                case var .dense(d): d.hasBias = true; named.layer = .dense(d)
                default: break
                }
                i += 1
            }
            out.tensors["\(named.name).weight"] = weight
            if next != nil || tensors["\(named.name).bias"] != nil {
                out.tensors["\(named.name).bias"] = Tensor(shape: [outputs], data: bias)
            }
            out.layers.append(named)
            i += 1
        }
        _ = try out.validate()
        return out
    }
}
