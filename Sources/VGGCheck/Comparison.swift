/// How two runs of the same input differ, measured against the allowed bound.
public struct Difference: Sendable, Encodable {
    /// Largest |a − b|.
    public var maxAbsolute: Float = 0
    /// Largest |a − b| / max(|a|, |b|) over elements where either is non-zero.
    public var maxRelative: Float = 0
    /// Largest distance in units in the last place.
    public var maxULP: Int = 0
    /// Largest |a − b| / bound (≤ 1 means within tolerance; 0/0 counts as 0, x/0 as ∞).
    public var worstRatio: Float = 0
    /// Element with the worst ratio, and both values there.
    public var worstIndex = 0
    public var worstValues: (predictor: Float, engine: Float, bound: Float) = (0, 0, 0)

    public var withinBound: Bool { worstRatio <= 1 }

    public init() {}

    /// Compares `a` (predictor) with `b` (engine) elementwise under `bound`.
    public init(_ a: [Float], _ b: [Float], bound: [Float]) {
        precondition(a.count == b.count && b.count == bound.count, "compared arrays differ in size")
        var worst: Float = -1
        for i in a.indices {
            let d = abs(a[i] - b[i])
            let nan = a[i].isNaN != b[i].isNaN
            maxAbsolute = max(maxAbsolute, nan ? .infinity : (d.isNaN ? 0 : d))
            let scale = max(abs(a[i]), abs(b[i]))
            if scale > 0, d.isFinite { maxRelative = max(maxRelative, d / scale) }
            maxULP = max(maxULP, ulpDistance(a[i], b[i]))
            // 0/0 (both equal, bound 0) is 0; anything over a zero bound is infinite.
            let ratio: Float = nan ? .infinity : (d == 0 || d.isNaN) ? 0 : bound[i] > 0 ? d / bound[i] : .infinity
            if ratio > worst {
                worst = ratio
                worstIndex = i
                worstValues = (a[i], b[i], bound[i])
            }
        }
        worstRatio = max(worst, 0)
    }

    enum CodingKeys: String, CodingKey { case maxAbsolute, maxRelative, maxULP, worstRatio, worstIndex }
}

/// Units in the last place between two floats (their positions in the ordered set of floats).
public func ulpDistance(_ a: Float, _ b: Float) -> Int {
    if a == b { return 0 }
    if a.isNaN || b.isNaN { return Int(Int32.max) }
    func ordered(_ f: Float) -> Int64 {
        let bits = Int64(Int32(bitPattern: f.bitPattern))
        return bits < 0 ? Int64(Int32.min) - bits : bits
    }
    return Int(min(abs(ordered(a) - ordered(b)), Int64(Int32.max)))
}
