import CImageCodecs
import Foundation
import Testing
import VGGTestSupport
import VGGCore
@testable import VGGFormat
import VGGSystem
#if canImport(Glibc)
import Glibc
#endif

/// What a user can rely on (README, "Reliability"): outputs are never anything but a
/// complete new file or the old one, nothing waits forever, and a broken input is refused.
/// Each test here reproduces one way vggc used to lose data, hang or guess.
@Suite("vggc never destroys data", .serialized)
struct OutputSafetyCLITests {
    static let create = ["create", "--arch", "vgg11", "--width", "0.125", "--input", "32x32x1", "--head", "small:8"]

    @Test("create, train, export and import refuse a FIFO, a folder or a device as output, and leave it as it was")
    func nonRegularOutputs() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        #expect(mkfifo(f.path("pipe"), 0o644) == 0)
        #expect(mkdir(f.path("folder"), 0o755) == 0)
        let data = try TrainCLITests.makeDataset(trainPerClass: 4, testPerClass: 2)
        defer { try? FileManager.default.removeItem(at: data) }
        for target in [f.path("pipe"), f.path("folder"), "/dev/null"] {
            let runs: [[String]] = [
                Self.create + ["-o", target],
                ["train", data.path] + TrainCLITests.smallModel + ["--epochs", "1", "-o", target],
                ["export", f.model, "-o", target],
            ]
            for args in runs {
                let r = try CLI.run(args)
                #expect(r.status == 73, "\(args[0]) -o \(target): \(r.stderr)")
                #expect(r.stderr.contains("only a regular file is replaced"), "\(r.stderr)")
            }
        }
        _ = try CLI.run(["export", f.model, "-o", f.path("m.onnx")])
        #expect(try CLI.run(["import", f.path("m.onnx"), "-o", f.path("pipe")]).status == 73)
        // Nothing was replaced, and nothing was written beside them (no "/dev/null.history.csv").
        #expect(FileStatus.ofLink(f.path("pipe"))?.kind == .fifo && FileStatus.ofLink(f.path("folder"))?.kind == .directory)
        #expect(FileStatus.of("/dev/null")?.kind == .characterDevice)
        #expect(FileStatus.ofLink("/dev/null.history.csv") == nil && FileStatus.ofLink(f.path("pipe.history.png")) == nil)
        #expect(Set(try Directory.names(in: f.dir.path)) == ["broken.png", "folder", "m.bin", "m.onnx", "pipe", "x.png"])
    }

    @Test("an output that is one of the command's inputs is refused (exit 64) and the input survives")
    func outputIsInput() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        _ = try CLI.run(["export", f.model, "-o", f.path("m.onnx")])
        #expect(link(f.model, f.path("hard.bin")) == 0)
        #expect(symlink(f.path("m.onnx"), f.path("link.onnx")) == 0)
        let model = try f.digest("m.bin"), onnx = try f.digest("m.onnx")
        let runs: [[String]] = [
            ["compile", f.model, "-o", f.model],
            ["compile", f.model, "-o", f.path("hard.bin")],
            ["export", f.model, "-o", f.model],
            ["import", f.path("m.onnx"), "-o", f.path("m.onnx")],
            ["import", f.path("m.onnx"), "-o", f.path("link.onnx")],
        ]
        for args in runs {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args.joined(separator: " ")): \(r.stderr)")
            #expect(r.stderr.contains("writing it would destroy the input"), "\(r.stderr)")
        }
        #expect(try f.digest("m.bin") == model && f.digest("m.onnx") == onnx)
        // The generated source folder may not overwrite the model either (its weights.bin).
        try FileManager.default.copyItem(atPath: f.model, toPath: f.path("weights.bin"))
        let src = try CLI.run(["compile", f.path("weights.bin"), "--source-only", "--source-dir", f.dir.path])
        #expect(src.status == 64 && src.stderr.contains("weights.bin"), "\(src.stderr)")
        #expect(try f.digest("weights.bin") == model)
    }

    @Test("compile checks its output before building: a folder, a missing folder, an unknown CPU")
    func compileChecksFirst() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        let start = Date()
        let folder = try CLI.run(["compile", f.model, "-o", f.dir.path, "--source-dir", f.path("src")])
        #expect(folder.status == 73 && folder.stderr.contains("is a directory"), "\(folder.stderr)")
        let missing = try CLI.run(["compile", f.model, "-o", f.path("no/such/p"), "--source-dir", f.path("src")])
        #expect(missing.status == 73 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let cpu = try CLI.run(["compile", f.model, "--target-cpu", "pentium9000", "-o", f.path("p")])
        #expect(cpu.status == 64 && cpu.stderr.contains("not known to clang"), "\(cpu.stderr)")
        #expect(Date().timeIntervalSince(start) < 10, "refused only after a build")
        let export = try CLI.run(["export", f.model, "-o", f.path("gone/m.onnx")])
        #expect(export.status == 73 && export.stderr.contains("the folder") && !export.stderr.contains("NSCocoaErrorDomain"), "\(export.stderr)")
    }

    @Test("a writer killed at any moment leaves the old file or a complete new one; the next write removes its leftovers")
    func writerKilledAtRandom() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        // Large enough that writing takes a while (≈ 50 MB).
        let big = ["create", "--arch", "vgg16", "--width", "0.5", "--input", "64x64x1", "--head", "classic:1024"]
        let target = f.path("big.bin")
        let started = Date()
        let first = try CLI.run(big + ["--seed", "1", "-o", target])
        #expect(first.status == 0, "\(first.stderr)")
        // The write is the last part of the run: kill around the end of a run's duration.
        let duration = Date().timeIntervalSince(started)
        var current = try ModelFile.read(path: target).info.hash
        var rng = SystemRandomNumberGenerator()
        var outcomes = (kept: 0, replaced: 0)
        var temporaries = Set<String>()  // each one a run killed while writing
        for trial in 0..<12 {
            let running = try Subprocess(CLI.executable.path, big + ["--seed", "\(trial + 2)", "-o", target], timeout: 120).start()
            usleep(UInt32(duration * Double.random(in: 0.5...1.1, using: &rng) * 1e6))
            kill(running.pid, SIGKILL)
            _ = try running.wait()
            let now = try ModelFile.read(path: target)  // always a complete, valid model
            if now.info.hash == current { outcomes.kept += 1 } else { outcomes.replaced += 1 }
            current = now.info.hash
            temporaries.formUnion(try Directory.names(in: f.dir.path).filter { $0.contains(".vggc-tmp-") })
        }
        print("writer fuzz: 12 kills around \(String(format: "%.2f", duration)) s: \(outcomes.kept) kept the old model, "
              + "\(outcomes.replaced) found the new one complete, \(temporaries.count) killed mid-write")
        let leftovers = try Directory.names(in: f.dir.path).filter { $0.contains(".vggc-tmp-") }
        let last = try CLI.run(big + ["--seed", "99", "-o", target])
        #expect(last.status == 0)
        #expect(try Directory.names(in: f.dir.path).filter { $0.contains(".vggc-tmp-") }.isEmpty, "left: \(leftovers)")
    }

    @Test("Ctrl-C during compile stops the compiler, keeps the previous predictor and leaves no partial file")
    func compileInterrupted() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        let predictor = f.path("p")
        try Data("the previous predictor".utf8).write(to: URL(fileURLWithPath: predictor))
        let running = try Subprocess(CLI.executable.path, ["compile", f.model, "-o", predictor, "--source-dir", f.path("src")],
                                     timeout: 300).start()
        // Once the source is written the compiler starts; then press Ctrl-C (SIGINT to vggc's
        // process group, as a terminal does; the tools run in groups of their own).
        var written = false
        for _ in 0..<600 where !written {
            usleep(50_000)
            written = FileStatus.of(f.path("src/build.sh")) != nil
        }
        #expect(written)
        usleep(2_000_000)
        #expect(killpg(running.pid, SIGINT) == 0)
        let start = Date()
        let r = try running.wait()
        #expect(r.status == 130, "\(r.stderrText)")
        #expect(Date().timeIntervalSince(start) < 15)
        #expect(try String(contentsOfFile: predictor, encoding: .utf8) == "the previous predictor")
        #expect(try Directory.names(in: f.dir.path).filter { $0.contains("tmp") }.isEmpty)
        usleep(500_000)
        // No compiler left working in the source folder (other tests may be compiling elsewhere).
        let src = SystemPath.realPath(f.path("src")) ?? f.path("src")
        let left = (try Directory.names(in: "/proc")).compactMap(Int32.init).filter { pid in
            SystemPath.realPath("/proc/\(pid)/cwd") == src
        }
        #expect(left.isEmpty, "processes outlived vggc in \(src): \(left)")
    }
}

