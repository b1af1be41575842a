/// Accumulates generated source with indentation. Output depends only on what is written,
/// so the same model always gives the same bytes.
struct SourceWriter {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ s: String = "") {
        text += s.isEmpty ? "\n" : String(repeating: "    ", count: depth) + s + "\n"
    }

    mutating func comment(_ s: String) { line("// " + s) }

    /// Appends another writer's text line by line, indented to the current depth.
    mutating func append(_ other: String) {
        for l in other.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { line(String(l)) }
    }

    /// `header {` … `}` with the body indented.
    mutating func block(_ header: String, _ body: (inout SourceWriter) -> Void) {
        line(header + " {")
        depth += 1
        body(&self)
        depth -= 1
        line("}")
    }
}

/// A float literal that parses back to exactly the same Float.
func literal(_ f: Float) -> String {
    if f.isNaN { return "Float.nan" }
    if f.isInfinite { return f > 0 ? "Float.infinity" : "-Float.infinity" }
    return "\(f)"
}

func literal(_ fs: [Float]) -> String { "[" + fs.map(literal).joined(separator: ", ") + "]" }

/// A Swift string literal with escapes.
func literal(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if u.value < 32 { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
