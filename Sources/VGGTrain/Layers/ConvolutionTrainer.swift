import VGGCore
import VGGEngine

/// Conv2D forward and backward as im2col + the engine's packed GEMM, block by block of
/// output pixels so every operand stays in cache.
///
/// With `cols` the im2col matrix of one image (pixels × K, K = kh·kw·Cin, rows in the HWIO
/// weight order) and `dY` the output gradient (pixels × Cout):
/// - forward  `Y = cols · W + b`
/// - weights  `dW = colsᵀ · dY`, `db = Σ_pixels dY`
/// - input    `dcols = dY · Wᵀ`, scattered back onto the input positions (col2im).
///
/// Determinism: the batch is cut into at most `gradientGroups` fixed groups of images
/// whose weight gradients are summed in image order, then the groups in group order; the
/// grouping depends on the batch size only, so the result is the same for any thread count.
final class ConvolutionTrainer: TrainingLayer {
    static let blockPixels = 128
    static let gradientGroups = 8
    let name: String
    let settings: Conv2D
    let g: WindowGeometry
    let store: ParameterStore
    let weightName: String, biasName: String?
    private var input: [Float] = []

    init(name: String, settings: Conv2D, input: ActivationShape, store: ParameterStore) throws {
        self.name = name
        self.settings = settings
        g = try settings.geometry(for: input, layer: name)
        self.store = store
        weightName = "\(name).weight"
        biasName = settings.hasBias ? "\(name).bias" : nil
    }

    var parameterNames: [String] { [weightName] + (biasName.map { [$0] } ?? []) }
    private var k: Int { g.kernelHeight * g.kernelWidth * settings.inChannels }
    private var pixels: Int { g.outputHeight * g.outputWidth }
    private var inImage: Int { g.inputHeight * g.inputWidth * settings.inChannels }

