import VGGCore

/// Generates `Network.swift` and the packed weights for one model.
///
/// Activations live in one arena allocated once: two buffers used in turn (step k reads
/// buffer k mod 2 and writes the other), each sized for the largest tensor it ever holds,
/// bordered with zeros where a padded convolution reads it. A buffer is reused as soon as
/// the tensor in it is dead, which in a sequential network is one step later.
public struct GeneratedNetwork {
    public let source: String
    public let weights: [UInt8]
    public let arenaBytes: Int
    /// Winograd scratch per thread (0 without Winograd steps); at most `scratchThreads` blocks.
    public let scratchBytesPerThread: Int
    public let scratchThreads: Int
    public let stepNames: [String]
}

public enum NetworkEmitter {
    public static func generate(_ original: Model, options: CodegenOptions, modelFile: String) throws -> GeneratedNetwork {
        // A bf16 predictor computes the bf16 emulation of the model (BN folded, weights
        // rounded; `Precision`), an int8 one the BN-folded model's int8 definition
        // (`Int8Layer`); their convolutions run in C (BF16ConvEmitter, Int8ConvEmitter).
        let bf16 = options.precision == .bf16, int8 = options.precision == .int8
        let model = bf16 ? try original.bf16Emulation() : int8 ? try original.foldingBatchNorms() : original
        let schedule = try Schedule(model, winograd: int8 ? .off : options.winograd, precision: options.precision)
        let quantized = int8 ? try int8Layers(model, maxima: options.int8InputMaxima) : [:]
        let steps = schedule.steps
        var packer = WeightPacker()
        var body = SourceWriter()      // small per-step kernels
        var kernels = KernelRegistry() // convolution, dense and pool kernels
        var run = SourceWriter()       // the calls inside run()
        var emitted = Set<String>()
        var scratchFloats = 0          // per thread, for Winograd steps
        var scratchThreads = 0         // most threads a Winograd step can use
        var transforms: [String] = []  // bf16 Winograd steps: U computed from bfloat16 g on first use
        var halves = InputCopies(prefix: "h", type: "UInt16", perFloat: 2)  // bf16 steps' inputs
        var codes = InputCopies(prefix: "q", type: "UInt8", perFloat: 4)    // int8 steps' inputs

        // Arena: tensor k (input of step k; k = steps.count is the output) lives in buffer k % 2.
        let storages = (0...steps.count).map { schedule.storage(input: $0) }
        var sizes = [0, 0]
        for (k, s) in storages.enumerated() { sizes[k % 2] = max(sizes[k % 2], s.floats) }
        sizes = sizes.map { ($0 + 15) / 16 * 16 }
        // A few floats of slack past the second buffer: a kernel built with the
        // `wrongPadding` test fault reads one pixel past its input.
        let slack = ((storages.map(\.channels).max() ?? 0) + 15) / 16 * 16 + 16
        var arenaFloats = sizes[0] + sizes[1] + slack
        func buffer(_ k: Int) -> String { k % 2 == 0 ? "b0" : "b1" }
        /// When the next step reads this step's output as `copies` (`when`), zeroes that copy's
        /// border and returns where this step's kernel stores it, as a second output; else "nil".
        func secondOutput(_ copies: inout InputCopies, _ k: Int, when: Bool) -> String {
            guard when else { return "nil" }
            let outS = storages[k + 1]
            if outS.isPadded { run.line(outS.zeroBorder(copies.name(k + 1))) }
            copies.ready = true
            return "\(copies.name(k + 1)) + \(outS.origin)"
        }
        /// Step k as an int8 step, when it is one.
        func int8Step(_ k: Int) -> Int8Conv? {
            guard k < steps.count, let q = quantized[steps[k].layers[0]] else { return nil }
            let inS = storages[k], outS = storages[k + 1]
            switch steps[k].kind {
            case let .conv(conv, g, _, relu, pool, _):
                var c = Int8Conv(layer: q, channels: conv.inChannels, outputs: conv.outChannels, g: g, input: inS, output: outS,
                                 relu: relu, pool: pool)
                c.shifted = options.has { $0 == .wrongPadding(layer: q.name) }
                c.shiftedUnobserved = options.has { $0 == .unobservedShift(layer: q.name) }
                return c
            case let .dense(dense, _, relu):
                return Int8Conv(layer: q, channels: dense.inFeatures, outputs: dense.outFeatures, g: nil, input: inS, output: outS,
                                relu: relu, pool: false)
            default: return nil
            }
        }
        /// Emits int8 step k (see Int8ConvEmitter.swift).
        func emitInt8(_ c: Int8Conv, _ k: Int, inputReady: Bool) {
            packer.append(c.packedWeights, key: "\(k).weight")
            packer.append(padded(c.layer.outputScales, to: c.lanes), key: "\(k).scale")
            packer.append(padded(c.layer.bias, to: c.lanes), key: "\(k).bias")
            codes.need(k, elements: c.inputElements)
            if !inputReady { run.line(c.quantizingPass(x: buffer(k), into: codes.name(k))) }
            let next = int8Step(k + 1)
            let yq = secondOutput(&codes, k, when: next.map { $0.stored == $0.channels } ?? false)
            run.line(c.call(codes: codes.name(k), y: buffer(k + 1), yq: yq, nextInverse: yq == "nil" ? 0 : next!.layer.inverseInputScale,
                            weights: weights(packer.offsets["\(k).weight"]!, true),
                            scale: "w + \(packer.offsets["\(k).scale"]!)", bias: "w + \(packer.offsets["\(k).bias"]!)"))
        }

        for (k, step) in steps.enumerated() {
            let inS = storages[k], outS = storages[k + 1]
            // Element-wise steps read their input as the step sees it (after a vanished Flatten
            // an image is a vector); storage layout is the same when it has no border.
            let flat = Storage(shape: step.input, border: Schedule.Border())
            let x = buffer(k), y = buffer(k + 1)
            let inputHalfReady = halves.take(), inputCodesReady = codes.take()
            run.line("// step \(k): \(step.name) → \(step.output)")
            if outS.isPadded { run.line(outS.zeroBorder(y)) }
            let first = model.layers[step.layers[0]].name
            switch step.kind {
            case let .conv(conv, g, bn, relu, pool, winograd):
                if let c = int8Step(k) { emitInt8(c, k, inputReady: inputCodesReady); break }
                let bnName = bn.map { ($0, model.layers[step.layers[1]].name) }
                let (weight, bias) = foldedParameters(model: model, layer: first, outputs: conv.outChannels,
                                                      hasBias: conv.hasBias, batchNorm: bnName, options: options)
                if winograd {
                    let e = WinogradEmitter(conv: conv, g: g, input: inS, output: outS, relu: relu, pool: pool,
                                            shifted: options.has { $0 == .wrongPadding(layer: first) })
                    let u: String
                    if bf16 {
                        // The file keeps the compact bfloat16 g; U = G g Gᵀ is computed once, on
                        // first use, exactly as vggc compile computes it for fp32 (Double, one
                        // rounding). Winograd runs in float32 on the bfloat16-rounded input.
                        precondition(conv.outChannels % e.lanes == 0, "winogradWeights writes whole blocks only")
                        packer.appendBF16Values(weight, key: "\(k).weight")
                        transforms.append("nonisolated(unsafe) static let winogradU\(k) = winogradWeights(UnsafeRawPointer(vggc_weight_base() + \(packer.offsets["\(k).weight"]!)).assumingMemoryBound(to: UInt16.self), cin: \(conv.inChannels), cout: \(conv.outChannels), lanes: \(e.lanes))")
                        // Touched before the threads start, so the transform runs once, here,
                        // not on the first worker to reach it while the others wait.
                        run.line("let u\(k) = Network.winogradU\(k)")
                        u = "u\(k)"
                        run.line("parallelRanges(\(inS.floats), threads) { vggc_round_bf16_floats(\(x), $0, $1) }")
                    } else {
                        packer.append(Winograd.transformedWeights(weight, inChannels: conv.inChannels, outChannels: conv.outChannels,
                                                                  lanes: e.lanes), key: "\(k).weight")
                        u = "w + \(packer.offsets["\(k).weight"]!)"
                    }
                    packer.append(bias, key: "\(k).bias")
                    scratchFloats = max(scratchFloats, e.scratchFloats)
                    scratchThreads = max(scratchThreads, e.parallelItems)
                    for h in e.helpers {
                        // A helper's text depends only on its name's parameters, so it is never renamed.
                        let registered = kernels.register(h.name, h.emit)
                        precondition(registered == h.name, "Winograd helper \(h.name) emitted two different ways")
                    }
                    let name = kernels.register(e.functionName) { e.emit(&$0, name: $1) }
                    let ranges = e.splitsOutputs ? "0, \(e.tiles), $1, $2" : "$1, $2, 0, \(e.blocks)"
                    run.line("parallelChunks(\(e.parallelItems), threads) { \(name)(\(x), \(y), \(u), w + \(packer.offsets["\(k).bias"]!), \(ranges), scratch[$0]) }")
                    break
                }
                let lanes = convLanes(conv.outChannels)
                let packed = packBlocks(weight, rows: g.kernelHeight * g.kernelWidth * conv.inChannels,
                                        outputs: conv.outChannels, lanes: lanes)
                if bf16 {
                    packer.appendBF16(packed, rows: g.kernelHeight * g.kernelWidth * conv.inChannels, rowsPerGroup: conv.inChannels,
                                      lanes: lanes, key: "\(k).weight")
                } else {
                    packer.append(packed, key: "\(k).weight")
                }
                packer.append(padded(bias, to: lanes), key: "\(k).bias")
                let shifted = options.has { $0 == .wrongPadding(layer: first) }
                if bf16 {
                    // vdpbf16ps in C (BF16ConvEmitter.swift): the input comes rounded in
                    // bfloat16 buffer k mod 2, from the step before or from a rounding pass.
                    var c = BF16Conv(conv: conv, g: g, input: inS, output: outS, lanes: lanes, relu: relu, pool: pool, shifted: shifted)
                    c.shiftedUnobserved = options.has { $0 == .unobservedShift(layer: first) }
                    halves.need(k, elements: c.inputElements)
                    if !inputHalfReady { run.line(c.roundingPass(x: x, into: halves.name(k))) }
                    // The next step reads the same values rounded: store them now, with no pass.
                    // Then (without dumps) the float buffer holds only a fused pool's maxima
                    // before ReLU: nothing after the next step may read it — true while every
                    // tensor is read by exactly the step after it (a sequential network).
                    var nextTakesCopy = false
                    if k + 1 < steps.count, case let .conv(next, _, _, _, _, nextWinograd) = steps[k + 1].kind {
                        nextTakesCopy = !nextWinograd && BF16Conv.storedChannels(next.inChannels) == next.inChannels
                    }
                    let yh = secondOutput(&halves, k, when: nextTakesCopy)
                    run.line(c.call(x: halves.name(k), y: y, yh: yh, weights: weights(packer.offsets["\(k).weight"]!, true),
                                    bias: "w + \(packer.offsets["\(k).bias"]!)"))
                    break
                }
                let e = ConvolutionEmitter(conv: conv, g: g, input: inS, output: outS, relu: relu, pool: pool,
                                           shifted: shifted, unrollTaps: options.unrollTaps)
                let name = kernels.register(e.functionName) { e.emit(&$0, name: $1) }
                run.line("parallelRanges(\(e.rows), threads) { \(name)(\(x), \(y), w + \(packer.offsets["\(k).weight"]!), w + \(packer.offsets["\(k).bias"]!), $0, $1) }")
            case let .dense(dense, bn, relu):
                if let c = int8Step(k) { emitInt8(c, k, inputReady: inputCodesReady); break }
                let bnName = bn.map { ($0, model.layers[step.layers[1]].name) }
                let (weight, bias) = foldedParameters(model: model, layer: first, outputs: dense.outFeatures,
                                                      hasBias: dense.hasBias, batchNorm: bnName, options: options)
                let e = DenseEmitter(dense: dense, relu: relu, bf16: bf16)
                let packed = packBlocks(weight, rows: dense.inFeatures, outputs: dense.outFeatures, lanes: e.lanes)
                if bf16 {
                    packer.appendBF16(packed, rows: dense.inFeatures, rowsPerGroup: dense.inFeatures, lanes: e.lanes, key: "\(k).weight")
                } else {
                    packer.append(packed, key: "\(k).weight")
                }
                packer.append(padded(bias, to: e.lanes), key: "\(k).bias")
                let name = kernels.register(e.functionName) { e.emit(&$0, name: $1) }
                if bf16 { run.line("parallelRanges(\(inS.floats), threads) { vggc_round_bf16_floats(\(x), $0, $1) }") }
                run.line("parallelRanges(\(e.blocks), threads) { \(name)(\(x), \(y), \(weights(packer.offsets["\(k).weight"]!, bf16)), w + \(packer.offsets["\(k).bias"]!), $0, $1) }")
            case let .pool(g, isMax):
                let e = PoolEmitter(g: g, channels: inS.channels, isMax: isMax, output: outS)
                let name = kernels.register(e.functionName) { e.emit(&$0, name: $1) }
                run.line("parallelRanges(\(g.outputHeight), threads) { \(name)(\(x), \(y), $0, $1) }")
            case let .batchNorm(bn):
                let t = { (s: String) -> [Float] in model.tensors["\(first).\(s)"]!.data }
                let invStd = t("variance").map { 1 / ($0 + bn.epsilon).squareRoot() }
                packer.append(t("mean") + invStd + t("gamma") + t("beta"), key: "\(k).bn")
                let name = "batchnorm_step\(k)"
                ElementwiseEmitter.batchNorm(&body, name: name, rows: flat.height, width: flat.width, channels: flat.channels, output: outS)
                run.line("\(name)(\(x), \(y), w + \(packer.offsets["\(k).bn"]!))")
            case .relu:
                let name = "relu_step\(k)"
                ElementwiseEmitter.relu(&body, name: name, rows: flat.height, width: flat.width, channels: flat.channels, output: outS)
                run.line("\(name)(\(x), \(y))")
            case .globalAveragePool:
                let name = "global_average_pool_\(inS.height)x\(inS.width)x\(inS.channels)"
                if emitted.insert(name).inserted {
                    ElementwiseEmitter.globalAveragePool(&body, name: name, pixels: inS.height * inS.width, channels: inS.channels)
                }
                run.line("\(name)(\(x), \(y))")
            case .softmax:
                let name = "softmax_\(flat.channels)"
                if emitted.insert(name).inserted { ElementwiseEmitter.softmax(&body, name: name, count: flat.channels) }
                run.line("\(name)(\(x), \(y))")
            case .sigmoid:
                let name = "sigmoid_\(flat.channels)"
                if emitted.insert(name).inserted { ElementwiseEmitter.sigmoid(&body, name: name, count: flat.channels) }
                run.line("\(name)(\(x), \(y))")
            }
            run.line("if let dump { dump(\(k), interior(\(y), \(outS.origin), \(outS.height), \(outS.width * outS.channels), \(outS.rowStride))) }")
            run.line("mark?(\(k))")
        }

        // The bfloat16 and u8 copies go last in the arena.
        let copies = [halves, codes]
        var copyOffsets: [[Int]] = []
        for c in copies {
            copyOffsets.append([arenaFloats, arenaFloats + c.floats[0]])
            arenaFloats += c.floats[0] + c.floats[1]
        }
        var w = SourceWriter()
        emitHeader(&w, model: model, options: options, modelFile: modelFile, schedule: schedule, arenaBytes: arenaFloats * 4)
        emitConstants(&w, model: model, options: options, schedule: schedule, arenaFloats: arenaFloats, scratchFloats: scratchFloats,
                      scratchThreads: scratchThreads, algorithms: steps.indices.map { int8Step($0) != nil ? "int8" : steps[$0].algorithm },
                      int8Inputs: quantized.keys.sorted().map { (model.layers[$0].name, options.int8InputMaxima[model.layers[$0].name]!) })
        let n = steps.count
        let logits = storages[n - 1], outputs = storages[n]
        if !transforms.isEmpty {
            w.block("extension Network") { w in
                w.line("/// bf16 Winograd steps' transformed weights, computed from the stored bfloat16 g on first use.")
                for t in transforms { w.line(t) }
            }
            w.line()
        }
        var chunks = SourceWriter()  // run()'s steps in functions of their own, for deep networks
        w.block("extension Network") { w in
            w.line("/// Runs one image (\(model.input.height)×\(model.input.width)×\(model.input.channels), channels-last).")
            w.line("/// Returns the pre-softmax logits and the class probabilities; `dump` sees every step's output,")
            w.line("/// `mark` is told when each step ends (for `--profile`; it copies nothing).")
            w.block("static func run(_ input: UnsafePointer<Float>, threads: Int, dump: ((Int, [Float]) -> Void)?, mark: ((Int) -> Void)? = nil) -> (logits: [Float], probabilities: [Float])") { w in
                w.line("let w = vggc_weight_base()")
                w.line("let b0 = arena, b1 = arena + \(sizes[0])")
                if scratchFloats > 0 { w.line("let scratch = Network.scratch(threads: threads)") }
                for (c, offsets) in zip(copies, copyOffsets) {
                    for i in 0..<2 where c.sizes[i] > 0 {
                        w.line("let \(c.name(i)) = UnsafeMutableRawPointer(arena + \(offsets[i])).assumingMemoryBound(to: \(c.type).self)")
                    }
                }
                let s0 = storages[0]
                if s0.isPadded { w.line(s0.zeroBorder("b0")) }
                w.line("for r in 0..<\(s0.height) { (b0 + \(s0.origin) + r * \(s0.rowStride)).update(from: input + r * \(s0.width * s0.channels), count: \(s0.width * s0.channels)) }")
                let pointers = ["w", "b0", "b1"] + (scratchFloats > 0 ? ["scratch"] : [])
                    + zip(copies, copyOffsets).flatMap { c, _ in (0..<2).filter { c.sizes[$0] > 0 }.map { c.name($0) } }
                for l in emitStepChunks(&chunks, steps: run.text, arguments: pointers, types: pointerTypes(copies: copies)) { w.line(l) }
                w.line("let logits = interior(\(buffer(n - 1)), \(logits.origin), \(logits.height), \(logits.width * logits.channels), \(logits.rowStride))")
                w.line("let out = interior(\(buffer(n)), 0, 1, \(outputs.channels), \(outputs.channels))")
                w.line(model.isSingleSigmoid && outputs.channels == 1 ? "return (logits, [1 - out[0], out[0]])" : "return (logits, out)")
            }
        }
        if !chunks.text.isEmpty {
            w.line()
            w.block("extension Network") { w in
                for l in chunks.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { w.line(String(l)) }
            }
        }
        w.line()
        emitSupport(&w, borderTypes: ["Float"] + copies.filter(\.used).map(\.type), winogradTransform: !transforms.isEmpty)
        w.line()
        w.line("// MARK: - Kernels")
        w.line()
        for l in (kernels.source.text + body.text).split(separator: "\n", omittingEmptySubsequences: false).dropLast() { w.line(String(l)) }
        return GeneratedNetwork(source: w.text, weights: packer.bytes, arenaBytes: arenaFloats * 4,
                                scratchBytesPerThread: scratchFloats * 4, scratchThreads: scratchThreads, stepNames: steps.map(\.name))
    }

}