extension CLITests.Fixture {
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func digest(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }
    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// One small compiled predictor, shared by the tests that run it.
struct SharedPredictor {
    let dir: URL
    let model: String, binary: String, image: String
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static let built: Result<SharedPredictor, Error> = Result {
        let f = try CLITests.Fixture()
        let binary = f.path("p")
        let r = try CLI.run(["compile", f.model, "-o", binary, "--source-dir", f.path("src")])
        guard r.status == 0 else { throw CLIFailure(text: r.stderr) }
        return SharedPredictor(dir: f.dir, model: f.model, binary: binary, image: f.image)
    }

    struct CLIFailure: Error { let text: String }

    /// `count` raw input tensors (32×32×1 float32 LE), `value` everywhere.
    func rawFile(_ name: String, values: [Float]) throws -> String {
        var bytes = [UInt8]()
        for v in values { for _ in 0..<1024 { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } } }
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }
}

@Suite("a compiled predictor's inputs and outputs", .serialized)
struct PredictorReliabilityTests {
    @Test("--output-raw onto its own --raw input or an input image is refused, and the input survives")
    func outputOntoInput() throws {
        let p = try SharedPredictor.built.get()
        let raw = try p.rawFile("in.f32", values: [0.5])
        let before = try Data(contentsOf: URL(fileURLWithPath: raw)), image = try Data(contentsOf: URL(fileURLWithPath: p.image))
        let a = try CLI.runBinary(p.binary, ["--raw", raw, "--output-raw", raw])
        #expect(a.status == 64 && a.stderr.contains("writing it would destroy the input"), "\(a.stderr)")
        let b = try CLI.runBinary(p.binary, ["--output-raw", p.image, p.image])
        #expect(b.status == 64, "\(b.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: raw)) == before && Data(contentsOf: URL(fileURLWithPath: p.image)) == image)
        // A run that fails before writing leaves an existing output as it was.
        try Data("old".utf8).write(to: URL(fileURLWithPath: p.path("out.f32")))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: p.path("short.f32")))
        let c = try CLI.runBinary(p.binary, ["--raw", p.path("short.f32"), "--output-raw", p.path("out.f32")])
        #expect(c.status == 65)
        #expect(try String(contentsOfFile: p.path("out.f32"), encoding: .utf8) == "old")
    }

    @Test("results that cannot be written (a full disk) never exit 0; an image that is a FIFO is not found (66)")
    func lostOutput() throws {
        let p = try SharedPredictor.built.get()
        for command in ["\(p.binary) \(p.image)", "\(CLI.executable.path) predict \(p.model) \(p.image)"] {
            let r = try Subprocess("/bin/sh", ["-c", "exec \(command) > /dev/full"], timeout: 60).run()
            #expect(r.status == 74, "\(command): \(r.status) \(r.stderrText)")
        }
        let fifo = p.path("pipe.png")
        unlink(fifo)
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(try CLI.runBinary(p.binary, [fifo]).status == 66)
        #expect(try CLI.run(["predict", p.model, fifo]).status == 66)
        // A 250-byte output name still gets a temporary name of its own.
        let long = p.path(String(repeating: "r", count: 246) + ".f32")
        let raw = try p.rawFile("one.f32", values: [0.5])
        #expect(try CLI.runBinary(p.binary, ["--raw", raw, "--output-raw", long]).status == 0)
        #expect(FileStatus.of(long)?.size == 4 * 4)
    }

    @Test("--raw from a FIFO or a device is refused at once")
    func rawSpecialFiles() throws {
        let p = try SharedPredictor.built.get()
        let fifo = p.path("fifo.f32")
        unlink(fifo)
        #expect(mkfifo(fifo, 0o644) == 0)
        let start = Date()
        let a = try CLI.runBinary(p.binary, ["--raw", fifo])
        #expect(a.status == 66 && a.stderr.contains("FIFO"), "\(a.stderr)")
        let b = try CLI.runBinary(p.binary, ["--raw", "/dev/zero"])
        #expect(b.status == 66 && b.stderr.contains("character device"), "\(b.stderr)")
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test("NaN or infinite input values are refused per input; no label is printed for them")
    func nonFiniteInput() throws {
        let p = try SharedPredictor.built.get()
        let raw = try p.rawFile("mixed.f32", values: [0.5, .nan, .infinity])
        let r = try CLI.runBinary(p.binary, ["--raw", raw, "--output-raw", p.path("mixed.out")])
        #expect(r.status == 65, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("raw[0]"), "\(r.stdout)")
        #expect(!r.stdout.lowercased().contains("nan"))
        #expect(r.stderr.contains("raw[1] holds nan") && r.stderr.contains("raw[2] holds inf"), "\(r.stderr)")
        // Record i is still input i: the refused ones are NaN records.
        let out = try Data(contentsOf: URL(fileURLWithPath: p.path("mixed.out")))
        #expect(out.count == 3 * 4 * 4)
    }

    @Test("file names cannot forge output lines; names that are not UTF-8 still open")
    func hostileFileNames() throws {
        let p = try SharedPredictor.built.get()
        let forged = p.path("a\nx.png  PNEUMONIA  0.9999")
        try FileManager.default.copyItem(atPath: p.image, toPath: forged)
        let r = try CLI.runBinary(p.binary, [forged])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 1 && r.stdout.contains("a\\u{0a}x.png"), "\(r.stdout)")
        let e = try CLI.run(["predict", p.model, forged])
        #expect(e.status == 0 && e.stdout.split(separator: "\n").count == 1, "\(e.stdout)")
        // "\xff.png": passed as raw bytes (Subprocess turns the stand-in back into the byte).
        let latin = SystemPath.join(p.dir.path, SystemPath.string(fromBytes: [0xFF, 0x2E, 0x70, 0x6E, 0x67]))
        #expect(SystemPath.withCString(latin) { link(p.image, $0) } == 0)
        let predictor = try Subprocess(p.binary, [latin], timeout: 60).run()
        #expect(predictor.status == 0 && predictor.stdoutText.contains("\\xff.png"), "\(predictor.stderrText)")
        let engine = try Subprocess(CLI.executable.path, ["predict", p.model, latin], timeout: 60).run()
        #expect(engine.status == 0 && engine.stdoutText.contains("\\xff.png"), "\(engine.stderrText)")
        // --json stays valid JSON whatever the names hold (C1 controls, raw bytes).
        let c1 = p.path("b\u{85}c.png")
        try FileManager.default.copyItem(atPath: p.image, toPath: c1)
        for json in [try Subprocess(CLI.executable.path, ["predict", p.model, c1, latin, "--json"], timeout: 60).run(),
                     try Subprocess(p.binary, [c1, latin, "--json"], timeout: 60).run()] {
            #expect(json.status == 0, "\(json.stderrText)")
            let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any]
            let files = (parsed?["results"] as? [[String: Any]])?.compactMap { $0["file"] as? String } ?? []
            #expect(files.count == 2 && files[0].hasSuffix("b\u{85}c.png"), "\(json.stdoutText)")
            #expect(!json.stdout.contains(0x85) && !json.stdoutText.contains("\u{85}"), "raw C1 in \(json.stdoutText)")
        }
        // Found in a folder listing too.
        let listing = p.path("listing")
        try? FileManager.default.removeItem(atPath: listing)
        #expect(mkdir(listing, 0o755) == 0)
        #expect(SystemPath.withCString(SystemPath.join(listing, SystemPath.fileName(of: latin))) { link(p.image, $0) } == 0)
        let folder = try Subprocess(CLI.executable.path, ["predict", p.model, listing], timeout: 60).run()
        #expect(folder.status == 0 && folder.stdoutText.contains("\\xff.png"), "\(folder.stderrText)")
    }
}

