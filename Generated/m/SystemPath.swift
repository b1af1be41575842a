// Copied from Sources/VGGSystem/SystemPath.swift by vggc compile. Do not edit this copy: edit the original.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths as the kernel sees them: byte strings, not necessarily UTF-8.
///
/// Swift strings hold Unicode, and `CommandLine.arguments` repairs invalid UTF-8 to U+FFFD,
/// so a file whose name is not UTF-8 (an old Latin-1 export, a damaged archive) could be
/// neither named on the command line nor found in a folder listing. vggc therefore carries
/// every byte that is not part of valid UTF-8 as one private-use scalar, U+10FF00 + byte
/// (bytes 0x80…0xFF only; lower bytes are always valid), and turns those back into the byte
/// whenever a path reaches a system call. A name that really contains U+10FF80…U+10FFFF is
/// carried byte by byte the same way, so every byte string round-trips exactly.
public enum SystemPath {
    /// First and last scalar value that stand for a raw byte.
    static let escapeBase: UInt32 = 0x10FF00
    static let escapeFirst: UInt32 = 0x10FF80, escapeLast: UInt32 = 0x10FFFF

    /// The process's arguments with every byte preserved (see the type's documentation).
    public static func arguments() -> [String] {
        (0..<Int(CommandLine.argc)).map { i in
            CommandLine.unsafeArgv[i].map { string(fromCString: $0) } ?? ""
        }
    }

