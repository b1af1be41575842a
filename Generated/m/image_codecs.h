/* Copied from Sources/CImageCodecs/include/image_codecs.h by vggc compile. Do not edit this copy: edit the original. */
/*
 * image_codecs.h — a tiny C layer over libpng and libjpeg(-turbo).
 *
 * Why a C shim: both libraries report fatal errors with setjmp/longjmp. A longjmp that
 * crosses a Swift (or any non-C) frame is undefined behaviour, so every setjmp and every
 * longjmp stays inside the functions below. Each function returns a VGGC_* status code and,
 * on failure, writes a human-readable NUL-terminated message into the caller's `err`
 * buffer (truncated to `errlen` bytes; `err` may be NULL when `errlen` is 0).
 *
 * The same .c files are compiled into the standalone predictors that vggc generates, so
 * this code depends on nothing but libc, libpng, libjpeg and zlib.
 */
#ifndef VGGC_IMAGE_CODECS_H
#define VGGC_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
enum {
    VGGC_OK = 0,
    VGGC_ERR_NOT_IMAGE = 1,   /* the signature is not PNG / JPEG */
    VGGC_ERR_CORRUPT = 2,     /* libpng/libjpeg rejected the data (includes truncation) */
    VGGC_ERR_TOO_LARGE = 3,   /* declared dimensions exceed the limits (width/height are set) */
    VGGC_ERR_UNSUPPORTED = 4, /* valid but unsupported (e.g. CMYK JPEG) */
    VGGC_ERR_NO_MEMORY = 5,   /* malloc failed */
    VGGC_ERR_IO = 6,          /* file could not be opened / written */
    VGGC_ERR_ARGUMENT = 7     /* invalid arguments (writers) */
};

/* Largest width or height the decoders accept (PNG allows 2^31-1, we do not). */
#define VGGC_MAX_SIDE 65535u

/* Most scans a JPEG may have. Each scan of a progressive file is a pass over the whole
 * image; encoders write at most a few dozen. (nvImageCodec's default limit is 256 too.) */
#define VGGC_JPEG_MAX_SCANS 256

/* PNG colour types (same values as libpng's PNG_COLOR_TYPE_*). */
enum {
    VGGC_COLOR_GRAY = 0,
    VGGC_COLOR_RGB = 2,
    VGGC_COLOR_PALETTE = 3,
    VGGC_COLOR_GRAY_ALPHA = 4,
    VGGC_COLOR_RGBA = 6
};

/*
 * A decoded image: `channels` interleaved 16-bit samples per pixel, row-major, host byte
 * order. channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. 8-bit sources are widened as
 * v * 257 (exactly what libpng's expand-to-16 does), so 8-bit value k becomes k * 257.
 * `bit_depth` and `color_type` describe the file as stored (JPEG: 8 and GRAY or RGB).
 */
typedef struct vggc_image {
    uint32_t width;
    uint32_t height;
    int channels;
    int bit_depth;
    int color_type;
    uint16_t *samples; /* width * height * channels values, malloc'ed; NULL on failure */
} vggc_image;

/*
 * Decodes a PNG held in memory. Every colour type and bit depth is accepted and expanded:
 * palette → RGB, tRNS → alpha channel, gray 1/2/4 → 8 bits, then all samples to 16 bits;
 * Adam7 interlacing is resolved. The whole stream is validated up to IEND (CRC errors in
 * critical chunks and truncation are errors). Images with width or height of 0 or above
 * VGGC_MAX_SIDE, or more than `max_pixels` pixels, are rejected before any pixel memory is
 * allocated with VGGC_ERR_TOO_LARGE (out->width/height then hold the declared size).
 * On success the caller owns out->samples (release with vggc_image_free).
 */
int vggc_png_decode(const unsigned char *data, size_t size, uint32_t max_pixels,
                    vggc_image *out, char *err, size_t errlen);

/*
 * Decodes a baseline or progressive JPEG held in memory into 8-bit gray or RGB, widened to
 * 16 bits as v * 257. CMYK/YCCK files fail with VGGC_ERR_UNSUPPORTED. A file that ends
 * early ("Premature end of JPEG file"), whose data is cut short before a marker ("premature
 * end of data segment", e.g. a truncated file that still ends in FF D9), has corrupt
 * entropy-coded data or an inconsistent progression, or more than VGGC_JPEG_MAX_SCANS
 * scans, is an error here, although libjpeg itself only warns and pads the image with gray.
 */
int vggc_jpeg_decode(const unsigned char *data, size_t size, uint32_t max_pixels,
                     vggc_image *out, char *err, size_t errlen);

/* Releases out->samples and clears the struct. Safe on a zeroed or already freed image. */
void vggc_image_free(vggc_image *image);

/*
 * Writes a PNG file of any colour type / bit depth combination PNG allows:
 *   gray 1/2/4/8/16, gray+alpha 8/16, RGB 8/16, RGBA 8/16, palette 1/2/4/8.
 * `samples` holds width*height*channels raw values (channels from the colour type; palette
 * images have one index per pixel), each below 2^bit_depth (indices below palette_count).
 * `palette_rgb` holds palette_count RGB triples (palette images only, 1...256 entries).
 * `trns` is the raw tRNS chunk payload, or NULL: palette → one alpha byte per entry
 * (trns_count ≤ palette_count); gray → 2 bytes (big-endian gray value); RGB → 6 bytes
 * (big-endian R, G, B). `interlaced` != 0 writes Adam7. On error the partial file is removed.
 */
int vggc_png_write(const char *path, uint32_t width, uint32_t height, int color_type,
                   int bit_depth, int interlaced, const uint16_t *samples,
                   const unsigned char *palette_rgb, int palette_count,
                   const unsigned char *trns, int trns_count, char *err, size_t errlen);

/*
 * Writes an 8-bit JPEG (channels 1 = gray, 3 = RGB; quality 1...100): baseline, or with
 * `progressive` != 0 progressive in one scan per component for the DC coefficients, then
 * one per component for AC 1...63 (spectral selection, no successive approximation).
 * `samples` holds width*height*channels interleaved bytes. On error the partial file is
 * removed. Used by tests (and anything that needs a small JPEG fixture).
 */
int vggc_jpeg_write(const char *path, uint32_t width, uint32_t height, int channels,
                    int quality, int progressive, const unsigned char *samples, char *err, size_t errlen);

/* zlib's CRC-32 (crc = 0 to start), exposed for tests that patch PNG chunks. */
uint32_t vggc_crc32(uint32_t crc, const unsigned char *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* VGGC_IMAGE_CODECS_H */
