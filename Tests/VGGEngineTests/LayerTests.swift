import Testing
import VGGTestSupport
import VGGCore
@testable import VGGEngine
import Foundation

@Suite("Layers")
struct LayerTests {
    /// 4×4 ramp 0…15, one channel, 2×2 stride 2: maxima are the bottom-right of each window.
    @Test func maxPoolRampIsExact() throws {
        let model = try singleLayerModel(input: InputSpec(height: 4, width: 4, channels: 1), [NamedLayer("p", .maxPool2D(MaxPool2D()))])
        let out = try Engine(model: model).runCapturingLayers((0..<16).map(Float.init))[0]
        #expect(out == [5, 7, 13, 15])
    }

    /// Average pool with same padding on 3×3: border windows divide by the valid count only.
    @Test func averagePoolExcludesPadding() throws {
        let pool = AveragePool2D(PoolWindow(kernel: 2, stride: 2, padding: .same))
        let model = try singleLayerModel(input: InputSpec(height: 3, width: 3, channels: 1), [NamedLayer("p", .averagePool2D(pool))])
        let out = try Engine(model: model).runCapturingLayers((1...9).map(Float.init))[0]
        // windows: {1,2,4,5}→3, {3,6}→4.5, {7,8}→7.5, {9}→9
        #expect(out == [3, 4.5, 7.5, 9])
    }

    struct PoolCase: CustomTestStringConvertible, Sendable {
        var h: Int, w: Int, c: Int, k: Int, s: Int, padding: Padding
        var testDescription: String { "\(h)×\(w)×\(c) k\(k) s\(s) \(padding)" }
    }
    static let poolCases: [PoolCase] = [
        PoolCase(h: 7, w: 5, c: 3, k: 2, s: 2, padding: .valid), PoolCase(h: 7, w: 5, c: 17, k: 3, s: 2, padding: .same),
        PoolCase(h: 9, w: 9, c: 16, k: 3, s: 1, padding: .same), PoolCase(h: 5, w: 6, c: 1, k: 3, s: 3, padding: .valid),
        PoolCase(h: 4, w: 4, c: 15, k: 3, s: 2, padding: .explicit(top: 1, left: 1, bottom: 1, right: 1)),
        // Large enough for the rows to be spread over the threads.
        PoolCase(h: 40, w: 36, c: 17, k: 3, s: 2, padding: .same),
    ]

    /// Pool, batch norm and ReLU split large activations over the threads; every output
    /// must still be bit-identical to a one-thread run.
    @Test func elementwiseAndPoolLayersDoNotDependOnThreads() throws {
        let spec = InputSpec(height: 64, width: 48, channels: 24)
        let model = try singleLayerModel(input: spec, [
            NamedLayer("bn", .batchNorm(BatchNorm(channels: 24))), NamedLayer("relu", .relu(ReLU())),
            NamedLayer("max", .maxPool2D(MaxPool2D(PoolWindow(kernel: 3, stride: 1, padding: .same)))),
            NamedLayer("avg", .averagePool2D(AveragePool2D(PoolWindow(kernel: 2, stride: 2, padding: .valid)))),
        ])
        let x = randomInput(64 * 48 * 24 * 3, seed: 8)
        let one = try Engine(model: model, threads: 1).runCapturingLayers(x, batch: 3)
        let two = try Engine(model: model, threads: 2).runCapturingLayers(x, batch: 3)
        #expect(one == two)
    }

