import CImageCodecs
import CPredictorKernels
import Foundation
import Testing
import VGGTestSupport
import VGGCodegen
import VGGCore
import VGGFormat

/// The CLI as a user meets it: processes, standard output, exit codes.
@Suite("vggc command line", .serialized)
struct CLITests {
    /// A small model on disk plus a gray PNG and a broken "PNG" beside it.
    struct Fixture {
        let dir: URL
        var model: String { dir.appendingPathComponent("m.bin").path }
        var image: String { dir.appendingPathComponent("x.png").path }
        var broken: String { dir.appendingPathComponent("broken.png").path }

        init() throws {
            dir = try TemporaryFolder().url
            let created = try CLI.run(["create", "--arch", "vgg11", "--width", "0.125", "--input", "32x32x1",
                                       "--head", "small:8", "--seed", "3", "-o", model])
            #expect(created.status == 0, "\(created.stderr)")
            let samples = (0..<(40 * 36)).map { UInt16(($0 * 7) % 256) }
            var err = [CChar](repeating: 0, count: 256)
            let status = vggc_png_write(image, 40, 36, Int32(VGGC_COLOR_GRAY), 8, 0, samples, nil, 0, nil, 0, &err, 256)
            #expect(status == Int32(VGGC_OK))
            try Data("not a png at all".utf8).write(to: URL(fileURLWithPath: broken))
        }
    }

    @Test func createInspectPredict() throws {
        let f = try Fixture()
        let loaded = try ModelFile.read(path: f.model)

        let inspect = try CLI.run(["inspect", f.model])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("sha256:\(loaded.info.hash)"))
        #expect(inspect.stdout.contains("block1_conv1") && inspect.stdout.contains("3×3 s1 same, 1→8"))
        #expect(inspect.stdout.contains("NORMAL, PNEUMONIA"))

        let json = try CLI.run(["inspect", f.model, "--json", "--tensors"])
        #expect(json.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["sha256"] as? String == loaded.info.hash)
        #expect((report["layers"] as? [Any])?.count == loaded.model.layers.count)
        #expect((report["tensors"] as? [Any])?.count == loaded.model.tensors.count)
        #expect(report["totalMACs"] as? Int == (try ModelSummary(loaded.model)).totalMultiplyAccumulates)

        let predict = try CLI.run(["predict", f.model, f.image])
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.hasPrefix(f.image))
        #expect(predict.stdout.contains("NORMAL") && predict.stdout.contains("PNEUMONIA"))

        let pj = try CLI.run(["predict", f.model, f.image, "--json"])
        let pr = try #require(try JSONSerialization.jsonObject(with: Data(pj.stdout.utf8)) as? [String: Any])
        let rows = try #require(pr["results"] as? [[String: Any]])
        let probs = try #require(rows.first?["probabilities"] as? [[String: Any]])
        let sum = probs.compactMap { ($0["probability"] as? NSNumber)?.doubleValue }.reduce(0, +)
        #expect(abs(sum - 1) < 1e-5)
    }

    @Test func sameOptionsSameFile() throws {
        let f = try Fixture()
        let again = f.dir.appendingPathComponent("again.bin").path
        _ = try CLI.run(["create", "--arch", "vgg11", "--width", "0.125", "--input", "32x32x1",
                         "--head", "small:8", "--seed", "3", "-o", again])
        // Metadata records the command line, which names a different output file.
        var a = try ModelFile.read(path: f.model).model, b = try ModelFile.read(path: again).model
        a.metadata["created-by"] = nil
        b.metadata["created-by"] = nil
        #expect(a == b)
    }

    @Test func exitCodes() throws {
        let f = try Fixture()
        // 66: a named file does not exist
        let missing = try CLI.run(["inspect", f.dir.appendingPathComponent("nope.bin").path])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("nope.bin"))
        // 65: a file that is not a model
        let garbage = try CLI.run(["inspect", f.broken])
        #expect(garbage.status == 65)
        #expect(garbage.stderr.contains("vggc: error:"))
        // 64: usage
        #expect(try CLI.run(["inspect"]).status == 64)
        #expect(try CLI.run(["create", "--arch", "vgg12", "-o", "x.bin"]).status == 64)
        #expect(try CLI.run(["create", "--input", "16x16x1", "-o", "x.bin"]).status == 64)
        #expect(try CLI.run(["predict", f.model, f.image, "--threads", "0"]).status == 64)
        // One bad image: reported, the good one still predicted, exit 65.
        let mixed = try CLI.run(["predict", f.model, f.broken, f.image])
        #expect(mixed.status == 65)
        #expect(mixed.stdout.contains(f.image))
        #expect(mixed.stderr.contains("broken.png"))
        // A missing image: 66.
        #expect(try CLI.run(["predict", f.model, f.dir.appendingPathComponent("gone.png").path]).status == 66)
    }

    @Test func truncatedModelIsACleanError() throws {
        let f = try Fixture()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: f.model))
        let cut = f.dir.appendingPathComponent("cut.bin")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        let r = try CLI.run(["predict", cut.path, f.image])
        #expect(r.status == 65)
        #expect(r.stderr.contains("cut.bin"))
    }

    @Test func helpDocumentsExitCodes() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        for code in ["64", "65", "66"] { #expect(r.stdout.contains(code)) }
        #expect(try CLI.run(["--version"]).stdout.contains(ToolchainVersion.string))
        #expect(try CLI.run(["--version"]).stdout.contains(GeneratorIdentity.string))
    }
}

