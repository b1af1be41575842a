import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display on standard error. On a terminal the line is redrawn in
/// place at most 10 times a second; when standard error is a file or pipe (CI logs) nothing
/// is drawn, and callers print whole lines at milestones instead.
final class ProgressLine {
    let enabled: Bool
    private var last = Date.distantPast
    private var width = 0

    init(quiet: Bool = false) { enabled = !quiet && isatty(2) == 1 }

    /// Redraws the line (throttled unless `force`).
    func update(_ text: String, force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(last) >= 0.1 else { return }
        last = now
        let padded = text.count < width ? text + String(repeating: " ", count: width - text.count) : text
        width = text.count
        FileHandle.standardError.write(Data("\r\(padded)".utf8))
    }

    /// Clears the line so a normal message can follow.
    func clear() {
        guard enabled, width > 0 else { return }
        FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: width))\r".utf8))
        width = 0
    }

    /// `[=====>    ]` for a fraction in 0...1.
    static func bar(_ fraction: Double, width: Int = 24) -> String {
        let filled = max(0, min(width, Int((fraction * Double(width)).rounded(.down))))
        let head = filled < width ? ">" : ""
        return "[" + String(repeating: "=", count: filled) + head
            + String(repeating: " ", count: max(0, width - filled - head.count)) + "]"
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60)
            : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
    }
}


