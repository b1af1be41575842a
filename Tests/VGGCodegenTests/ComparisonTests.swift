import Testing
import VGGCheck

@Suite("Comparison")
struct ComparisonTests {
    @Test func withinAndBeyondTheBound() {
        let d = Difference([1, 2, 3], [1, 2.5, 3], bound: [0, 1, 0])
        #expect(d.withinBound)
        #expect(d.maxAbsolute == 0.5)
        #expect(d.worstIndex == 1 && d.worstRatio == 0.5)
        let e = Difference([1, 2, 3], [1, 2.5, 3], bound: [0, 0.25, 0])
        #expect(!e.withinBound && e.worstRatio == 2)
        #expect(e.worstValues.predictor == 2 && e.worstValues.engine == 2.5 && e.worstValues.bound == 0.25)
    }

    /// A zero bound means exact: equal values pass, any difference is an infinite ratio.
    @Test func zeroBoundIsExact() {
        #expect(Difference([0, 5], [0, 5], bound: [0, 0]).withinBound)
        let d = Difference([0, 5], [0, 5.0000005], bound: [0, 0])
        #expect(!d.withinBound && d.worstRatio == .infinity && d.worstIndex == 1)
    }

    @Test func nanOnOneSideFails() {
        let d = Difference([.nan, 1], [0, 1], bound: [1, 1])
        #expect(!d.withinBound && d.worstIndex == 0)
        #expect(Difference([.nan], [.nan], bound: [0]).withinBound)
    }

    @Test func ulps() {
        #expect(ulpDistance(1, 1) == 0)
        #expect(ulpDistance(1, Float(1).nextUp) == 1)
        #expect(ulpDistance(-0.0, 0.0) == 0)
        #expect(ulpDistance(Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude) == 2)
    }
}
