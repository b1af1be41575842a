import CImageCodecs
import Foundation
import Testing
import VGGTestSupport
import VGGCore
import VGGFormat

/// `vggc train` and `vggc eval` as processes, on small synthetic PNG folders.
@Suite("vggc train and eval", .serialized)
struct TrainCLITests {
    /// DIR/{train,test}/{left,right}/*.png: a bright block on the left or right of noise.
    static func makeDataset(trainPerClass: Int = 24, testPerClass: Int = 8) throws -> URL {
        let root = try TemporaryFolder().url
        var state: UInt64 = 12345
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for (split, count) in [("train", trainPerClass), ("test", testPerClass)] {
            for (label, side) in [("left", 0), ("right", 1)] {
                let dir = root.appendingPathComponent("\(split)/\(label)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for i in 0..<count {
                    var samples = (0..<(40 * 40)).map { _ in UInt16(next() % 60) }
                    let x0 = side == 0 ? 3 + next() % 8 : 24 + next() % 8, y0 = 4 + next() % 24
                    for y in y0..<(y0 + 9) { for x in x0..<(x0 + 8) { samples[y * 40 + x] = UInt16(200 + next() % 55) } }
                    var err = [CChar](repeating: 0, count: 256)
                    let path = dir.appendingPathComponent("\(i).png").path
                    #expect(vggc_png_write(path, 40, 40, Int32(VGGC_COLOR_GRAY), 8, 0, samples, nil, 0, nil, 0, &err, 256) == Int32(VGGC_OK))
                }
            }
        }
        return root
    }

    static let smallModel = ["--arch", "vgg11", "--width", "0.0625", "--input", "32x32x1", "--batch-norm", "--head", "gap",
                             "--lr", "3e-3", "--batch-size", "16", "--seed", "3"]

