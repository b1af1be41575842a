import Foundation

/// One axis of a chart panel: the value range it spans and where its labelled ticks go.
///
/// Ranges are widened to "nice" steps (1, 2 or 5 times a power of ten) so tick labels are
/// short round numbers. Everything here is defensive about the data: losses of a diverged
/// run can be huge or non-finite, and a chart must still come out.
struct ChartAxis: Equatable {
    /// Value at the start (left / bottom) of the axis.
    var lower: Double
    /// Value at the end (right / top) of the axis; always greater than `lower`.
    var upper: Double
    /// Tick values, ascending, all within lower...upper.
    var ticks: [Double]
    /// Digits after the decimal point in tick labels.
    var decimals: Int

    /// Largest magnitude an axis spans. Beyond it (a diverged loss of 1e30) the curve is
    /// clipped at the panel edge instead of squashing every sane value onto the axis.
    static let magnitudeLimit = 1e9

    /// Tick labels, in the order of `ticks`.
    var labels: [String] { ticks.map(label) }

    /// `value` printed with the axis' decimals ("0.25", "3", "1e+09" for huge values).
    func label(_ value: Double) -> String {
        if abs(value) >= 1e7 { return String(format: "%.0e", value) }
        // Fixed notation prints a tiny negative rounding residue as "-0.0".
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// The fraction (0 at `lower`, 1 at `upper`) of the axis at which `value` lies; may be
    /// outside 0...1 for values off the axis, and is nil for non-finite values.
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        return (value - lower) / (upper - lower)
    }

    /// A value axis covering `values` (non-finite ones ignored) and `including`, with at most
    /// about `maxTicks` ticks. With no usable value it spans 0...1.
    static func values(_ values: [Double], including fixed: [Double] = [], maxTicks: Int) -> ChartAxis {
        let usable = (values + fixed).filter(\.isFinite).map { min(max($0, -magnitudeLimit), magnitudeLimit) }
        var lower = usable.min() ?? 0, upper = usable.max() ?? 1
        // A range within rounding noise of its values would need absurdly many decimals.
        if upper - lower <= max(abs(lower), abs(upper)) * 1e-9 {
            // A flat curve: give it room above (and below, unless it sits at 0).
            let half = max(abs(lower) * 0.5, 0.5)
            upper = lower + half
            lower = lower == 0 ? 0 : lower - half
        }
        return nice(lower: lower, upper: upper, maxTicks: maxTicks)
    }

    /// An epoch axis from `first` to `last` with integer ticks: the first epoch, then every
    /// multiple of a nice step. A single epoch gets an axis from `first − ½` to `first + ½`
    /// so its point sits in the middle.
    static func epochs(first: Int, last: Int, maxTicks: Int) -> ChartAxis {
        let lo = Double(min(first, last)), hi = Double(max(first, last))
        guard hi > lo else { return ChartAxis(lower: lo - 0.5, upper: lo + 0.5, ticks: [lo], decimals: 0) }
        let step = max(1, niceStep((hi - lo) / Double(max(1, maxTicks - 1))).rounded(.up))
        var ticks: [Double] = []
        var value = (lo / step).rounded(.up) * step
        if value - lo >= step / 2 || value == lo { ticks.append(lo) }
        if value == lo { value += step }
        while value <= hi && ticks.count < 1000 {
            ticks.append(value)
            value += step
        }
        return ChartAxis(lower: lo, upper: hi, ticks: ticks, decimals: 0)
    }

    /// lower...upper widened outwards to whole steps, with the ticks on those steps.
    static func nice(lower: Double, upper: Double, maxTicks: Int) -> ChartAxis {
        let step = niceStep((upper - lower) / Double(max(1, maxTicks - 1)))
        // The tolerance keeps 1.0 / 0.2 = 4.999… from adding an empty step.
        let first = (lower / step + 1e-9).rounded(.down) * step
        let last = (upper / step - 1e-9).rounded(.up) * step
        guard first.isFinite, last.isFinite, last > first else {
            // Unreachable for the ranges `values` builds; a plain two-tick axis just in case.
            let top = upper > lower ? upper : lower + 1
            return ChartAxis(lower: lower, upper: top, ticks: [lower, top], decimals: 3)
        }
        let count = min(1000, max(1, Int(((last - first) / step).rounded())))
        let ticks = (0...count).map { i -> Double in
            let value = first + Double(i) * step
            return abs(value) < step * 1e-9 ? 0 : value
        }
        let decimals = min(10, max(0, -Int(log10(step).rounded(.down))))
        return ChartAxis(lower: first, upper: first + Double(count) * step, ticks: ticks, decimals: decimals)
    }

    /// 1, 2 or 5 × 10^k, the smallest such value ≥ `rough` (positive and finite input assumed;
    /// anything else gives 1).
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let magnitude = pow(10, log10(rough).rounded(.down))
        // The tolerance keeps a rounding residue (2.0000000000000004) from doubling the step.
        let residual = rough / magnitude * (1 - 1e-9)
        let factor: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        return factor * magnitude
    }
}
