// Copied from Sources/VGGImage/ImageDecoder.swift by vggc compile. Do not edit this copy: edit the original.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes PNG and JPEG files into `DecodedImage`s.
///
/// The format is chosen by the file's magic bytes, never by its extension (X-ray exports are
/// often misnamed). All libpng/libjpeg error handling happens inside the C shim
/// (`CImageCodecs`), so a damaged file becomes an `ImageError`, never a crash; the pixel
/// count is checked from the header before any pixel memory is allocated.
public enum ImageDecoder {
    /// The file formats the decoder recognises.
    public enum Format: String, Sendable {
        case png, jpeg
    }

    /// Default pixel limit: a 40-megapixel image (e.g. 6300×6300) is far beyond any
    /// radiograph, yet still fits comfortably in memory as Float samples.
    public static let defaultMaxPixels = 40_000_000
    /// Largest width or height accepted (the C shim's `VGGC_MAX_SIDE`).
    public static let maximumSide = 65_535
    /// Largest file read into memory (a compressed file this big is not an X-ray).
    public static let maximumFileBytes = 1 << 30

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// The format the bytes start with, or nil.
    public static func sniff<C: Collection>(_ bytes: C) -> Format? where C.Element == UInt8 {
        if bytes.starts(with: pngSignature) { return .png }
        if bytes.starts(with: jpegSignature) { return .jpeg }
        return nil
    }

    /// Reads and decodes the file at `path` (symlinks are followed). Only a regular file of
    /// at most `maximumFileBytes` is read, memory-mapped, so the decoder touches only the
    /// bytes it decodes (a huge file with an image at its start costs the image).
    ///
    /// With `channels` (1 or 3) the image comes back converted as `converting(toChannels:)`
    /// would (same bits), but without a Float copy of every source channel: a 40-megapixel
    /// RGBA image then costs its 16-bit samples and one Float per pixel, not four.
    public static func decode(path: String, maxPixels: Int = defaultMaxPixels, channels: Int? = nil) throws -> DecodedImage {
        do {
            return try InputFile.withContents(of: path, maxBytes: maximumFileBytes) { buffer in
                try decode(buffer: buffer, name: path, maxPixels: maxPixels, channels: channels)
            }
        } catch let e as FileError {
            throw ImageError(e)
        }
    }

    /// Decodes an in-memory PNG or JPEG; `name` is used in error messages only.
    public static func decode(bytes: [UInt8], name: String,
                              maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
        try bytes.withUnsafeBytes { try decode(buffer: $0, name: name, maxPixels: maxPixels) }
    }

    static func decode(buffer: UnsafeRawBufferPointer, name: String, maxPixels: Int, channels: Int? = nil) throws -> DecodedImage {
        let bytes = buffer.bindMemory(to: UInt8.self)
        guard let format = sniff(bytes) else {
            throw ImageError.notAnImage(path: name, detail: signatureDetail(Array(bytes.prefix(8))))
        }
        let limit = UInt32(clamping: max(0, maxPixels))
        var image = vggc_image()
        var message = [CChar](repeating: 0, count: 512)
        let status: Int32 = { (data: UnsafeBufferPointer<UInt8>) in
            message.withUnsafeMutableBufferPointer { err in
                switch format {
                case .png:
                    return vggc_png_decode(data.baseAddress, data.count, limit, &image, err.baseAddress, err.count)
                case .jpeg:
                    return vggc_jpeg_decode(data.baseAddress, data.count, limit, &image, err.baseAddress, err.count)
                }
            }
        }(bytes)
        defer { vggc_image_free(&image) }
        let reason = String(cString: message)
        switch Int(status) {
        case Int(VGGC_OK):
            break
        case Int(VGGC_ERR_TOO_LARGE):
            throw ImageError.tooLarge(path: name, width: Int(image.width), height: Int(image.height),
                                      limit: Int(limit))
        case Int(VGGC_ERR_UNSUPPORTED):
            throw ImageError.unsupported(path: name, reason: reason)
        case Int(VGGC_ERR_NOT_IMAGE):
            throw ImageError.notAnImage(path: name, detail: signatureDetail(Array(bytes.prefix(8))))
        case Int(VGGC_ERR_NO_MEMORY):
            throw ImageError.unreadable(path: name, reason: reason)
        default:
            throw ImageError.corrupt(path: name, reason: reason)
        }
        return convert(image, toChannels: channels)
    }

    /// Widens the shim's 16-bit samples to Float on the 0...255 scale (`v / 257`), converted
    /// to `target` channels on the way if given.
    private static func convert(_ image: vggc_image, toChannels target: Int?) -> DecodedImage {
        let width = Int(image.width), height = Int(image.height), channels = Int(image.channels)
        let count = width * height * channels
        let source = UnsafeBufferPointer(start: image.samples, count: count)
        if let target, target != channels {
            let samples = DecodedImage.convertPixels(width * height, from: channels, to: target) { Float(source[$0]) / 257 }
            return DecodedImage(width: width, height: height, channels: target, samples: samples, bitDepth: Int(image.bit_depth))
        }
        let samples = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Float(source[i]) / 257 }
            initialized = count
        }
        return DecodedImage(width: width, height: height, channels: channels, samples: samples,
                            bitDepth: Int(image.bit_depth))
    }

    /// "starts with 48 65 6c 6c …; PNG starts with 89 50 4e 47 0d 0a 1a 0a, JPEG with ff d8 ff".
    static func signatureDetail(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "the file is empty" }
        let hex = { (b: [UInt8]) in b.map { String(format2: $0) }.joined(separator: " ") }
        let seen = hex(Array(bytes.prefix(8)))
        return "starts with \(seen); PNG starts with \(hex(pngSignature)), JPEG with \(hex(jpegSignature))"
    }
}

private extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
