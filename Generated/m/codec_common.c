/* Copied from Sources/CImageCodecs/codec_common.c by vggc compile. Do not edit this copy: edit the original. */
/* Small helpers shared by png_codec.c and jpeg_codec.c. */
#include "codec_internal.h"
#include "image_codecs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

void vggc_set_error(char *err, size_t errlen, const char *fmt, ...) {
    if (err == NULL || errlen == 0) return;
    va_list args;
    va_start(args, fmt);
    vsnprintf(err, errlen, fmt, args);
    va_end(args);
}

int vggc_host_is_little_endian(void) {
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Rejects degenerate and oversized images before the decoder allocates pixel memory:
 * a 20-byte IHDR can otherwise ask for gigabytes. */
int vggc_check_dimensions(uint32_t width, uint32_t height, uint32_t max_pixels,
                          char *err, size_t errlen) {
    if (width == 0 || height == 0) {
        vggc_set_error(err, errlen, "image has no pixels (%ux%u)", (unsigned)width, (unsigned)height);
        return VGGC_ERR_CORRUPT;
    }
    if (width > VGGC_MAX_SIDE || height > VGGC_MAX_SIDE ||
        (uint64_t)width * (uint64_t)height > (uint64_t)max_pixels) {
        vggc_set_error(err, errlen, "image is %ux%u pixels; the limit is %u pixels and %u per side",
                       (unsigned)width, (unsigned)height, (unsigned)max_pixels, (unsigned)VGGC_MAX_SIDE);
        return VGGC_ERR_TOO_LARGE;
    }
    return VGGC_OK;
}

void vggc_image_free(vggc_image *image) {
    if (image == NULL) return;
    free(image->samples);
    memset(image, 0, sizeof *image);
}

uint32_t vggc_crc32(uint32_t crc, const unsigned char *data, size_t size) {
    /* zlib takes uInt lengths; feed large buffers in chunks. */
    uLong c = crc;
    while (size > 0) {
        uInt n = size > 0x40000000u ? 0x40000000u : (uInt)size;
        c = crc32(c, data, n);
        data += n;
        size -= n;
    }
    return (uint32_t)c;
}
