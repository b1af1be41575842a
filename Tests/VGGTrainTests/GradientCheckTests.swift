import Testing
import VGGCore
@testable import VGGTrain

/// Every layer's backward pass against central finite differences of its forward pass.
///
/// The objective is `L = Σ rᵢ·yᵢ` for a fixed random `r`, so `dL/dy = r`. Differences use
/// a step of 1e-2 on inputs laid out on a grid spaced 0.05 apart (so a max-pool winner or a
/// ReLU sign never flips inside the step) and are summed in Double. The documented
/// tolerance (docs/training.md) is |analytic − numeric| ≤ 1e-3 + 5e-3·|numeric| (tight enough
/// that a gradient 1 % off fails; checked by hand with a mutated max pool): float32
/// rounding of the forward pass contributes ~1e-4 through the 1/(2·step) factor, and the
/// curvature of batch norm and sigmoid ~1e-4 at this step.
struct GradientHarness {
    let layer: TrainingLayer
    let store: ParameterStore
    let batch: Int
    let inputCount: Int

    init(_ kind: Layer, input: ActivationShape, batch: Int, trainable: Bool = true, seed: UInt64 = 1) throws {
        var model = Model(input: InputSpec(height: 1, width: 1, channels: 1), labels: ["a", "b"],
                          layers: [NamedLayer("l", kind)])
        let output = try kind.settings.outputShape(for: input, layer: "l")
        let slots = kind.settings.parameters(for: input)
        var rng = SeededGenerator(seed: seed)
        var values: [String: [Float]] = [:]
        for slot in slots {
            let n = slot.shape.reduce(1, *)
            var data = (0..<n).map { _ in rng.normal() * 0.5 }
            if slot.suffix == "variance" { data = data.map { 0.5 + abs($0) } }
            values["l.\(slot.suffix)"] = data
        }
        model.tensors = [:]
        store = ParameterStore(values: values, trainable: trainable ? Set(slots.map { "l.\($0.suffix)" }.filter {
            !$0.hasSuffix(".mean") && !$0.hasSuffix(".variance") }) : [])
        layer = try kind.trainingLayer(name: "l", input: input, output: output, store: store)
        self.batch = batch
        inputCount = batch * input.elementCount
    }

    /// Distinct inputs on a shuffled grid (never within 0.025 of each other or of zero).
    func gridInput(seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        var values = (0..<inputCount).map { Float($0 - inputCount / 2) * 0.05 + 0.0125 }
        values.shuffle(using: &rng)
        return values
    }