@Suite("nothing waits forever", .serialized)
struct NoHangCLITests {
    @Test("a FIFO or a device as the model file is refused at once")
    func specialModelFiles() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        #expect(mkfifo(f.path("pipe.bin"), 0o644) == 0)
        let start = Date()
        for args in [["inspect", f.path("pipe.bin")], ["predict", f.path("pipe.bin"), f.image], ["inspect", "/dev/zero"],
                     ["compile", "/dev/zero", "-o", f.path("p")], ["import", f.path("pipe.bin"), "-o", f.path("x.bin")]] {
            let r = try CLI.run(args)
            #expect(r.status == 66, "\(args.joined(separator: " ")): \(r.stderr)")
            #expect(r.stderr.contains("not a regular file"), "\(r.stderr)")
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    /// A fake predictor: a shell script that answers --version for `hash` as `version` says,
    /// and behaves as `body` on any other run.
    static func fake(_ dir: URL, _ name: String, hash: String, version: String, body: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        let script = """
        #!/bin/sh
        if [ "$1" = "--version" ]; then
        \(version.replacingOccurrences(of: "HASH", with: hash))
        exit 0
        fi
        \(body)
        """
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, 0o755) == 0)
        return path
    }

    static let honestVersion = "echo \"fake — vggc 0.2.0 predictor for model m, sha256:HASH, target native, precision fp32\""

    /// Processes whose command line mentions `marker` (the fakes' children carry it).
    static func survivors(_ marker: String) -> [String] {
        ((try? Directory.names(in: "/proc")) ?? []).compactMap(Int32.init).compactMap { pid -> String? in
            guard let raw = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return nil }
            let text = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)).flatMap { s in
                s.lastIndex(of: ")").map { s[s.index($0, offsetBy: 2)] } } ?? "?"
            return text.contains(marker) && state != "Z" ? "\(pid): \(text)" : nil
        }
    }

    @Test("check and eval stop a hanging, flooding or orphaning predictor, with a clear error and no survivors")
    func hostilePredictors() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        let hash = try ModelFile.read(path: f.model).info.hash
        let marker = "vggc-hostile-\(getpid())"
        let behaviours: [(String, String, String)] = [  // name, --version, other runs
            ("silent", "exec sleep 1000 # \(marker)", "exit 0"),
            ("slow", Self.honestVersion, "exec sleep 1000 # \(marker)"),
            ("orphaning", Self.honestVersion + "\n(sleep 1000 # \(marker)\n) &", "(sleep 1000 # \(marker)\n) &\necho partial; exit 0"),
            ("flooding", Self.honestVersion, "yes 0123456789"),
            ("flooding-version", "yes sha256:HASH", "exit 0"),
            ("crashing", Self.honestVersion, "kill -SEGV $$"),
            ("garbage", Self.honestVersion, "head -c 100000 /dev/urandom; exit 0"),
        ]
        for (name, version, body) in behaviours {
            let fake = try Self.fake(f.dir, name, hash: hash, version: version, body: body)
            let start = Date()
            let r = try CLI.run(["check", f.model, fake, "--random", "1", "--timeout", "2"])
            let seconds = Date().timeIntervalSince(start)
            #expect(r.status == 65, "\(name): status \(r.status): \(r.stderr)")
            #expect(seconds < 20, "\(name) took \(seconds) s")
            #expect(!r.stderr.isEmpty && r.stderr.count < 10_000, "\(name): \(r.stderr.prefix(300))")
            if name == "silent" || name == "slow" { #expect(r.stderr.contains("did not finish within 2 s"), "\(r.stderr)") }
            if name.hasPrefix("flooding") { #expect(r.stderr.contains("wrote more than"), "\(r.stderr)") }
        }
        let slow = try Self.fake(f.dir, "slow-eval", hash: hash, version: Self.honestVersion, body: "exec sleep 1000 # \(marker)")
        let data = try TrainCLITests.makeDataset(trainPerClass: 2, testPerClass: 2)
        defer { try? FileManager.default.removeItem(at: data) }
        let eval = try CLI.run(["create", "--arch", "vgg11", "--width", "0.125", "--input", "32x32x1", "--head", "small:8",
                                "--labels", "left,right", "-o", f.path("lr.bin")])
        #expect(eval.status == 0)
        let lrHash = try ModelFile.read(path: f.path("lr.bin")).info.hash
        let slowLR = try Self.fake(f.dir, "slow-lr", hash: lrHash, version: Self.honestVersion, body: "exec sleep 1000 # \(marker)")
        _ = slow
        let e = try CLI.run(["eval", f.path("lr.bin"), data.path, "--predictor", slowLR, "--timeout", "2"])
        #expect(e.status == 65 && e.stderr.contains("did not finish within 2 s"), "\(e.stderr)")
        usleep(300_000)
        #expect(Self.survivors(marker).isEmpty, "left running: \(Self.survivors(marker))")
    }

    @Test("fuzz: random hostile behaviours, always a verdict in bounded time, never a survivor")
    func hostileFuzz() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        let hash = try ModelFile.read(path: f.model).info.hash
        let marker = "vggc-fuzz-\(getpid())"
        let versions = [Self.honestVersion, "echo no hash here", "exit 3", "exec sleep 1000 # \(marker)",
                        Self.honestVersion + "; (sleep 1000 # \(marker)\n) &", "yes sha256:HASH | head -c 3000000"]
        let bodies = ["exit 0", "exit 1", "exec sleep 1000 # \(marker)", "(sleep 1000 # \(marker)\n) & echo x",
                      "yes", "yes >&2", "kill -KILL $$", "head -c 5000 /dev/urandom", "echo; exit 0",
                      "for a in \"$@\"; do case $a in *.f32) : > \"$a\";; esac; done; exit 0"]
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<10 {
            let version = versions.randomElement(using: &rng)!, body = bodies.randomElement(using: &rng)!
            let fake = try Self.fake(f.dir, "fuzz\(trial)", hash: hash, version: version, body: body)
            let start = Date()
            let r = try CLI.run(["check", f.model, fake, "--random", "1", "--timeout", "2"])
            #expect([2, 65].contains(r.status), "version \(version) / body \(body): \(r.status) \(r.stderr.prefix(300))")
            #expect(Date().timeIntervalSince(start) < 20, "version \(version) / body \(body)")
        }
        usleep(300_000)
        #expect(Self.survivors(marker).isEmpty, "left running: \(Self.survivors(marker))")
    }
}