    func forward(_ x: [Float], batch: Int, context: inout PassContext) -> [Float] {
        let cout = settings.outChannels, k = self.k, pixels = self.pixels, inImage = self.inImage
        let weights = store.values[weightName]!.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, rows: k, columns: cout) }
        let bias = biasName.flatMap { store.values[$0] }
        let blocks = (pixels + Self.blockPixels - 1) / Self.blockPixels
        var y = [Float](repeating: 0, count: batch * pixels * cout)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                bias.withOptionalPointer { bp in
                    let xs = UnsafeSendable(xp.baseAddress!), ys = UnsafeSendable(yp.baseAddress!), bs = UnsafeSendable(bp)
                    context.parallel.forEach(batch * blocks) { job in
                        let n = job / blocks, first = (job % blocks) * Self.blockPixels
                        let count = min(Self.blockPixels, pixels - first)
                        let cols = UnsafeMutablePointer<Float>.allocate(capacity: count * k)
                        defer { cols.deallocate() }
                        self.gather(first: first, count: count, from: xs.value + n * inImage, into: cols)
                        GEMM.multiply(a: cols, lda: k, rows: count, b: weights, panels: 0..<weights.panels,
                                      bias: bs.value, c: ys.value + (n * pixels + first) * cout, ldc: cout)
                    }
                }
            }
        }
        if context.training { input = x }
        return y
    }

    func backward(_ dy: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        let cout = settings.outChannels, k = self.k, pixels = self.pixels, inImage = self.inImage
        let trainWeights = store.isTrainable(weightName)
        let groups = min(batch, Self.gradientGroups)
        // dW is accumulated with its columns padded to the kernel's 32-wide blocks.
        let padded = (cout + WeightGradientKernel.columnBlock - 1) / WeightGradientKernel.columnBlock * WeightGradientKernel.columnBlock
        var groupGradients = [Float](repeating: 0, count: trainWeights ? groups * k * padded : 0)
        var groupBias = [Float](repeating: 0, count: trainWeights ? groups * cout : 0)
        var dx = [Float](repeating: 0, count: needInputGradient ? batch * inImage : 0)
        let transposed: PackedMatrix? = needInputGradient ? transposedWeights() : nil
        let blocks = (pixels + Self.blockPixels - 1) / Self.blockPixels

        input.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dyp in
                dx.withUnsafeMutableBufferPointer { dxp in
                    groupGradients.withUnsafeMutableBufferPointer { gp in
                        groupBias.withUnsafeMutableBufferPointer { gbp in
                            let xs = UnsafeSendable(xp), dys = UnsafeSendable(dyp), dxs = UnsafeSendable(dxp)
                            let gs = UnsafeSendable(gp), gbs = UnsafeSendable(gbp)
                            context.parallel.forEach(groups) { group in
                                let cols = UnsafeMutablePointer<Float>.allocate(capacity: Self.blockPixels * k + WeightGradientKernel.colsSlack)
                                cols.initialize(repeating: 0, count: Self.blockPixels * k + WeightGradientKernel.colsSlack)
                                let dyPadded = UnsafeMutablePointer<Float>.allocate(capacity: Self.blockPixels * padded)
                                dyPadded.initialize(repeating: 0, count: Self.blockPixels * padded)
                                defer { cols.deallocate(); dyPadded.deallocate() }
                                var n = group
                                while n < batch {   // images group, group + groups, … in order
                                    for b in 0..<blocks {
                                        let first = b * Self.blockPixels, count = min(Self.blockPixels, pixels - first)
                                        let dyBlock = dys.value.baseAddress! + (n * pixels + first) * cout
                                        if trainWeights {
                                            self.gather(first: first, count: count, from: xs.value.baseAddress! + n * inImage, into: cols)
                                            var dyRows = UnsafePointer(dyBlock)
                                            if padded != cout {
                                                for r in 0..<count { (dyPadded + r * padded).update(from: dyBlock + r * cout, count: cout) }
                                                dyRows = UnsafePointer(dyPadded)
                                            }
                                            WeightGradientKernel.accumulate(cols: cols, k: k, dy: dyRows, paddedColumns: padded, count: count,
                                                                            dw: gs.value.baseAddress! + group * k * padded)
                                            let bacc = gbs.value.baseAddress! + group * cout
                                            for r in 0..<count { for o in 0..<cout { bacc[o] += dyBlock[r * cout + o] } }
                                        }
                                        if let transposed {
                                            GEMM.multiply(a: dyBlock, lda: cout, rows: count, b: transposed, panels: 0..<transposed.panels,
                                                          bias: nil, c: cols, ldc: k)
                                            self.scatter(first: first, count: count, from: cols,
                                                         into: dxs.value.baseAddress! + n * inImage)
                                        }
                                    }
                                    n += groups
                                }
                            }
                        }
                    }
                }
            }
        }
        if trainWeights {
            let total = sumGroups(groupGradients, groups: groups, size: k * padded)
            var weights = [Float](repeating: 0, count: k * cout)
            for r in 0..<k { for o in 0..<cout { weights[r * cout + o] = total[r * padded + o] } }
            store.gradients[weightName] = weights
            if let biasName { store.gradients[biasName] = sumGroups(groupBias, groups: groups, size: cout) }
        }
        return dx
    }

    private func sumGroups(_ parts: [Float], groups: Int, size: Int) -> [Float] {
        var total = Array(parts[0..<size])
        for gi in 1..<max(1, groups) { for i in 0..<size { total[i] += parts[gi * size + i] } }
        return total
    }

    /// Wᵀ (Cout × K) packed for the input-gradient GEMM.
    private func transposedWeights() -> PackedMatrix {
        let w = store.values[weightName]!, cout = settings.outChannels, k = self.k
        var t = [Float](repeating: 0, count: k * cout)
        for r in 0..<k { for o in 0..<cout { t[o * k + r] = w[r * cout + o] } }
        return t.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, rows: cout, columns: k) }
    }

    /// im2col rows for output pixels `first..<first+count` (WindowGeometry's, shared with the engine).
    private func gather(first: Int, count: Int, from source: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>) {
        for r in 0..<count { g.gatherWindow(pixel: first + r, channels: settings.inChannels, from: source, into: cols + r * k) }
    }

    /// col2im: adds each im2col-row gradient back onto the input positions it was read from.
    private func scatter(first: Int, count: Int, from dcols: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        for r in 0..<count { g.scatterWindow(pixel: first + r, channels: settings.inChannels, from: dcols + r * k, into: dx) }
    }
}
