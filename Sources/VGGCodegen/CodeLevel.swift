import Foundation
import VGGSystem

/// An instruction-set level a predictor's kernels are compiled for: the compiler flags, and
/// the CPU features (the compiler's `__builtin_cpu_supports` names) the predictor checks at
/// start-up before it runs a single instruction of that code.
public struct CodeLevel: Equatable, Sendable, CustomStringConvertible {
    public let name: Name
    public let features: [String]

    public var description: String { name.text }

    /// What the build needs of a level: its name, its flags, its symbol.
    public struct Name: Equatable, Sendable {
        /// `x86-64`, `x86-64-v2`, `x86-64-v3`, `x86-64-v4`, `native` or an LLVM CPU name.
        public let text: String

        /// swiftc flags that select the level (see docs/swiftc-facts.md: without one, swiftc
        /// emits SSE2 and every FMA becomes a libm call).
        public var compilerFlags: [String] {
            switch text {
            case "x86-64": return []
            case "native", "x86-64-v2", "x86-64-v3", "x86-64-v4": return ["-Xcc", "-march=\(text)"]
            default: return ["-target-cpu", text]
            }
        }

        /// A name usable in a symbol: `x86-64-v3` → `x86_64_v3`.
        var symbol: String { String(text.map { $0.isLetter || $0.isNumber ? $0 : "_" }) }
    }

    init(name: String, features: [String]) {
        self.name = Name(text: name)
        self.features = features
    }

    // The x86-64 psABI levels. (CMPXCHG16B and LAHF of v2 are in every CPU that has SSE4.2.)
    static let v2Features = ["sse3", "ssse3", "sse4.1", "sse4.2", "popcnt"]
    static let v3Features = v2Features + ["avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe"]
    static let v4Features = v3Features + ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"]

    public static let baseline = CodeLevel(name: "x86-64", features: [])
    public static let v2 = CodeLevel(name: "x86-64-v2", features: v2Features)
    public static let v3 = CodeLevel(name: "x86-64-v3", features: v3Features)
    public static let v4 = CodeLevel(name: "x86-64-v4", features: v4Features)
    /// What `--target-cpu portable` (the default) holds, best first.
    public static let portable = [v4, v3, baseline]

    /// The compiler's feature macros (`clang -march=X -dM -E`) that map to a checkable feature.
    static let macros: [(String, String)] = [
        ("__SSE3__", "sse3"), ("__SSSE3__", "ssse3"), ("__SSE4_1__", "sse4.1"), ("__SSE4_2__", "sse4.2"),
        ("__POPCNT__", "popcnt"), ("__AVX__", "avx"), ("__AVX2__", "avx2"), ("__BMI__", "bmi"), ("__BMI2__", "bmi2"),
        ("__F16C__", "f16c"), ("__FMA__", "fma"), ("__LZCNT__", "lzcnt"), ("__MOVBE__", "movbe"),
        ("__PCLMUL__", "pclmul"), ("__AES__", "aes"), ("__SHA__", "sha"),
        ("__AVX512F__", "avx512f"), ("__AVX512BW__", "avx512bw"), ("__AVX512CD__", "avx512cd"),
        ("__AVX512DQ__", "avx512dq"), ("__AVX512VL__", "avx512vl"), ("__AVX512VNNI__", "avx512vnni"),
        ("__AVX512BF16__", "avx512bf16"), ("__AVX512IFMA__", "avx512ifma"), ("__AVX512VBMI__", "avx512vbmi"),
        ("__AVX512VBMI2__", "avx512vbmi2"), ("__AVX512BITALG__", "avx512bitalg"),
        ("__AVX512VPOPCNTDQ__", "avx512vpopcntdq"), ("__AVX512FP16__", "avx512fp16"), ("__GFNI__", "gfni"),
        ("__VAES__", "vaes"), ("__VPCLMULQDQ__", "vpclmulqdq"), ("__AVXVNNI__", "avxvnni"),
    ]

    /// The levels `--target-cpu TARGET` builds: `portable` gives `portable`; a psABI level
    /// itself; `native` or an LLVM CPU name the features clang enables for it (asked, so the
    /// check covers exactly what the compiler may use).
    public static func levels(for target: String) throws -> [CodeLevel] {
        switch target {
        case "portable": return portable
        case "x86-64": return [baseline]
        case "x86-64-v2": return [v2]
        case "x86-64-v3": return [v3]
        case "x86-64-v4": return [v4]
        default:
            guard !target.isEmpty, target.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw CodegenError.unsupportedTarget(target)
            }
            return [CodeLevel(name: target, features: try clangFeatures(target))]
        }
    }

    /// The checkable features clang turns on for `-march=target`.
    static func clangFeatures(_ target: String) throws -> [String] {
        let probe = try Subprocess("/usr/bin/env", ["clang", "-march=\(target)", "-dM", "-E", "-x", "c", "/dev/null"],
                                   timeout: 60).run()
        guard probe.status == 0 else {
            if probe.status == 127 { throw CodegenError.toolMissing("clang") }
            let known = probe.stderrText.split(separator: "\n").first { $0.contains("valid target CPU values") }
                .map { " (" + $0.trimmingCharacters(in: .whitespaces) + ")" } ?? ""
            throw CodegenError.unknownTarget(target, detail: known)
        }
        let defined = Set(probe.stdoutText.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            return parts.count >= 2 && parts[0] == "#define" ? String(parts[1]) : nil
        })
        return macros.filter { defined.contains($0.0) }.map(\.1)
    }
}
