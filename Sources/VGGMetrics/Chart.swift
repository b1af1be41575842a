import VGGImage
import VGGSystem

/// Renders a `TrainingHistory` as a PNG chart: a loss panel and an accuracy panel (0–1 axis),
/// each with the training curve and, when the run has one, the validation curve.
///
/// Pure Swift rasterization (no graphics library, no fonts installed) so charts can be
/// written on a headless training box: light grid lines, axes with epoch and value tick
/// labels, a title and a legend in a built-in 5×7 bitmap font. Curves are 2 px or thicker;
/// training is drawn in `trainColor`, validation in `validationColor`, and isolated points
/// (a single epoch, or a value between two missing ones) as dots. NaN or infinite values
/// (a diverged run) leave gaps; values off the axis are clipped at the panel edge.
public enum TrainingChart {
    /// Colour of the training curves.
    public static let trainColor = ChartColor(red: 31, green: 119, blue: 180)
    /// Colour of the validation curves (used nowhere else, so its absence is testable).
    public static let validationColor = ChartColor(red: 230, green: 97, blue: 0)
    static let backgroundColor = ChartColor(red: 255, green: 255, blue: 255)
    static let gridColor = ChartColor(red: 229, green: 229, blue: 229)
    static let axisColor = ChartColor(red: 64, green: 64, blue: 64)
    static let textColor = ChartColor(red: 32, green: 32, blue: 32)

    /// Sizes are clamped to this range: below the minimum the labels no longer fit, above the
    /// maximum the RGB buffer (3 bytes a pixel) would be needlessly large.
    public static let minimumWidth = 240, minimumHeight = 160, maximumSide = 4096

    /// Draws the chart into a `width × height` RGB buffer (`rgb[(y · width + x) · 3 + c]`,
    /// top row first). The size is clamped to minimumWidth/minimumHeight...maximumSide; the
    /// returned width and height are the ones actually used. Panels sit side by side when
    /// the image is at least as wide as high, stacked otherwise.
    public static func render(_ history: TrainingHistory, width: Int = 800,
                              height: Int = 500) -> (width: Int, height: Int, rgb: [UInt8]) {
        let w = min(max(width, minimumWidth), maximumSide), h = min(max(height, minimumHeight), maximumSide)
        var canvas = ChartCanvas(width: w, height: h, background: backgroundColor)
        let style = Style(scale: min(w, h) >= 400 ? 2 : 1)
        let showValidation = history.hasValidation

        let headerBottom = drawHeader(on: &canvas, style: style, showValidation: showValidation,
                                      empty: history.epochs.isEmpty)
        let records = history.epochs
        let epochs = records.map(\.epoch)
        let loss = Panel(title: "loss", epochs: epochs, train: records.map { $0.trainLoss },
                         validation: showValidation ? records.map { $0.validationLoss } : [], fixedRange: nil)
        let accuracy = Panel(title: "accuracy", epochs: epochs, train: records.map { $0.trainAccuracy },
                             validation: showValidation ? records.map { $0.validationAccuracy } : [],
                             fixedRange: [0, 1])
        let area = Rect(x: 0, y: headerBottom, width: w, height: h - headerBottom)
        if w >= h {
            let half = area.width / 2
            draw(loss, in: Rect(x: 0, y: area.y, width: half, height: area.height), on: &canvas, style: style)
            draw(accuracy, in: Rect(x: half, y: area.y, width: area.width - half, height: area.height),
                 on: &canvas, style: style)
        } else {
            let half = area.height / 2
            draw(loss, in: Rect(x: 0, y: area.y, width: w, height: half), on: &canvas, style: style)
            draw(accuracy, in: Rect(x: 0, y: area.y + half, width: w, height: area.height - half),
                 on: &canvas, style: style)
        }
        return (w, h, canvas.rgb)
    }

