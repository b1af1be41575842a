/// A model's provenance: text values under keys that are compared by their UTF-8 bytes.
///
/// The file format orders and de-duplicates keys by bytes (docs/model-format.md). A Swift
/// `Dictionary<String, …>` would instead merge keys that are canonically equivalent Unicode
/// but byte-different — "é" as one scalar (NFC) and as "e" + combining accent (NFD) — and
/// refuse a valid file. Entries are kept sorted by key bytes, the order they are written in.
public struct Metadata: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: String)
    private var entries: [Element] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (k, v) in elements { self[k] = v }
    }

    public init(_ pairs: [String: String]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    /// The value under exactly these key bytes; setting nil removes the entry.
    public subscript(key: String) -> String? {
        get {
            let i = index(of: key)
            return i < entries.count && Self.same(entries[i].key, key) ? entries[i].value : nil
        }
        set {
            let i = index(of: key)
            let present = i < entries.count && Self.same(entries[i].key, key)
            switch (present, newValue) {
            case (true, let v?): entries[i].value = v
            case (true, nil): entries.remove(at: i)
            case (false, let v?): entries.insert((key, v), at: i)
            case (false, nil): break
            }
        }
    }

    /// Appends an entry whose key follows every key present by bytes (the reader's order);
    /// false if it does not (a duplicate or out of order).
    public mutating func append(key: String, value: String) -> Bool {
        if let last = entries.last, !last.key.utf8.lexicographicallyPrecedes(key.utf8) { return false }
        entries.append((key, value))
        return true
    }

    /// In key-byte order.
    public func makeIterator() -> IndexingIterator<[Element]> { entries.makeIterator() }

    public static func == (a: Metadata, b: Metadata) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { same($0.key, $1.key) && $0.value.utf8.elementsEqual($1.value.utf8) }
    }

    /// The first position whose key does not precede `key` by bytes.
    private func index(of key: String) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].key.utf8.lexicographicallyPrecedes(key.utf8) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }
}
