import Foundation
import Testing
import VGGTestSupport
import VGGCore
import VGGFormat

/// `vggc import` / `vggc export` as processes, and import → compile → predictor checked
/// against ONNX Runtime's recorded outputs.
@Suite("vggc import and export", .serialized)
struct ONNXCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VGGONNXTests/Fixtures")

    static func floats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static func write(_ values: [Float], _ url: URL) throws {
        var data = Data()
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url)
    }

    @Test func importCompileAndRunMatchesONNXRuntime() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("keras.bin").path
        let imported = try CLI.run(["import", Self.fixtures.appendingPathComponent("keras_style.onnx").path, "-o", model,
                                    "--labels", "NORMAL,PNEUMONIA", "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(imported.stdout.utf8)) as? [String: Any]
        #expect(summary?["inputLayout"] as? String == "NHWC" && summary?["opset"] as? Int == 13)
        #expect(try ModelFile.read(path: model).model.labels == ["NORMAL", "PNEUMONIA"])

        let predictor = dir.appendingPathComponent("keras-predictor").path
        let compiled = try CLI.run(["compile", model, "-o", predictor, "--source-dir", dir.appendingPathComponent("src").path])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        // keras_style takes NHWC input, so the fixture's inputs are already in our layout.
        let raw = dir.appendingPathComponent("out.f32")
        let run = try CLI.runBinary(predictor, ["--raw", Self.fixtures.appendingPathComponent("keras_style.inputs.f32").path,
                                                "--output-raw", raw.path])
        #expect(run.status == 0, "\(run.stderr)")
        let out = try Self.floats(raw), expected = try Self.floats(Self.fixtures.appendingPathComponent("keras_style.outputs.f32"))
        // Per input the predictor writes 2 logits then 2 probabilities; ONNX Runtime gave probabilities.
        #expect(out.count == 3 * 4 && expected.count == 3 * 2)
        for i in 0..<3 {
            for j in 0..<2 {
                let d = abs(out[i * 4 + 2 + j] - expected[i * 2 + j])
                #expect(d <= 1e-5, "case \(i) class \(j): predictor \(out[i * 4 + 2 + j]), ONNX Runtime \(expected[i * 2 + j])")
            }
        }
        // And check agrees the predictor is the model.
        let check = try CLI.run(["check", model, predictor, "--random", "4"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func exportWritesAGraphThatImportsBackWithReferences() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.bin").path
        #expect(try CLI.run(["create", "--arch", "vgg11", "--width", "0.125", "--input", "32x32x1", "--batch-norm",
                             "--head", "small:8", "--seed", "2", "-o", model]).status == 0)
        let onnx = dir.appendingPathComponent("m.onnx").path
        let exported = try CLI.run(["export", model, "-o", onnx, "--reference", "2"])
        #expect(exported.status == 0, "\(exported.stderr)")
        for suffix in [".reference.inputs.f32", ".reference.outputs.f32", ".reference.json"] {
            #expect(FileManager.default.fileExists(atPath: onnx + suffix))
        }
        #expect(try Self.floats(URL(fileURLWithPath: onnx + ".reference.outputs.f32")).count == 4)
        let back = dir.appendingPathComponent("back.bin").path
        let imported = try CLI.run(["import", onnx, "-o", back])
        #expect(imported.status == 0, "\(imported.stderr)")
        let a = try ModelFile.read(path: model).model, b = try ModelFile.read(path: back).model
        #expect(a.labels == b.labels && a.input == b.input)
        #expect(a.tensors.filter { !$0.key.contains("dropout") } == b.tensors.filter { !$0.key.contains("dropout") })
    }

    @Test func importErrorsAreClear() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.bin").path
        let unsupported = try CLI.run(["import", Self.fixtures.appendingPathComponent("unsupported.onnx").path, "-o", out])
        #expect(unsupported.status == 65)
        for fragment in ["3 nodes vggc cannot import", "LeakyRelu \"leaky\"", "Conv \"grouped\": group 2", "Concat \"cat\""] {
            #expect(unsupported.stderr.contains(fragment), "\(unsupported.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is imported partially")
        let missing = try CLI.run(["import", dir.appendingPathComponent("none.onnx").path, "-o", out])
        #expect(missing.status == 66)
        try Data("not protobuf at all".utf8).write(to: dir.appendingPathComponent("bad.onnx"))
        let bad = try CLI.run(["import", dir.appendingPathComponent("bad.onnx").path, "-o", out])
        #expect(bad.status == 65 && bad.stderr.contains("not an ONNX model"))
        let usage = try CLI.run(["import", Self.fixtures.appendingPathComponent("torch_style.onnx").path, "-o", out, "--mean", "0.5"])
        #expect(usage.status == 64)
    }
}

