import Foundation
import VGGCore
import VGGSystem

/// Why a predictor could not be run or checked.
public enum CheckError: Error, Equatable, CustomStringConvertible {
    case predictorMissing(String)
    case predictorFailed(path: String, arguments: [String], status: Int32, stderr: String)
    case noHashInVersion(path: String, output: String)
    case hashMismatch(predictor: String, model: String)
    case outputSize(path: String, bytes: Int, expected: Int)
    case noInputs
    case unknownStep(String)
    /// The predictor's `--version` names a precision this vggc does not know.
    case unknownPrecision(String)
    /// An int8 predictor's calibration names a layer that int8 cannot quantize, or a step
    /// claims int8 for a layer without one.
    case badInt8Layer(String)
    /// A step claims an algorithm of another precision than the predictor's.
    case algorithmPrecision(step: String, algorithm: StepAlgorithm, precision: Precision)
    /// The predictor hung, flooded its output or could not be started.
    case predictorProcess(SubprocessError)
    /// A file the predictor was asked to write is missing or unreadable.
    case predictorOutputMissing(path: String, reason: String)

    public var description: String {
        switch self {
        case let .predictorMissing(path): return "no executable predictor file at \(Display.text(path))"
        case let .predictorFailed(path, args, status, stderr):
            return "predictor \(Display.text(path)) \(Display.text(args.joined(separator: " "))) exited with status \(status): \(stderr.suffix(2000))"
        case let .noHashInVersion(path, output):
            return "\(path) --version did not name a model hash (expected sha256:<64 hex>); it printed: \(output.prefix(300))"
        case let .hashMismatch(predictor, model):
            return "the predictor was built from model sha256:\(predictor) but this model is sha256:\(model); "
                + "rebuild it with vggc compile, or pass --allow-hash-mismatch to compare anyway"
        case let .outputSize(path, bytes, expected):
            return "predictor output \(path) has \(bytes) bytes, expected \(expected)"
        case let .unknownStep(step):
            return "the predictor's step \(step) does not continue the model's layers in order (every layer must be covered once)"
        case let .unknownPrecision(name):
            return "the predictor says it computes in precision \(name); this vggc knows \(Precision.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .badInt8Layer(layer):
            return "the int8 predictor's calibration and steps disagree on layer \(layer) (only a Conv2D or Dense after a ReLU is int8, and only with a calibrated maximum)"
        case let .algorithmPrecision(step, algorithm, precision):
            return "the predictor's step \(step) says it computes \(algorithm.rawValue), which a \(precision.rawValue) predictor does not"
        case .noInputs: return "nothing to compare: give --random N > 0 or --images DIR with readable images"
        case let .predictorProcess(error): return "predictor \(error)"
        case let .predictorOutputMissing(path, reason):
            return "the predictor exited without writing \(Display.text(path)) as asked (\(reason))"
        }
    }
}

/// How long one predictor run may take before its whole process group is killed.
public struct TimeLimit: Equatable, Sendable {
    /// Seconds for start-up and `--version`.
    public var base: Double
    /// Seconds more per input of a run.
    public var perInput: Double

    public init(base: Double, perInput: Double) {
        self.base = base
        self.perInput = perInput
    }

    /// Scaled from the model's cost: 60 s plus, per input, 60 s and 100 ns per
    /// multiply-accumulate (0.01 GMAC/s — a hundred times slower than the slowest engine
    /// run measured, so only a hung predictor reaches it).
    public static func scaled(multiplyAccumulates macs: Int) -> TimeLimit {
        TimeLimit(base: 60, perInput: 60 + Double(macs) * 1e-7)
    }

    /// The same limit for every run, whatever its inputs (`vggc check --timeout`).
    public static func fixed(_ seconds: Double) -> TimeLimit { TimeLimit(base: seconds, perInput: 0) }

    public func seconds(inputs: Int) -> Double { base + perInput * Double(inputs) }
}

/// A predictor binary driven through its command line, as a user would run it.
///
/// Every run is a `Subprocess`: it cannot hang vggc (a time limit, `timeLimit`), flood its
/// memory (output caps) or leave processes behind (the predictor's whole process group is
/// killed when it exits or is stopped).
public struct PredictorProcess {
    public let path: String
    public var timeLimit: TimeLimit
    /// The instruction-set level every run is forced to (`VGGC_LEVEL`); nil: the predictor's choice.
    public var level: String?