/// Copies of conv inputs in a C kernel's own element type (bfloat16 for bf16 steps, u8 codes
/// for int8 steps), laid out like the float storage: two buffers used in turn like b0/b1
/// (step k reads copy k mod 2), placed after them in the arena. A copy is filled by the step
/// before, as its kernel's second output (`ready`), or else by a pass in the step itself.
struct InputCopies {
    let prefix: String
    let type: String
    /// Elements per arena float.
    let perFloat: Int
    private(set) var sizes = [0, 0]
    var ready = false

    func name(_ k: Int) -> String { "\(prefix)\(k % 2)" }
    mutating func need(_ k: Int, elements: Int) { sizes[k % 2] = max(sizes[k % 2], elements) }
    /// Whether the step before filled this step's copy; resets it for the next step.
    mutating func take() -> Bool { defer { ready = false }; return ready }
    var used: Bool { sizes != [0, 0] }
    /// Arena floats per buffer, whole 64-byte lines.
    var floats: [Int] { sizes.map { ($0 + 16 * perFloat - 1) / (16 * perFloat) * 16 } }
}

/// The int8 layers of a (BN-folded) model, by index: every `int8LayerIndices` layer. Each
/// needs its calibrated input maximum.
func int8Layers(_ model: Model, maxima: [String: Float]) throws -> [Int: Int8Layer] {
    var out = [Int: Int8Layer]()
    for i in model.int8LayerIndices() {
        let name = model.layers[i].name
        guard let m = maxima[name] else { throw CodegenError.missingCalibration(layer: name) }
        let layer = model.int8Layer(at: i, inputMaximum: m)
        // An infinite scale would turn a zero sum into NaN, where max-pool's NaN rules differ
        // between the kernel and the engine: refuse rather than define it.
        guard layer.outputScales.allSatisfy(\.isFinite) else { throw CodegenError.int8ScaleOverflow(layer: name, maximum: m) }
        out[i] = layer
    }
    return out
}

/// The argument a kernel gets for its packed weights at float offset `offset`: a float
/// pointer, or (bf16) the same bytes as 32-bit words of two bfloat16 weights.
func weights(_ offset: Int, _ bf16: Bool) -> String {
    bf16 ? "UnsafeRawPointer(w + \(offset)).assumingMemoryBound(to: UInt32.self)" : "w + \(offset)"
}

/// Kernels by name. Layers whose kernels come out identical share one function; a kernel
/// whose name is taken by different code (another output border, an injected fault) gets a
/// suffixed name, so names stay meaningful and code is never silently shared wrongly.
struct KernelRegistry {
    private var texts: [String: String] = [:]
    private(set) var source = SourceWriter()

    mutating func register(_ base: String, _ emit: (inout SourceWriter, String) -> Void) -> String {
        for n in 1... {
            let name = n == 1 ? base : "\(base)_v\(n)"
            var w = SourceWriter()
            emit(&w, name)
            if let existing = texts[name] {
                if existing == w.text { return name }
                continue
            }
            texts[name] = w.text
            for l in w.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { source.line(String(l)) }
            source.line()
            return name
        }
        fatalError("unreachable")
    }
}
