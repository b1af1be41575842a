import VGGCore

/// The register file a level's kernels are tiled for.
///
/// A tiling changes only which accumulators are live at once — never the order of any sum,
/// nor the packed weights: every level of a portable predictor computes bit for bit the same
/// values from one copy of the weights, and the arena and Winograd scratch are the same size.
/// Each tiling is one `Network*.swift` file, compiled into the level modules that use it.
public enum Tiling: String, Sendable, CaseIterable {
    /// AVX-512: 32 registers of 16 floats. A tile keeps 16 `SIMD16<Float>` accumulators
    /// (16 pixels × 16 channels, or 8 × 32).
    case wide
    /// AVX2's 16 registers of 8 floats: a convolution tile keeps at most 6 `SIMD16<Float>`
    /// accumulators — 12 ymm, leaving two for a weight vector and one for the broadcast input —
    /// 16 output channels at a time. The wide tile, run on AVX2, needs 32 ymm and spills
    /// (measured 1.9× slower, docs/performance.md). The SSE baseline (16 × 4 floats) spills
    /// either way; its libm `fmaf` calls dominate. Dense steps are memory-bound and untiled.
    case narrow

    /// The tiling of a level's code: wide where it may use AVX-512.
    public init(_ level: CodeLevel) {
        self = level.features.contains("avx512f") ? .wide : .narrow
    }

    /// The most `SIMD16<Float>` accumulators one register tile keeps live.
    var accumulators: Int { self == .wide ? 16 : 6 }

    /// The generated file holding the kernels and `run()` for this tiling.
    public var sourceFile: String { self == .wide ? "Network.swift" : "Network_narrow.swift" }

    /// `count` rows split into runs of at most `accumulators` rows (as even as possible), the
    /// rows of a 16-channel register tile: 16 → 6, 5, 5; 8 → 4, 4.
    func runs(of count: Int) -> [Range<Int>] {
        let parts = (count + accumulators - 1) / accumulators
        var start = 0
        return (0..<parts).map { k in
            let size = count / parts + (k < count % parts ? 1 : 0)
            defer { start += size }
            return start..<start + size
        }
    }
}

/// Which of the C kernels (bf16 and int8 steps) a level's code calls: the AVX-512 ones
/// (vdpbf16ps, vpdpbusd) where the level has AVX-512, else the fallback kernels compiled for
/// AVX2 or for baseline x86-64 — int8 bit for bit the same, bf16 as float32 arithmetic on the
/// same bfloat16 values (bf16_conv_fallback.c). Each level's entry file defines `kernelTier`.
enum KernelTier: Equatable {
    case avx512, avx2, baseline

    init(_ level: CodeLevel) {
        let has = Set(level.features)
        self = has.contains("avx512f") ? .avx512 : has.isSuperset(of: ["avx2", "fma"]) ? .avx2 : .baseline
    }

    /// The C macro (predictor_kernels.h).
    var macro: String {
        switch self {
        case .avx512: return "VGGC_TIER_AVX512"
        case .avx2: return "VGGC_TIER_AVX2"
        case .baseline: return "VGGC_TIER_BASELINE"
        }
    }

    /// What `--version` says runs a `precision` predictor's C steps at this tier ("" for fp32).
    func summary(_ precision: Precision) -> String {
        switch (precision, self) {
        case (.fp32, _): return ""
        case (.bf16, .avx512): return "AVX512-BF16"
        case (.int8, .avx512): return "AVX512-VNNI"
        case (.bf16, .avx2): return "float32 on bfloat16 values, AVX2"
        case (.bf16, .baseline): return "float32 on bfloat16 values, baseline"
        case (.int8, .avx2): return "exact integer sums, AVX2"
        case (.int8, .baseline): return "exact integer sums, baseline"
        }
    }
}