    /// Max pool against a naive loop: exact. Average pool: sums of ≤ k² terms of |x| ≤ 1.
    @Test(arguments: poolCases)
    func poolsMatchNaiveLoops(_ p: PoolCase) throws {
        let window = PoolWindow(kernel: p.k, stride: p.s, padding: p.padding)
        let spec = InputSpec(height: p.h, width: p.w, channels: p.c)
        let x = randomInput(p.h * p.w * p.c, seed: 5)
        let g = try window.geometry(for: spec.shape, layer: "p", kind: .maxPool2D)
        var maxRef = [Float](), avgRef = [Double]()
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                for c in 0..<p.c {
                    var m = -Float.infinity, s = 0.0, n = 0
                    for i in 0..<p.k {
                        for j in 0..<p.k {
                            let y = oy * p.s + i - g.padTop, xx = ox * p.s + j - g.padLeft
                            if y < 0 || y >= p.h || xx < 0 || xx >= p.w { continue }
                            let v = x[(y * p.w + xx) * p.c + c]
                            m = max(m, v); s += Double(v); n += 1
                        }
                    }
                    maxRef.append(m); avgRef.append(s / Double(n))
                }
            }
        }
        let maxModel = try singleLayerModel(input: spec, [NamedLayer("p", .maxPool2D(MaxPool2D(window)))])
        #expect(try Engine(model: maxModel).runCapturingLayers(x)[0] == maxRef)
        let avgModel = try singleLayerModel(input: spec, [NamedLayer("p", .averagePool2D(AveragePool2D(window)))])
        let avg = try Engine(model: avgModel).runCapturingLayers(x)[0]
        let bound = Tolerance.dotProduct(length: p.k * p.k, absoluteSum: Double(p.k * p.k))
        for i in avg.indices { #expect(abs(Double(avg[i]) - avgRef[i]) <= bound) }
    }

    @Test func reluIsExactAndKeepsNaN() throws {
        let model = try singleLayerModel(input: InputSpec(height: 1, width: 4, channels: 1), [NamedLayer("r", .relu(ReLU()))])
        let out = try Engine(model: model).runCapturingLayers([-2, 0, 3.5, .nan])[0]
        #expect(Array(out[0..<3]) == [0, 0, 3.5])
        #expect(out[3].isNaN)
    }

    @Test func globalAveragePoolMeansPerChannel() throws {
        let model = try singleLayerModel(input: InputSpec(height: 2, width: 2, channels: 3),
                                         [NamedLayer("g", .globalAveragePool(GlobalAveragePool()))])
        // pixels (c0, c1, c2): (0,1,2) (3,4,5) (6,7,8) (9,10,11)
        let out = try Engine(model: model).runCapturingLayers((0..<12).map(Float.init))[0]
        #expect(out == [4.5, 5.5, 6.5])
    }

    @Test func batchNormFollowsDefinition() throws {
        var model = try singleLayerModel(input: InputSpec(height: 1, width: 2, channels: 2),
                                         [NamedLayer("bn", .batchNorm(BatchNorm(channels: 2, epsilon: 0.25)))])
        model.tensors["bn.gamma"] = Tensor(shape: [2], data: [2, 1])
        model.tensors["bn.beta"] = Tensor(shape: [2], data: [1, -1])
        model.tensors["bn.mean"] = Tensor(shape: [2], data: [1, 0])
        model.tensors["bn.variance"] = Tensor(shape: [2], data: [3.75, 0.75])  // +ε → 4 and 1
        let out = try Engine(model: model).runCapturingLayers([5, 2, -3, 4])[0]
        // channel 0: (x−1)/2·2+1 ; channel 1: x/1·1−1
        #expect(out == [5, 1, -3, 3])
    }

    @Test func denseMatchesReference() throws {
        for (i, o) in [(1, 2), (17, 33), (100, 3), (64, 64)] {
            let d = Dense(inFeatures: i, outFeatures: o)
            let model = try singleLayerModel(input: InputSpec(height: 1, width: 1, channels: 1),
                                             [NamedLayer("f", .flatten(Flatten())), NamedLayer("pre", .dense(Dense(inFeatures: 1, outFeatures: i))),
                                              NamedLayer("d", .dense(d))])
            let layers = try Engine(model: model).runCapturingLayers([0.75], batch: 1)
            let x = layers[1]
            let w = model.tensors["d.weight"]!.data, b = model.tensors["d.bias"]!.data
            for j in 0..<o {
                var exact = Double(b[j]), absSum = abs(Double(b[j]))
                for k in 0..<i { let t = Double(x[k]) * Double(w[k * o + j]); exact += t; absSum += abs(t) }
                #expect(abs(Double(layers[2][j]) - exact) <= Tolerance.dotProduct(length: i, absoluteSum: absSum))
            }
        }
    }

    @Test func softmaxAndSigmoid() throws {
        var model = try singleLayerModel(input: InputSpec(height: 1, width: 1, channels: 1),
                                         [NamedLayer("f", .flatten(Flatten())), NamedLayer("d", .dense(Dense(inFeatures: 1, outFeatures: 3)))])
        model.tensors["d.weight"] = Tensor(shape: [1, 3], data: [0, 0, 0])
        model.tensors["d.bias"] = Tensor(shape: [3], data: [1000, 1000, -1000])  // overflow without the max shift
        let p = try Engine(model: model).probabilities([1])[0]
        #expect(p == [0.5, 0.5, 0])

        let binary = Model(input: InputSpec(height: 1, width: 1, channels: 1), labels: ["NORMAL", "PNEUMONIA"], layers: [
            NamedLayer("f", .flatten(Flatten())), NamedLayer("d", .dense(Dense(inFeatures: 1, outFeatures: 1))),
            NamedLayer("s", .sigmoid(Sigmoid())),
        ], tensors: ["d.weight": Tensor(shape: [1, 1], data: [2]), "d.bias": Tensor(shape: [1], data: [0])])
        let q = try Engine(model: binary).probabilities([0.5])[0]
        let expected: Float = 1 / (1 + expf(-1))
        try #require(q.count == 2)
        #expect(abs(q[1] - expected) < 1e-6)
        #expect(abs(q[0] + q[1] - 1) < 1e-6)
    }
}

