/// How a sliding window (convolution or pooling) treats the borders.
///
/// - `valid`: no padding; windows lie entirely inside the input.
/// - `same`: output size is `ceil(input / stride)`; the padding needed for that is split
///   with the extra pixel at the bottom/right (TensorFlow's convention, which Keras exports).
/// - `explicit`: given pads per side (ONNX `pads`), each smaller than the kernel.
public enum Padding: Equatable, Hashable, Sendable, CustomStringConvertible {
    case valid
    case same
    case explicit(top: Int, left: Int, bottom: Int, right: Int)

    public var description: String {
        switch self {
        case .valid: return "valid"
        case .same: return "same"
        case let .explicit(t, l, b, r): return "pads(\(t),\(l),\(b),\(r))"
        }
    }
}

/// Every number a window loop needs, resolved for one input size. Convolution and both
/// pools share it, so their border semantics cannot drift apart.
public struct WindowGeometry: Equatable, Sendable {
    public var inputHeight: Int, inputWidth: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var outputHeight: Int, outputWidth: Int

    /// Resolves `padding` for a window of `kernel` moved by `stride` over `input` pixels.
    /// Throws when the window does not fit (`layer` names the culprit in the error).
    public init(layer: String, inputHeight: Int, inputWidth: Int,
                kernel: (Int, Int), stride: (Int, Int), padding: Padding) throws {
        self.inputHeight = inputHeight; self.inputWidth = inputWidth
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        func axis(_ size: Int, _ k: Int, _ s: Int, _ name: String) throws -> (Int, Int, Int) {
            switch padding {
            case .valid:
                guard size >= k else {
                    throw ModelError.impossibleShape(layer: layer,
                        reason: "\(name) \(size) is smaller than the \(k)-pixel window with valid padding")
                }
                return (0, 0, (size - k) / s + 1)
            case .same:
                let out = (size + s - 1) / s
                let total = max((out - 1) * s + k - size, 0)
                return (total / 2, total - total / 2, out)
            case let .explicit(top, left, bottom, right):
                let (a, b) = name == "height" ? (top, bottom) : (left, right)
                guard size + a + b >= k else {
                    throw ModelError.impossibleShape(layer: layer,
                        reason: "\(name) \(size) plus padding \(a)+\(b) is smaller than the \(k)-pixel window")
                }
                return (a, b, (size + a + b - k) / s + 1)
            }
        }
        let v = try axis(inputHeight, kernelHeight, strideHeight, "height")
        let h = try axis(inputWidth, kernelWidth, strideWidth, "width")
        (padTop, padBottom, outputHeight) = v
        (padLeft, padRight, outputWidth) = h
    }
}

extension Padding {
    /// Checks settings that do not depend on the input size.
    func validate(layer: String, kernel: (Int, Int)) throws {
        guard case let .explicit(t, l, b, r) = self else { return }
        for (side, pad, k) in [("top", t, kernel.0), ("left", l, kernel.1),
                               ("bottom", b, kernel.0), ("right", r, kernel.1)] {
            guard pad >= 0, pad < k else {
                throw ModelError.invalidSetting(layer: layer, setting: "padding.\(side)",
                                                value: "\(pad)", expected: "0...\(k - 1) (less than the kernel)")
            }
        }
    }

    func encode(into w: inout ByteWriter) {
        switch self {
        case .valid: w.u8(0)
        case .same: w.u8(1)
        case let .explicit(t, l, b, r): w.u8(2); for p in [t, l, b, r] { w.u32(p) }
        }
    }

    static func decode(from r: inout ByteReader, layer: String) throws -> Padding {
        let mode = try r.u8("\(layer).padding")
        switch mode {
        case 0: return .valid
        case 1: return .same
        case 2:
            return .explicit(top: try r.u32("\(layer).padTop"), left: try r.u32("\(layer).padLeft"),
                             bottom: try r.u32("\(layer).padBottom"), right: try r.u32("\(layer).padRight"))
        default:
            throw ModelError.invalidSetting(layer: layer, setting: "padding", value: "\(mode)",
                                            expected: "0 (valid), 1 (same) or 2 (explicit)")
        }
    }
}
