import VGGCore

extension Program {
    /// `Network.run`: the arena's buffers, the input copied in, the steps, the outputs read
    /// back; for deep networks the steps in functions of their own (`emitStepChunks`).
    func emitRun(_ w: inout SourceWriter, model: Model, arena: Arena) {
        if !declarations.isEmpty {
            w.block("extension Network") { w in
                w.line("/// bf16 Winograd steps' transformed weights, computed from the stored bfloat16 g on first use.")
                for d in declarations { w.line(d) }
            }
            w.line()
        }
        let n = schedule.steps.count
        let logits = schedule.storage(input: n - 1), outputs = schedule.storage(input: n)
        var chunks = SourceWriter()
        w.block("extension Network") { w in
            w.line("/// Runs one image (\(model.input.height)×\(model.input.width)×\(model.input.channels), channels-last).")
            w.line("/// Returns the pre-softmax logits and the class probabilities; `dump` sees every step's output,")
            w.line("/// `mark` is told when each step ends (for `--profile`; it copies nothing).")
            w.block("static func run(_ input: UnsafePointer<Float>, threads: Int, dump: ((Int, [Float]) -> Void)?, mark: ((Int) -> Void)? = nil) -> (logits: [Float], probabilities: [Float])") { w in
                w.line("let w = vggc_weight_base()")
                w.line("let b0 = arena, b1 = arena + \(arena.sizes[0])")
                if scratchFloats > 0 { w.line("let scratch = Network.scratch(threads: threads)") }
                for (c, offsets) in zip(copies, arena.copyOffsets) {
                    for i in 0..<2 where c.sizes[i] > 0 {
                        w.line("let \(c.name(i)) = UnsafeMutableRawPointer(arena + \(offsets[i])).assumingMemoryBound(to: \(c.type).self)")
                    }
                }
                let s0 = schedule.storage(input: 0)
                if s0.isPadded { w.line(s0.zeroBorder("b0")) }
                w.line("for r in 0..<\(s0.height) { (b0 + \(s0.origin) + r * \(s0.rowStride)).update(from: input + r * \(s0.width * s0.channels), count: \(s0.width * s0.channels)) }")
                let pointers = ["w", "b0", "b1"] + (scratchFloats > 0 ? ["scratch"] : [])
                    + copies.flatMap { c in (0..<2).filter { c.sizes[$0] > 0 }.map { c.name($0) } }
                for l in Program.emitStepChunks(&chunks, steps: steps.text, arguments: pointers, types: pointerTypes) { w.line(l) }
                w.line("let logits = interior(\(Program.buffer(n - 1)), \(logits.origin), \(logits.height), \(logits.width * logits.channels), \(logits.rowStride))")
                w.line("let out = interior(\(Program.buffer(n)), 0, 1, \(outputs.channels), \(outputs.channels))")
                w.line(model.isSingleSigmoid && outputs.channels == 1 ? "return (logits, [1 - out[0], out[0]])" : "return (logits, out)")
            }
        }
        if !chunks.text.isEmpty {
            w.line()
            w.block("extension Network") { w in w.append(chunks.text) }
        }
    }

    /// The Swift types of `run`'s local pointers, by name.
    var pointerTypes: [String: String] {
        var types = ["w": "UnsafePointer<Float>", "scratch": "[UnsafeMutablePointer<Float>]"]
        for c in copies { for i in 0..<2 { types[c.name(i)] = "UnsafeMutablePointer<\(c.type)>" } }
        return types
    }

    /// Steps per function of a deep network's `run`. swiftc's time and memory grow faster
    /// than linearly with one function's length (a 4,096-layer model took minutes and
    /// gigabytes as one function), and linearly with the number of such functions.
    static let stepsPerChunk = 64

    /// The lines of `run` that execute the steps: as they are for a network of up to
    /// `stepsPerChunk` steps (so the generated source of every usual model is unchanged);
    /// otherwise calls to `runSteps<N>` functions of `stepsPerChunk` steps each, which are
    /// written to `chunks`. `steps` is one step after another, each ending in `mark?(k)`.
    static func emitStepChunks(_ chunks: inout SourceWriter, steps: String, arguments: [String],
                               types: [String: String]) -> [String] {
        var groups: [[String]] = [[]]
        var count = 0
        for line in steps.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            groups[groups.count - 1].append(String(line))
            if line.hasPrefix("mark?(") {
                count += 1
                if count % stepsPerChunk == 0 { groups.append([]) }
            }
        }
        if groups.last!.isEmpty { groups.removeLast() }
        guard count > stepsPerChunk else { return groups.flatMap { $0 } }
        let parameters = arguments.map { "_ \($0): \(types[$0] ?? "UnsafeMutablePointer<Float>")" }.joined(separator: ", ")
        var calls: [String] = []
        for (i, group) in groups.enumerated() {
            calls.append("runSteps\(i)(\(arguments.joined(separator: ", ")), threads: threads, dump: dump, mark: mark)")
            chunks.line("/// Steps \(i * stepsPerChunk)...\(min(count, (i + 1) * stepsPerChunk) - 1) of `run` (a function each \(stepsPerChunk) steps).")
            chunks.line("/// Not optimized: it only calls the (optimized) kernels, and optimizing thousands of such calls")
            chunks.line("/// doubled the build time of a 4,096-layer model for no measurable gain.")
            chunks.block("@_optimize(none) static func runSteps\(i)(\(parameters), threads: Int, dump: ((Int, [Float]) -> Void)?, mark: ((Int) -> Void)?)") { w in
                for l in group { w.line(l) }
            }
        }
        return calls
    }
}