    @Test func trainWritesModelHistoryAndChartThenEvalAgrees() throws {
        let data = try Self.makeDataset()
        let out = data.appendingPathComponent("m.bin").path
        let train = try CLI.run(["train", data.path] + Self.smallModel
                                + ["--epochs", "12", "--stop-at-accuracy", "0.9", "--monitor", "validation", "--validation-split", "0.25",
                                   "--json", "-o", out])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("class balance (train): left 24 (50.0 %), right 24 (50.0 %)"))
        #expect(train.stderr.contains("epoch 1/12: train loss"))
        let summary = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any]
        let history = summary?["history"] as? [[String: Any]]
        #expect((history?.count ?? 0) >= 1)
        for suffix in [".history.csv", ".history.png"] {
            #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("m\(suffix)").path))
        }
        let csv = try String(contentsOfFile: data.appendingPathComponent("m.history.csv").path, encoding: .utf8)
        #expect(csv.split(separator: "\n").count == (history?.count ?? 0) + 1)

        let model = try ModelFile.read(path: out).model
        #expect(model.labels == ["left", "right"])
        #expect(model.metadata["trained-by"]?.hasPrefix("vggc train ") == true)
        #expect(model.metadata["test-metrics"]?.contains("accuracy") == true)
        #expect(model.metadata["seed"] == "3")

        // eval on the test folder reproduces the accuracy train reported for test.
        let eval = try CLI.run(["eval", out, data.path, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        let evaluation = report?["evaluation"] as? [String: Any]
        let trainTest = summary?["test"] as? [String: Any]
        let a = (evaluation?["confusion"] as? [String: Any])?["counts"] as? [[Int]]
        let b = (trainTest?["confusion"] as? [String: Any])?["counts"] as? [[Int]]
        #expect(a != nil && a == b)
        #expect((evaluation?["binary"] as? [String: Any])?["rocAUC"] != nil)

        let text = try CLI.run(["eval", out, data.appendingPathComponent("test").path, "--threshold", "0.2"])
        #expect(text.status == 0 && text.stdout.contains("ROC AUC") && text.stdout.contains("threshold 0.2"))

        // The compiled predictor, decoding the images itself, gives the same confusion matrix.
        let binary = data.appendingPathComponent("m-predictor").path
        let compiled = try CLI.run(["compile", out, "-o", binary, "--source-dir", data.appendingPathComponent("gen").path])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let viaPredictor = try CLI.run(["eval", out, data.path, "--predictor", binary, "--json"])
        #expect(viaPredictor.status == 0, "\(viaPredictor.stderr)")
        let p = try JSONSerialization.jsonObject(with: Data(viaPredictor.stdout.utf8)) as? [String: Any]
        let c = ((p?["evaluation"] as? [String: Any])?["confusion"] as? [String: Any])?["counts"] as? [[Int]]
        #expect(c != nil && c == a)
        #expect(p?["runner"] as? String == binary)
        // check --labelled: the predictor's metrics next to the engine's, and their change.
        let labelled = try CLI.run(["check", out, binary, "--random", "1", "--labelled", data.path, "--json"])
        #expect(labelled.status == 0, "\(labelled.stderr)")
        let l = (try JSONSerialization.jsonObject(with: Data(labelled.stdout.utf8)) as? [String: Any])?["labelled"] as? [String: Any]
        #expect(l?["images"] as? Int == 16)
        #expect(l?["top1Agreement"] as? Int == 16)
        let lc = ((l?["predictor"] as? [String: Any])?["confusion"] as? [String: Any])?["counts"] as? [[Int]]
        let le = ((l?["engine"] as? [String: Any])?["confusion"] as? [String: Any])?["counts"] as? [[Int]]
        #expect(lc == a && le == a)
        let labelledText = try CLI.run(["check", out, binary, "--random", "1", "--labelled", data.path])
        #expect(labelledText.status == 0 && labelledText.stdout.contains("top-1 agreement") && labelledText.stdout.contains("recall"))
        #expect(try CLI.run(["check", out, binary, "--random", "1", "--labelled", data.appendingPathComponent("none").path]).status == 66)
        // A predictor built from another model is refused.
        let other = data.appendingPathComponent("other.bin").path
        #expect(try CLI.run(["create", "--arch", "vgg11", "--width", "0.0625", "--input", "32x32x1", "--head", "gap",
                             "--labels", "left,right", "-o", other]).status == 0)
        let refused = try CLI.run(["eval", other, data.path, "--predictor", binary])
        #expect(refused.status == 65 && (refused.stderr.contains("sha256") || refused.stderr.contains("hash")), "\(refused.stderr)")
    }

    @Test func sameSeedSameModelHash() throws {
        let data = try Self.makeDataset(trainPerClass: 8, testPerClass: 2)
        var hashes: [String] = []
        // Also across thread counts: every kernel sums in a fixed order, whoever computes it.
        for (name, threads) in [("a.bin", "1"), ("b.bin", "2")] {
            let out = data.appendingPathComponent(name).path
            let r = try CLI.run(["train", data.path] + Self.smallModel + ["--epochs", "2", "--quiet", "--threads", threads, "-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            hashes.append(try ModelFile.read(path: out).info.hash)
        }
        #expect(hashes[0] == hashes[1])
    }

    @Test func transferLearningWithAFrozenBase() throws {
        let data = try Self.makeDataset(trainPerClass: 12, testPerClass: 4)
        let base = data.appendingPathComponent("base.bin").path
        let created = try CLI.run(["create", "--arch", "vgg11", "--width", "0.0625", "--input", "32x32x1", "--batch-norm",
                                   "--head", "small:8", "--seed", "1", "-o", base])
        #expect(created.status == 0)
        let out = data.appendingPathComponent("tuned.bin").path
        let r = try CLI.run(["train", data.path, "--base", base, "--freeze-base", "--unfreeze-last", "1", "--fine-tune-epochs", "1",
                             "--head", "small:16", "--epochs", "2", "--batch-size", "8", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("cached base features of"))
        #expect(r.stderr.contains("fine-tuning the last 1 conv layers"))
        let tuned = try ModelFile.read(path: out).model, original = try ModelFile.read(path: base).model
        #expect(tuned.tensors["block1_conv1.weight"] == original.tensors["block1_conv1.weight"], "frozen layers keep their weights")
        #expect(tuned.tensors["block5_conv2.weight"] != original.tensors["block5_conv2.weight"], "the unfrozen conv moved")
        #expect(tuned.layers.last?.name == "head_softmax")
    }

    @Test func badDataFoldersGiveClearErrors() throws {
        let root = try TemporaryFolder().url
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("m.bin").path
        func train(_ dir: URL) throws -> CLI.Result {
            try CLI.run(["train", dir.path] + Self.smallModel + ["--epochs", "1", "-o", out])
        }
        let missing = try train(root.appendingPathComponent("nowhere"))
        #expect(missing.status == 66 && missing.stderr.contains("does not exist"))

        let fm = FileManager.default
        let one = root.appendingPathComponent("one")
        try fm.createDirectory(at: one.appendingPathComponent("train/only"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: one.appendingPathComponent("train/only/a.png"))
        let single = try train(one)
        #expect(single.status == 65 && single.stderr.contains("only one class"))

        let empty = root.appendingPathComponent("empty")
        try fm.createDirectory(at: empty.appendingPathComponent("train/a"), withIntermediateDirectories: true)
        try fm.createDirectory(at: empty.appendingPathComponent("train/b"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: empty.appendingPathComponent("train/a/1.png"))
        let emptyClass = try train(empty)
        #expect(emptyClass.status == 65 && emptyClass.stderr.contains("train/b has no"))

        let data = try Self.makeDataset(trainPerClass: 3, testPerClass: 1)
        let broken = data.appendingPathComponent("train/left/broken.png")
        try Data("not a png".utf8).write(to: broken)
        let unreadable = try train(data)
        #expect(unreadable.status == 65 && unreadable.stderr.contains("broken.png"))
        #expect(!fm.fileExists(atPath: out), "no model is written when training cannot start")

        let usage = try CLI.run(["train", data.path, "--lr", "-1", "-o", out])
        #expect(usage.status == 64)
        let tooHigh = try CLI.run(["train", data.path, "--lr", "20", "-o", out])
        #expect(tooHigh.status == 64 && tooHigh.stderr.contains("--lr is \"20.0\", expected 0 < lr < 10"),
                "\(tooHigh.stderr)")
        // The library names the setting; the CLI names the flag that sets it.
        let epochs = try CLI.run(["train", data.path, "--epochs", "0", "-o", out])
        #expect(epochs.status == 64 && epochs.stderr.contains("--epochs is \"0\", expected 1...100000"),
                "\(epochs.stderr)")
        let noBase = try CLI.run(["train", data.path, "--freeze-base", "-o", out])
        #expect(noBase.status == 64 && noBase.stderr.contains("--freeze-base needs --base"))
        let twice = try CLI.run(["train", data.path, "--class-weight", "--oversample", "-o", out])
        #expect(twice.status == 64 && twice.stderr.contains("choose one"))
        let plateau = try CLI.run(["train", data.path, "--lr-schedule", "plateau:2:0.5", "--validation-split", "0", "-o", out])
        #expect(plateau.status == 64 && plateau.stderr.contains("validation loss"))
    }

    @Test func evalRejectsFoldersWhoseClassesAreNotTheModelsLabels() throws {
        let data = try Self.makeDataset(trainPerClass: 2, testPerClass: 2)
        let model = data.appendingPathComponent("m.bin").path
        #expect(try CLI.run(["create", "--arch", "vgg11", "--width", "0.0625", "--input", "32x32x1", "--head", "gap", "-o", model]).status == 0)
        let r = try CLI.run(["eval", model, data.path])
        #expect(r.status == 65 && r.stderr.contains("NORMAL") && r.stderr.contains("left"))
    }
}
