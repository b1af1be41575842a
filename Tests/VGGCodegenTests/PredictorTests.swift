import CPredictorKernels
import Foundation
import Testing
import VGGCheck
import VGGCodegen
import VGGCore
import VGGTestSupport

/// Generated predictors compiled, run, and verified against the engine. Serialized: each
/// build is a swiftc run, and the machine has two cores.
@Suite("Compiled predictors", .serialized)
struct PredictorTests {
    @Test(arguments: ["tiny_conv", "every_layer", "small_vgg", "odd_sizes", "flatten_elementwise"])
    func agreesWithEngine(_ name: String) throws {
        let model = try [ "tiny_conv": TestModels.tinyConv, "every_layer": TestModels.everyLayer,
                          "small_vgg": TestModels.smallVGG, "odd_sizes": TestModels.oddSizes,
                          "flatten_elementwise": TestModels.flattenIntoElementwise ][name]!()
        let built = try BuiltPredictor(model, name: name)
        defer { built.remove() }
        let report = try built.check(model, random: 6)
        let divergence = report.firstDivergence.map { "\($0)" } ?? "none"
        #expect(report.passed, "first divergence: \(divergence)")
        let agreeing = report.results.filter { $0.argmaxAgrees }.count
        #expect(agreeing == report.results.count)
    }

    /// A deep network's steps are emitted in functions of 64 (swiftc's time and memory grow
    /// faster than linearly with one function's length: a 4,096-layer model took 9 minutes
    /// and 13 GB as one function); the predictor still agrees with the engine step by step.
    @Test func deepNetworkIsSplitAndAgrees() throws {
        let model = try TestModels.deep(pairs: 70)  // 72 steps
        let built = try BuiltPredictor(model, name: "deep")
        defer { built.remove() }
        let source = built.sources.network.source
        #expect(source.contains("static func runSteps0(") && source.contains("static func runSteps1(") && !source.contains("runSteps2("))
        #expect(source.components(separatedBy: "mark?(").count - 1 == 72)
        let report = try built.check(model, random: 2)
        #expect(report.passed, "first divergence: \(report.firstDivergence.map { "\($0)" } ?? "none")")
    }

    /// `--unroll-taps` emits different kernels (every tap spelled out); they must agree too.
    @Test func unrolledTapsAgreeWithEngine() throws {
        let model = try TestModels.oddSizes()
        let built = try BuiltPredictor(model, name: "odd_unrolled", unrollTaps: true)
        defer { built.remove() }
        // Unrolled taps are spelled as one `do` block each instead of `for i`/`for j` loops.
        // (The source this CPU's level compiled: Network.swift or, without AVX-512, Network_narrow.swift.)
        #expect(built.sources.network.source.contains("do {"))
        let report = try built.check(model, random: 4)
        #expect(report.passed, "first divergence: \(report.firstDivergence.map { "\($0)" } ?? "none")")
    }

