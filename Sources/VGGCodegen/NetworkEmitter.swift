import VGGCore

/// Generates `Network.swift` and the packed weights for one model.
///
/// Activations live in one arena allocated once: two buffers used in turn (step k reads
/// buffer k mod 2 and writes the other), each sized for the largest tensor it ever holds,
/// bordered with zeros where a padded convolution reads it. A buffer is reused as soon as
/// the tensor in it is dead, which in a sequential network is one step later. The C kernels'
/// input copies (bfloat16, u8 codes) follow, two buffers each, used in turn the same way.
public struct GeneratedNetwork {
    /// Network.swift (or Network_narrow.swift): the kernels and `run`, compiled into each
    /// instruction-set level of this tiling.
    public let source: String
    /// NetworkInfo.swift: the network's constants (`enum Network`), for every module.
    public let info: String
    public let weights: [UInt8]
    public let arenaBytes: Int
    /// Winograd scratch per thread (0 without Winograd steps); at most `scratchThreads` blocks.
    public let scratchBytesPerThread: Int
    public let scratchThreads: Int
    public let stepNames: [String]
}

public enum NetworkEmitter {
    /// Plans and stitches; each step's code comes from the emitter of its kind (`makeEmitter`),
    /// its register tiles sized for `tiling` (the weights, arena and scratch do not depend on it).
    public static func generate(_ original: Model, options: CodegenOptions, modelFile: String,
                                tiling: Tiling = .wide) throws -> GeneratedNetwork {
        // The model this precision computes (`Model.computed(at:)`, as `vggc check` verifies
        // it); test builds first break it on purpose (FaultInjection.swift).
        let model = try original.injecting(options.faults).computed(at: options.precision)
        let quantized = options.precision == .int8 ? try int8Layers(model, maxima: options.int8InputMaxima) : [:]
        let schedule = try Schedule(model, winograd: options.precision == .int8 ? .off : options.winograd,
                                    precision: options.precision, int8Layers: Set(quantized.keys))
        let emitters = schedule.steps.enumerated().map { k, step in
            injectingFaults(options.faults, into: makeEmitter(step, index: k, quantized: quantized[step.layers[0]], options: options,
                                                            tiling: tiling),
                            model: model)
        }
        var program = Program(schedule: schedule)
        for (k, emitter) in emitters.enumerated() {
            program.add(emitter, next: k + 1 < emitters.count ? emitters[k + 1] : nil, model: model)
        }
        let arena = program.planArena()
        var w = SourceWriter()
        emitHeader(&w, model: model, options: options, modelFile: modelFile, schedule: schedule, arenaBytes: arena.floats * 4,
                   tiling: tiling)
        var info = SourceWriter()
        emitConstants(&info, model: model, options: options, schedule: schedule, arenaFloats: arena.floats,
                      int8Inputs: quantized.keys.sorted().map { (model.layers[$0].name, options.int8InputMaxima[model.layers[$0].name]!) })
        emitStorage(&w, arenaFloats: arena.floats, scratchFloats: program.scratchFloats,
                    scratchThreads: program.scratchThreads)
        w.line()
        program.emitRun(&w, model: model, arena: arena)
        w.line()
        emitSupport(&w, borderTypes: ["Float"] + program.copies.filter(\.used).map(\.type),
                    winogradTransform: !program.declarations.isEmpty)
        w.line()
        w.line("// MARK: - Kernels")
        w.line()
        w.append(program.kernels.text)
        return GeneratedNetwork(source: w.text, info: info.text, weights: program.packer.bytes,
                                arenaBytes: arena.floats * 4,
                                scratchBytesPerThread: program.scratchFloats * 4, scratchThreads: program.scratchThreads,
                                stepNames: schedule.steps.map(\.name))
    }
}

/// The program as the steps are added: packed weights, kernels, the lines of `run()`.
struct Program {
    let schedule: Schedule
    var packer = WeightPacker()
    var kernels = KernelRegistry()
    /// The lines that run the steps, one step after another, each ending in `mark?(k)`.
    var steps = SourceWriter()
    /// Static members of `Network` the steps declared.
    var declarations: [String] = []
    var scratchFloats = 0          // per thread, for Winograd steps
    var scratchThreads = 0         // most threads a Winograd step can use
    var overreadFloats = 0         // test faults only: reads past a kernel's input
    var copies = [InputCopies(kind: .bfloat16, prefix: "h", type: "UInt16", perFloat: 2),
                  InputCopies(kind: .codes, prefix: "q", type: "UInt8", perFloat: 4)]

    init(schedule: Schedule) { self.schedule = schedule }

    static func buffer(_ k: Int) -> String { k % 2 == 0 ? "b0" : "b1" }

