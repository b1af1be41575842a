// Copied from Sources/VGGCodegen/Runtime/PredictorOutputs.swift by vggc compile. Do not edit this copy: edit the original.
// PredictorOutputs.swift — part of the predictor runtime (embedded by Plugins/EmbedRuntime):
// what the predictor writes besides its answers — per-step profiles (--profile) and
// per-step tensors for `vggc check` (--dump-layers).
#if canImport(Glibc)
import Glibc
#endif

extension Predictor {
    /// --profile: per-step medians over `runs` runs (the steps' end times, told by `mark`).
    static func profile(_ name: String, _ tensor: [Float], runs: Int, threads: Int) {
        let n = Network.steps.count
        var samples = [[Double]](repeating: [], count: n)
        for _ in 0..<runs {
            var last = now()
            _ = tensor.withUnsafeBufferPointer {
                level.run($0.baseAddress!, threads, nil) { k in
                    let t = now()
                    samples[k].append(t - last)
                    last = t
                }
            }
        }
        let medians = samples.map { s -> Double in let v = s.sorted(); return v[v.count / 2] }
        let total = medians.reduce(0, +)
        printError("\(program): profile \(name): \(runs) runs, \(threads) thread(s), median per step")
        for k in 0..<n {
            let kind = StepAlgorithm(rawValue: Network.stepAlgorithms[k])?.profileName(kind: Network.stepKinds[k]) ?? Network.stepKinds[k]
            printError("  \(k)  \(kind)  \(ms(medians[k])) ms  \(format("%.1f", 100 * medians[k] / total)) %  \(Network.steps[k])")
        }
        let head = (0..<n).filter { Network.stepKinds[$0] == "dense" }.map { medians[$0] }.reduce(0, +)
        printError("  total \(ms(total)) ms; dense head \(ms(head)) ms = \(format("%.1f", 100 * head / total)) %")
    }
    /// Appends float32 little-endian values; false on a write error.
    static func writeFloats(_ values: [Float], _ file: UnsafeMutablePointer<FILE>) -> Bool {
        let bits = values.map { $0.bitPattern.littleEndian }
        return fwrite(bits, 4, bits.count, file) == bits.count
    }

    /// --dump-layers: writes step `index` to `DIR/NN_<name>.f32` and appends it to steps.txt.
    static func dumpStep(_ index: Int, _ values: [Float], dir: String) {
        let raw = index < Network.steps.count ? Network.steps[index] : "step"
        // File-safe name (also used in steps.txt so the file name can be rebuilt from it); layer
        // names are letters, digits, "_" and "-", and "+" joins the layers of a fused step.
        let name = String(raw.unicodeScalars.map { u -> Character in
            let ok = (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9") || "._-+".unicodeScalars.contains(u)
            return ok ? Character(u) : "_"
        })
        let path = SystemPath.join(dir, "\(index < 10 ? "0" : "")\(index)_\(name).f32")
        let f = openForWriting(path, append: false)
        guard writeFloats(values, f), fclose(f) == 0 else { fail("cannot write \(Display.text(path)): \(errnoText())", PredictorExit.cantCreate) }
        let listPath = SystemPath.join(dir, "steps.txt"), list = openForWriting(listPath, append: true)
        guard fputs("\(index) \(name) \(values.count) \(index < Network.steps.count ? Network.stepAlgorithms[index] : "-")\n", list) >= 0,
              fclose(list) == 0 else {
            fail("cannot write \(Display.text(listPath)): \(errnoText())", PredictorExit.cantCreate)
        }
    }

    /// A dump file, created or truncated (or appended to), if it is absent or a regular file:
    /// a FIFO or device there could block for ever or swallow the data. Exits 73 otherwise.
    static func openForWriting(_ path: String, append: Bool) -> UnsafeMutablePointer<FILE> {
        let flags = O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (append ? O_APPEND : 0)
        let fd = SystemPath.withCString(path) { open($0, flags, 0o644) }
        guard fd >= 0 else { fail("cannot create \(Display.text(path)): \(errnoText())", PredictorExit.cantCreate) }
        guard let status = FileStatus.of(descriptor: fd), status.kind == .regular else {
            close(fd)
            fail("cannot create \(Display.text(path)): it exists and is not a regular file", PredictorExit.cantCreate)
        }
        if !append { _ = ftruncate(fd, 0) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        guard let file = fdopen(fd, append ? "a" : "w") else {
            close(fd)
            fail("cannot create \(Display.text(path)): \(errnoText())", PredictorExit.cantCreate)
        }
        return file
    }

    /// `mkdir -p` (`Directory.create`); exit 73 if it cannot be made.
    static func makeDirectories(_ dir: String) {
        do { try Directory.create(dir) } catch { fail("\(error)", PredictorExit.cantCreate) }
    }
}
