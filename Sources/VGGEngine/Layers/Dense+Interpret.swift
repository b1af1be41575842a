import VGGCore

extension Dense {
    func prepare(_ context: LayerContext) throws -> PreparedLayer {
        let weight = try context.tensor("weight")
        let packed = weight.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, rows: inFeatures, columns: outFeatures) }
        return DenseKernel(weights: packed, bias: hasBias ? try context.tensor("bias") : nil)
    }
}

/// `out[b, o] = bias[o] + Σ_i in[b, i] · weight[i, o]`: the batch is the GEMM's rows.
/// At batch 1 the layer is memory-bound (each weight is used once), so the threads split
/// the output panels, and each streams its share of the weights exactly once.
struct DenseKernel: PreparedLayer {
    let weights: PackedMatrix
    let bias: [Float]?

    func forward(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                 batch: Int, parallel: Parallel) {
        let a = UnsafeSendable(input.baseAddress!), c = UnsafeSendable(output.baseAddress!)
        let panels = weights.panels
        bias.withOptionalPointer { biasPointer in
            let biasBox = UnsafeSendable(biasPointer)
            parallel.forEach(panels) { p in
                GEMM.multiply(a: a.value, lda: weights.rows, rows: batch, b: weights, panels: p..<p + 1,
                              bias: biasBox.value, c: c.value, ldc: weights.columns)
            }
        }
    }
}
