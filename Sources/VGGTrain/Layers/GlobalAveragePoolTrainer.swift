import VGGCore

/// Global average pooling: each channel's mean over the pixels; the gradient spreads evenly.
final class GlobalAveragePoolTrainer: TrainingLayer {
    let name: String
    let pixels: Int, channels: Int
    var parameterNames: [String] { [] }
    init(name: String, pixels: Int, channels: Int) { self.name = name; self.pixels = pixels; self.channels = channels }

    func forward(_ input: [Float], batch: Int, context: inout PassContext) -> [Float] {
        var y = [Float](repeating: 0, count: batch * channels)
        for n in 0..<batch {
            for p in 0..<pixels {
                let base = (n * pixels + p) * channels
                for c in 0..<channels { y[n * channels + c] += input[base + c] }
            }
        }
        let scale = 1 / Float(pixels)
        return y.map { $0 * scale }
    }

    func backward(_ outputGradient: [Float], batch: Int, needInputGradient: Bool, context: PassContext) -> [Float] {
        guard needInputGradient else { return [] }
        var dx = [Float](repeating: 0, count: batch * pixels * channels)
        let scale = 1 / Float(pixels)
        for n in 0..<batch {
            for p in 0..<pixels {
                let base = (n * pixels + p) * channels
                for c in 0..<channels { dx[base + c] = outputGradient[n * channels + c] * scale }
            }
        }
        return dx
    }
}