/// compile → predictor → check, as a user runs them.
@Suite("vggc compile and check", .serialized)
struct CompileCheckCLITests {
    @Test func compileRunCheck() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.bin").path, other = dir.appendingPathComponent("other.bin").path
        for (path, seed) in [(model, "1"), (other, "2")] {
            let r = try CLI.run(["create", "--arch", "vgg11", "--width", "0.0625", "--input", "32x32x1", "--head", "gap",
                                 "--seed", seed, "-o", path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let predictor = dir.appendingPathComponent("m-predictor").path
        let compiled = try CLI.run(["compile", model, "-o", predictor, "--source-dir", dir.appendingPathComponent("src").path, "--json"])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(compiled.stdout.utf8)) as? [String: Any])
        #expect((report["binaryBytes"] as? Int ?? 0) > 1_000_000)
        #expect((report["arenaBytes"] as? Int ?? 0) > 0)

        // The predictor names the model it was built from.
        let hash = try ModelFile.read(path: model).info.hash
        let version = try CLI.runBinary(predictor, ["--version"])
        #expect(version.stdout.contains("sha256:\(hash)"))

        // Agreement: exit 0.
        let check = try CLI.run(["check", model, predictor, "--random", "3"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("PASS"))

        // A predictor from another model is refused (65) unless explicitly allowed, and then
        // the comparison fails (2) and names the first step.
        let refused = try CLI.run(["check", other, predictor, "--random", "2"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("--allow-hash-mismatch"))
        let mismatch = try CLI.run(["check", other, predictor, "--random", "2", "--allow-hash-mismatch", "--json"])
        #expect(mismatch.status == 2)
        let m = try #require(try JSONSerialization.jsonObject(with: Data(mismatch.stdout.utf8)) as? [String: Any])
        #expect(m["passed"] as? Bool == false)

        // Missing predictor: 66.
        #expect(try CLI.run(["check", model, dir.appendingPathComponent("nope").path]).status == 66)
    }

    /// `--precision int8 --calibrate DIR` from the command line, on a folder of PNGs: the
    /// predictor lists its calibration in --version and check passes, int8 stages exactly —
    /// on any x86-64 CPU (a portable build has fallback kernels below AVX512-VNNI).
    @Test func int8CompileAndCheck() throws {
        let f = try CLITests.Fixture()
        let images = f.dir.appendingPathComponent("calibration/a")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for k in 0..<3 {
            let samples = (0..<(32 * 32)).map { UInt16(($0 * (k + 3)) % 256) }
            var err = [CChar](repeating: 0, count: 256)
            #expect(vggc_png_write(images.appendingPathComponent("\(k).png").path, 32, 32, Int32(VGGC_COLOR_GRAY), 8, 0, samples,
                                   nil, 0, nil, 0, &err, 256) == Int32(VGGC_OK))
        }
        let predictor = f.dir.appendingPathComponent("int8-predictor").path
        let compiled = try CLI.run(["compile", f.model, "--precision", "int8", "--calibrate", f.dir.appendingPathComponent("calibration").path,
                                    "-o", predictor, "--source-dir", f.dir.appendingPathComponent("src").path])
        #expect(compiled.status == 0 && compiled.stdout.contains("on 3 images"), "\(compiled.stdout)\(compiled.stderr)")
        let version = try CLI.runBinary(predictor, ["--version"]).stdout
        #expect(version.contains("precision int8") && version.contains("int8 input maximum block2_conv1 bits "), "\(version)")
        let check = try CLI.run(["check", f.model, predictor, "--random", "2", "--images", f.dir.appendingPathComponent("calibration").path])
        #expect(check.status == 0 && check.stdout.contains("PASS"), "\(check.stdout)\(check.stderr)")
        // vgg11 at this width: every conv after the first and both dense layers are int8.
        #expect(check.stdout.contains("precision int8: 9 int8 stages are checked bit for bit"), "\(check.stdout)")
    }

