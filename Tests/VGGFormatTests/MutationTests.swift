import Testing
import VGGCore
@testable import VGGFormat

/// Corrupts a valid file in 1,000 seeded ways and checks that the reader refuses every
/// variant with the right error. Targeted mutations recompute the model hash, so the
/// structural check (not the hash) has to catch them.
@Suite("corrupt files are refused")
struct MutationTests {
    typealias Problem = ModelFileError.Problem

    struct Mutation {
        var kind: String
        var bytes: [UInt8]
        /// The problem the reader must report; nil accepts any ModelFileError.
        var expect: ((Problem) -> Bool)?
    }

    @Test("1,000 seeded mutations: every one throws, targeted ones the specific error")
    func thousandMutations() throws {
        let base = try ModelFile.encode(try TestModels.everyKind())
        let layout = try FileLayout(base)
        var cases = Set(layout.boundaries.filter { $0 < base.count }).sorted().map { n in
            Mutation(kind: "truncate at boundary", bytes: Array(base[..<n]), expect: Self.truncation(n, of: base.count))
        }
        var rng = SeededGenerator(seed: 0x5EED)
        while cases.count < 1000 {
            cases.append(Self.mutation(base, layout, &rng))
        }

        var noOps = 0, checked: [String: Int] = [:]
        for m in cases {
            guard m.bytes != base else { noOps += 1; continue }  // honest: an unchanged file must load
            checked[m.kind, default: 0] += 1
            let (problem, error) = decodeProblem(m.bytes)
            guard let problem else {
                Issue.record("\(m.kind): \(error.map { "threw a non-ModelFileError \($0)" } ?? "was accepted")")
                continue
            }
            if let expect = m.expect {
                #expect(expect(problem), "\(m.kind): got \(problem)")
            }
        }
        #expect(cases.filter { $0.expect != nil }.count >= 800, "most cases must assert their specific error")
        #expect(noOps < 10, "too many no-op mutations: \(noOps)")
        #expect(checked.count == Self.kinds.count + 1, "kinds exercised: \(checked.keys.sorted())")
    }

    static func truncation(_ n: Int, of size: Int) -> (Problem) -> Bool {
        { n < 64 ? $0 == .fileTooSmall(size: n, minimum: 64) : $0 == .fileSizeMismatch(declared: UInt64(size), actual: n) }
    }

    static let kinds = [
        "truncate", "flip", "flip several", "huge dim", "bad rank", "dim changed", "overlap", "misaligned",
        "past EOF", "into descriptor", "byte length", "dtype", "layer kind", "settings length", "huge count",
        "magic", "version", "flags", "file size", "descriptor length", "tensor bytes", "tensor hash",
        "string length", "hasBias", "dense features", "trailing descriptor", "metadata order", "count off by one",
    ]

