import VGGCore
import VGGEngine

/// Dense forward and backward on the engine's GEMM. With X the batch (B × in):
/// `Y = X · W + b`, `dW = Xᵀ · dY`, `db = Σ_batch dY`, `dX = dY · Wᵀ`.
/// Work is split over output columns or weight rows, never over a reduction, so every
/// value is summed in one fixed order whatever the thread count.
final class DenseTrainer: TrainingLayer {
    let name: String
    let settings: Dense
    let store: ParameterStore
    let weightName: String, biasName: String?
    private var input: [Float] = []

    init(name: String, settings: Dense, store: ParameterStore) {
        self.name = name
        self.settings = settings
        self.store = store
        weightName = "\(name).weight"
        biasName = settings.hasBias ? "\(name).bias" : nil
    }

    var parameterNames: [String] { [weightName] + (biasName.map { [$0] } ?? []) }

    func forward(_ x: [Float], batch: Int, context: inout PassContext) -> [Float] {
        let w = store.values[weightName]!
        let packed = w.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, rows: settings.inFeatures, columns: settings.outFeatures) }
        let y = Self.multiply(x, rows: batch, packed, bias: biasName.flatMap { store.values[$0] }, parallel: context.parallel)
        if context.training { input = x }
        return y
    }

    func backward(_ dy: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        let nin = settings.inFeatures, nout = settings.outFeatures
        if store.isTrainable(weightName) {
            var xt = [Float](repeating: 0, count: nin * batch)
            for n in 0..<batch { for i in 0..<nin { xt[i * batch + n] = input[n * nin + i] } }
            let packedDY = dy.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, rows: batch, columns: nout) }
            store.gradients[weightName] = Self.multiply(xt, rows: nin, packedDY, bias: nil, parallel: context.parallel)
            if let biasName {
                var db = [Float](repeating: 0, count: nout)
                for n in 0..<batch { for o in 0..<nout { db[o] += dy[n * nout + o] } }
                store.gradients[biasName] = db
            }
        }
        guard needInputGradient else { return [] }
        let w = store.values[weightName]!
        var wt = [Float](repeating: 0, count: nin * nout)
        for i in 0..<nin { for o in 0..<nout { wt[o * nin + i] = w[i * nout + o] } }
        let packedWT = wt.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, rows: nout, columns: nin) }
        return Self.multiply(dy, rows: batch, packedWT, bias: nil, parallel: context.parallel)
    }

    /// `a (rows × K) · b (K × N) + bias`, parallel over blocks of 64 rows and over panels.
    static func multiply(_ a: [Float], rows: Int, _ b: PackedMatrix, bias: [Float]?, parallel: Parallel) -> [Float] {
        let n = b.columns, k = b.rows
        var c = [Float](repeating: 0, count: rows * n)
        let rowBlocks = (rows + 63) / 64
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                bias.withOptionalPointer { bp in
                    let as_ = UnsafeSendable(ap.baseAddress!), cs = UnsafeSendable(cp.baseAddress!), bs = UnsafeSendable(bp)
                    parallel.forEach(rowBlocks * b.panels) { job in
                        let r = (job / b.panels) * 64, p = job % b.panels
                        GEMM.multiply(a: as_.value + r * k, lda: k, rows: min(64, rows - r), b: b, panels: p..<(p + 1),
                                      bias: bs.value, c: cs.value + r * n, ldc: n)
                    }
                }
            }
        }
        return c
    }
}
