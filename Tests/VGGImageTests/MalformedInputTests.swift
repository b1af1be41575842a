import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CImageCodecs
import Testing
import VGGImage
import VGGTestSupport

/// Damaged or foreign input must become a clear `ImageError`: never a crash, hang or
/// giant allocation.
@Suite("Malformed input")
struct MalformedInputTests {
    /// A FIFO given as an image must be refused at once, not wait for a writer.
    @Test func fifoIsRefusedWithoutBlocking() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vggc-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect(throws: ImageError.self) { try ImageDecoder.decode(path: path) }
    }

    @Test func missingFile() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("nope.png")
        #expect(throws: ImageError.fileNotFound(path: path)) { try ImageDecoder.decode(path: path) }
        #expect(ImageError.fileNotFound(path: path).description == "cannot read \(path): no such file")
    }

    @Test func emptyFile() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("empty.png")
        try writeBytes(path, [])
        let error = #expect(throws: ImageError.self) { try ImageDecoder.decode(path: path) }
        #expect(error == .notAnImage(path: path, detail: "the file is empty"))
    }

    @Test func directory() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        #expect(throws: ImageError.unreadable(path: dir.path, reason: "is a directory")) {
            try ImageDecoder.decode(path: dir.path)
        }
    }

    @Test func textFile() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("notes.png")
        try writeBytes(path, Array("hello, world\n".utf8))
        let error = #expect(throws: ImageError.self) { try ImageDecoder.decode(path: path) }
        guard case .notAnImage(let p, let detail) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(p == path)
        #expect(detail.contains("starts with 68 65 6c 6c 6f 2c 20 77"))
        #expect(detail.contains("89 50 4e 47 0d 0a 1a 0a") && detail.contains("ff d8 ff"))
    }

    @Test("a PNG truncated at every 7th byte is reported as truncated")
    func truncatedPNG() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let bytes = try smallPNG(in: dir)
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            let error = #expect(throws: ImageError.self, "cut at \(cut) of \(bytes.count)") {
                try ImageDecoder.decode(bytes: Array(bytes.prefix(cut)), name: "xray.png")
            }
            if cut < 8 {
                guard case .notAnImage = error else { Issue.record("cut \(cut): \(String(describing: error))"); continue }
            } else {
                guard case .corrupt(let name, let reason) = error else {
                    Issue.record("cut \(cut): \(String(describing: error))"); continue
                }
                #expect(name == "xray.png")
                #expect(reason.hasPrefix("truncated PNG (libpng: Read Error"), "cut \(cut): \(reason)")
            }
        }
        // The untruncated file still decodes.
        #expect(try ImageDecoder.decode(bytes: bytes, name: "xray.png").width == 8)
    }

    @Test("a flipped byte in IDAT (data or CRC) is a corrupt PNG")
    func corruptIDAT() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let bytes = try smallPNG(in: dir)
        let idat = try #require(chunkOffset(bytes, "IDAT"))
        let length = Int(bytes[idat]) << 24 | Int(bytes[idat + 1]) << 16 | Int(bytes[idat + 2]) << 8 | Int(bytes[idat + 3])
        // Every data byte: zlib or the CRC check must catch it (libpng inflates as it reads,
        // so a damaged deflate stream can fail before the chunk's CRC is checked).
        for i in 0..<length {
            var damaged = bytes
            damaged[idat + 8 + i] ^= 0x10
            let error = #expect(throws: ImageError.self, "byte \(i)") {
                try ImageDecoder.decode(bytes: damaged, name: "crc.png")
            }
            guard case .corrupt(_, let reason) = error else { Issue.record("byte \(i): \(String(describing: error))"); continue }
            #expect(reason.hasPrefix("corrupt PNG (libpng: "), "byte \(i): \(reason)")
        }
        // The stored CRC itself.
        var badCRC = bytes
        badCRC[idat + 8 + length] ^= 0x01
        let error = #expect(throws: ImageError.self) { try ImageDecoder.decode(bytes: badCRC, name: "crc.png") }
        #expect(error == .corrupt(path: "crc.png", reason: "corrupt PNG (libpng: IDAT: CRC error)"))
        #expect(error?.description == "cannot read crc.png: corrupt PNG (libpng: IDAT: CRC error)")
    }

    /// Patches IHDR width/height and recomputes the chunk CRC with zlib's crc32.
    private func patchIHDR(_ png: [UInt8], width: UInt32, height: UInt32) throws -> [UInt8] {
        var bytes = png
        let ihdr = try #require(chunkOffset(bytes, "IHDR"))
        for (i, v) in [width, height].enumerated() {
            for b in 0..<4 { bytes[ihdr + 8 + 4 * i + b] = UInt8(truncatingIfNeeded: v >> (24 - 8 * b)) }
        }
        let crc = crc32(bytes[ihdr + 4 ..< ihdr + 8 + 13])
        for b in 0..<4 { bytes[ihdr + 21 + b] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * b)) }
        return bytes
    }

    @Test("absurd IHDR dimensions are rejected before allocation")
    func absurdDimensions() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let png = try smallPNG(in: dir)
        let wide = try patchIHDR(png, width: 100_000, height: 6)
        #expect(throws: ImageError.tooLarge(path: "wide.png", width: 100_000, height: 6,
                                            limit: ImageDecoder.defaultMaxPixels)) {
            try ImageDecoder.decode(bytes: wide, name: "wide.png")
        }
        // Each side allowed, but 3.6 gigapixels are not.
        let huge = try patchIHDR(png, width: 60_000, height: 60_000)
        let error = #expect(throws: ImageError.self) { try ImageDecoder.decode(bytes: huge, name: "huge.png") }
        #expect(error == .tooLarge(path: "huge.png", width: 60_000, height: 60_000, limit: ImageDecoder.defaultMaxPixels))
        #expect(error?.description.contains("60000×60000") == true)
        // The caller's limit applies too.
        #expect(throws: ImageError.tooLarge(path: "s.png", width: 8, height: 6, limit: 47)) {
            try ImageDecoder.decode(bytes: png, name: "s.png", maxPixels: 47)
        }
        // Zero width is corrupt (libpng rejects it in IHDR).
        let zero = try patchIHDR(png, width: 0, height: 6)
        let zeroError = #expect(throws: ImageError.self) { try ImageDecoder.decode(bytes: zero, name: "z.png") }
        guard case .corrupt = zeroError else { Issue.record("\(String(describing: zeroError))"); return }
    }

    @Test("a JPEG cut short is an error, not a gray-padded image")
    func truncatedJPEG() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (w, h) = (32, 24)
        let path = dir.file("x.jpg")
        try writeJPEG(path, width: w, height: h, channels: 3,
                      samples: (0..<w * h * 3).map { UInt8(($0 * 13) % 256) })
        let bytes = try readBytes(path)
        #expect(try ImageDecoder.decode(bytes: bytes, name: "x.jpg").width == w)
        for cut in [1, 2, 3, 10, 100, bytes.count / 2, bytes.count - 2] {
            let error = #expect(throws: ImageError.self, "cut at \(cut) of \(bytes.count)") {
                try ImageDecoder.decode(bytes: Array(bytes.prefix(cut)), name: "x.jpg")
            }
            if cut < 3 {
                guard case .notAnImage = error else { Issue.record("cut \(cut): \(String(describing: error))"); continue }
            } else {
                guard case .corrupt(_, let reason) = error else {
                    Issue.record("cut \(cut): \(String(describing: error))"); continue
                }
                #expect(reason.contains("JPEG"), "cut \(cut): \(reason)")
            }
        }
        let half = try? ImageDecoder.decode(bytes: Array(bytes.prefix(bytes.count / 2)), name: "x.jpg")
        #expect(half == nil)
    }

    @Test("a JPEG cut short that still ends in FF D9 is an error, not a gray-padded image", arguments: [false, true])
    func truncatedJPEGWithEndMarker(progressive: Bool) throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (w, h) = (64, 48)
        let path = dir.file("x.jpg")
        try writeJPEG(path, width: w, height: h, channels: 1, progressive: progressive,
                      samples: (0..<w * h).map { UInt8(($0 * 37 + $0 / w * 11) % 256) })
        let bytes = try readBytes(path)
        #expect(try ImageDecoder.decode(bytes: bytes, name: "x.jpg").width == w)
        for fraction in [0.3, 0.6, 0.9] {
            let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction))) + [0xFF, 0xD9]
            let error = #expect(throws: ImageError.self, "\(fraction)") { try ImageDecoder.decode(bytes: cut, name: "x.jpg") }
            guard case .corrupt(_, let reason) = error else { Issue.record("\(fraction): \(String(describing: error))"); continue }
            #expect(reason.contains("truncated") || reason.contains("Corrupt"), "\(reason)")
        }
    }

    @Test("bytes between header segments are tolerated; leftover bytes after a scan's data are damage")
    func extraneousBytes() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("x.jpg")
        try writeJPEG(path, width: 16, height: 16, channels: 1, samples: (0..<256).map { UInt8($0) })
        let bytes = try readBytes(path)
        let clean = try ImageDecoder.decode(bytes: bytes, name: "x.jpg")
        // After the first header segment (APP0), before the next marker: an encoder's padding.
        let app0End = 4 + Int(bytes[4]) << 8 + Int(bytes[5])
        #expect(bytes[2] == 0xFF && bytes[app0End] == 0xFF)
        let header = Array(bytes[..<app0End]) + [0x00, 0x00] + Array(bytes[app0End...])
        #expect(try ImageDecoder.decode(bytes: header, name: "x.jpg") == clean)
        // After the entropy-coded data, before EOI: the decoder stopped before the data did.
        let tail = Array(bytes.dropLast(2)) + [0x12, 0x34, 0x56, 0xFF, 0xD9]
        let error = #expect(throws: ImageError.self) { try ImageDecoder.decode(bytes: tail, name: "x.jpg") }
        guard case .corrupt(_, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("extraneous"), "\(reason)")
    }

    @Test("a progressive JPEG repeating a scan is refused quickly past the scan limit, accepted below it")
    func repeatedScans() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (w, h) = (512, 512)
        let path = dir.file("p.jpg")
        try writeJPEG(path, width: w, height: h, channels: 1, progressive: true,
                      samples: (0..<w * h).map { UInt8(($0 * 7 + $0 / w * 3) % 256) })
        let bytes = try readBytes(path)
        // Scans start at FF DA; the gray file has a DC scan, then the AC scan up to FF D9.
        let starts = bytes.indices.dropLast().filter { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA }
        #expect(starts.count == 2)
        let ac = Array(bytes[starts[1] ..< bytes.count - 2])
        func repeated(_ n: Int) -> [UInt8] { Array(bytes[..<(bytes.count - 2)]) + Array(repeating: ac, count: n - 1).flatMap { $0 } + [0xFF, 0xD9] }
        // Each repetition rewrites the same AC coefficients: legal for libjpeg, and decoded.
        #expect(try ImageDecoder.decode(bytes: repeated(20), name: "p.jpg") == ImageDecoder.decode(bytes: bytes, name: "p.jpg"))
        let start = Date()
        let error = #expect(throws: ImageError.self) { try ImageDecoder.decode(bytes: repeated(Int(VGGC_JPEG_MAX_SCANS) + 50), name: "p.jpg") }
        #expect(Date().timeIntervalSince(start) < 5)
        guard case .corrupt(_, let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("more than \(VGGC_JPEG_MAX_SCANS) scans"), "\(reason)")
    }

    @Test("random bytes behind a valid signature fail cleanly", arguments: 0..<8)
    func randomBytes(seed: Int) throws {
        let noise = pseudoRandomBytes(count: 64 + seed * 97, seed: UInt64(seed))
        for signature in [[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], [0xFF, 0xD8, 0xFF], []] as [[UInt8]] {
            let error = #expect(throws: ImageError.self) {
                try ImageDecoder.decode(bytes: signature + noise, name: "noise")
            }
            switch error {
            case .corrupt, .notAnImage, .tooLarge, .unsupported: break
            default: Issue.record("unexpected \(String(describing: error))")
            }
        }
    }

    @Test func errorMessagesNameTheFile() {
        let errors: [ImageError] = [
            .fileNotFound(path: "a.png"), .unreadable(path: "a.png", reason: "is a directory"),
            .notAnImage(path: "a.png", detail: "the file is empty"), .corrupt(path: "a.png", reason: "x"),
            .tooLarge(path: "a.png", width: 1, height: 2, limit: 3), .unsupported(path: "a.png", reason: "CMYK"),
        ]
        for error in errors {
            #expect(error.path == "a.png")
            #expect(error.description.hasPrefix("cannot read a.png: "))
        }
    }
}
