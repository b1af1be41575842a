import CPredictorKernels
import Foundation
import Testing
import VGGCheck
import VGGCodegen
import VGGSystem
import VGGCore
import VGGEngine
import VGGTestSupport

/// Small models that together cover every layer kind, fusion and edge size the generator
/// handles. Parameters are seeded noise (non-zero biases, BN away from identity).
enum TestModels {
    /// conv 3×3 + ReLU + fused 2×2 max-pool, dense, softmax: the VGG pattern at its smallest.
    static func tinyConv() throws -> Model {
        try make("tiny_conv", InputSpec(height: 8, width: 8, channels: 1), ["NORMAL", "PNEUMONIA"], [
            NamedLayer("conv1", .conv2D(Conv2D(inChannels: 1, outChannels: 16))),
            NamedLayer("relu1", .relu(ReLU())),
            NamedLayer("pool1", .maxPool2D(MaxPool2D())),
            NamedLayer("flatten", .flatten(Flatten())),
            NamedLayer("fc", .dense(Dense(inFeatures: 256, outFeatures: 2))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
    }

    /// Every layer kind and the awkward cases: 5×5 stride-2 conv with asymmetric explicit
    /// pads, 17 output channels (a partial SIMD block), BN folded and stand-alone, stand-alone
    /// ReLU, average and max pools with padding, GAP, dense + BN + ReLU, dropout, sigmoid.
    static func everyLayer() throws -> Model {
        try make("every_layer", InputSpec(height: 9, width: 7, channels: 3, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3]),
                 ["NORMAL", "PNEUMONIA"], [
            NamedLayer("conv1", .conv2D(Conv2D(kernelHeight: 5, kernelWidth: 5, strideHeight: 2, strideWidth: 2,
                                                padding: .explicit(top: 2, left: 1, bottom: 1, right: 2),
                                                inChannels: 3, outChannels: 17, hasBias: true))),
            NamedLayer("bn1", .batchNorm(BatchNorm(channels: 17))),
            NamedLayer("relu1", .relu(ReLU())),
            NamedLayer("avg", .averagePool2D(AveragePool2D(PoolWindow(kernel: 3, stride: 1, padding: .same)))),
            NamedLayer("bn2", .batchNorm(BatchNorm(channels: 17))),
            NamedLayer("relu2", .relu(ReLU())),
            NamedLayer("max", .maxPool2D(MaxPool2D(PoolWindow(kernel: 3, stride: 2, padding: .same)))),
            NamedLayer("conv2", .conv2D(Conv2D(kernel: 1, stride: 1, padding: .valid, inChannels: 17, outChannels: 15, hasBias: false))),
            NamedLayer("gap", .globalAveragePool(GlobalAveragePool())),
            NamedLayer("fc1", .dense(Dense(inFeatures: 15, outFeatures: 33))),
            NamedLayer("bn3", .batchNorm(BatchNorm(channels: 33))),
            NamedLayer("relu3", .relu(ReLU())),
            NamedLayer("drop", .dropout(Dropout(rate: 0.3))),
            NamedLayer("fc2", .dense(Dense(inFeatures: 33, outFeatures: 1))),
            NamedLayer("sigmoid", .sigmoid(Sigmoid())),
        ])
    }

    /// A real VGG-11 with batch norm at 1/16 width (4…32 channels), 32×32 gray input.
    static func smallVGG() throws -> Model {
        try TestNetworks.smallVGG(batchNorm: true, width: 0.0625, seeds: (2, 3))
    }

    /// Odd sizes: 3 input channels, stride-2 valid 3×3, 1×1, 15 and 33 channels, 13×11 input.
    static func oddSizes() throws -> Model {
        try make("odd_sizes", InputSpec(height: 13, width: 11, channels: 3), ["a", "b", "c"], [
            NamedLayer("conv1", .conv2D(Conv2D(kernel: 3, stride: 2, padding: .valid, inChannels: 3, outChannels: 33))),
            NamedLayer("relu1", .relu(ReLU())),
            NamedLayer("conv2", .conv2D(Conv2D(kernel: 3, stride: 1, padding: .same, inChannels: 33, outChannels: 15))),
            NamedLayer("relu2", .relu(ReLU())),
            NamedLayer("conv3", .conv2D(Conv2D(kernel: 1, stride: 1, padding: .valid, inChannels: 15, outChannels: 32))),
            NamedLayer("flatten", .flatten(Flatten())),
            NamedLayer("fc", .dense(Dense(inFeatures: 6 * 5 * 32, outFeatures: 3))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
    }

    /// A pool fused after a 17-channel convolution (outputs not 64-byte aligned), then a
    /// vanished Flatten straight into element-wise steps (BatchNorm, Softmax over 68 values).
    static func flattenIntoElementwise() throws -> Model {
        try make("flatten_elementwise", InputSpec(height: 4, width: 4, channels: 1), (0..<68).map { "c\($0)" }, [
            NamedLayer("conv1", .conv2D(Conv2D(inChannels: 1, outChannels: 17))),
            NamedLayer("relu1", .relu(ReLU())),
            NamedLayer("pool1", .maxPool2D(MaxPool2D())),
            NamedLayer("flatten", .flatten(Flatten())),
            NamedLayer("bn", .batchNorm(BatchNorm(channels: 68))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
    }

    /// Winograd's awkward cases: ragged tiles (14×10 and 5×3 outputs), a fused pool with an
    /// odd pooled height, valid padding, 16 output channels (16-lane register tiles), 48
    /// (three blocks) with BN folded, and a 256×256 layer whose transformed weights (9.4 MB)
    /// make the threads split output channels instead of tiles.
    static func winogradShapes() throws -> Model {
        try make("winograd_shapes", InputSpec(height: 14, width: 10, channels: 16), ["NORMAL", "PNEUMONIA"], [
            NamedLayer("wa", .conv2D(Conv2D(inChannels: 16, outChannels: 32))),
            NamedLayer("wa_relu", .relu(ReLU())),
            NamedLayer("wa_pool", .maxPool2D(MaxPool2D())),
            NamedLayer("wb", .conv2D(Conv2D(kernel: 3, stride: 1, padding: .valid, inChannels: 32, outChannels: 16))),
            NamedLayer("wc", .conv2D(Conv2D(inChannels: 16, outChannels: 48))),
            NamedLayer("wc_bn", .batchNorm(BatchNorm(channels: 48))),
            NamedLayer("wc_relu", .relu(ReLU())),
            NamedLayer("wd", .conv2D(Conv2D(inChannels: 48, outChannels: 256))),
            NamedLayer("wd_relu", .relu(ReLU())),
            NamedLayer("we", .conv2D(Conv2D(inChannels: 256, outChannels: 256))),
            NamedLayer("we_relu", .relu(ReLU())),
            NamedLayer("gap", .globalAveragePool(GlobalAveragePool())),
            NamedLayer("fc", .dense(Dense(inFeatures: 256, outFeatures: 2))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
    }

    /// `pairs` 1×1 conv + ReLU steps on a 4×4×4 map, then dense and softmax: a network deeper
    /// than one `run` function holds (`NetworkEmitter.stepsPerChunk`).
    static func deep(pairs: Int) throws -> Model {
        try make("deep", InputSpec(height: 4, width: 4, channels: 4), ["NORMAL", "PNEUMONIA"], (0..<pairs).flatMap { i in [
            NamedLayer("c\(i)", .conv2D(Conv2D(kernel: 1, inChannels: 4, outChannels: 4))),
            NamedLayer("r\(i)", .relu(ReLU())),
        ] } + [
            NamedLayer("flatten", .flatten(Flatten())),
            NamedLayer("fc", .dense(Dense(inFeatures: 64, outFeatures: 2))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
    }

    static func make(_ name: String, _ input: InputSpec, _ labels: [String], _ layers: [NamedLayer]) throws -> Model {
        var m = Model(input: input, labels: labels, layers: layers)
        m.randomizeParameters(seed: UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xFFFF))
        try m.validate()
        return m
    }
}

/// A predictor built into a fresh temporary folder.
struct BuiltPredictor {
    let directory: URL
    let binary: String
    let sources: PredictorBuilder.Sources

    init(_ model: Model, name: String, faults: [CodegenOptions.Fault] = [], unrollTaps: Bool = false,
         winograd: WinogradPolicy = .auto, precision: Precision = .fp32) throws {
        directory = try TemporaryFolder("vggc-codegen").url
        // One level (this machine's): the portable build's levels are tested in PortableCLITests.
        var options = CodegenOptions(name: name, modelHash: String(repeating: "0", count: 64), targetCPU: "native",
                                     unrollTaps: unrollTaps, winograd: winograd, precision: precision, faults: faults)
        if precision == .int8 {
            // Calibrated as `vggc bench` does: on seeded random inputs, through the folded model.
            options.int8InputMaxima = try Engine.int8InputMaxima(model: model,
                                                                 inputs: Checker.randomInputs(for: model.input, count: 4, seed: 3))
        }
        sources = try PredictorBuilder.writeSources(model: model, options: options, modelFile: "\(name).bin",
                                                    to: directory.appendingPathComponent("src").path)
        binary = try PredictorBuilder.build(sources, options: options, output: try OutputFile(directory.appendingPathComponent(name).path)).output
    }

    func check(_ model: Model, random: Int = 4, threads: Int = 2) throws -> Checker.Report {
        let process = try PredictorProcess(path: binary)
        return try Checker(model: model, predictor: process, threads: threads, precision: process.precision())
            .run(random: random, seed: 7, images: [])
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Whether a native (single-level) bf16 or int8 build runs here: an AVX-512 level needs
    /// `feature` (AVX512-BF16 / AVX512-VNNI); a CPU without AVX-512 runs the fallback kernels.
    static func nativeRuns(_ feature: String) -> Bool {
        let avx512 = KernelTiers.running("avx512f").contains(VGGC_TIER_AVX512)
        return !avx512 || KernelTiers.running(feature).contains(VGGC_TIER_AVX512)
    }
    static let bf16Runs = ConditionTrait.enabled(if: nativeRuns("avx512bf16"), "needs AVX512-BF16 on AVX-512")
    static let int8Runs = ConditionTrait.enabled(if: nativeRuns("avx512vnni"), "needs AVX512-VNNI on AVX-512")
}
