import Foundation
import Testing
import VGGCheck
import VGGTestSupport

/// The default predictor is portable: x86-64-v4, x86-64-v3 and baseline kernels in one
/// binary, the level chosen at start-up from CPUID. Foreign CPUs are emulated with
/// qemu-user (`qemu-x86_64 -cpu NAME`; .ci/run installs it). This qemu's TCG has no AVX-512,
/// so the x86-64-v4 level runs only natively (on this machine, when it has AVX-512).
@Suite("Portable predictors", .serialized)
struct PortableCLITests {
    static let qemu: String? = ["/usr/bin/qemu-x86_64", "/usr/local/bin/qemu-x86_64"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A tiny model, its portable predictor, and a raw input of two tensors. `channels`: the
    /// input's (3: an odd count, as with `width` 0.4's 26, 51, 102 and 205 channels).
    static func fixture(_ dir: URL, extra: [String] = [], width: String = "0.0625",
                        channels: Int = 1) throws -> (model: String, predictor: String, raw: String) {
        let model = dir.appendingPathComponent("m\(width)x\(channels).bin").path
        let created = try CLI.run(["create", "--arch", "vgg11", "--width", width, "--input", "32x32x\(channels)",
                                   "--head", "gap", "--seed", "4", "-o", model])
        try #require(created.status == 0, "\(created.stderr)")
        let tag = String(extra.joined().map { $0 == "/" ? "_" : $0 })
        let predictor = dir.appendingPathComponent("p" + tag).path
        // --source-dir: the default, Generated/<name>, would write into the package.
        let compiled = try CLI.run(["compile", model, "-o", predictor, "--source-dir",
                                    dir.appendingPathComponent("src" + tag).path] + extra)
        try #require(compiled.status == 0, "\(compiled.stderr)")
        let raw = dir.appendingPathComponent("x.f32")
        try randomInput(2 * 32 * 32 * channels, seed: 5, range: 0...1).withUnsafeBytes { try Data($0).write(to: raw) }
        return (model, predictor, raw.path)
    }

    /// The levels `--version` lists, and which of them this CPU runs (as `vggc check` reads them).
    static func levels(_ version: String) -> [(name: String, runs: Bool)] {
        PredictorProcess.levels(fromVersion: version).map { ($0.name, $0.runsHere) }
    }

    @Test func everyLevelThisCPURunsPassesCheck() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let f = try Self.fixture(folder.url)
        let version = try CLI.runBinary(f.predictor, ["--version"])
        let levels = Self.levels(version.stdout)
        #expect(levels.map(\.name) == ["x86-64-v4", "x86-64-v3", "x86-64"], "\(version.stdout)")
        #expect(version.stdout.contains("level in use: \(levels.first { $0.runs }?.name ?? "-")"))
        var outputs: [String] = []
        for level in levels where level.runs {
            let env = ["VGGC_LEVEL": level.name]
            let text = try CLI.runBinary(f.predictor, ["--raw", f.raw], environment: env)
            outputs.append(text.stdout)
            let check = try CLI.run(["check", f.model, f.predictor, "--random", "2"], environment: env)
            #expect(check.status == 0 && check.stdout.contains("PASS"), "\(level.name): \(check.stdout)\(check.stderr)")
            let json = try CLI.runBinary(f.predictor, ["--raw", f.raw, "--json"], environment: env)
            #expect(json.stdout.contains("\"level\": \"\(level.name)\""), "\(json.stdout)")
        }
        // Same source, same order, fused multiply-adds at every level: the same bits.
        #expect(Set(outputs).count == 1, "\(outputs)")
        // Without VGGC_LEVEL, check itself checks every level this CPU runs and says so.
        let all = try CLI.run(["check", f.model, f.predictor, "--random", "2"])
        #expect(all.status == 0, "\(all.stdout)\(all.stderr)")
        for level in levels where level.runs { #expect(all.stdout.contains("level \(level.name): "), "\(all.stdout)") }
        #expect(all.stdout.components(separatedBy: "PASS").count - 1 == levels.filter(\.runs).count, "\(all.stdout)")
        let bogus = try CLI.runBinary(f.predictor, ["--raw", f.raw], environment: ["VGGC_LEVEL": "x86-64-v9"])
        #expect(bogus.status == 64 && bogus.stderr.contains("x86-64-v4, x86-64-v3, x86-64"), "\(bogus.stderr)")
    }

    /// Under an emulated CPU the predictor picks the best level that CPU has, and its output
    /// is bit for bit that of the same level forced on this machine (the same instructions).
    @Test(.enabled(if: qemu != nil, "qemu-x86_64 is not installed"))
    func foreignCPUsRunTheirBestLevel() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let f = try Self.fixture(folder.url)
        for (cpu, level) in [("Nehalem", "x86-64"), ("Haswell", "x86-64-v3"), ("Skylake-Server", "x86-64-v3"),
                             ("qemu64", "x86-64")] {
            let emulated = try CLI.runBinary(Self.qemu!, ["-cpu", cpu, f.predictor, "--raw", f.raw, "--json"])
            #expect(emulated.status == 0, "\(cpu): \(emulated.stderr)")
            #expect(emulated.stdout.contains("\"level\": \"\(level)\""), "\(cpu): \(emulated.stdout)")
            let native = try CLI.runBinary(f.predictor, ["--raw", f.raw, "--json"], environment: ["VGGC_LEVEL": level])
            #expect(emulated.stdout == native.stdout, "\(cpu) vs \(level) forced here")
        }
        // On a CPU without AVX-512, --version marks v4 as needing features, and the list still
        // reads as three levels (what vggc check and bench --each-level parse).
        let version = try CLI.runBinary(Self.qemu!, ["-cpu", "Haswell", f.predictor, "--version"])
        let levels = Self.levels(version.stdout)
        #expect(levels.map(\.name) == ["x86-64-v4", "x86-64-v3", "x86-64"] && levels.map(\.runs) == [false, true, true],
                "\(version.stdout)")
        let forced = try CLI.runBinary(Self.qemu!, ["-cpu", "Haswell", f.predictor, "--raw", f.raw],
                                       environment: ["VGGC_LEVEL": "x86-64-v4"])
        #expect(forced.status == 69 && forced.stderr.contains("avx512f") && forced.stderr.contains("unset VGGC_LEVEL"),
                "\(forced.stderr)")
    }

    /// A single-level build on a CPU without that level: a clean exit 69 naming what is
    /// missing, never SIGILL; --help and --version still work.
    @Test(.enabled(if: qemu != nil, "qemu-x86_64 is not installed"))
    func aSingleLevelBuildRefusesAnOlderCPUCleanly() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let f = try Self.fixture(folder.url, extra: ["--target-cpu", "x86-64-v3"])
        let refused = try CLI.runBinary(Self.qemu!, ["-cpu", "Nehalem", f.predictor, "--raw", f.raw])
        #expect(refused.status == 69, "\(refused.stderr)")
        #expect(refused.stderr.contains("avx2") && refused.stderr.contains("fma"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--target-cpu portable"), "\(refused.stderr)")
        for flag in ["--help", "--version"] {
            let r = try CLI.runBinary(Self.qemu!, ["-cpu", "Nehalem", f.predictor, flag])
            #expect(r.status == 0, "\(flag): \(r.stderr)")
        }
        let haswell = try CLI.runBinary(Self.qemu!, ["-cpu", "Haswell", f.predictor, "--raw", f.raw, "--json"])
        #expect(haswell.status == 0 && haswell.stdout.contains("\"level\": \"x86-64-v3\""), "\(haswell.stderr)")
    }

    /// The builds issue 14 names: fp32 direct and Winograd, bf16, int8, and a model with odd
    /// channel counts (RGB input, 26, 51, 102, 205 channels; its last layers' 1.5 MB of weights
    /// outweigh their input, so their blocks loop outside the rows; taps unrolled), each a
    /// portable predictor.
    static let builds: [(name: String, compile: [String], width: String, channels: Int)] = [
        ("fp32 Winograd", ["--winograd", "on"], "0.0625", 1),
        ("fp32 direct, odd channels", ["--winograd", "off", "--unroll-taps"], "0.4", 3),
        ("bf16", ["--precision", "bf16"], "0.0625", 1),
        ("int8", ["--precision", "int8", "--calibrate", "CALIBRATION"], "0.0625", 1),
    ]

    /// Every build passes `vggc check` at every level this CPU runs (int8 bit for bit: the
    /// fallback kernels' integer sums are exact), and under emulated CPUs — Nehalem (the
    /// baseline and its fallback kernels), Haswell and Skylake-Server (AVX2; this qemu does not
    /// emulate AVX-512) — gives bit for bit what the same level gives here.
    @Test(arguments: builds.indices)
    func everyBuildRunsEverywhere(_ b: Int) throws {
        let build = Self.builds[b]
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let images = folder.url.appendingPathComponent("calibration")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for k in 0..<3 {
            let samples = randomInput(40 * 40, seed: UInt64(20 + k), range: 0...255).map { UInt8($0) }
            try writeGrayPNG(images.appendingPathComponent("x\(k).png").path, width: 40, height: 40, samples: samples)
        }
        let f = try Self.fixture(folder.url, extra: build.compile.map { $0 == "CALIBRATION" ? images.path : $0 },
                                 width: build.width, channels: build.channels)
        let check = try CLI.run(["check", f.model, f.predictor, "--random", "2"])
        #expect(check.status == 0, "\(build.name): \(check.stdout)\(check.stderr)")
        let levels = Self.levels(try CLI.runBinary(f.predictor, ["--version"]).stdout)
        for level in levels where level.runs {
            #expect(check.stdout.contains("level \(level.name): "), "\(build.name): \(check.stdout)")
        }
        if build.name == "int8" { #expect(check.stdout.contains("worst |Δ| / bound 0 "), "\(check.stdout)") }
        // The narrow tiles sum in the wide tiles' order, and int8 sums are exact: every level
        // gives the same bits (bf16's AVX512-BF16 kernel flushes subnormals, its fallback not).
        if build.name != "bf16" {
            let outputs = try levels.filter(\.runs).map {
                try CLI.runBinary(f.predictor, ["--raw", f.raw], environment: ["VGGC_LEVEL": $0.name]).stdout
            }
            #expect(Set(outputs).count == 1, "\(build.name): \(outputs)")
        }
        guard let qemu = Self.qemu else { return }
        for (cpu, level) in [("Nehalem", "x86-64"), ("Haswell", "x86-64-v3"), ("Skylake-Server", "x86-64-v3")] {
            guard levels.contains(where: { $0.name == level && $0.runs }) else { continue }
            let emulated = try CLI.runBinary(qemu, ["-cpu", cpu, f.predictor, "--raw", f.raw, "--json"])
            #expect(emulated.status == 0 && emulated.stdout.contains("\"level\": \"\(level)\""), "\(build.name), \(cpu): \(emulated.stderr)")
            let here = try CLI.runBinary(f.predictor, ["--raw", f.raw, "--json"], environment: ["VGGC_LEVEL": level])
            #expect(emulated.stdout == here.stdout, "\(build.name): \(cpu) vs \(level) forced here")
        }
    }
}
