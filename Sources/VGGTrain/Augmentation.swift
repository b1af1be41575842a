import VGGCore

/// Random, label-preserving changes to a training image, drawn anew every time an image is
/// used, so a small data set looks larger and the network cannot memorise exact pixels.
///
/// One draw is one affine transform about the image centre — flip (optional), rotation,
/// zoom, shift, in that order — sampled bilinearly, plus a brightness change:
/// - `maxShift`: the content moves by up to this fraction of the width (horizontally) and
///   of the height (vertically), e.g. 0.1 = ±10 %.
/// - `maxRotationDegrees`: rotation by an angle in ±this many degrees.
/// - `maxZoom`: the content is scaled by a factor in `1 ± maxZoom` (> 1 enlarges it).
/// - `maxBrightness`: adds `δ · range` to every image sample, `δ` uniform in
///   ±`maxBrightness`, where `range` is the span of input values a channel can take (0…255
///   normalised: `255 · pixelScale / std`). Brightness is applied after normalisation, where
///   a multiplicative change would depend on the mean; an additive shift of `δ · 255` pixel
///   levels is the same in both spaces. Values are not clipped to the range.
/// - `horizontalFlip`: mirrors left–right with probability ½. Off by default and in `xray`:
///   anatomy is not symmetric (the heart is on the patient's left), and a mirrored chest is
///   an image the model never has to classify.
///
/// Samples falling outside the source image take a fill value (the caller passes the
/// normalised value of a black pixel), unaffected by brightness.
public struct Augmentation: Sendable, Equatable {
    public var maxShift: Float
    public var maxRotationDegrees: Float
    public var maxZoom: Float
    public var maxBrightness: Float
    public var horizontalFlip: Bool

    /// Valid ranges (`validate()`); `apply` clamps other values into them.
    public static let shiftRange: ClosedRange<Float> = 0...1
    public static let rotationRange: ClosedRange<Float> = 0...180
    public static let zoomRange: ClosedRange<Float> = 0...0.9
    public static let brightnessRange: ClosedRange<Float> = 0...1

    public init(maxShift: Float = 0, maxRotationDegrees: Float = 0, maxZoom: Float = 0,
                maxBrightness: Float = 0, horizontalFlip: Bool = false) {
        self.maxShift = maxShift
        self.maxRotationDegrees = maxRotationDegrees
        self.maxZoom = maxZoom
        self.maxBrightness = maxBrightness
        self.horizontalFlip = horizontalFlip
    }

    /// No augmentation: `apply` copies the image.
    public static let none = Augmentation()

    /// Defaults for chest X-rays: patients are never perfectly centred, upright or at the
    /// same distance, and exposure varies between machines; small changes of each kind, no
    /// flip (see the type's documentation).
    public static let xray = Augmentation(maxShift: 0.08, maxRotationDegrees: 7, maxZoom: 0.1, maxBrightness: 0.1)

    /// Whether `apply` always copies the image unchanged.
    public var isIdentity: Bool {
        let s = sanitized
        return s.maxShift == 0 && s.maxRotationDegrees == 0 && s.maxZoom == 0 && s.maxBrightness == 0
            && !s.horizontalFlip
    }

    /// Every setting clamped to its valid range (NaN → 0), so a draw never divides by zero or
    /// builds an invalid range.
    var sanitized: Augmentation {
        func clamp(_ v: Float, _ r: ClosedRange<Float>) -> Float { v.isNaN ? 0 : min(max(v, r.lowerBound), r.upperBound) }
        return Augmentation(maxShift: clamp(maxShift, Self.shiftRange),
                            maxRotationDegrees: clamp(maxRotationDegrees, Self.rotationRange),
                            maxZoom: clamp(maxZoom, Self.zoomRange),
                            maxBrightness: clamp(maxBrightness, Self.brightnessRange),
                            horizontalFlip: horizontalFlip)
    }

    /// One random draw for an image of `height × width`. Always consumes the same number of
    /// random values (six), whatever the settings, so the generator's stream after a call
    /// does not depend on them.
    func draw(height: Int, width: Int, rng: inout SeededGenerator) -> Transform {
        let s = sanitized
        func symmetric(_ m: Float) -> Float { (2 * rng.nextUnit() - 1) * m }
        var t = Transform()
        t.rotationDegrees = symmetric(s.maxRotationDegrees)
        t.zoom = 1 + symmetric(s.maxZoom)
        t.shiftX = symmetric(s.maxShift) * Float(width)
        t.shiftY = symmetric(s.maxShift) * Float(height)
        t.flip = rng.nextUnit() < 0.5 && s.horizontalFlip
        t.brightness = symmetric(s.maxBrightness)
        return t
    }

    /// Writes a randomly augmented copy of `image` (`height × width × channels`,
    /// channels-last) to `out`. Out-of-image samples get `fill`; brightness moves samples by
    /// up to `maxBrightness · valueRange` (the span of input values, 1 for the default
    /// 0…1 scaling). Both buffers must hold `height · width · channels` values and must not
    /// overlap. An identity draw copies exactly.
    public func apply(_ image: UnsafeBufferPointer<Float>, height: Int, width: Int, channels: Int,
                      into out: UnsafeMutableBufferPointer<Float>, rng: inout SeededGenerator,
                      fill: Float, valueRange: Float = 1) {
        let t = draw(height: height, width: width, rng: &rng)
        Self.apply(transform: t, image, height: height, width: width, channels: channels, into: out,
                   fill: [Float](repeating: fill, count: channels),
                   valueRange: [Float](repeating: valueRange, count: channels))
    }

    /// `apply` for an image normalised by `spec`: fill is black and the brightness range is
    /// taken per channel from `spec` (they differ when `mean`/`std` do).
    public func apply(_ image: UnsafeBufferPointer<Float>, spec: InputSpec,
                      into out: UnsafeMutableBufferPointer<Float>, rng: inout SeededGenerator) {
        let t = draw(height: spec.height, width: spec.width, rng: &rng)
        let channels = spec.channels
        Self.apply(transform: t, image, height: spec.height, width: spec.width, channels: channels, into: out,
                   fill: (0..<channels).map { spec.normalize(0, channel: $0) },
                   valueRange: (0..<channels).map { spec.normalize(255, channel: $0) - spec.normalize(0, channel: $0) })
    }
}

extension Augmentation {
    /// One concrete augmentation: what a draw produced, or what a test asks for.
    struct Transform: Equatable {
        /// Pixels; positive moves the content right.
        var shiftX: Float = 0
        /// Pixels; positive moves the content down.
        var shiftY: Float = 0
        /// Counter-clockwise as displayed (rows top to bottom).
        var rotationDegrees: Float = 0
        /// Scale of the content about the centre.
        var zoom: Float = 1
        /// Mirror left–right (before rotating).
        var flip = false
        /// Fraction of the value range added to every image sample.
        var brightness: Float = 0

        var isGeometricIdentity: Bool {
            shiftX == 0 && shiftY == 0 && rotationDegrees == 0 && zoom == 1 && !flip
        }
    }
}
