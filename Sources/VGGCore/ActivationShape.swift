/// The shape of one image's activations between two layers.
///
/// Layout is channels-last (NHWC without the batch dimension): an `image` activation
/// stores element `(y, x, c)` at `(y * width + x) * channels + c`. Channels-last is the
/// layout in which a direct convolution vectorizes over output channels, which is what
/// both the engine's GEMM and the generated kernels want.
public enum ActivationShape: Equatable, Hashable, Sendable, CustomStringConvertible {
    case image(height: Int, width: Int, channels: Int)
    case vector(Int)

    public var elementCount: Int {
        switch self {
        case let .image(h, w, c): return h * w * c
        case let .vector(n): return n
        }
    }

    /// The innermost (channel or feature) dimension.
    public var channels: Int {
        switch self {
        case let .image(_, _, c): return c
        case let .vector(n): return n
        }
    }

    public var dims: [Int] {
        switch self {
        case let .image(h, w, c): return [h, w, c]
        case let .vector(n): return [n]
        }
    }

    public var description: String {
        switch self {
        case let .image(h, w, c): return "\(h)×\(w)×\(c)"
        case let .vector(n): return "\(n)"
        }
    }
}

/// Element counts above this are refused everywhere (2^31): they cannot come from a real
/// VGG and would overflow 32-bit index arithmetic in generated code.
public let maximumElementCount = 1 << 31

/// Multiplies dimensions, failing instead of overflowing. Returns nil for a negative
/// dimension or a product above `maximumElementCount`.
public func checkedElementCount(_ dims: [Int]) -> Int? {
    var n = 1
    for d in dims {
        guard d >= 0 else { return nil }
        let (p, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow, p <= maximumElementCount else { return nil }
        n = p
    }
    return n
}