    public init(path: String, timeLimit: TimeLimit = .scaled(multiplyAccumulates: 0)) throws {
        guard let status = FileStatus.of(path), status.kind == .regular, SystemPath.withCString(path, { access($0, X_OK) }) == 0 else {
            throw CheckError.predictorMissing(path)
        }
        self.path = path
        self.timeLimit = timeLimit
    }

    /// What the predictor says of itself in one `--version` run: the model hash it was built
    /// from (`… sha256:<hex> …`) and its arithmetic (`precision …`; fp32 when it does not say).
    public func version() throws -> (modelHash: String, precision: Precision) {
        let out = try run(["--version"], inputs: 0).stdout
        guard let range = out.range(of: #"sha256:[0-9a-f]{64}"#, options: .regularExpression) else {
            throw CheckError.noHashInVersion(path: path, output: out)
        }
        var precision = Precision.fp32
        if let p = out.range(of: #"precision [a-z0-9]+"#, options: .regularExpression) {
            let name = String(out[p].dropFirst(10))
            guard let known = Precision(rawValue: name) else { throw CheckError.unknownPrecision(name) }
            precision = known
        }
        return (String(out[range].dropFirst(7)), precision)
    }

    /// The instruction-set levels the predictor holds (its `--version` line `levels: …`, best
    /// first) and whether this CPU runs each. Empty for a predictor that does not say.
    public func levels() throws -> [(name: String, runsHere: Bool)] {
        Self.levels(fromVersion: try run(["--version"], inputs: 0).stdout)
    }

