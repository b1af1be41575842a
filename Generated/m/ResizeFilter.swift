// Copied from Sources/VGGCore/ResizeFilter.swift by vggc compile. Do not edit this copy: edit the original.
/// The filter that brings an image to the model's input size.
/// - `area`: each output pixel is the exact area-weighted mean of the source pixels its box
///   covers (best for the large reductions X-rays need, no aliasing).
/// - `bilinear`: half-pixel-centred linear interpolation of the 4 nearest samples.
public enum ResizeFilter: Int, CaseIterable, Sendable, CustomStringConvertible {
    case area = 0
    case bilinear = 1
    public var description: String { self == .area ? "area" : "bilinear" }
}