@Suite("vggc refuses what it would have to guess")
struct StrictCLITests {
    @Test("lenient option values are usage errors (64)")
    func lenientOptions() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("m.bin").path
        let data = try TrainCLITests.makeDataset(trainPerClass: 4, testPerClass: 2)
        defer { try? FileManager.default.removeItem(at: data) }
        let cases: [[String]] = [
            OutputSafetyCLITests.create + ["--head", "gap:3", "-o", out],
            OutputSafetyCLITests.create + ["--head", "small:8:2", "-o", out],
            OutputSafetyCLITests.create + ["--input", "32xx32x1", "-o", out],
            OutputSafetyCLITests.create + ["--labels", "NORMAL,PNEU\u{9B}MONIA", "-o", out],
            OutputSafetyCLITests.create + ["--labels", "NORMAL,DEL\u{7F}", "-o", out],
            ["bench", "--threads", "1,,2"],
            ["bench", "--suite", "small,"],
            ["train", data.path, "--momentum", "nan", "-o", out],
            ["train", data.path, "--adam", "0.9,x,0.999,1e-7", "-o", out],
            ["import", out, "-o", out + "2", "--mean", "1,,2", "--std", "1,1,1"],
        ]
        for args in cases {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args.joined(separator: " ")): \(r.status) \(r.stderr)")
        }
        #expect(try CLI.run(OutputSafetyCLITests.create + ["--labels", "left,right", "-o", out]).status == 0)
        let r = try CLI.run(["train", data.path, "--base", out, "--freeze-base", "--unfreeze-last", "99", "--epochs", "1",
                             "-o", dir.appendingPathComponent("t.bin").path])
        #expect(r.status == 64 && r.stderr.contains("--unfreeze-last is \"99\""), "\(r.stderr)")
        #expect(!r.stderr.contains("caching base features"))
    }

    @Test("a model whose output overflows gets no label: predict says so and exits 65")
    func nonFiniteOutput() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        var model = try Model.vgg(VGGConfiguration(depth: .vgg11, widthMultiplier: 0.125, input: InputSpec(height: 32, width: 32, channels: 1),
                                                   labels: ["NORMAL", "PNEUMONIA"], head: .small(hidden: 8, dropout: 0.5)), seed: 1)
        for (name, t) in model.tensors where name.hasSuffix(".weight") {
            model.tensors[name] = Tensor(shape: t.shape, data: t.data.map { $0 * 3e30 })
        }
        let path = dir.appendingPathComponent("huge.bin").path
        try ModelFile.write(model, to: path)
        let image = dir.appendingPathComponent("x.png").path
        var err = [CChar](repeating: 0, count: 256)
        let samples = (0..<(32 * 32)).map { UInt16($0 % 256) }
        #expect(vggc_png_write(image, 32, 32, Int32(VGGC_COLOR_GRAY), 8, 0, samples, nil, 0, nil, 0, &err, 256) == Int32(VGGC_OK))
        let r = try CLI.run(["predict", path, image])
        #expect(r.status == 65 && r.stdout.isEmpty && r.stderr.contains("not finite"), "\(r.stdout) \(r.stderr)")
    }
}