    /// Winograd F(4×4, 3×3) on every eligible layer of its awkward-case model, run with one
    /// and two threads (the 256×256 layer splits output channels, the others tiles); the
    /// direct build of the same model is bit-identical to the engine, the Winograd one is
    /// within the Winograd bound and agrees on every class.
    @Test func winogradAgreesWithEngine() throws {
        let model = try TestModels.winogradShapes()
        let built = try BuiltPredictor(model, name: "winograd_shapes", winograd: .on)
        defer { built.remove() }
        let source = built.sources.network.source
        #expect(built.sources.network.info.contains(#"static let stepAlgorithms: [String] = ["winograd4x4", "winograd4x4", "winograd4x4", "winograd4x4", "winograd4x4", "-", "-", "-"]"#))
        #expect(source.contains("func winograd4x4_gemm_16x16("))
        for threads in [1, 2] {
            let report = try built.check(model, random: 4, threads: threads)
            #expect(report.passed, "\(threads) threads, first divergence: \(report.firstDivergence.map { "\($0)" } ?? "none")")
            #expect(report.results.allSatisfy { $0.argmaxAgrees })
            #expect(report.results.allSatisfy { $0.worstStageRatio > 0 })  // Winograd rounds differently
        }
        // Every tile and channel is computed the same way whoever computes it: the outputs are
        // bit-identical for any thread count, more threads than CPUs included (the workers
        // then park between steps instead of spinning).
        let dir = built.directory
        var rng = SeededGenerator(seed: 11)
        try writeFloats((0..<(14 * 10 * 16)).map { _ in rng.uniform(-1...1) }, to: dir.appendingPathComponent("in.f32"))
        var outputs: [[Float]] = []
        for threads in [1, 2, 3, 8] {
            let out = dir.appendingPathComponent("out\(threads).f32")
            let r = try run(built.binary, ["--raw", dir.appendingPathComponent("in.f32").path, "--threads", "\(threads)",
                                           "--output-raw", out.path])
            #expect(r.status == 0)
            outputs.append(try readFloats(out))
        }
        #expect(outputs.allSatisfy { $0.map(\.bitPattern) == outputs[0].map(\.bitPattern) })
    }

    /// `--precision bf16`: weights half the bytes, and the predictor computes its model's bf16
    /// emulation (BN folded, weights and conv/dense inputs rounded) up to summation order —
    /// check, which detects the precision from `--version`, holds it to that. Odd channel
    /// counts (3, 15, 33) exercise the unpaired last channel.
    @Test(BuiltPredictor.bf16Runs, arguments: ["small_vgg", "odd_sizes"])
    func bf16PredictorComputesItsEmulation(_ name: String) throws {
        let model = try (name == "small_vgg" ? TestModels.smallVGG : TestModels.oddSizes)()
        let built = try BuiltPredictor(model, name: "\(name)_bf16", precision: .bf16)
        defer { built.remove() }
        let process = try PredictorProcess(path: built.binary)
        #expect(try process.precision() == .bf16)
        let report = try built.check(model, random: 4)
        #expect(report.passed, "first divergence: \(report.firstDivergence.map { "\($0)" } ?? "none")")
        let fp32 = try NetworkEmitter.generate(model, options: CodegenOptions(name: name, modelHash: "", winograd: .off),
                                               modelFile: "m.bin")
        let ratio = Double(built.sources.network.weights.count) / Double(fp32.weights.count)
        #expect(ratio < 0.6, "bf16 weights are \(ratio) of fp32's")
        // Checked as if it were fp32, its bf16 steps are refused outright (their algorithm
        // names the precision).
        #expect(throws: CheckError.self) { try Checker(model: model, predictor: process, threads: 2).run(random: 2, seed: 7, images: []) }
    }