    /// Renders the chart (see `render`) and writes it as an RGB PNG at `path`. Throws
    /// `ImageWriteError` when the file cannot be written.
    public static func write(_ history: TrainingHistory, to path: String, width: Int = 800,
                             height: Int = 500) throws {
        try write(history, to: try OutputFile(path), width: width, height: height)
    }

    /// `write(_:to:)` to a checked output, replaced atomically.
    public static func write(_ history: TrainingHistory, to output: OutputFile, width: Int = 800,
                             height: Int = 500) throws {
        let image = render(history, width: width, height: height)
        try ImageWriter.writePNG(to: output, width: image.width, height: image.height, channels: 3,
                                 samples: image.rgb)
    }

    // MARK: - Layout

    /// Sizes derived from the font scale (1 for small charts, 2 from 400 px up).
    struct Style {
        let scale: Int
        var pad: Int { 6 * scale }
        var lineHeight: Int { BitmapFont.height(scale: scale) }
        /// Height of digits and capitals-sized letters (no descender): what labels centre on.
        var glyphHeight: Int { BitmapFont.glyphHeight * scale }
        var curveThickness: Int { 2 * scale }
        var dotRadius: Int { 2 * scale + 1 }
        func width(_ text: String) -> Int { BitmapFont.width(of: text, scale: scale) }
    }

    struct Rect {
        var x: Int, y: Int, width: Int, height: Int
    }

    /// One panel's data: y values per epoch; nil or non-finite values are gaps.
    struct Panel {
        let title: String
        let epochs: [Int]
        let train: [Double]
        let validation: [Double?]
        /// Values the y axis must include (accuracy always spans 0...1).
        let fixedRange: [Double]?
    }

    /// Title on the left, legend on the right; returns the y where the panels start. The
    /// title is dropped when both do not fit (the legend is what makes the curves readable).
    private static func drawHeader(on canvas: inout ChartCanvas, style: Style, showValidation: Bool,
                                   empty: Bool) -> Int {
        let y = style.pad
        let swatch = 14 * style.scale
        var entries = [("train", trainColor)]
        if showValidation { entries.append(("validation", validationColor)) }
        let legendWidth = entries.reduce(0) { $0 + swatch + style.pad / 2 + style.width($1.0) + 2 * style.pad }
        var x = canvas.width - legendWidth
        for (label, color) in entries {
            let middle = y + style.glyphHeight / 2 - style.curveThickness / 2
            canvas.horizontal(x0: x, x1: x + swatch - 1, y: middle, thickness: style.curveThickness, color: color)
            x += swatch + style.pad / 2
            canvas.text(label, x: x, y: y, scale: style.scale, color: textColor)
            x += style.width(label) + 2 * style.pad
        }
        let title = empty ? "training history: no epochs" : "training history"
        if style.pad + style.width(title) + 2 * style.pad <= canvas.width - legendWidth {
            canvas.text(title, x: style.pad, y: y, scale: style.scale, color: textColor)
        }
        return y + style.lineHeight + style.pad
    }

