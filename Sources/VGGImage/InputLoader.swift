import VGGCore

/// Turns an image file into a model's input tensor, following `InputSpec`.
///
/// The pipeline, in this order (the compiled predictors follow the same one):
/// 1. decode (`ImageDecoder`, samples on the 0...255 scale),
/// 2. convert to `spec.channels` (`DecodedImage.converting(toChannels:)`: alpha onto black,
///    BT.601 luma or replication),
/// 3. resize to `spec.height × spec.width` with `spec.resize` (`DecodedImage.resized`),
/// 4. normalise every sample with `spec.normalize(_:channel:)`.
///
/// Converting before resizing means the resize works on 1 or 3 channels only, and alpha
/// never leaks into the filtered colours.
public enum InputLoader {
    /// Images give 1 (gray) or 3 (RGB) channels; a model with another input channel count
    /// can only be fed raw tensors, which is a property of the model, not of the image.
    static func checkImageSpec(_ spec: InputSpec) throws {
        try spec.validate()
        guard spec.channels == 1 || spec.channels == 3 else {
            throw ModelError.invalidInput(field: "channels", value: "\(spec.channels)",
                                          expected: "1 (gray) or 3 (RGB) to read images; other counts take raw tensors")
        }
    }

    /// The channels-last (`H × W × C`) input tensor for the image file at `path`.
    /// Throws `ModelError` for an invalid spec and `ImageError` for an unreadable image.
    public static func tensor(path: String, spec: InputSpec,
                              maxPixels: Int = ImageDecoder.defaultMaxPixels) throws -> [Float] {
        try checkImageSpec(spec)
        let image = try ImageDecoder.decode(path: path, maxPixels: maxPixels, channels: spec.channels)
        return try tensor(image: image, spec: spec)
    }

    /// The channels-last (`H × W × C`) input tensor for an already decoded image.
    public static func tensor(image: DecodedImage, spec: InputSpec) throws -> [Float] {
        try checkImageSpec(spec)
        let ready = image.converting(toChannels: spec.channels)
            .resized(width: spec.width, height: spec.height, filter: spec.resize)
        let channels = spec.channels
        return ready.samples.enumerated().map { i, v in spec.normalize(v, channel: i % channels) }
    }
}
