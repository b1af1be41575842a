import Testing
@testable import VGGSystem

@Suite("byte-exact paths and safe display")
struct SystemPathTests {
    @Test("every byte string round-trips, valid UTF-8 stays readable")
    func roundTrip() {
        var rng = SystemRandomNumberGenerator()
        var cases: [[UInt8]] = [Array("plain/ascii.png".utf8), Array("ünïcödé/é.png".utf8),
                                [0x78, 0xFF, 0x2E, 0x70], [0xC3], [0xE2, 0x82], [0xF4, 0x8F, 0xBE, 0x80],  // a literal stand-in
                                [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF5, 0x80, 0x80, 0x80]]
        for _ in 0..<500 { cases.append((0..<Int.random(in: 0...12, using: &rng)).map { _ in UInt8.random(in: 1...255, using: &rng) }) }
        for bytes in cases {
            let s = SystemPath.string(fromBytes: bytes)
            #expect(SystemPath.bytes(of: s) == bytes, "\(bytes)")
        }
        #expect(SystemPath.string(fromBytes: Array("ünï.png".utf8)) == "ünï.png")
    }

    @Test("display escapes what could forge a line or move the cursor, nothing else")
    func display() {
        #expect(Display.text("xray 01.png") == "xray 01.png")
        #expect(Display.text("a\nb.png") == "a\\u{0a}b.png")
        #expect(Display.text("a\u{9B}31m") == "a\\u{9b}31m")         // 8-bit CSI
        #expect(Display.text("a\u{7F}") == "a\\u{7f}")
        #expect(Display.text("a\u{202E}gnp.exe") == "a\\u{202e}gnp.exe")  // right-to-left override
        #expect(Display.text("back\\slash") == "back\\\\slash")
        #expect(Display.text(SystemPath.string(fromBytes: [0x61, 0xFF])) == "a\\xff")
        #expect(Display.controls("line one\nline two\t\u{1B}[2J") == "line one\nline two\t\\u{1b}[2J")
        #expect(Display.controls("C:\\path") == "C:\\path")
        #expect(Display.bytesEscaped(SystemPath.string(fromBytes: [0x61, 0xFF, 0x0A])) == "a\\xff\n")
        #expect(Display.containsControlCharacter("x\u{85}") && Display.containsControlCharacter("x\u{7F}"))
        #expect(!Display.containsControlCharacter("PNEUMONIA – ü"))
    }

    @Test("folder and file name parts")
    func parts() {
        #expect(SystemPath.directory(of: "m.bin") == "." && SystemPath.directory(of: "/m.bin") == "/")
        #expect(SystemPath.directory(of: "a/b/m.bin") == "a/b" && SystemPath.fileName(of: "a/b/m.bin") == "m.bin")
        #expect(SystemPath.join("a/", "b") == "a/b" && SystemPath.join("a", "b") == "a/b")
    }
}
