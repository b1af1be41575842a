// RuntimeEmbedder — the build tool behind Plugins/EmbedRuntime: writes RuntimeSources.swift.
//
//   RuntimeEmbedder OUTPUT ROOT [--swift REL=main|kernel|both]... [--c REL=PRECISIONS]... [--hash REL]...
//
// Each embedded file starts with a stamp naming its original. Swift files lose their
// imports of the project's own modules (the predictor is one module; C comes through the
// bridging header); C files sit flat in one folder, so a quoted include must name another
// embedded file by its bare name. The generator hash is SHA-256 over every `--hash` file
// (path and bytes, in path order): it changes whenever the generated output can.
import Crypto
import Foundation

struct Failure: Error, CustomStringConvertible { let description: String }

func read(_ root: String, _ rel: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: root + "/" + rel), let text = String(data: data, encoding: .utf8) else {
        throw Failure(description: "RuntimeEmbedder: cannot read \(rel) as UTF-8")
    }
    return text
}

func stamped(_ rel: String, _ text: String, c: Bool, embedded: Set<String>) throws -> String {
    let stamp = "Copied from \(rel) by vggc compile. Do not edit this copy: edit the original."
    var lines: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if !c, trimmed.hasPrefix("import "),
           ["VGGCore", "VGGImage", "VGGSystem", "CImageCodecs"].contains(trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)) {
            continue
        }
        if c, trimmed.hasPrefix("#include \""), let end = trimmed.dropFirst(10).firstIndex(of: "\"") {
            let included = String(trimmed.dropFirst(10)[..<end])
            let bare = String(included.split(separator: "/").last ?? "")
            guard embedded.contains(bare) else { throw Failure(description: "RuntimeEmbedder: \(rel) includes \"\(included)\", which is not embedded") }
            lines.append(line.replacingOccurrences(of: "\"\(included)\"", with: "\"\(bare)\""))
            continue
        }
        lines.append(String(line))
    }
    return (c ? "/* \(stamp) */\n" : "// \(stamp)\n") + lines.joined(separator: "\n")
}

/// A Swift raw string literal that holds `text` exactly.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

func main() throws {
    var args = Array(CommandLine.arguments.dropFirst())
    guard args.count >= 2 else { throw Failure(description: "usage: RuntimeEmbedder OUTPUT ROOT [--swift REL=main|kernel|both]... [--c REL=P]... [--hash REL]...") }
    let output = args.removeFirst(), root = args.removeFirst()
    var swift: [(String, String)] = [], c: [(String, String)] = [], hashed: [String] = []
    while args.count >= 2 {
        let (flag, value) = (args.removeFirst(), args.removeFirst())
        switch flag {
        case "--swift":
            let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
            swift.append((parts[0], parts.count > 1 ? parts[1] : "main"))
        case "--c":
            let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
            c.append((parts[0], parts.count > 1 ? parts[1] : "all"))
        case "--hash": hashed.append(value)
        default: throw Failure(description: "RuntimeEmbedder: unknown option \(flag)")
        }
    }
    let embedded = Set(c.map { String($0.0.split(separator: "/").last!) })
    var hasher = SHA256()
    for rel in hashed.sorted() {
        hasher.update(data: Data(rel.utf8 + [0]))
        hasher.update(data: Data(try read(root, rel).utf8 + [0]))
    }
    let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    var out = "// RuntimeSources.swift — written at build time by Plugins/EmbedRuntime. Not committed.\n"
    out += "enum RuntimeSources {\n"
    out += "    /// SHA-256 of every source that can change what the generator writes.\n"
    out += "    static let generatorHash = \"\(hash)\"\n"
    out += "    static let swiftFiles: [RuntimeFile] = [\n"
    for (rel, module) in swift {
        let name = String(rel.split(separator: "/").last!)
        out += "        RuntimeFile(name: \"\(name)\", original: \"\(rel)\", module: .\(module), precisions: nil, contents: \(literal(try stamped(rel, read(root, rel), c: false, embedded: embedded)))),\n"
    }
    out += "    ]\n    static let cFiles: [RuntimeFile] = [\n"
    for (rel, precisions) in c {
        let name = String(rel.split(separator: "/").last!)
        let list = precisions == "all" ? "nil" : "[" + precisions.split(separator: ",").map { ".\($0)" }.joined(separator: ", ") + "]"
        out += "        RuntimeFile(name: \"\(name)\", original: \"\(rel)\", module: .main, precisions: \(list), contents: \(literal(try stamped(rel, read(root, rel), c: true, embedded: embedded)))),\n"
    }
    out += "    ]\n}\n"
    let data = Data(out.utf8)
    if FileManager.default.contents(atPath: output) != data {
        guard FileManager.default.createFile(atPath: output, contents: data) else { throw Failure(description: "RuntimeEmbedder: cannot write \(output)") }
    }
}

do { try main() } catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