    /// Draws one panel inside `rect`: title, grid, axes, tick labels, then the curves.
    private static func draw(_ panel: Panel, in rect: Rect, on canvas: inout ChartCanvas, style: Style) {
        let s = style.scale, pad = style.pad, line = style.lineHeight
        let plotTop = rect.y + line + pad
        let plotBottom = rect.y + rect.height - pad - line - pad - line - pad
        let yValues = panel.train + panel.validation.compactMap { $0 }
        let yAxis = ChartAxis.values(panel.fixedRange == nil ? yValues : [], including: panel.fixedRange ?? [],
                                     maxTicks: max(2, (plotBottom - plotTop) / (3 * line)))
        let yLabels = yAxis.labels
        let plotLeft = rect.x + pad + (yLabels.map(style.width).max() ?? 0) + pad
        let plotRight = rect.x + rect.width - 2 * pad
        // Too small to draw anything legible (cannot happen at the minimum size).
        guard plotRight - plotLeft >= 20, plotBottom - plotTop >= 20 else { return }

        let first = panel.epochs.min() ?? 1, last = panel.epochs.max() ?? 1
        let widestEpoch = max(style.width(String(first)), style.width(String(last)))
        let xAxis = ChartAxis.epochs(first: first, last: last,
                                     maxTicks: max(2, (plotRight - plotLeft) / (2 * (widestEpoch + pad))))
        func px(_ x: Double) -> Int { plotLeft + pixels(xAxis.fraction(x) ?? 0, span: plotRight - plotLeft) }
        func py(_ y: Double) -> Int? {
            yAxis.fraction(y).map { plotBottom - pixels($0, span: plotBottom - plotTop) }
        }

        canvas.text(panel.title, x: plotLeft, y: rect.y, scale: s, color: textColor)
        for (value, label) in zip(yAxis.ticks, yLabels) {
            guard let y = py(value) else { continue }
            canvas.horizontal(x0: plotLeft, x1: plotRight, y: y, color: gridColor)
            canvas.horizontal(x0: plotLeft - pad / 2, x1: plotLeft, y: y, thickness: s, color: axisColor)
            canvas.text(label, x: plotLeft - pad - style.width(label), y: y - style.glyphHeight / 2, scale: s,
                        color: textColor)
        }
        for tick in xAxis.ticks {
            let x = px(tick), label = xAxis.label(tick)
            canvas.vertical(x: x, y0: plotTop, y1: plotBottom, color: gridColor)
            canvas.vertical(x: x, y0: plotBottom, y1: plotBottom + pad / 2, thickness: s, color: axisColor)
            canvas.text(label, x: x - style.width(label) / 2, y: plotBottom + pad, scale: s, color: textColor)
        }
        canvas.vertical(x: plotLeft, y0: plotTop, y1: plotBottom, thickness: s, color: axisColor)
        canvas.horizontal(x0: plotLeft, x1: plotRight, y: plotBottom, thickness: s, color: axisColor)
        let axisTitle = "epoch"
        canvas.text(axisTitle, x: (plotLeft + plotRight - style.width(axisTitle)) / 2,
                    y: plotBottom + pad + line + pad, scale: s, color: textColor)

        // Training first, so validation stays visible where the curves coincide.
        let points = { (values: [Double?]) in
            zip(panel.epochs, values).map { x, y in y.flatMap(py).map { (x: px(Double(x)), y: $0) } }
        }
        let dotAll = panel.epochs.count > 1
            && (plotRight - plotLeft) / (panel.epochs.count - 1) >= 8 * s
        drawCurve(points(panel.train), color: trainColor, dotAll: dotAll, on: &canvas, style: style)
        if !panel.validation.isEmpty {
            drawCurve(points(panel.validation), color: validationColor, dotAll: dotAll, on: &canvas, style: style)
        }
    }

    /// Connects consecutive present points; a point without a present neighbour (or every
    /// point, when there is room) is drawn as a dot so it is never invisible.
    private static func drawCurve(_ points: [(x: Int, y: Int)?], color: ChartColor, dotAll: Bool,
                                  on canvas: inout ChartCanvas, style: Style) {
        for (i, point) in points.enumerated() {
            guard let p = point else { continue }
            let previous = i > 0 ? points[i - 1] : nil
            let next = i + 1 < points.count ? points[i + 1] : nil
            if let q = previous {
                canvas.line(x0: q.x, y0: q.y, x1: p.x, y1: p.y, thickness: style.curveThickness, color: color)
            }
            if dotAll || (previous == nil && next == nil) {
                canvas.dot(cx: p.x, cy: p.y, radius: style.dotRadius, color: color)
            }
        }
    }

    /// `fraction` of `span` pixels, clipped to the span: off-axis values sit on the edge.
    private static func pixels(_ fraction: Double, span: Int) -> Int {
        guard fraction.isFinite else { return 0 }
        return Int((min(max(fraction, 0), 1) * Double(span)).rounded())
    }
}