    func objective(_ x: [Float], _ r: [Float]) -> Double {
        var context = PassContext(training: true, threads: 2, seed: 99)
        let y = layer.forward(x, batch: batch, context: &context)
        return zip(y, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Returns the worst violation ratio (≤ 1 passes) over inputs and parameters.
    func check(inputSeed: UInt64 = 3, step: Float = 1e-2) -> (ratio: Double, worst: String) {
        let x = gridInput(seed: inputSeed)
        var context = PassContext(training: true, threads: 2, seed: 99)
        let y = layer.forward(x, batch: batch, context: &context)
        var rng = SeededGenerator(seed: 5)
        let r = (0..<y.count).map { _ in rng.normal() }
        let dx = layer.backward(r, batch: batch, needInputGradient: true, context: context)
        var worst = (0.0, "")
        func compare(_ analytic: Float, _ numeric: Double, _ what: String) {
            let ratio = abs(Double(analytic) - numeric) / (1e-3 + 5e-3 * abs(numeric))
            if ratio > worst.0 { worst = (ratio, "\(what): analytic \(analytic), numeric \(numeric)") }
        }
        for i in 0..<x.count {
            var plus = x, minus = x
            plus[i] += step; minus[i] -= step
            compare(dx[i], (objective(plus, r) - objective(minus, r)) / Double(2 * step), "input[\(i)]")
        }
        let gradients = store.gradients
        for name in store.trainable.sorted() {
            let original = store.values[name]!
            for i in 0..<original.count {
                var v = original
                v[i] = original[i] + step; store.values[name] = v
                let fp = objective(x, r)
                v[i] = original[i] - step; store.values[name] = v
                let fm = objective(x, r)
                store.values[name] = original
                compare(gradients[name]![i], (fp - fm) / Double(2 * step), "\(name)[\(i)]")
            }
        }
        return worst
    }
}

@Test(arguments: [
    ("3×3 s1 same", Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: 3, outChannels: 4)),
    ("3×2 s2 explicit pads", Conv2D(kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 1,
                                    padding: .explicit(top: 1, left: 0, bottom: 2, right: 1), inChannels: 2, outChannels: 3, hasBias: true)),
    ("1×1 no bias", Conv2D(kernel: 1, stride: 1, padding: .valid, inChannels: 5, outChannels: 2, hasBias: false)),
    ("2×2 s2 valid", Conv2D(kernel: 2, stride: 2, padding: .valid, inChannels: 3, outChannels: 33)),
])
func convolutionGradients(_ name: String, _ conv: Conv2D) throws {
    let h = try GradientHarness(.conv2D(conv), input: .image(height: 5, width: 6, channels: conv.inChannels), batch: 2)
    let result = h.check()
    #expect(result.ratio <= 1, "\(name): \(result.worst)")
}

@Test func denseGradients() throws {
    let h = try GradientHarness(.dense(Dense(inFeatures: 7, outFeatures: 5)), input: .vector(7), batch: 3)
    let result = h.check()
    #expect(result.ratio <= 1, "\(result.worst)")
}

@Test(arguments: [
    ("max 2×2 s2", Layer.maxPool2D(MaxPool2D(PoolWindow(kernel: 2, stride: 2, padding: .valid)))),
    ("max 3×3 s2 same", Layer.maxPool2D(MaxPool2D(PoolWindow(kernel: 3, stride: 2, padding: .same)))),
    ("average 3×3 s1 same", Layer.averagePool2D(AveragePool2D(PoolWindow(kernel: 3, stride: 1, padding: .same)))),
    ("average 2×2 s2", Layer.averagePool2D(AveragePool2D(PoolWindow(kernel: 2, stride: 2, padding: .valid)))),
    ("global average", Layer.globalAveragePool(GlobalAveragePool())),
    ("relu", Layer.relu(ReLU())),
    ("dropout", Layer.dropout(Dropout(rate: 0.4))),
    ("batch norm (batch statistics)", Layer.batchNorm(BatchNorm(channels: 3, epsilon: 1e-3))),
])
func parameterFreeAndNormalizationGradients(_ name: String, _ layer: Layer) throws {
    let h = try GradientHarness(layer, input: .image(height: 5, width: 4, channels: 3), batch: 2)
    let result = h.check()
    #expect(result.ratio <= 1, "\(name): \(result.worst)")
}

@Test(arguments: [Layer.softmax(Softmax()), .sigmoid(Sigmoid())])
func outputActivationsInsideANetwork(_ layer: Layer) throws {
    let h = try GradientHarness(layer, input: .vector(4), batch: 3)
    let result = h.check()
    #expect(result.ratio <= 1, "\(layer.kind): \(result.worst)")
}

@Test func frozenBatchNormUsesRunningStatistics() throws {
    let h = try GradientHarness(.batchNorm(BatchNorm(channels: 3)), input: .image(height: 2, width: 2, channels: 3),
                                batch: 2, trainable: false)
    let before = h.store.values["l.mean"]
    let result = h.check()
    #expect(result.ratio <= 1, "\(result.worst)")
    #expect(h.store.values["l.mean"] == before, "a frozen batch norm must not move its running mean")
    #expect(h.store.gradients.isEmpty)
}

@Test func batchNormMovesRunningStatisticsTowardTheBatch() throws {
    let h = try GradientHarness(.batchNorm(BatchNorm(channels: 1)), input: .vector(1), batch: 4)
    h.store.values["l.mean"] = [0]; h.store.values["l.variance"] = [1]
    var context = PassContext(training: true, threads: 1, seed: 0)
    _ = h.layer.forward([1, 2, 3, 4], batch: 4, context: &context)
    // batch mean 2.5, unbiased variance 5/3; momentum 0.9.
    #expect(abs(h.store.values["l.mean"]![0] - 0.25) < 1e-6)
    #expect(abs(h.store.values["l.variance"]![0] - (0.9 + 0.1 * 5 / 3)) < 1e-6)
}

@Test func lossGradientsMatchFiniteDifferences() {
    var rng = SeededGenerator(seed: 11)
    let logits = (0..<12).map { _ in rng.normal() * 2 }
    let labels = [0, 2, 1, 2]
    let weights: [Float] = [0.5, 1.5, 2]
    let result = Loss.softmaxCrossEntropy(logits: logits, labels: labels, classes: 3, classWeights: weights)
    for i in logits.indices {
        var p = logits, m = logits
        p[i] += 1e-2; m[i] -= 1e-2
        let numeric = (Loss.softmaxCrossEntropy(logits: p, labels: labels, classes: 3, classWeights: weights).loss
            - Loss.softmaxCrossEntropy(logits: m, labels: labels, classes: 3, classWeights: weights).loss) / 2e-2
        #expect(abs(Double(result.gradient[i]) - numeric) <= 1e-3 + 5e-3 * abs(numeric))
    }
    let z: [Float] = [-3, 0.2, 4, 1]
    let b = Loss.sigmoidBinaryCrossEntropy(logits: z, labels: [0, 1, 1, 0], classWeights: [1, 3])
    for i in z.indices {
        var p = z, m = z
        p[i] += 1e-2; m[i] -= 1e-2
        let numeric = (Loss.sigmoidBinaryCrossEntropy(logits: p, labels: [0, 1, 1, 0], classWeights: [1, 3]).loss
            - Loss.sigmoidBinaryCrossEntropy(logits: m, labels: [0, 1, 1, 0], classWeights: [1, 3]).loss) / 2e-2
        #expect(abs(Double(b.gradient[i]) - numeric) <= 1e-3 + 5e-3 * abs(numeric))
    }
    // A confident mistake stays finite.
    let big = Loss.softmaxCrossEntropy(logits: [200, -200], labels: [1], classes: 2)
    #expect(big.loss.isFinite && abs(big.loss - 400) < 1e-3)
}

@Test func gradientsDoNotDependOnTheThreadCount() throws {
    let conv = Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: 3, outChannels: 8)
    var results: [[Float]] = []
    for threads in [1, 2] {
        let h = try GradientHarness(.conv2D(conv), input: .image(height: 9, width: 7, channels: 3), batch: 11)
        var context = PassContext(training: true, threads: threads, seed: 0)
        let x = h.gridInput(seed: 2)
        let y = h.layer.forward(x, batch: 11, context: &context)
        let dx = h.layer.backward(y, batch: 11, needInputGradient: true, context: context)
        results.append(h.store.gradients["l.weight"]! + h.store.gradients["l.bias"]! + dx)
    }
    #expect(results[0] == results[1])
}