    /// `--precision bf16` from the command line: the predictor says so in --version, check
    /// detects it and verifies against the bf16 emulation, with Winograd steps too (their
    /// weights transformed at start-up from bfloat16); the compile report names the Winograd
    /// scratch of an fp32 build. Any x86-64 CPU (fallback kernels below AVX512-BF16).
    @Test func bf16CompileAndCheck() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.bin").path
        #expect(try CLI.run(["create", "--arch", "vgg11", "--width", "0.0625", "--input", "32x32x1", "--head", "gap", "--batch-norm",
                             "-o", model]).status == 0)
        let predictor = dir.appendingPathComponent("bf16-predictor").path
        let compiled = try CLI.run(["compile", model, "--precision", "bf16", "-o", predictor,
                                    "--source-dir", dir.appendingPathComponent("src").path])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        #expect(try CLI.runBinary(predictor, ["--version"]).stdout.contains("precision bf16"))
        let check = try CLI.run(["check", model, predictor, "--random", "3"])
        #expect(check.status == 0 && check.stdout.contains("precision bf16") && check.stdout.contains("PASS"), "\(check.stdout)\(check.stderr)")
        let hybrid = dir.appendingPathComponent("bf16-winograd").path
        let compiledHybrid = try CLI.run(["compile", model, "--precision", "bf16", "--winograd", "on", "-o", hybrid,
                                          "--source-dir", dir.appendingPathComponent("src-winograd").path])
        #expect(compiledHybrid.status == 0, "\(compiledHybrid.stderr)")
        let network = try String(contentsOf: dir.appendingPathComponent("src-winograd/Network.swift"), encoding: .utf8)
        #expect(network.contains("winogradWeights(") && network.contains("winograd4x4"), "the bf16 build has Winograd steps")
        let checkHybrid = try CLI.run(["check", model, hybrid, "--random", "3"])
        #expect(checkHybrid.status == 0 && checkHybrid.stdout.contains("PASS"), "\(checkHybrid.stdout)\(checkHybrid.stderr)")
        #expect(try CLI.run(["compile", model, "--precision", "int3", "-o", predictor]).status == 64)
        // int8 needs a calibration folder, and only int8 takes one.
        #expect(try CLI.run(["compile", model, "--precision", "int8", "-o", predictor]).status == 64)
        #expect(try CLI.run(["compile", model, "--calibrate", dir.path, "-o", predictor]).status == 64)
        #expect(try CLI.run(["compile", model, "--precision", "int8", "--calibrate", dir.appendingPathComponent("gone").path,
                             "-o", predictor]).status == 66)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let noImages = try CLI.run(["compile", model, "--precision", "int8", "--calibrate", empty.path, "-o", predictor])
        #expect(noImages.status == 65 && noImages.stderr.contains("no PNG or JPEG images"), "\(noImages.stderr)")
        let fp32 = try CLI.run(["compile", model, "--winograd", "on", "--source-only", "--source-dir", dir.appendingPathComponent("src32").path])
        #expect(fp32.status == 0 && fp32.stdout.contains("Winograd scratch"), "\(fp32.stdout)")
    }
}

/// Committed generated files are what the current generator produces.
@Suite("Generated files are up to date")
struct GeneratedUpToDateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Generated/pneumonia is the predictor source for the shipped model. Regenerate it with
    /// `Scripts/demo`, or `vggc compile Models/pneumonia.bin --name pneumonia
    /// --source-dir Generated/pneumonia --source-only`, whenever the generator changes.
    @Test func generatedSourceOfTheShippedModelMatchesGenerator() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Self.root.appendingPathComponent("Models/pneumonia.bin").path
        let out = dir.appendingPathComponent("pneumonia")
        let r = try CLI.run(["compile", model, "--name", "pneumonia", "--source-dir", out.path, "--source-only"])
        #expect(r.status == 0, "\(r.stderr)")
        let committed = Self.root.appendingPathComponent("Generated/pneumonia")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0 != "weights.bin" }.sorted()
        #expect(files.contains("Network.swift") && files.contains("PredictorMain.swift") && files.contains("build.sh"))
        let committedFiles = try FileManager.default.contentsOfDirectory(atPath: committed.path).filter { $0 != "weights.bin" }.sorted()
        #expect(files == committedFiles, "Generated/pneumonia has other files than the generator writes")
        for name in files {
            let fresh = try Data(contentsOf: out.appendingPathComponent(name))
            let old = try? Data(contentsOf: committed.appendingPathComponent(name))
            #expect(fresh == old, "Generated/pneumonia/\(name) is stale: run Scripts/demo (or vggc compile … --source-only) and commit")
        }
    }

    /// A fresh clone has Generated/pneumonia without its weights.bin (ignored by git): its
    /// build.sh says what to run instead of failing in the assembler.
    @Test func generatedFolderWithoutWeightsSaysWhatToRun() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("pneumonia")
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Generated/pneumonia"), to: copy)
        try? FileManager.default.removeItem(at: copy.appendingPathComponent("weights.bin"))
        let p = Process()
        p.executableURL = copy.appendingPathComponent("build.sh")
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 66)
        #expect(text.contains("weights.bin is missing") && text.contains("vggc compile <path to>/pneumonia.bin --name pneumonia"))
    }
}

/// The shared process runner reads both pipes at once: a child that writes a lot to standard
/// error before it writes standard output (a chatty compiler, a verbose failure) finishes.
@Test func processRunnerDrainsBothPipes() throws {
    let script = "head -c 1000000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o"
    let r = try CLI.runBinary("/bin/sh", ["-c", script])
    #expect(r.status == 0)
    #expect(r.stderr.count == 1_000_000 && r.stdout.count == 300_000)
}
