import Foundation
import VGGCore
import VGGEngine
import VGGImage

/// Compares a predictor with the dynamic engine, the definition of the semantics.
///
/// **What passes.** Each input is run through the predictor with every step's output
/// dumped. Step by step, the engine runs the same layers on *the predictor's own input to
/// that step* (for step 0, the network input) and the step's output must lie within the
/// per-stage forward-error bound of `Engine.stageBounds` — a function of each layer's
/// reduction length and magnitudes (docs/verification.md), exactly 0 for layers without
/// arithmetic. A predictor that passes implements every layer of the model up to float32
/// rounding. The first step outside its bound is named, with position and both values.
///
/// **What is reported.** End to end (same input, each side's own chain) the logits and
/// probabilities are compared too: max |Δ|, relative Δ, ULPs, top-1 agreement. They are not
/// the pass criterion because no honest bound survives a deep network end to end: the
/// worst-case bound grows about √(2K)-fold per convolution and is vacuous after a few
/// layers, while a fixed tolerance would be a guess.
///
/// **Inputs.** Seeded random tensors uniform over the range real images produce, given to
/// both sides bit-identically (`--raw`), and image files, which each side decodes itself.
public struct Checker {
    public let model: Model
    public let engine: Engine
    public let predictor: PredictorProcess
    public let threads: Int

    /// The predictor's arithmetic: a bf16 predictor is verified against the model's bf16
    /// emulation (`Model.bf16Emulation`), its conv/dense stages fed bfloat16-rounded inputs;
    /// an int8 predictor's int8 stages against their exact definition (`int8Layers`).
    public let precision: Precision

    /// int8: the quantized layers, by index, rebuilt from the predictor's own calibration
    /// (Sources/VGGCore/Int8Quantization.swift); their stages must match bit for bit.
    public let int8Layers: [Int: Int8Layer]

    public init(model: Model, predictor: PredictorProcess, threads: Int = Engine.defaultThreads,
                precision: Precision = .fp32) throws {
        self.precision = precision
        let model = try model.computed(at: precision)
        self.model = model
        self.engine = try Engine(model: model, threads: threads)
        self.predictor = predictor
        self.threads = threads
        var layers = [Int: Int8Layer]()
        if precision == .int8 {
            let eligible = Set(model.int8LayerIndices())
            for (name, maximum) in try predictor.int8InputMaxima() {
                guard let i = model.layers.firstIndex(where: { $0.name == name }), eligible.contains(i) else {
                    throw CheckError.badInt8Layer(name)
                }
                layers[i] = model.int8Layer(at: i, inputMaximum: maximum)
            }
        }
        int8Layers = layers
    }

    public struct Divergence: Sendable, Encodable {
        public var input: String
        public var step: String
        public var position: String
        public var predictor: Float
        public var engine: Float
        public var bound: Float
    }

    public struct InputResult: Sendable, Encodable {
        public var input: String
        /// Worst |Δ| / bound over the steps (≤ 1 passes).
        public var worstStageRatio: Float
        public var divergence: Divergence?
        /// End to end, informational.
        public var logits: Difference
        public var probabilities: Difference
        public var argmaxAgrees: Bool
        /// The record the traced run printed (logits, then probabilities).
        var traced: [Float] = []
        public var passed: Bool { divergence == nil }
        enum CodingKeys: String, CodingKey { case input, worstStageRatio, divergence, logits, probabilities, argmaxAgrees }
    }

    public struct Report: Sendable, Encodable {
        public var results: [InputResult]
        public var imageErrors: [String]
        public var passed: Bool { !results.isEmpty && results.allSatisfy(\.passed) }
        /// The failing input whose divergence comes earliest in the network.
        public var firstDivergence: Divergence? { results.compactMap(\.divergence).first }
        public var worst: InputResult? { results.max { $0.worstStageRatio < $1.worstStageRatio } }
    }

    /// Seeded random inputs over the real input range.
    public func randomInputs(count: Int, seed: UInt64) -> [[Float]] {
        Checker.randomInputs(for: model.input, count: count, seed: seed)
    }