    /// The `levels: …` line of a predictor's `--version` text (`x86-64-v4 (needs avx512f …)`
    /// for a level this CPU lacks), as `levels()` reads it.
    public static func levels(fromVersion out: String) -> [(name: String, runsHere: Bool)] {
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("levels: ") }) else { return [] }
        return line.dropFirst(8).split(separator: ",").compactMap { item in
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let name = text.split(separator: " ").first else { return nil }
            return (String(name), !text.contains("(needs"))
        }
    }

    /// An int8 predictor's calibrated input maxima by layer name, exactly (its `--version`
    /// lines `int8 input maximum <layer> bits <UInt32>`); empty for other precisions.
    public func int8InputMaxima() throws -> [String: Float] {
        var out = [String: Float]()
        for line in try run(["--version"], inputs: 0).stdout.split(separator: "\n") where line.hasPrefix("int8 input maximum ") {
            let words = line.split(separator: " ")
            guard words.count >= 6, words[words.count - 2] == "bits", let bits = UInt32(words[words.count - 1]) else { continue }
            out[words[3..<(words.count - 2)].joined(separator: " ")] = Float(bitPattern: bits)
        }
        return out
    }

    /// The model hash the predictor says it was built from.
    public func modelHash() throws -> String { try version().modelHash }

    /// The arithmetic the predictor was built with.
    public func precision() throws -> Precision { try version().precision }

    /// Runs `--raw` inputs through the predictor; returns per input its raw output floats.
    public func outputs(raw inputs: [Float], count: Int, valuesPerInput: Int, threads: Int,
                        extra: [String] = []) throws -> (values: [[Float]], stderr: String) {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.f32"), output = dir.appendingPathComponent("out.f32")
        try writeFloats(inputs, to: input)
        let r = try run(["--raw", input.path, "--output-raw", output.path, "--threads", "\(threads)"] + extra, inputs: count)
        return (try readOutputs(output, count: count, valuesPerInput: valuesPerInput), r.stderr)
    }

    /// What one predictor run on one input shows: every step's output and the final record.
    /// Runs image files through the predictor (it decodes them itself, as in the field);
    /// returns per image its logits followed by its class probabilities, as written by
    /// `--output-raw`. Images go in chunks so a long list never exceeds the argument limit.
    public func outputs(images: [String], valuesPerImage: Int, threads: Int, chunk: Int = 256) throws -> [[Float]] {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var all: [[Float]] = []
        for start in stride(from: 0, to: images.count, by: chunk) {
            let part = Array(images[start ..< min(start + chunk, images.count)])
            let output = dir.appendingPathComponent("out-\(start).f32")
            _ = try run(["--output-raw", output.path, "--threads", "\(threads)", "--"] + part, inputs: part.count)
            all += try readOutputs(output, count: part.count, valuesPerInput: valuesPerImage)
        }
        return all
    }

    public struct Trace {
        public var steps: [(name: String, values: [Float])]
        /// Per step, how the predictor computed it.
        public var algorithms: [StepAlgorithm]
        public var output: [Float]
    }

    /// Runs one input — a raw tensor, or an image file the predictor decodes itself — with
    /// `--dump-layers` and `--output-raw`.
    public func trace(raw input: [Float]? = nil, image: String? = nil, valuesPerInput: Int, threads: Int) throws -> Trace {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dumps = dir.appendingPathComponent("layers"), output = dir.appendingPathComponent("out.f32")
        var args = ["--dump-layers", dumps.path, "--output-raw", output.path, "--threads", "\(threads)"]
        if let input {
            let file = dir.appendingPathComponent("in.f32")
            try writeFloats(input, to: file)
            args += ["--raw", file.path]
        } else if let image {
            args.append(image)
        }
        try run(args, inputs: 1)
        let listing = String(decoding: try readOutput(dumps.appendingPathComponent("steps.txt")), as: UTF8.self)
        var algorithms: [StepAlgorithm] = []
        let steps = try listing.split(separator: "\n").map { line -> (name: String, values: [Float]) in
            // "INDEX NAME COUNT [ALGORITHM]" per line (NAME joins fused layers with "+");
            // anything else means the predictor is not one of ours.
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let index = Int(parts[0]), index >= 0,
                  parts[1].allSatisfy({ $0.isLetter || $0.isNumber || "_-+".contains($0) }) else {
                throw CheckError.unknownStep(String(line))
            }
            guard let algorithm = parts.count >= 4 ? StepAlgorithm(rawValue: String(parts[3])) : .direct else {
                throw CheckError.unknownStep(String(line))
            }
            algorithms.append(algorithm)
            let name = String(parts[1])
            let file = dumps.appendingPathComponent("\(index < 10 ? "0" : "")\(index)_\(name).f32")
            return (name, try readFloats(file))
        }
        return Trace(steps: steps, algorithms: algorithms,
                     output: try readOutputs(output, count: 1, valuesPerInput: valuesPerInput)[0])
    }

    @discardableResult
    func run(_ arguments: [String], inputs: Int) throws -> (stdout: String, stderr: String) {
        var child = Subprocess(path, arguments, timeout: timeLimit.seconds(inputs: inputs))
        child.stdoutLimit = 16 << 20  // results of ≤ 256 images, or --version: far less
        if let level { child.environment["VGGC_LEVEL"] = level }
        child.stderrLimit = 1 << 20
        let result: Subprocess.Result
        do {
            result = try child.run()
        } catch let e as SubprocessError {
            throw CheckError.predictorProcess(e)
        }
        guard result.status == 0 else {
            throw CheckError.predictorFailed(path: path, arguments: arguments, status: result.status, stderr: result.stderrText)
        }
        return (result.stdoutText, result.stderrText)
    }

    private func readOutputs(_ url: URL, count: Int, valuesPerInput: Int) throws -> [[Float]] {
        let all = try readFloats(url)
        guard all.count == count * valuesPerInput else {
            throw CheckError.outputSize(path: url.path, bytes: all.count * 4, expected: count * valuesPerInput * 4)
        }
        return (0..<count).map { Array(all[$0 * valuesPerInput ..< ($0 + 1) * valuesPerInput]) }
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vggc-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A file a predictor run should have written (regular files only: a hostile predictor could
/// leave a FIFO there).
func readOutput(_ url: URL) throws -> [UInt8] {
    do {
        return try InputFile.read(url.path)
    } catch let e as FileError {
        throw CheckError.predictorOutputMissing(path: url.path, reason: e.problem.description)
    }
}

/// Float32 little-endian, the predictor's raw format.
public func writeFloats(_ values: [Float], to url: URL) throws {
    try Data(floatBytes(values)).write(to: url)
}

/// Float32 little-endian bytes.
public func floatBytes(_ values: [Float]) -> [UInt8] {
    var bytes = [UInt8]()
    bytes.reserveCapacity(values.count * 4)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    return bytes
}

public func readFloats(_ url: URL) throws -> [Float] {
    let bytes = try readOutput(url)
    var out = [Float](repeating: 0, count: bytes.count / 4)
    for i in out.indices {
        var bits = UInt32(bytes[4 * i])
        bits |= UInt32(bytes[4 * i + 1]) << 8
        bits |= UInt32(bytes[4 * i + 2]) << 16
        bits |= UInt32(bytes[4 * i + 3]) << 24
        out[i] = Float(bitPattern: bits)
    }
    return out
}