    /// Step `k = emitter.index`: parameters, input copy, second output, kernels, call, dump.
    mutating func add(_ emitter: StepEmitter, next: StepEmitter?, model: Model) {
        let k = emitter.index, step = emitter.step
        steps.line("// step \(k): \(step.name) → \(step.outputShape)")
        if step.output.isPadded { steps.line(step.output.zeroBorder(Program.buffer(k + 1))) }
        emitter.packWeights(model, into: &packer)
        var site = CallSite(index: k, x: Program.buffer(k), y: Program.buffer(k + 1), offsets: packer.offsets)
        let ready = copies.indices.map { copies[$0].take() }
        if let copy = emitter.inputCopy, let c = copies.firstIndex(where: { $0.kind == copy.kind }) {
            copies[c].need(k, elements: copy.elements)
            (site.copy, site.copyReady) = (copies[c].name(k), ready[c])
        }
        // The next step reads this output as a copy its kernel can take as it is: this
        // step's kernel writes it too, so the next step needs no pass of its own.
        if let kind = emitter.producesCopy, let wanted = next?.inputCopy, wanted.kind == kind, wanted.takesProducedCopy,
           let c = copies.firstIndex(where: { $0.kind == kind }) {
            if step.output.isPadded { steps.line(step.output.zeroBorder(copies[c].name(k + 1))) }
            copies[c].ready = true
            site.secondOutput = "\(copies[c].name(k + 1)) + \(step.output.origin)"
            site.nextInverseScale = wanted.inverseScale
        }
        let kernel = emitter.registerKernels(&kernels)
        var code = StepCode()
        emitter.emitCall(&code, kernel: kernel, site: site)
        steps.append(code.run.text)
        declarations += code.declarations
        scratchFloats = max(scratchFloats, emitter.scratch.floats)
        scratchThreads = max(scratchThreads, emitter.scratch.threads)
        overreadFloats = max(overreadFloats, emitter.overreadFloats)
        let out = step.output
        steps.line("if let dump { dump(\(k), interior(\(Program.buffer(k + 1)), \(out.origin), \(out.height), \(out.width * out.channels), \(out.rowStride))) }")
        steps.line("mark?(\(k))")
    }

    /// Where each buffer starts in the arena, in floats.
    struct Arena {
        /// b0's and b1's floats (whole 64-byte lines).
        var sizes: [Int]
        /// Per copy kind (`Program.copies` order), its two buffers' offsets.
        var copyOffsets: [[Int]]
        var floats: Int
    }

    /// Tensor k (the input of step k; k = steps.count is the output) lives in buffer k % 2;
    /// the copies go after b0 and b1; a test build's overreading kernel gets slack last.
    func planArena() -> Arena {
        var sizes = [0, 0]
        for k in 0...schedule.steps.count {
            sizes[k % 2] = max(sizes[k % 2], schedule.storage(input: k).floats)
        }
        sizes = sizes.map { ($0 + 15) / 16 * 16 }
        var floats = sizes[0] + sizes[1]
        var copyOffsets: [[Int]] = []
        for c in copies {
            copyOffsets.append([floats, floats + c.floats[0]])
            floats += c.floats[0] + c.floats[1]
        }
        return Arena(sizes: sizes, copyOffsets: copyOffsets, floats: floats + (overreadFloats + 15) / 16 * 16)
    }
}

/// Copies of conv inputs in a C kernel's own element type (bfloat16 for bf16 steps, u8 codes
/// for int8 steps), laid out like the float storage: two buffers used in turn like b0/b1
/// (step k reads copy k mod 2), placed after them in the arena. A copy is filled by the step
/// before, as its kernel's second output (`ready`), or else by a pass in the step itself.
struct InputCopies {
    let kind: InputCopy.Kind
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

/// Kernels by name. Layers whose kernels come out identical share one function; a kernel
/// whose name is taken by different code (another output border) gets a suffixed name, so
/// names stay meaningful and code is never silently shared wrongly. Convolution, dense and
/// pool kernels come first, a blank line after each; the small element-wise functions last.
struct KernelRegistry {
    enum Section { case kernels, elementwise }
    private var texts: [String: String] = [:]
    private var sections: [Section: SourceWriter] = [.kernels: SourceWriter(), .elementwise: SourceWriter()]

    var text: String { sections[.kernels]!.text + sections[.elementwise]!.text }

    mutating func register(_ base: String, section: Section = .kernels, _ emit: (inout SourceWriter, String) -> Void) -> String {
        for n in 1... {
            let name = n == 1 ? base : "\(base)_v\(n)"
            var w = SourceWriter()
            emit(&w, name)
            if let existing = texts[name] {
                if existing == w.text { return name }
                continue
            }
            texts[name] = w.text
            sections[section]!.append(w.text)
            if section == .kernels { sections[section]!.line() }
            return name
        }
        fatalError("unreachable")
    }
}
