/// A 5×7 pixel font for chart labels, so drawing text needs no font files, no FreeType and
/// no platform API (charts are written on headless Linux training machines).
///
/// Each glyph is 7 rows packed into one integer, one byte per row, top row in the highest
/// byte; within a row bit 4 is the leftmost pixel. So `0x0E_11_13_15_19_11_0E` reads, row by
/// row, `.###.`, `#...#`, `#..##`, `#.#.#`, `##..#`, `#...#`, `.###.` — a slashed zero.
///
/// The descending letters g, p, q and y are drawn two rows lower (their 7 rows then span the
/// x-height and the descender), so a line of text is `lineHeight` = 9 rows tall.
///
/// Coverage is what the chart needs: digits, lowercase letters, space and `. - % : ( ) / + ?`.
/// Uppercase letters are drawn with the lowercase glyphs; anything else becomes `?`.
enum BitmapFont {
    /// Pixel columns of a glyph.
    static let glyphWidth = 5
    /// Pixel rows of a glyph.
    static let glyphHeight = 7
    /// Rows a line of text occupies: the glyph plus the two rows of descenders.
    static let lineHeight = 9
    /// Horizontal distance between the starts of two characters (glyph plus 1 column gap).
    static let advance = 6

    /// The 7 row bitmaps of `character` (see the type's documentation).
    static func glyph(for character: Character) -> [UInt8] {
        let packed = glyphs[drawn(character)] ?? 0
        return (0..<glyphHeight).map { row in UInt8(truncatingIfNeeded: packed >> (8 * (glyphHeight - 1 - row))) }
    }

    /// Rows `character` is drawn below the top of the line (2 for descending letters).
    static func top(of character: Character) -> Int {
        descenders.contains(drawn(character)) ? 2 : 0
    }

    /// The table entry used for `character`: itself, its lowercase form, or "?".
    private static func drawn(_ character: Character) -> Character {
        if glyphs[character] != nil { return character }
        // `lowercased()` may return several characters (e.g. for some ligatures); only a
        // single-character result is a lowercase form of the same letter.
        let lower = character.lowercased()
        if lower.count == 1, let first = lower.first, glyphs[first] != nil { return first }
        return "?"
    }

    /// Width in pixels of `text` drawn at `scale` (no trailing gap after the last glyph).
    static func width(of text: String, scale: Int) -> Int {
        text.isEmpty ? 0 : (text.count * advance - 1) * scale
    }

    /// Height in pixels of a line drawn at `scale`.
    static func height(scale: Int) -> Int {
        lineHeight * scale
    }

    private static let descenders: Set<Character> = ["g", "p", "q", "y"]

    private static let glyphs: [Character: UInt64] = [
        " ": 0x00_00_00_00_00_00_00,
        "0": 0x0E_11_13_15_19_11_0E,
        "1": 0x04_0C_04_04_04_04_0E,
        "2": 0x0E_11_01_02_04_08_1F,
        "3": 0x1F_02_04_02_01_11_0E,
        "4": 0x02_06_0A_12_1F_02_02,
        "5": 0x1F_10_1E_01_01_11_0E,
        "6": 0x06_08_10_1E_11_11_0E,
        "7": 0x1F_01_02_04_08_08_08,
        "8": 0x0E_11_11_0E_11_11_0E,
        "9": 0x0E_11_11_0F_01_02_0C,
        "a": 0x00_00_0E_01_0F_11_0F,
        "b": 0x10_10_16_19_11_11_1E,
        "c": 0x00_00_0E_10_10_11_0E,
        "d": 0x01_01_0D_13_11_11_0F,
        "e": 0x00_00_0E_11_1F_10_0E,
        "f": 0x06_09_08_1C_08_08_08,
        "g": 0x0F_11_11_11_0F_01_0E,
        "h": 0x10_10_16_19_11_11_11,
        "i": 0x04_00_0C_04_04_04_0E,
        "j": 0x02_00_06_02_02_12_0C,
        "k": 0x10_10_12_14_18_14_12,
        "l": 0x0C_04_04_04_04_04_0E,
        "m": 0x00_00_1A_15_15_11_11,
        "n": 0x00_00_16_19_11_11_11,
        "o": 0x00_00_0E_11_11_11_0E,
        "p": 0x1E_11_11_11_1E_10_10,
        "q": 0x0F_11_11_11_0F_01_01,
        "r": 0x00_00_16_19_10_10_10,
        "s": 0x00_00_0E_10_0E_01_1E,
        "t": 0x08_08_1C_08_08_09_06,
        "u": 0x00_00_11_11_11_13_0D,
        "v": 0x00_00_11_11_11_0A_04,
        "w": 0x00_00_11_11_15_15_0A,
        "x": 0x00_00_11_0A_04_0A_11,
        "y": 0x11_11_11_11_0F_01_0E,
        "z": 0x00_00_1F_02_04_08_1F,
        ".": 0x00_00_00_00_00_0C_0C,
        "-": 0x00_00_00_1F_00_00_00,
        "+": 0x00_04_04_1F_04_04_00,
        "%": 0x18_19_02_04_08_13_03,
        ":": 0x00_0C_0C_00_0C_0C_00,
        "(": 0x02_04_08_08_08_04_02,
        ")": 0x08_04_02_02_02_04_08,
        "/": 0x00_01_02_04_08_10_00,
        "?": 0x0E_11_01_02_04_00_04,
    ]
}