@Suite("memory is bounded by what the model needs", .serialized)
struct MemoryBoundCLITests {
    /// Exit status and peak resident memory (KiB) of a command. Measured by a small Python
    /// parent: Linux carries the spawning process's peak over into a child's ru_maxrss at
    /// exec, and the test process itself is large.
    static func peak(_ args: [String]) throws -> (status: Int32, kib: Int, stderr: String) {
        let script = "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
            + "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        let r = try Subprocess("/usr/bin/env", ["python3", "-c", script] + args, timeout: 300).run()
        let words = r.stdoutText.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
        return (Int32(words.first ?? -1), words.count > 1 ? words[1] : -1, r.stderrText)
    }

    @Test("a 900 MiB sparse file that starts with a PNG is not read whole; a big RGBA16 image costs its samples, not four Float copies")
    func boundedDecoding() throws {
        let f = try CLITests.Fixture()
        defer { f.remove() }
        // The fixture's PNG, then zeros up to 900 MiB (sparse: no disk used).
        let sparse = f.path("sparse.png")
        try FileManager.default.copyItem(atPath: f.image, toPath: sparse)
        #expect(truncate(sparse, 900 << 20) == 0)
        let r = try Self.peak([CLI.executable.path, "predict", f.model, sparse])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.kib > 0 && r.kib < 200 << 10, "predict used \(r.kib) KiB for a small image in a sparse file")