    /// A bf16 build's Winograd weights, transformed at start-up from bfloat16 g, are exactly
    /// what `vggc compile` links into an fp32 Winograd build of the same (bf16-emulated)
    /// weights: on an input that is already bfloat16, the two Winograd steps agree bit for bit.
    @Test(BuiltPredictor.bf16Runs) func bf16WinogradTransformMatchesCompileTime() throws {
        let model = try TestModels.make("winograd_transform", InputSpec(height: 8, width: 8, channels: 16), ["a", "b"], [
            NamedLayer("conv", .conv2D(Conv2D(inChannels: 16, outChannels: 32))),
            NamedLayer("relu", .relu(ReLU())),
            NamedLayer("flatten", .flatten(Flatten())),
            NamedLayer("fc", .dense(Dense(inFeatures: 8 * 8 * 32, outFeatures: 2))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
        let bf16 = try BuiltPredictor(model, name: "transform_bf16", winograd: .on, precision: .bf16)
        let fp32 = try BuiltPredictor(try model.bf16Emulation(), name: "transform_fp32", winograd: .on)
        defer { bf16.remove(); fp32.remove() }
        var rng = SeededGenerator(seed: 4)
        let input = (0..<(8 * 8 * 16)).map { _ in rng.uniform(-1...1).roundedToBF16 }
        let a = try PredictorProcess(path: bf16.binary).trace(raw: input, valuesPerInput: 4, threads: 1)
        let b = try PredictorProcess(path: fp32.binary).trace(raw: input, valuesPerInput: 4, threads: 1)
        #expect(a.algorithms[0] == .bf16Winograd && b.algorithms[0] == .winograd4x4)
        #expect(a.steps[0].values.map(\.bitPattern) == b.steps[0].values.map(\.bitPattern))
    }

    /// Faults in bf16 (C kernel) steps: a wrong window is caught at its step; a window that
    /// is wrong only in runs without `--dump-layers` is caught by comparing such a run with
    /// the checked one.
    @Test(BuiltPredictor.bf16Runs, arguments: [
        FaultCase(fault: .wrongPadding(layer: "block2_conv1"), step: "block2_conv1+block2_relu1+block2_pool"),  // BN folded away
        FaultCase(fault: .unobservedShift(layer: "block2_conv1"), step: "output without --dump-layers"),
    ])
    func checkCatchesBrokenBF16Code(_ c: FaultCase) throws {
        let model = try TestModels.smallVGG()
        let built = try BuiltPredictor(model, name: "faulty_bf16", faults: [c.fault], precision: .bf16)
        defer { built.remove() }
        let report = try built.check(model, random: 2)
        #expect(!report.passed)
        #expect(report.firstDivergence?.step == c.step)
    }

    /// `--precision int8`: weights a quarter of the bytes, every layer after a ReLU on 8-bit
    /// codes (odd_sizes mixes them with float layers: 33 and 15 input channels padded to
    /// whole words, a 1×1 convolution, a dense layer whose input is not after a ReLU), and
    /// check holds every int8 stage to its definition bit for bit.
    @Test(BuiltPredictor.int8Runs, arguments: ["small_vgg", "odd_sizes"])
    func int8PredictorComputesItsDefinitionExactly(_ name: String) throws {
        let model = try (name == "small_vgg" ? TestModels.smallVGG : TestModels.oddSizes)()
        let built = try BuiltPredictor(model, name: "\(name)_int8", precision: .int8)
        defer { built.remove() }
        let process = try PredictorProcess(path: built.binary)
        #expect(try process.precision() == .int8)
        let checker = try Checker(model: model, predictor: process, threads: 2, precision: .int8)
        #expect(checker.int8Layers.count == (name == "small_vgg" ? 9 : 2))
        let report = try checker.run(random: 3, seed: 7, images: [])
        #expect(report.passed, "first divergence: \(report.firstDivergence.map { "\($0)" } ?? "none")")
        #expect(report.results.allSatisfy { $0.worstStageRatio == 0 }, "the int8 stages and this model's float ones match exactly")
        let fp32 = try NetworkEmitter.generate(model, options: CodegenOptions(name: name, modelHash: "", winograd: .off),
                                               modelFile: "m.bin")
        let ratio = Double(built.sources.network.weights.count) / Double(fp32.weights.count)
        if name == "small_vgg" { #expect(ratio < 0.35, "int8 weights are \(ratio) of fp32's") }
        // Checked as if it were fp32, its int8 steps are refused outright.
        #expect(throws: CheckError.self) { try Checker(model: model, predictor: process, threads: 2).run(random: 1, seed: 7, images: []) }
    }

    /// Faults in int8 steps: a wrong window is caught at its step (no bound hides it: int8
    /// stages must match exactly), and one only in undumped runs by the comparison of runs.
    @Test(BuiltPredictor.int8Runs, arguments: [
        FaultCase(fault: .wrongPadding(layer: "block2_conv1"), step: "block2_conv1+block2_relu1+block2_pool"),
        FaultCase(fault: .unobservedShift(layer: "block2_conv1"), step: "output without --dump-layers"),
    ])
    func checkCatchesBrokenInt8Code(_ c: FaultCase) throws {
        let model = try TestModels.smallVGG()
        let built = try BuiltPredictor(model, name: "faulty_int8", faults: [c.fault], precision: .int8)
        defer { built.remove() }
        let report = try built.check(model, random: 2)
        #expect(!report.passed)
        #expect(report.firstDivergence?.step == c.step)
    }

    /// The same faults as below, injected into Winograd layers: check names the step.
    @Test(arguments: [
        FaultCase(fault: .wrongPadding(layer: "wa"), step: "wa+wa_relu+wa_pool"),
        FaultCase(fault: .swapChannels(layer: "wd"), step: "wd+wd_relu"),
        FaultCase(fault: .dropBias(layer: "wb"), step: "wb"),
        FaultCase(fault: .perturbWeight(layer: "wb", index: 5 * 32 * 16 + 7, delta: 0.05), step: "wb"),
    ])
    func checkCatchesBrokenWinogradCode(_ c: FaultCase) throws {
        let model = try TestModels.winogradShapes()
        let built = try BuiltPredictor(model, name: "faulty_winograd", faults: [c.fault], winograd: .on)
        defer { built.remove() }
        let report = try built.check(model, random: 2)
        #expect(!report.passed)
        #expect(report.firstDivergence?.step == c.step)
    }

    struct FaultCase: CustomTestStringConvertible, Sendable {
        var fault: CodegenOptions.Fault
        var step: String
        var testDescription: String { "\(fault)" }
    }

    /// Deliberately broken generated code: check must fail and name the broken step.
    /// `conv1` has a reduction length of 9, so a 1e-3 change of one weight is far above its
    /// bound (≈ 2·γ(10)·Σ|w·x| ≈ 1e-6 here); see docs/verification.md for the general rule.
    @Test(arguments: [
        FaultCase(fault: .perturbWeight(layer: "conv1", index: 4 * 16 + 3, delta: 1e-3), step: "conv1+relu1+pool1"),
        FaultCase(fault: .wrongPadding(layer: "conv1"), step: "conv1+relu1+pool1"),
        FaultCase(fault: .dropBias(layer: "fc"), step: "fc"),
        FaultCase(fault: .swapChannels(layer: "conv1"), step: "conv1+relu1+pool1"),
    ])
    func checkCatchesAndNamesBrokenCode(_ c: FaultCase) throws {
        let model = try TestModels.tinyConv()
        let built = try BuiltPredictor(model, name: "faulty", faults: [c.fault])
        defer { built.remove() }
        let report = try built.check(model, random: 3)
        #expect(!report.passed)
        #expect(report.firstDivergence?.step == c.step)
    }

    /// The predictor is one static file: no shared libraries, and it runs with an empty
    /// environment (no PATH, no LD_LIBRARY_PATH, nothing from the Swift toolchain).
    @Test func runsWithoutToolchain() throws {
        let model = try TestModels.tinyConv()
        let built = try BuiltPredictor(model, name: "static_check")
        defer { built.remove() }
        let ldd = try run("/usr/bin/env", ["ldd", built.binary])
        #expect(ldd.output.contains("not a dynamic executable"))
        let version = try run("/usr/bin/env", ["-i", built.binary, "--version"])
        #expect(version.status == 0)
        #expect(version.output.contains("sha256:" + String(repeating: "0", count: 64)))
        // Raw input through the bare binary with an empty environment.
        let input = built.directory.appendingPathComponent("input.f32")
        try writeFloats([Float](repeating: 0.5, count: 64), to: input)
        let out = try run("/usr/bin/env", ["-i", built.binary, "--raw", input.path, "--json"])
        #expect(out.status == 0)
        #expect(out.output.contains("\"probabilities\""))
    }

    func run(_ tool: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