    /// Seeded tensors uniform over the range real images produce for `spec`.
    public static func randomInputs(for spec: InputSpec, count: Int, seed: UInt64) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            (0..<(spec.height * spec.width * spec.channels)).map { i in rng.uniform(spec.valueRange(channel: i % spec.channels)) }
        }
    }

    public func run(random: Int, seed: UInt64, images: [String], progress: (String) -> Void = { _ in }) throws -> Report {
        var results: [InputResult] = [], imageErrors: [String] = []
        let randoms = randomInputs(count: random, seed: seed)
        for (i, input) in randoms.enumerated() {
            progress("random[\(i)]")
            results.append(try check(name: "random[\(i)]", input: input, trace: predictor.trace(
                raw: input, valuesPerInput: valuesPerInput, threads: threads)))
        }
        var checkedImages: [String] = []
        for path in images {
            progress(path)
            let input: [Float]
            do { input = try InputLoader.tensor(path: path, spec: model.input) } catch {
                imageErrors.append("\(error)")
                continue
            }
            results.append(try check(name: path, input: input, trace: predictor.trace(
                image: path, valuesPerInput: valuesPerInput, threads: threads)))
            checkedImages.append(path)
        }
        guard !results.isEmpty else { throw CheckError.noInputs }
        try compareUnobserved(&results, randoms: randoms, images: checkedImages)
        return Report(results: results, imageErrors: imageErrors)
    }

    /// The stage checks watch runs with `--dump-layers`, which make every step store its
    /// float output; without them a predictor may skip stores nothing reads (a bf16 step
    /// whose successor takes the bfloat16 copy). Both runs must print the same record, bit
    /// for bit, or what was checked is not what runs in the field.
    func compareUnobserved(_ results: inout [InputResult], randoms: [[Float]], images: [String]) throws {
        var plain: [[Float]] = []
        if !randoms.isEmpty {
            plain += try predictor.outputs(raw: randoms.flatMap { $0 }, count: randoms.count, valuesPerInput: valuesPerInput,
                                           threads: threads).values
        }
        if !images.isEmpty { plain += try predictor.outputs(images: images, valuesPerImage: valuesPerInput, threads: threads) }
        guard plain.count == results.count else {
            throw CheckError.outputSize(path: "run without --dump-layers", bytes: plain.count * valuesPerInput * 4,
                                        expected: results.count * valuesPerInput * 4)
        }
        for (i, values) in plain.enumerated() where results[i].divergence == nil {
            let traced = results[i].traced
            guard let j = values.indices.first(where: { $0 >= traced.count || values[$0].bitPattern != traced[$0].bitPattern })
                ?? (values.count == traced.count ? nil : values.count) else { continue }
            results[i].divergence = Divergence(input: results[i].input, step: "output without --dump-layers",
                                               position: j < logitCount ? "logit \(j)" : "probability \(j - logitCount)",
                                               predictor: j < values.count ? values[j] : .nan,
                                               engine: j < traced.count ? traced[j] : .nan, bound: 0)
        }
    }

    var logitCount: Int { engine.shapes[max(1, model.layers.count - 1)].elementCount }
    var valuesPerInput: Int { logitCount + model.labels.count }

    /// Verifies one traced input stage by stage, then compares it end to end.
    func check(name: String, input: [Float], trace: PredictorProcess.Trace) throws -> InputResult {
        var stageInput = input
        var worst: Float = 0
        var divergence: Divergence?
        // The steps must cover every layer, in order, with no gap (only Flatten and Dropout,
        // which compute nothing, may be skipped): a predictor cannot pass by leaving a layer out.
        var next = 0
        func skipNoOps() {
            while next < model.layers.count, [.flatten, .dropout].contains(model.layers[next].layer.kind) { next += 1 }
        }
        for (k, (step, values)) in trace.steps.enumerated() {
            let members = step.split(separator: "+").map(String.init)
            skipNoOps()
            guard let first = model.layers.firstIndex(where: { $0.name == members.first }),
                  let last = model.layers.firstIndex(where: { $0.name == members.last }), first <= last, first == next else {
                throw CheckError.unknownStep(step)
            }
            next = last + 1
            // A Winograd step gets that algorithm's bound (docs/verification.md); only a
            // convolution can be one, which the engine checks.
            let algorithm = trace.algorithms[k]
            let winograd: Set<Int> = algorithm.isWinograd ? [first] : []
            // A bf16 predictor rounds a convolution's or dense layer's input to bfloat16: so
            // does the definition it is checked against.
            if precision == .bf16, [.conv2D, .dense].contains(model.layers[first].layer.kind) {
                stageInput = stageInput.map(\.roundedToBF16)
            }
            // An int8 step is defined exactly: the integer reference, then the stage's exact
            // layers (ReLU, pool) on the engine; it must match bit for bit (bound 0).
            guard (algorithm == .int8) == (int8Layers[first] != nil) else { throw CheckError.badInt8Layer(model.layers[first].name) }
            guard !algorithm.roundsInputToBF16 || precision == .bf16 else {
                throw CheckError.algorithmPrecision(step: step, algorithm: algorithm, precision: precision)
            }
            let (outputs, bounds): ([[Float]], [[Float]])
            if let q = int8Layers[first] {
                var out = [try engine.int8Forward(layer: first, quantized: q, input: stageInput)]
                if last > first { out += try engine.runLayers((first + 1)...last, input: out[0]) }
                (outputs, bounds) = (out, out.map { [Float](repeating: 0, count: $0.count) })
            } else {
                (outputs, bounds) = try engine.stageBounds(layers: first...last, input: stageInput, winogradLayers: winograd)
            }
            guard outputs.last!.count == values.count else {
                throw CheckError.outputSize(path: step, bytes: values.count * 4, expected: outputs.last!.count * 4)
            }
            let d = Difference(values, outputs.last!, bound: bounds.last!)
            worst = max(worst, d.worstRatio)
            if !d.withinBound && divergence == nil {
                divergence = Divergence(input: name, step: step, position: position(d.worstIndex, in: engine.shapes[last + 1]),
                                        predictor: d.worstValues.predictor, engine: d.worstValues.engine,
                                        bound: d.worstValues.bound)
            }
            // int8 stages bit for bit, not just equal values: a −0 for a +0 is a difference
            // too (two NaNs count as equal; their payloads are not part of the definition).
            if int8Layers[first] != nil, divergence == nil,
               let j = values.indices.first(where: { values[$0].bitPattern != outputs.last![$0].bitPattern
                                                      && !(values[$0].isNaN && outputs.last![$0].isNaN) }) {
                divergence = Divergence(input: name, step: step, position: position(j, in: engine.shapes[last + 1]),
                                        predictor: values[j], engine: outputs.last![j], bound: 0)
            }
            stageInput = values
        }
        skipNoOps()
        guard next == model.layers.count, let final = trace.steps.last?.values else { throw CheckError.unknownStep("(missing steps)") }
        let (logits, probabilities) = try reference(input)
        let p = Array(trace.output[logitCount...])
        // What the predictor prints must be what its last step computed.
        if model.classProbabilities(final) != p && divergence == nil {
            divergence = Divergence(input: name, step: "output", position: "probabilities",
                                    predictor: p.first ?? .nan, engine: model.classProbabilities(final).first ?? .nan, bound: 0)
        }
        let none = { (n: Int) in [Float](repeating: 0, count: n) }
        return InputResult(input: name, worstStageRatio: worst, divergence: divergence,
                           logits: Difference(Array(trace.output[..<logitCount]), logits, bound: none(logitCount)),
                           probabilities: Difference(p, probabilities, bound: none(p.count)),
                           argmaxAgrees: argmax(p) == argmax(probabilities), traced: trace.output)
    }

    /// The engine's end-to-end answer for one input, by the definition the predictor claims:
    /// for bf16, the emulated model with every conv/dense input rounded to bfloat16.
    func reference(_ input: [Float]) throws -> (logits: [Float], probabilities: [Float]) {
        guard precision != .fp32 else {
            let (l, p) = try engine.logitsAndProbabilities(input)
            return (l[0], p[0])
        }
        var x = input, outputs: [[Float]] = []
        for i in model.layers.indices {
            if let q = int8Layers[i] {
                x = try engine.int8Forward(layer: i, quantized: q, input: x)
            } else {
                if precision == .bf16, [.conv2D, .dense].contains(model.layers[i].layer.kind) { x = x.map(\.roundedToBF16) }
                x = try engine.runLayers(i...i, input: x)[0]
            }
            outputs.append(x)
        }
        return (outputs[max(0, outputs.count - 2)], model.classProbabilities(outputs[outputs.count - 1]))
    }

    private func position(_ i: Int, in shape: ActivationShape) -> String {
        switch shape {
        case let .image(_, w, c): return "y \(i / (w * c)), x \(i / c % w), channel \(i % c)"
        case .vector: return "element \(i)"
        }
    }
}

func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] } ?? 0 }