        // 4096 × 4096 RGBA, 16 bits: 128 MiB of samples; as four Float channels it was 256 MiB more.
        let (w, h) = (4096, 4096)
        let big = f.path("big.png")
        var samples = [UInt16](repeating: 0, count: w * h * 4)
        for i in stride(from: 0, to: samples.count, by: 4) { samples[i] = UInt16(i % 65_536); samples[i + 3] = 65_535 }
        var err = [CChar](repeating: 0, count: 256)
        #expect(vggc_png_write(big, UInt32(w), UInt32(h), Int32(VGGC_COLOR_RGBA), 16, 0, samples, nil, 0, nil, 0, &err, 256) == Int32(VGGC_OK))
        samples = []
        let b = try Self.peak([CLI.executable.path, "predict", f.model, big])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.kib > 0 && b.kib < 330 << 10, "predict used \(b.kib) KiB for a 16-megapixel RGBA16 image")
    }
}

@Suite("refused memory is an error, not a trap", .serialized)
struct MemoryRefusedCLITests {
    @Test("under an address-space limit, predict and a predictor exit 70 with a message")
    func refusedAllocations() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        // 2048 × 2048 × 3 in, 32 channels out: 48 + 512 MiB of activations per image.
        var model = Model(input: InputSpec(height: 2048, width: 2048, channels: 3), labels: ["NORMAL", "PNEUMONIA"], layers: [
            NamedLayer("conv", .conv2D(Conv2D(kernel: 1, inChannels: 3, outChannels: 32))),
            NamedLayer("gap", .globalAveragePool(GlobalAveragePool())),
            NamedLayer("fc", .dense(Dense(inFeatures: 32, outFeatures: 2))),
            NamedLayer("softmax", .softmax(Softmax())),
        ])
        model.initializeParameters(seed: 1)
        let path = dir.appendingPathComponent("wide.bin").path
        try ModelFile.write(model, to: path)
        let image = dir.appendingPathComponent("x.png").path
        var err = [CChar](repeating: 0, count: 256)
        let samples = (0..<(64 * 64)).map { UInt16($0 % 256) }
        #expect(vggc_png_write(image, 64, 64, Int32(VGGC_COLOR_GRAY), 8, 0, samples, nil, 0, nil, 0, &err, 256) == Int32(VGGC_OK))
        let binary = dir.appendingPathComponent("p").path
        let built = try CLI.run(["compile", path, "-o", binary, "--source-dir", dir.appendingPathComponent("src").path])
        #expect(built.status == 0, "\(built.stderr)")
        // Unlimited, both run; with 400 MB of address space the activations cannot fit.
        #expect(try CLI.run(["predict", path, image]).status == 0)
        #expect(try CLI.runBinary(binary, [image]).status == 0)
        for command in ["\(CLI.executable.path) predict \(path) \(image)", "\(binary) \(image)"] {
            let r = try Subprocess("/bin/sh", ["-c", "ulimit -v 400000; exec \(command)"], timeout: 120).run()
            #expect(r.status == 70, "\(command): \(r.status) \(r.stderrText)")
            #expect(r.stderrText.contains("cannot allocate") && !r.stderrText.contains("Fatal error"), "\(r.stderrText)")
        }
    }
}
