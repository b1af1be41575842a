#if canImport(Glibc)
import Glibc
#endif

/// The training losses, computed on the logits (the input of the network's final Softmax
/// or Sigmoid) because that is both numerically stable and gives the simple gradients
/// `p − y`. Per-image losses are multiplied by the weight of the image's class and
/// averaged over the batch (Keras' `class_weight` convention).
public enum Loss {
    public struct Result {
        /// Mean (weighted) loss over the batch.
        public var loss: Double
        /// Images whose most probable class is the true one.
        public var correct: Int
        /// dLoss/dLogits, batch × logits.
        public var gradient: [Float]
        /// Per-image class probabilities (two for a one-unit sigmoid).
        public var probabilities: [[Float]]
    }

    /// Stable softmax in place: the maximum is subtracted first, so no exp overflows.
    static func softmax(_ x: inout ArraySlice<Float>) {
        let top = x.max() ?? 0
        var sum: Float = 0
        for i in x.indices { x[i] = expf(x[i] - top); sum += x[i] }
        for i in x.indices { x[i] /= sum }
    }

    /// Softmax cross-entropy over `classes` logits per image.
    public static func softmaxCrossEntropy(logits: [Float], labels: [Int], classes: Int,
                                           classWeights: [Float]? = nil) -> Result {
        let batch = labels.count
        var gradient = [Float](repeating: 0, count: logits.count)
        var probabilities: [[Float]] = []
        var total = 0.0, correct = 0
        for n in 0..<batch {
            var p = logits[n * classes ..< (n + 1) * classes]
            softmax(&p)
            let y = labels[n], w = classWeights?[y] ?? 1
            // log p_y computed from the logits (log-sum-exp) so a confident mistake gives a
            // large finite loss instead of log(0).
            let row = logits[n * classes ..< (n + 1) * classes]
            let top = row.max()!
            let lse = Double(top) + log(row.reduce(0.0) { $0 + exp(Double($1 - top)) })
            total += Double(w) * (lse - Double(row[n * classes + y]))
            if p.indices.max(by: { p[$0] < p[$1] })! - n * classes == y { correct += 1 }
            for (j, i) in p.indices.enumerated() {
                gradient[i] = w * (p[i] - (j == y ? 1 : 0)) / Float(batch)
            }
            probabilities.append(Array(p))
        }
        return Result(loss: total / Double(max(batch, 1)), correct: correct, gradient: gradient, probabilities: probabilities)
    }

    /// Binary cross-entropy of a one-unit sigmoid; label 1 is the second class.
    public static func sigmoidBinaryCrossEntropy(logits: [Float], labels: [Int], classWeights: [Float]? = nil) -> Result {
        let batch = labels.count
        var gradient = [Float](repeating: 0, count: batch)
        var probabilities: [[Float]] = []
        var total = 0.0, correct = 0
        for n in 0..<batch {
            let z = Double(logits[n]), y = Double(labels[n]), w = Double(classWeights?[labels[n]] ?? 1)
            // max(z, 0) − z·y + log(1 + e^−|z|): the stable form of −[y log σ + (1−y) log(1−σ)].
            total += w * (max(z, 0) - z * y + log1p(exp(-abs(z))))
            let p = Float(1 / (1 + exp(-z)))
            if (p >= 0.5 ? 1 : 0) == labels[n] { correct += 1 }
            gradient[n] = Float(w) * (p - Float(y)) / Float(batch)
            probabilities.append([1 - p, p])
        }
        return Result(loss: total / Double(max(batch, 1)), correct: correct, gradient: gradient, probabilities: probabilities)
    }
}