    static func mutation(_ base: [UInt8], _ layout: FileLayout, _ rng: inout SeededGenerator) -> Mutation {
        let kind = kinds.randomElement(using: &rng)!
        var b = base
        var expect: ((Problem) -> Bool)? = nil
        var rehash = true
        let t = layout.tensors.randomElement(using: &rng)!
        let l = layout.layers.randomElement(using: &rng)!
        func any<T: FixedWidthInteger>(_ range: ClosedRange<T>) -> T { T.random(in: range, using: &rng) }

        switch kind {
        case "truncate":
            let n = any(0...base.count - 1)
            b = Array(base[..<n]); rehash = false
            expect = truncation(n, of: base.count)
        case "flip":
            let at = any(0...base.count - 1)
            b[at] ^= any(1...255); rehash = false
            // Past the descriptor (tensor bytes, padding) or in the hash itself only the hash can tell.
            if at >= layout.descriptorEnd || (32..<64).contains(at) {
                expect = { if case .modelHashMismatch = $0 { return true } else { return false } }
            }
        case "flip several":
            for _ in 0..<any(2...8) { b[any(0...base.count - 1)] ^= any(1...255) }
            rehash = false
        case "huge dim":
            b.put(UInt64(any(UInt32(1 << 31 + 1)...UInt32.max)), at: t.dimsAt + 4 * any(0...t.rank - 1), size: 4)
            expect = { if case .tooManyElements(t.name, _) = $0 { return true } else { return false } }
        case "bad rank":
            let rank = Bool.random(using: &rng) ? 0 : any(9...255)
            b[t.rankAt] = UInt8(rank)
            expect = { $0 == .badRank(tensor: t.name, rank: rank) }
        case "dim changed":
            let at = t.dimsAt + 4 * any(0...t.rank - 1)
            b.put(b.get(at: at, size: 4) + UInt64(any(1...3)), at: at, size: 4)
            let elements = (0..<t.rank).reduce(1) { $0 * Int(b.get(at: t.dimsAt + 4 * $1, size: 4)) }
            expect = { $0 == .byteLengthMismatch(tensor: t.name, found: UInt64(t.length), expected: elements * 4) }
        case "overlap":
            let other = layout.tensors.filter { $0.name != t.name }.randomElement(using: &rng)!
            let offset = other.offset + 64 * any(0...(other.length - 1) / 64)
            b.put(UInt64(offset), at: t.offsetAt, size: 8)
            let fits = offset + t.length <= base.count
            expect = {
                switch $0 {
                case .tensorsOverlap: return fits
                case let .tensorOutOfBounds(name, _, _): return !fits && name == t.name
                default: return false
                }
            }
        case "misaligned":
            let offset = UInt64(t.offset + any(1...63))
            b.put(offset, at: t.offsetAt, size: 8)
            expect = { $0 == .misalignedOffset(tensor: t.name, offset: offset) }
        case "past EOF":
            let offset = Bool.random(using: &rng) ? UInt64((base.count + 63) / 64 * 64 + 64 * any(0...1000))
                                                  : UInt64.max - 63
            b.put(offset, at: t.offsetAt, size: 8)
            let (end, overflow) = offset.addingReportingOverflow(UInt64(t.length))
            expect = { $0 == .tensorOutOfBounds(tensor: t.name, end: overflow ? .max : end, fileSize: base.count) }
        case "into descriptor":
            let offset = 64 * any(0...(layout.descriptorEnd - 1) / 64)
            b.put(UInt64(offset), at: t.offsetAt, size: 8)
            expect = { $0 == .tensorOverlapsDescriptor(tensor: t.name, offset: offset, descriptorEnd: layout.descriptorEnd) }
        case "byte length":
            let length = UInt64(t.length) &+ (Bool.random(using: &rng) ? any(1...4096) : UInt64.max - any(0...UInt64(t.length - 1)))
            b.put(length, at: t.lengthAt, size: 8)
            expect = { $0 == .byteLengthMismatch(tensor: t.name, found: length, expected: t.length) }
        case "dtype":
            let code = [1, 2, 3, any(4...255)].randomElement(using: &rng)!
            b[t.dtypeAt] = UInt8(code)
            expect = {
                switch code {
                case 1: return $0 == .byteLengthMismatch(tensor: t.name, found: UInt64(t.length), expected: t.length / 2)
                case 2, 3: return $0 == .unsupportedDType(tensor: t.name, dtype: DType(rawValue: code)!)
                default: return $0 == .unknownDType(tensor: t.name, code: code)
                }
            }
        case "layer kind":
            let code = Bool.random(using: &rng) ? 0 : any(12...65535)
            b.put(UInt64(code), at: l.kindAt, size: 2)
            expect = { $0 == .unknownLayerKind(layer: l.name, code: code) }
        case "settings length":
            let declared = [l.length + any(1...9), UInt32.max.asInt, l.length > 0 ? any(0...l.length - 1) : l.length + 1]
                .randomElement(using: &rng)!
            b.put(UInt64(declared), at: l.lengthAt, size: 4)
            expect = { $0 == .settingsLengthMismatch(layer: l.name, declared: declared, actual: l.length) }
        case "huge count":
            let (what, at, maximum) = [("labels", layout.labelsCountAt, 65_536), ("layers", layout.layersCountAt, 4096),
                                       ("tensors", layout.tensorsCountAt, 65_536),
                                       ("metadata entries", layout.metadataCountAt, 4096)].randomElement(using: &rng)!
            let count = Bool.random(using: &rng) ? UInt32.max.asInt : any(maximum + 1...UInt32.max.asInt)
            b.put(UInt64(count), at: at, size: 4)
            expect = { $0 == .countTooLarge(what: what, count: count, maximum: maximum) }
        case "magic":
            b[any(0...7)] ^= any(1...255)
            let found = Array(b[0..<8])
            expect = { $0 == .badMagic(found: found) }
        case "version":
            let version = [0, 2, 3, any(4...UInt32.max.asInt)].randomElement(using: &rng)!
            b.put(UInt64(version), at: 8, size: 4)
            expect = { $0 == .unsupportedVersion(found: version, supported: 1) }
        case "flags":
            let flags = Bool.random(using: &rng) ? 1 << any(0...31) : any(1...UInt32.max.asInt)
            b.put(UInt64(flags), at: 12, size: 4)
            expect = { $0 == .nonZeroFlags(found: flags) }
        case "file size":
            let size = Bool.random(using: &rng) ? UInt64(base.count) &+ (any(UInt64(1)...64) &* (Bool.random(using: &rng) ? 1 : .max))
                                                : any(UInt64(0)...UInt64.max)
            b.put(size, at: 16, size: 8)
            expect = { $0 == .fileSizeMismatch(declared: size, actual: base.count) }
        case "descriptor length":
            let length = any(UInt64(base.count - 63)...UInt64.max)
            b.put(length, at: 24, size: 8)
            expect = { $0 == .descriptorOutOfBounds(length: length, fileSize: base.count) }
        case "tensor bytes":
            b[t.offset + any(0...t.length - 1)] ^= any(1...255)
            expect = { if case .tensorHashMismatch(t.name, _, _) = $0 { return true } else { return false } }
        case "tensor hash":
            b[t.hashAt + any(0...31)] ^= any(1...255)
            expect = { if case .tensorHashMismatch(t.name, _, _) = $0 { return true } else { return false } }
        case "string length":
            b.put(UInt64(any(65_537...UInt32.max.asInt)), at: layout.firstLabelAt, size: 4)
            expect = { if case .malformed("labels", .tooLong) = $0 { return true } else { return false } }
        case "hasBias":
            let withBias = layout.layers.filter { [1, 8].contains(Int(base.get(at: $0.kindAt, size: 2))) }
            let target = withBias.randomElement(using: &rng)!
            b[target.settingsAt + target.length - 1] = any(2...255)
            expect = { if case .invalidModel(.invalidSetting(target.name, "hasBias", _, _)) = $0 { return true } else { return false } }
        case "dense features":
            let dense = layout.layers.filter { base.get(at: $0.kindAt, size: 2) == 8 }.randomElement(using: &rng)!
            let at = dense.settingsAt + 4 * any(0...1)
            b.put(b.get(at: at, size: 4) + UInt64(any(1...5)), at: at, size: 4)
            expect = { if case .invalidModel = $0 { return true } else { return false } }
        case "trailing descriptor":
            let room = layout.tensors.map(\.offset).min()! - layout.descriptorEnd
            let extra = any(1...max(1, room))
            b.put(UInt64(layout.descriptorEnd - 64 + extra), at: 24, size: 8)
            expect = { $0 == .trailingDescriptorBytes(count: extra, offset: layout.descriptorEnd) }
            if room == 0 { expect = nil }
        case "metadata order":
            // A later key whose first byte is ASCII, so the result stays valid UTF-8.
            let key = layout.metadataKeys.dropFirst().filter { base[$0.at + 4] < 0x80 }.randomElement(using: &rng)!
            b[key.at + 4] = UInt8(ascii: "!")
            expect = { if case .metadataNotSorted = $0 { return true } else { return false } }
        default:  // "count off by one": misreads everything after it; any error will do
            let at = [layout.labelsCountAt, layout.layersCountAt, layout.tensorsCountAt, layout.metadataCountAt]
                .randomElement(using: &rng)!
            b.put(b.get(at: at, size: 4) &+ (Bool.random(using: &rng) ? 1 : UInt64(UInt32.max)), at: at, size: 4)
        }
        if rehash { b.rehash() }
        return Mutation(kind: kind, bytes: b, expect: expect)
    }

    @Test("a flipped weight byte without rehash fails the model hash, naming both hashes")
    func flippedWeight() throws {
        var bytes = try ModelFile.encode(TestModels.flattenSigmoid())
        let layout = try FileLayout(bytes)
        bytes[layout.tensors[0].offset + 5] ^= 0x10
        let (problem, error) = decodeProblem(bytes)
        guard case let .modelHashMismatch(stored, computed) = problem else { Issue.record("\(String(describing: error))"); return }
        #expect(stored == hex(bytes[32..<64]) && computed != stored)
    }
}

extension FixedWidthInteger {
    var asInt: Int { Int(self) }
}
