import VGGCore
import VGGEngine

/// Max and average pooling with the engine's border rules: padded positions never win a
/// max and are excluded from an average's count.
///
/// Max pooling remembers, per output, the input position that won (the first one in window
/// order on ties, like the engine's strict `>`), and routes the whole gradient there.
/// Average pooling spreads each output's gradient evenly over its valid positions.
final class PoolTrainer: TrainingLayer {
    enum Mode { case max, average }
    let name: String
    let mode: Mode
    let g: WindowGeometry
    let channels: Int
    var parameterNames: [String] { [] }
    /// For max pooling: the flat input index of each output's winner.
    private var winners: [Int32] = []

    init(name: String, mode: Mode, geometry: WindowGeometry, channels: Int) {
        self.name = name; self.mode = mode; self.g = geometry; self.channels = channels
    }

    private var inImage: Int { g.inputHeight * g.inputWidth * channels }
    private var outImage: Int { g.outputHeight * g.outputWidth * channels }

    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float] {
        var y = [Float](repeating: 0, count: batch * outImage)
        var wins = [Int32](repeating: 0, count: mode == .max && context.training ? batch * outImage : 0)
        let keep = !wins.isEmpty
        input.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { out in
                wins.withUnsafeMutableBufferPointer { w in
                    let xs = UnsafeSendable(x), os = UnsafeSendable(out), ws = UnsafeSendable(w)
                    context.parallel.forEach(batch) { n in
                        self.forwardImage(n, xs.value, os.value, keep ? ws.value : nil)
                    }
                }
            }
        }
        if keep { winners = wins }
        return y
    }

    private func forwardImage(_ n: Int, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>,
                              _ wins: UnsafeMutableBufferPointer<Int32>?) {
        var acc = [Float](repeating: 0, count: channels)
        var arg = [Int](repeating: 0, count: channels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                for c in 0..<channels { acc[c] = mode == .max ? -.infinity : 0 }
                var count = 0
                forEachPosition(oy, ox) { iy, ix in
                    count += 1
                    let base = n * inImage + (iy * g.inputWidth + ix) * channels
                    for c in 0..<channels {
                        let v = x[base + c]
                        if mode == .max {
                            if v > acc[c] || (count == 1) { acc[c] = v; arg[c] = base + c }
                        } else {
                            acc[c] += v
                        }
                    }
                }
                let base = n * outImage + (oy * g.outputWidth + ox) * channels
                for c in 0..<channels {
                    y[base + c] = mode == .max ? acc[c] : acc[c] / Float(count)
                    if let wins { wins[base + c] = Int32(arg[c] - n * inImage) }
                }
            }
        }
    }

    @inline(__always)
    private func forEachPosition(_ oy: Int, _ ox: Int, _ body: (Int, Int) -> Void) {
        g.forEachTap(output: oy, ox) { _, _, iy, ix in body(iy, ix) }
    }

    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        guard needInputGradient else { return [] }
        var dx = [Float](repeating: 0, count: batch * inImage)
        outputGradient.withUnsafeBufferPointer { dy in
            dx.withUnsafeMutableBufferPointer { d in
                let dys = UnsafeSendable(dy), ds = UnsafeSendable(d)
                context.parallel.forEach(batch) { n in self.backwardImage(n, dys.value, ds.value) }
            }
        }
        return dx
    }

    /// Each image writes only its own slice of dx, so images run in parallel without races.
    private func backwardImage(_ n: Int, _ dy: UnsafeBufferPointer<Float>, _ dx: UnsafeMutableBufferPointer<Float>) {
        let inBase = n * inImage
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let base = n * outImage + (oy * g.outputWidth + ox) * channels
                if mode == .max {
                    for c in 0..<channels { dx[inBase + Int(winners[base + c])] += dy[base + c] }
                    continue
                }
                var count = 0
                forEachPosition(oy, ox) { _, _ in count += 1 }
                let scale = 1 / Float(count)
                forEachPosition(oy, ox) { iy, ix in
                    let b = inBase + (iy * g.inputWidth + ix) * channels
                    for c in 0..<channels { dx[b + c] += dy[base + c] * scale }
                }
            }
        }
    }
}
