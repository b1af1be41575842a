/// The command-line form of an augmentation: "none", "xray", or comma-separated settings
/// such as "shift=0.1,rotate=7,zoom=0.1,brightness=0.1,flip", optionally starting from a
/// preset ("xray,flip", "xray,rotate=0"). `description` prints the same form, so a training
/// report can show a setting that reproduces the run.
extension Augmentation: CustomStringConvertible {
    /// The keys `init(parsing:)` accepts, with their ranges, for help texts and errors.
    public static let syntax = "none, xray, or comma-separated shift=0…1 (fraction of the size),"
        + " rotate=0…180 (degrees), zoom=0…0.9, brightness=0…1 (fraction of the value range), flip;"
        + " a preset may come first, e.g. xray,flip"

    /// Parses the command-line form.
    /// - Throws: `TrainingError.invalidSetting` naming the unknown key, the malformed or
    ///   out-of-range value, or the repeated key.
    public init(parsing text: String) throws {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmed() }
        guard !(items.count == 1 && items[0].isEmpty) else {
            throw TrainingError.invalidSetting(.augmentation(key: nil), value: text, expected: Self.syntax)
        }
        var result = Augmentation.none
        var seen: Set<String> = []
        for (position, item) in items.enumerated() {
            if let preset = Self.presets[item.lowercased()] {
                // A preset replaces everything, so after other settings it would silently
                // discard them.
                guard position == 0 else {
                    throw TrainingError.invalidSetting(.augmentation(key: nil), value: item,
                                                      expected: "a preset (none, xray) only as the first item")
                }
                result = preset
                continue
            }
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).trimmed().lowercased()
            let value = parts.count > 1 ? String(parts[1]).trimmed() : nil
            guard seen.insert(key).inserted else {
                throw TrainingError.invalidSetting(.augmentation(key: nil), value: item,
                                                  expected: "each key at most once (\(key) repeats)")
            }
            switch key {
            case "shift": result.maxShift = try Self.number(key, value, Self.shiftRange)
            case "rotate", "rotation": result.maxRotationDegrees = try Self.number(key, value, Self.rotationRange)
            case "zoom": result.maxZoom = try Self.number(key, value, Self.zoomRange)
            case "brightness": result.maxBrightness = try Self.number(key, value, Self.brightnessRange)
            case "flip":
                switch value?.lowercased() {
                case nil, "yes", "true", "1": result.horizontalFlip = true
                case "no", "false", "0": result.horizontalFlip = false
                default:
                    throw TrainingError.invalidSetting(.augmentation(key: "flip"), value: value ?? "",
                                                      expected: "no value, yes/no, true/false or 1/0")
                }
            default:
                throw TrainingError.invalidSetting(.augmentation(key: nil), value: item, expected: Self.syntax)
            }
        }
        self = result
    }

    /// Throws `TrainingError.invalidSetting` for a setting outside its range (or NaN).
    /// `init(parsing:)` only produces valid settings; this checks values set in code.
    public func validate() throws {
        let checks: [(String, Float, ClosedRange<Float>)] = [
            ("shift", maxShift, Self.shiftRange), ("rotate", maxRotationDegrees, Self.rotationRange),
            ("zoom", maxZoom, Self.zoomRange), ("brightness", maxBrightness, Self.brightnessRange),
        ]
        for (key, value, range) in checks where !range.contains(value) {
            throw TrainingError.invalidSetting(.augmentation(key: key), value: "\(value)",
                                              expected: "a number in \(Self.text(range))")
        }
    }

    /// "none" or the settings that differ from zero, e.g. "shift=0.08,rotate=7,zoom=0.1,brightness=0.1".
    public var description: String {
        var items: [String] = []
        if maxShift != 0 { items.append("shift=\(Self.text(maxShift))") }
        if maxRotationDegrees != 0 { items.append("rotate=\(Self.text(maxRotationDegrees))") }
        if maxZoom != 0 { items.append("zoom=\(Self.text(maxZoom))") }
        if maxBrightness != 0 { items.append("brightness=\(Self.text(maxBrightness))") }
        if horizontalFlip { items.append("flip") }
        return items.isEmpty ? "none" : items.joined(separator: ",")
    }

    private static let presets: [String: Augmentation] = ["none": .none, "xray": .xray]

    private static func number(_ key: String, _ value: String?, _ range: ClosedRange<Float>) throws -> Float {
        guard let value, let number = Float(value), range.contains(number) else {
            throw TrainingError.invalidSetting(.augmentation(key: key), value: value ?? "",
                                              expected: "a number in \(text(range))")
        }
        return number
    }

    /// 7 → "7", 0.08 → "0.08": Swift's shortest round-tripping form without a trailing ".0".
    private static func text(_ v: Float) -> String {
        let s = "\(v)"
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    private static func text(_ r: ClosedRange<Float>) -> String { "\(text(r.lowerBound))…\(text(r.upperBound))" }
}

private extension String {
    /// Without leading and trailing blanks (no Foundation needed for that).
    func trimmed() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
