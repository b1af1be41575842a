import VGGCore

/// How one activation tensor sits in its arena buffer: channels-last with a zero border.
struct Storage: Equatable {
    var height: Int, width: Int, channels: Int
    var border: Schedule.Border

    init(shape: ActivationShape, border: Schedule.Border) {
        switch shape {
        case let .image(h, w, c): (height, width, channels) = (h, w, c)
        case let .vector(n): (height, width, channels) = (1, 1, n)
        }
        self.border = border
    }

    var paddedWidth: Int { width + border.left + border.right }
    var paddedHeight: Int { height + border.top + border.bottom }
    /// Floats between the starts of two consecutive rows.
    var rowStride: Int { paddedWidth * channels }
    /// Float offset of interior pixel (0, 0).
    var origin: Int { border.top * rowStride + border.left * channels }
    var floats: Int { paddedHeight * paddedWidth * channels }
    var isPadded: Bool { border != Schedule.Border() }

    /// The run() line that zeroes the border of `buffer` holding this tensor (or a copy of it
    /// laid out the same way).
    func zeroBorder(_ buffer: String) -> String {
        "zeroBorder(\(buffer), \(height), \(width), \(channels), \(border.top), \(border.left), \(border.bottom), \(border.right))"
    }
}
