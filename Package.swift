// swift-tools-version:6.0
// vggc — VGG models to small, fast, verified predictors.
// Targets follow the data flow (see docs/architecture.md):
//   VGGSystem → CImageCodecs → VGGCore → VGGFormat → VGGONNX → VGGImage → VGGEngine → VGGMetrics
//   → VGGTrain → VGGCodegen
//   (+ CPredictorKernels, compiled into every predictor) → VGGCheck → vggc
import PackageDescription

// Numerical targets are always optimized and target the build machine's vector units:
// without a CPU flag swiftc emits SSE2 and every fused multiply-add becomes a libm call
// (≈1.5 GFLOP/s, see docs/swiftc-facts.md). `-O` after SwiftPM's `-Onone`
// wins, so `swift test` (a debug build) still runs the engine at useful speed.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-O", "-Xcc", "-march=native"]),
]

let package = Package(
    name: "vggc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vggc", targets: ["vggc"]),
        .library(name: "VGGEngine", targets: ["VGGEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // libpng / libjpeg-turbo behind a C shim: their setjmp/longjmp error handling never
        // crosses a Swift frame.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        // The operating-system edge: byte-exact paths, regular-file inputs, checked atomic
        // outputs, signals, child processes with time limits. Glibc only (no Foundation), so
        // the predictor runtime embeds the same files.
        .target(name: "VGGSystem"),
        // Shapes, layer settings, shape inference, the in-memory model, VGG builders.
        .target(name: "VGGCore", dependencies: ["VGGSystem"], swiftSettings: fastMath),
        // model.bin v1: reader (validating) and writer (atomic).
        .target(name: "VGGFormat", dependencies: [
            "VGGCore", "VGGSystem", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // ONNX interop: import (any VGG-family graph → Model) and export, on swift-protobuf.
        .target(name: "VGGONNX", dependencies: [
            "VGGCore", "VGGSystem", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Proto/onnx-subset.proto"]),
        // PNG/JPEG decoding, channel conversion, resizing, dataset folders.
        .target(name: "VGGImage", dependencies: ["VGGCore", "VGGSystem", "CImageCodecs"], swiftSettings: fastMath),
        // The dynamic engine: the executable definition of the semantics.
        .target(name: "VGGEngine", dependencies: ["VGGCore"], swiftSettings: fastMath),
        // Metrics of a classifier's results: confusion matrix, precision/recall/F1, ROC, class
        // balance, training-history charts. Used by train, eval and check.
        .target(name: "VGGMetrics", dependencies: ["VGGCore", "VGGSystem", "VGGImage"]),
        // Training: backpropagation, optimizers, callbacks, augmentation, transfer learning.
        .target(name: "VGGTrain", dependencies: ["VGGCore", "VGGSystem", "VGGImage", "VGGEngine", "VGGMetrics"],
                swiftSettings: fastMath),
        // The predictor's C kernels (bfloat16 dot products, which Swift cannot spell). Not
        // linked into vggc: embedded into every predictor's source, and tested from here.
        .target(name: "CPredictorKernels"),
        // Code generator: a model → specialized Swift source + packed weights → a predictor.
        // The predictor runtime (Runtime/, the shared image and system files, the C kernels)
        // is embedded at build time by the EmbedRuntime plugin, which also hashes every
        // source that can change the output into the generator's identity.
        .target(name: "VGGCodegen", dependencies: ["VGGCore", "VGGSystem"], exclude: ["Runtime"],
                plugins: ["EmbedRuntime"]),
        .executableTarget(name: "RuntimeEmbedder", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .plugin(name: "EmbedRuntime", capability: .buildTool(), dependencies: ["RuntimeEmbedder"]),
        // `vggc check`: a predictor against the engine, within propagated error bounds.
        .target(name: "VGGCheck", dependencies: ["VGGCore", "VGGSystem", "VGGEngine", "VGGImage"]),
        // The command-line tool.
        .executableTarget(name: "vggc", dependencies: [
            "VGGCore", "VGGSystem", "VGGFormat", "VGGImage", "VGGEngine", "VGGMetrics", "VGGTrain", "VGGONNX", "VGGCodegen",
            "VGGCheck",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // What the tests share: temporary folders, the process runner, naive references.
        .target(name: "VGGTestSupport", dependencies: ["VGGCore", "CImageCodecs"], path: "Tests/VGGTestSupport"),
        .testTarget(name: "VGGSystemTests", dependencies: ["VGGSystem", "VGGTestSupport"]),
        .testTarget(name: "VGGCoreTests", dependencies: ["VGGCore"]),
        .testTarget(name: "VGGFormatTests", dependencies: ["VGGFormat", "VGGCore", "VGGSystem", "VGGTestSupport"]),
        .testTarget(name: "VGGImageTests", dependencies: ["VGGImage", "VGGCore", "VGGSystem", "CImageCodecs", "VGGTestSupport"]),
        .testTarget(name: "VGGEngineTests", dependencies: ["VGGEngine", "VGGCore", "VGGTestSupport"], swiftSettings: fastMath),
        .testTarget(name: "VGGONNXTests", dependencies: ["VGGONNX", "VGGCore", "VGGEngine", "VGGFormat", "VGGSystem", "VGGTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "VGGMetricsTests", dependencies: ["VGGMetrics", "VGGImage", "VGGSystem", "VGGTestSupport"]),
        .testTarget(name: "VGGTrainTests",
                    dependencies: ["VGGTrain", "VGGMetrics", "VGGEngine", "VGGImage", "VGGCore", "VGGSystem", "VGGTestSupport"],
                    swiftSettings: fastMath),
        .testTarget(name: "VGGCodegenTests", dependencies: ["VGGCodegen", "VGGCheck", "VGGCore", "VGGEngine", "VGGSystem", "CPredictorKernels", "VGGTestSupport"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "CLITests", dependencies: ["vggc", "VGGTestSupport", "VGGCheck",
                                                    "VGGCodegen", "VGGCore", "VGGFormat", "VGGSystem", "CImageCodecs",
                                                    "CPredictorKernels"]),
    ],
    swiftLanguageModes: [.v5]
)