@Suite("vggc bench")
struct BenchCLITests {
    /// Several targets: each gets its rows, then all are timed again in turn, round after
    /// round, and compared — the figure a few percent's difference can be read from.
    @Test func severalTargetsAreTimedInTurn() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = folder.url.appendingPathComponent("tiny.bin").path
        #expect(try CLI.run(["create", "--arch", "vgg11", "--width", "0.0625", "--input", "32x32x1", "--head", "gap",
                             "-o", model]).status == 0)
        let work = folder.url.appendingPathComponent("work").path
        let base = ["bench", model, "--suite", "none", "--threads", "1", "--runs", "3", "--python", "none",
                    "--winograd", "off", "--target-cpu", "portable,x86-64-v3", "--work-dir", work]
        let text = try CLI.run(base)
        #expect(text.status == 0, "\(text.stderr)")
        let line = text.stdout.split(separator: "\n")
            .first { $0.contains("tiny, winograd off, 1 thread, 10 rounds × 3 runs") }
        #expect(line?.contains("portable ") == true && line?.contains("x86-64-v3 ") == true
                && line?.contains("× portable)") == true, "\(text.stdout)")
        let json = try CLI.run(base + ["--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.map { $0["target"] as? String } == ["portable", "x86-64-v3"])
        #expect(rows.allSatisfy { (($0["interleavedMedianMs"] as? Double) ?? 0) > 0 }, "\(rows)")
    }

    @Test func benchTimesPredictorAndEngineOnAGivenModel() throws {
        let dir = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("tiny.bin").path
        #expect(try CLI.run(["create", "--arch", "vgg11", "--width", "0.0625", "--input", "32x32x1", "--head", "gap", "-o", model]).status == 0)
        // A "Python" that never answers: bench stops it at --timeout and goes on without that column.
        let silent = dir.appendingPathComponent("python").path
        try Data("#!/bin/sh\nexec sleep 1000\n".utf8).write(to: URL(fileURLWithPath: silent))
        #expect(chmod(silent, 0o755) == 0)
        let r = try CLI.run(["bench", model, "--suite", "none", "--threads", "1", "--runs", "3", "--python", silent, "--timeout", "2",
                             "--work-dir", dir.appendingPathComponent("work").path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("ONNX Runtime run failed") && r.stderr.contains("did not finish within 2 s"), "\(r.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        // One row per Winograd policy (default off,auto), side by side.
        #expect(rows?.count == 2)
        #expect(rows?.map { $0["winograd"] as? String } == ["off", "auto"])
        let row = rows?.first ?? [:]
        #expect(row["model"] as? String == "tiny" && row["threads"] as? Int == 1)
        // The default build is portable; the level it ran is named.
        let level = row["level"] as? String ?? ""
        #expect(row["target"] as? String == "portable" && level.hasPrefix("x86-64"), "\(row)")
        for key in ["predictorMedianMs", "engineMedianMs", "startupMs", "compileSeconds"] {
            #expect(((row[key] as? Double) ?? 0) > 0, "\(key)")
        }
        #expect(row["ortMedianMs"] == nil, "no ONNX Runtime column without a working Python")
        let share = row["headShare"] as? Double
        #expect(share != nil && share! >= 0 && share! <= 100, "the dense head's share from the predictor's --profile")
        // --profile itself: one line per step, then the total with the head's share.
        let predictor = dir.appendingPathComponent("work/tiny_auto-predictor").path
        let input = dir.appendingPathComponent("work/startup-input.f32").path
        let profiled = try CLI.runBinary(predictor, ["--raw", input, "--profile", "3"])
        #expect(profiled.status == 0)
        let lines = profiled.stderr.split(separator: "\n")
        #expect(lines.contains { $0.contains("  0  conv  ") } && lines.last?.contains("dense head") == true, "\(profiled.stderr)")
        #expect(lines.contains { $0.contains("conv (winograd)") }, "the 16-channel 3×3 layers run as Winograd under auto")
        #expect(try CLI.runBinary(predictor, ["--raw", input, "--profile", "0"]).status == 64)
        #expect(try CLI.run(["bench", "--suite", "none"]).status == 64)
        #expect(try CLI.run(["bench", "--suite", "huge"]).status == 64)
        #expect(try CLI.run(["bench", model, "--suite", "none", "--winograd", "off,sometimes"]).status == 64)
        #expect(try CLI.run(["bench", model, "--suite", "none", "--winograd", "off,off"]).status == 64)
        #expect(try CLI.run(["bench", model, "--suite", "none", "--precision", "fp32,int4"]).status == 64)
        #expect(try CLI.run(["bench", model, "--suite", "none", "--target-cpu", "portable,portable"]).status == 64)
        #expect(try CLI.run(["bench", model, "--suite", "none", "--target-cpu", "portable,pentium9000"]).status == 64)
    }
}