    /// A NUL-terminated byte string (argv entry, directory entry name) as a path string.
    public static func string(fromCString pointer: UnsafePointer<CChar>) -> String {
        let count = strlen(pointer)
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) {
            string(fromBytes: UnsafeBufferPointer(start: $0, count: count))
        }
    }

    /// Bytes as a path string: valid UTF-8 stays as it is; every other byte becomes its
    /// private-use stand-in.
    public static func string<C: Collection>(fromBytes bytes: C) -> String where C.Element == UInt8 {
        let b = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            if let (scalar, length) = decodeUTF8(b, at: i), !(escapeFirst...escapeLast).contains(scalar.value) {
                scalars.append(scalar)
                i += length
            } else if let (_, length) = decodeUTF8(b, at: i) {
                // A literal stand-in scalar: carried byte by byte so it cannot be mistaken.
                for k in 0..<length { scalars.append(Unicode.Scalar(escapeBase + UInt32(b[i + k]))!) }
                i += length
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(b[i]))!)
                i += 1
            }
        }
        return String(scalars)
    }

    /// The bytes `path` stands for (stand-in scalars back to their byte), without a NUL.
    public static func bytes(of path: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(path.utf8.count)
        for scalar in path.unicodeScalars {
            if (escapeFirst...escapeLast).contains(scalar.value) {
                out.append(UInt8(scalar.value - escapeBase))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }

    /// Calls `body` with the path as the NUL-terminated byte string a system call takes.
    /// A path containing NUL cannot name a file; it is passed cut at the NUL, like C would.
    public static func withCString<T>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        var raw = bytes(of: path)
        raw.append(0)
        return try raw.withUnsafeBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { try body($0) }
        }
    }

    /// One UTF-8 scalar at `i` (shortest form, no surrogates, ≤ U+10FFFF) and its length.
    static func decodeUTF8(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let first = b[i]
        if first < 0x80 { return (Unicode.Scalar(first), 1) }
        let length: Int, minimum: UInt32
        var value: UInt32
        switch first {
        case 0xC2...0xDF: length = 2; minimum = 0x80; value = UInt32(first & 0x1F)
        case 0xE0...0xEF: length = 3; minimum = 0x800; value = UInt32(first & 0x0F)
        case 0xF0...0xF4: length = 4; minimum = 0x10000; value = UInt32(first & 0x07)
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        for k in 1..<length {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    /// The absolute path with every symlink, "." and ".." resolved; nil if it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let real = withCString(path, { realpath($0, nil) }) else { return nil }
        defer { free(real) }
        return string(fromCString: real)
    }

    /// The folder part of `path`: "." for a bare name, "/" for a name in the root. (By
    /// scalars, not characters: a name may start with a combining mark, which would make
    /// "/" and the mark one `Character`.)
    public static func directory(of path: String) -> String {
        let scalars = path.unicodeScalars
        guard let slash = scalars.lastIndex(of: "/") else { return "." }
        let dir = String(scalars[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// The last component of `path` (after the last "/").
    public static func fileName(of path: String) -> String {
        let scalars = path.unicodeScalars
        guard let slash = scalars.lastIndex(of: "/") else { return path }
        return String(scalars[scalars.index(after: slash)...])
    }

    /// Whether `path` is `folder` or lies inside it, comparing bytes (after `realPath`
    /// of both, this is containment).
    public static func isInside(_ path: String, folder: String) -> Bool {
        let p = bytes(of: path), f = bytes(of: folder)
        if f == [0x2F] { return p.first == 0x2F }
        return p == f || p.starts(with: f + [0x2F])
    }

    /// `folder/name`, without doubling a trailing slash.
    public static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}

/// Text that is safe to print: a file name or label can never forge an output line or move
/// the terminal's cursor.
public enum Display {
    /// `text` with control characters (C0, DEL, C1), Unicode line/paragraph separators and
    /// bidirectional overrides written as `\u{…}`, raw non-UTF-8 bytes of a path as `\xNN`,
    /// and the backslash as `\\` so the escapes are unambiguous. Plain text is unchanged.
    public static func text(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if (SystemPath.escapeFirst...SystemPath.escapeLast).contains(v) {
                out += "\\x" + hex(v - SystemPath.escapeBase, digits: 2)
            } else if scalar == "\\" {
                out += "\\\\"
            } else if needsEscape(scalar) {
                out += "\\u{" + hex(v, digits: v < 0x100 ? 2 : 4) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` with only the raw-byte stand-ins of a path written as `\xNN`: for JSON, whose
    /// own escaping covers control characters but which cannot hold a non-UTF-8 byte.
    public static func bytesEscaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (SystemPath.escapeFirst...SystemPath.escapeLast).contains($0.value) }) else {
            return text
        }
        var out = ""
        for scalar in text.unicodeScalars {
            if (SystemPath.escapeFirst...SystemPath.escapeLast).contains(scalar.value) {
                out += "\\x" + hex(scalar.value - SystemPath.escapeBase, digits: 2)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Output text made safe to print as it is: control characters other than newline and
    /// tab, line/paragraph separators, bidirectional overrides and raw path bytes escaped as
    /// in `text(_:)`; backslashes stay (JSON and messages use them). The last line of
    /// defence for every line the command-line tools print.
    public static func controls(_ text: String) -> String {
        let unsafe = { (s: Unicode.Scalar) in s != "\\" && s != "\n" && s != "\t" && needsEscape(s) }
        guard text.unicodeScalars.contains(where: unsafe) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if unsafe(scalar) { out += Display.text(String(scalar)) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// Encoded JSON text with every scalar `text(_:)` would escape, other than those JSON
    /// encoders already escape, written as a JSON `\uXXXX` escape (a surrogate pair above
    /// U+FFFF): still valid JSON with the same meaning, and safe on a terminal. Outside
    /// strings JSON is ASCII, so the whole text can be treated at once.
    public static func json(_ text: String) -> String {
        let unsafe = { (s: Unicode.Scalar) in s.value >= 0x7F && needsEscape(s) }
        guard text.unicodeScalars.contains(where: unsafe) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard unsafe(scalar) else { out.unicodeScalars.append(scalar); continue }
            for unit in String(scalar).utf16 { out += "\\u" + hex(UInt32(unit), digits: 4) }
        }
        return out
    }

    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x5C
            || v == 0x2028 || v == 0x2029 || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || (SystemPath.escapeFirst...SystemPath.escapeLast).contains(v)
    }

    /// Whether `text` holds a control character (C0, DEL or C1): never allowed in labels.
    public static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    static func hex(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
