/// An 8-bit RGB colour of a chart element.
public struct ChartColor: Sendable, Equatable, Hashable {
    public var red: UInt8, green: UInt8, blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red; self.green = green; self.blue = blue
    }
}

/// A minimal RGB raster for the training chart: filled rectangles, thick lines, dots and
/// bitmap text, no anti-aliasing (every pixel is exactly one of the palette's colours, which
/// keeps the PNG small and lets tests look for colours).
///
/// Every primitive clips to the canvas, so a caller may pass any coordinates, including ones
/// far outside it (values off the axis range); nothing is ever written out of bounds.
struct ChartCanvas {
    let width: Int
    let height: Int
    /// `rgb[(y · width + x) · 3 + c]`, top row first.
    private(set) var rgb: [UInt8]

    init(width: Int, height: Int, background: ChartColor) {
        self.width = width
        self.height = height
        rgb = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    /// The colour at (x, y); nil outside the canvas.
    func color(x: Int, y: Int) -> ChartColor? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        let i = (y * width + x) * 3
        return ChartColor(red: rgb[i], green: rgb[i + 1], blue: rgb[i + 2])
    }

    mutating func set(x: Int, y: Int, color: ChartColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        rgb[i] = color.red
        rgb[i + 1] = color.green
        rgb[i + 2] = color.blue
    }

    /// Fills the rectangle [x, x + width) × [y, y + height), clipped.
    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: ChartColor) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x.addingReportingOverflow(w).partialValue)
        let y1 = min(height, y.addingReportingOverflow(h).partialValue)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { set(x: xx, y: yy, color: color) }
        }
    }

    /// A horizontal line of `thickness` pixels starting at row y.
    mutating func horizontal(x0: Int, x1: Int, y: Int, thickness: Int = 1, color: ChartColor) {
        fill(x: min(x0, x1), y: y, width: abs(x1 - x0) + 1, height: thickness, color: color)
    }

    /// A vertical line of `thickness` pixels starting at column x.
    mutating func vertical(x: Int, y0: Int, y1: Int, thickness: Int = 1, color: ChartColor) {
        fill(x: x, y: min(y0, y1), width: thickness, height: abs(y1 - y0) + 1, color: color)
    }

    /// A line from (x0, y0) to (x1, y1), `thickness` pixels wide: Bresenham's walk stamping a
    /// square brush at every step, which is thick in every direction without anti-aliasing.
    /// Endpoints are clamped first, so a huge coordinate cannot make the walk run for ages.
    mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, thickness: Int, color: ChartColor) {
        let limit = 4 * max(width, height)
        var x = min(max(x0, -limit), limit), y = min(max(y0, -limit), limit)
        let xEnd = min(max(x1, -limit), limit), yEnd = min(max(y1, -limit), limit)
        let dx = abs(xEnd - x), dy = -abs(yEnd - y)
        let sx = x < xEnd ? 1 : -1, sy = y < yEnd ? 1 : -1
        let offset = (thickness - 1) / 2
        var error = dx + dy
        while true {
            fill(x: x - offset, y: y - offset, width: thickness, height: thickness, color: color)
            if x == xEnd && y == yEnd { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// A filled disc of `radius` pixels centred on (cx, cy).
    mutating func dot(cx: Int, cy: Int, radius: Int, color: ChartColor) {
        guard radius >= 0 else { return }
        for dy in -radius...radius {
            for dx in -radius...radius where dx * dx + dy * dy <= radius * radius + radius {
                set(x: cx + dx, y: cy + dy, color: color)
            }
        }
    }

    /// Draws `text` with its top-left corner at (x, y) (see `BitmapFont`).
    mutating func text(_ text: String, x: Int, y: Int, scale: Int, color: ChartColor) {
        var penX = x
        for character in text {
            let rows = BitmapFont.glyph(for: character)
            let top = y + BitmapFont.top(of: character) * scale
            for (row, bits) in rows.enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> column) != 0 {
                    fill(x: penX + column * scale, y: top + row * scale, width: scale, height: scale, color: color)
                }
            }
            penX += BitmapFont.advance * scale
        }
    }
}
