// PredictionRun.swift — one run of a standalone predictor over its inputs (images or raw
// tensors): a result per input, in order, then the JSON document and the --output-raw file.
//
// Embedded by Plugins/EmbedRuntime and compiled into the predictor's one module, like
// PredictorMain.swift. Glibc only.
#if canImport(Glibc)
import Glibc
#endif

extension Predictor {
    struct PredictionRun {
        let o: PredictorOptions
        /// The worst exit code so far (0: every input classified).
        var status: Int32 = 0
        /// JSON result objects, one per input.
        var rows: [String] = []
        /// --output-raw: checked before any work (its folder exists, it is not a device or an
        /// input), collected in memory and written atomically at the end.
        var rawOut: OutputFile?
        /// Logits then probabilities per input; all NaN for a failed input, so record i is input i.
        var records: [Float] = []

        init(_ options: PredictorOptions) {
            o = options
            guard let path = o.outputRaw else { return }
            do {
                rawOut = try OutputFile(path, inputs: o.raw.map { [$0] } ?? o.images)
            } catch let e as FileError {
                if case .outputIsInput = e.problem { fail(e.description, PredictorExit.usage) }
                fail(e.description, PredictorExit.cantCreate)
            } catch {
                fail("\(error)", PredictorExit.cantCreate)
            }
        }

        mutating func failed(_ name: String, _ message: String, _ code: Int32) {
            printError("\(program): error: \(message)")
            rows.append("{\"file\": \(jsonString(Display.bytesEscaped(name))), \"error\": \(jsonString(message))}")
            status = max(status, code)
            records += [Float](repeating: .nan, count: Network.logitCount + Network.labels.count)
        }

        /// Runs the network on one input tensor and records its result.
        mutating func handle(_ name: String, _ tensor: [Float], preprocessMs: Double) {
            if let k = tensor.firstIndex(where: { !$0.isFinite }) {
                let message = "\(Display.text(name)) holds \(tensor[k]) at element \(k); input values must be finite"
                return failed(name, message, PredictorExit.dataError)
            }
            let start = now()
            let r = run(tensor)
            if o.time {
                printError("\(program): time \(name): preprocess \(ms(preprocessMs)) ms, run \(ms(now() - start)) ms")
            }
            if o.profileRuns > 0 { profile(name, tensor, runs: o.profileRuns, threads: o.threads) }
            guard r.probabilities.allSatisfy(\.isFinite) else {
                // Never a label for a NaN: finite inputs that overflow float32 inside the network.
                let message = "the network's output for \(Display.text(name)) is not finite (a value left the "
                    + "float32 range inside the network); no label is given"
                return failed(name, message, PredictorExit.dataError)
            }
            records += r.logits + r.probabilities
            report(name, r.probabilities)
        }

        /// The network on one tensor, dumping every step with --dump-layers.
        private func run(_ tensor: [Float]) -> (logits: [Float], probabilities: [Float]) {
            if let dir = o.dumpDir {  // the folder and an empty steps.txt exist before the run
                makeDirectories(dir)
                let steps = SystemPath.join(dir, "steps.txt")
                guard fclose(openForWriting(steps, append: false)) == 0 else {
                    fail("cannot create \(Display.text(steps)): \(errnoText())", PredictorExit.cantCreate)
                }
            }
            let dump = o.dumpDir.map { dir in { (i: Int, v: [Float]) in dumpStep(i, v, dir: dir) } }
            let r = tensor.withUnsafeBufferPointer { level.run($0.baseAddress!, o.threads, dump, nil) }
            return (r.logits, r.probabilities)
        }

        /// One line of text, or one JSON row.
        private mutating func report(_ name: String, _ p: [Float]) {
            let labels = Network.labels
            let best = p.indices.max { p[$0] < p[$1] }!  // first maximum, like `vggc predict`
            if o.json {
                let list = zip(labels, p).map { "{\"label\": \(jsonString($0)), \"probability\": \(jsonNumber($1))}" }
                rows.append("{\"file\": \(jsonString(Display.bytesEscaped(name))), "
                    + "\"label\": \(jsonString(labels[best])), \"probabilities\": [\(list.joined(separator: ", "))]}")
            } else {
                let detail = zip(labels, p).map { "\($0) \(fixed4($1))" }.joined(separator: "  ")
                print("\(Display.text(name))  \(labels[best])  \(fixed4(p[best]))  (\(detail))")
            }
        }

        /// Several H×W×C float32 LE tensors back to back, read one at a time. A FIFO or device
        /// is refused before a byte is read (it could block or never end).
        mutating func readRaw(_ path: String) {
            let file: (descriptor: Int32, status: FileStatus)
            do { file = try InputFile.open(path) } catch { fail("\(error)", PredictorExit.noInput) }
            defer { close(file.descriptor) }
            let size = file.status.size, tensorBytes = valuesPerInput * 4
            guard size > 0, size % tensorBytes == 0 else {
                let shape = "\(Network.inputHeight)×\(Network.inputWidth)×\(Network.inputChannels)"
                fail("\(Display.text(path)) is \(size) bytes; raw input must be a non-zero multiple of "
                     + "\(tensorBytes) bytes (\(shape) float32)", PredictorExit.dataError)
            }
            if o.dumpDir != nil && size != tensorBytes {
                fail("--dump-layers needs exactly one input; \(Display.text(path)) holds \(size / tensorBytes)",
                     PredictorExit.usage)
            }
            var bits = [UInt32](repeating: 0, count: valuesPerInput)
            for index in 0..<(size / tensorBytes) {
                let start = now()
                guard readExactly(file.descriptor, &bits) else {
                    let reason = errno != 0 ? errnoText() : "the file shrank while reading"
                    fail("cannot read \(Display.text(path)): \(reason)", PredictorExit.dataError)
                }
                let tensor = bits.map { Float(bitPattern: UInt32(littleEndian: $0)) }
                handle("raw[\(index)]", tensor, preprocessMs: now() - start)
            }
        }

        mutating func readImages() {
            for path in o.images {
                let start = now()
                do {
                    handle(path, try loadImage(path), preprocessMs: now() - start)
                } catch let e as ImageError {
                    switch e {
                    case .fileNotFound, .notRegularFile: failed(path, e.description, PredictorExit.noInput)
                    default: failed(path, e.description, PredictorExit.dataError)
                    }
                } catch {
                    failed(path, "cannot read \(path): \(error)", PredictorExit.dataError)
                }
            }
        }

        /// Writes --output-raw and the JSON document, then exits with the worst status.
        func finish() -> Never {
            if let out = rawOut {
                do { try out.write(records.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Array($0) }) }
                catch { fail("\(error)", PredictorExit.cantCreate) }
            }
            if o.json {
                print("""
                {
                  "generator": \(jsonString("vggc " + Network.generatorVersion)),
                  "model": \(jsonString(Network.name)),
                  "sha256": \(jsonString(Network.modelHash)),
                  "level": \(jsonString(level.name)),
                  "labels": [\(Network.labels.map(jsonString).joined(separator: ", "))],
                  "results": [\(rows.isEmpty ? "" : "\n    " + rows.joined(separator: ",\n    ") + "\n  ")]
                }
                """)
            }
            // Results that could not be written (a full disk, a closed pipe) must not exit 0.
            if fflush(nil) != 0 {
                fail("cannot write the results to standard output: \(errnoText())", PredictorExit.ioError)
            }
            exit(status)
        }
    }
}
