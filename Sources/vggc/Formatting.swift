import ArgumentParser
import Foundation
import VGGImage
import VGGSystem

/// Human-readable numbers for tables: 1234567 → "1.23M", bytes → "4.7 MB".
enum Format {
    static func count(_ n: Int) -> String {
        let v = Double(n)
        switch v {
        case ..<1e3: return "\(n)"
        case ..<1e6: return String(format: "%.1fK", v / 1e3)
        case ..<1e9: return String(format: "%.2fM", v / 1e6)
        default: return String(format: "%.2fG", v / 1e9)
        }
    }

    static func bytes(_ n: Int) -> String {
        let v = Double(n)
        switch v {
        case ..<1024: return "\(n) B"
        case ..<(1024 * 1024): return String(format: "%.1f KiB", v / 1024)
        case ..<(1024 * 1024 * 1024): return String(format: "%.1f MiB", v / 1024 / 1024)
        default: return String(format: "%.2f GiB", v / 1024 / 1024 / 1024)
        }
    }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        let widths = (0..<width).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// Every image file under `folder`, recursively, in sorted order (the extensions `ImageFolder`
/// accepts). Shared by `predict` and `check` so both see the same files.
func imageFiles(under folder: String) throws -> [String] {
    try Directory.files(under: folder, include: ImageFolder.hasImageExtension)
}

/// The items of a `separator`-separated option value, each parsed by `parse`; a usage error
/// (exit 64) naming the option if any item — an empty one included ("1,,2") — does not parse.
/// Spaces around items are allowed.
func strictList<T>(_ text: String, separator: Character = ",", option: String, expected: String,
                   _ parse: (String) -> T?) throws -> [T] {
    let items = text.split(separator: separator, omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
    var values: [T] = []
    for item in items {
        guard let value = parse(item) else {
            throw ValidationError("\(option) must be \(expected); \(item.isEmpty ? "an empty item" : "\"\(item)\"") in \"\(text)\" is not")
        }
        values.append(value)
    }
    return values
}