@Suite("Engine")
struct EngineTests {

    @Test(arguments: [false, true])
    func wholeVGGRunsAndBatchesConsistently(batchNorm: Bool) throws {
        let model = try TestNetworks.smallVGG(batchNorm: batchNorm)
        let engine = try Engine(model: model)
        let x = randomInput(3 * 32 * 32, seed: 9, range: 0...1)
        let batch = try engine.probabilities(x, batch: 3)
        #expect(batch.count == 3)
        for (b, p) in batch.enumerated() {
            #expect(abs(p.reduce(0, +) - 1) < 1e-5)
            #expect(try engine.probabilities(Array(x[b * 1024 ..< (b + 1) * 1024]))[0] == p)
        }
        let layers = try engine.runCapturingLayers(Array(x[0..<1024]))
        #expect(layers.count == model.layers.count)
        for (i, out) in layers.enumerated() { #expect(out.count == engine.shapes[i + 1].elementCount) }
        let (logits, probs) = try engine.logitsAndProbabilities(Array(x[0..<1024]))
        #expect(logits[0].count == 2 && probs[0] == batch[0])
    }

    @Test func rejectsWrongInputSizeAndBatch() throws {
        let engine = try Engine(model: try TestNetworks.smallVGG(batchNorm: false))
        #expect(throws: EngineError.inputSize(expected: 1024, got: 5, batch: 1)) { try engine.run([1, 2, 3, 4, 5]) }
        #expect(throws: EngineError.invalidBatch(0)) { try engine.run([], batch: 0) }
        #expect(throws: EngineError.invalidThreads(0)) { try Engine(model: try TestNetworks.smallVGG(batchNorm: false), threads: 0) }
    }

    @Test func rejectsInvalidModel() throws {
        var model = try TestNetworks.smallVGG(batchNorm: false)
        model.tensors["block1_conv1.bias"] = nil
        #expect(throws: ModelError.missingTensor(name: "block1_conv1.bias", expectedShape: [8])) { try Engine(model: model) }
    }
}

@Test func refusedActivationMemoryIsAnErrorNotATrap() throws {
    var m = Model(input: InputSpec(height: 64, width: 64, channels: 1), labels: ["a", "b"], layers: [
        NamedLayer("conv", .conv2D(Conv2D(kernel: 1, inChannels: 1, outChannels: 8))),
        NamedLayer("gap", .globalAveragePool(GlobalAveragePool())),
        NamedLayer("fc", .dense(Dense(inFeatures: 8, outFeatures: 2))),
        NamedLayer("softmax", .softmax(Softmax())),
    ])
    m.initializeParameters(seed: 1)
    let engine = try Engine(model: m, threads: 1)
    try engine.reserveActivations(batch: 2, kept: [0, 1, 2, 3])
    // 2^40 images' worth: no system grants it, and the engine says so before allocating.
    #expect(throws: EngineError.outOfMemory(bytes: (1 << 40) * (64 * 64 * 9 + 2) * 4, batch: 1 << 40)) {
        try engine.reserveActivations(batch: 1 << 40, kept: [3])
    }
}
