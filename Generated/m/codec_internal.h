/* Copied from Sources/CImageCodecs/codec_internal.h by vggc compile. Do not edit this copy: edit the original. */
/* Helpers shared by the codec .c files (not part of the public header). */
#ifndef VGGC_CODEC_INTERNAL_H
#define VGGC_CODEC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* printf-style message into a caller buffer; always NUL-terminates when errlen > 0. */
void vggc_set_error(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* 1 when the host stores integers little-endian (decides whether PNG samples are swapped). */
int vggc_host_is_little_endian(void);

/* Shared size check of both decoders: VGGC_OK, or an error code with the message in err. */
int vggc_check_dimensions(uint32_t width, uint32_t height, uint32_t max_pixels,
                          char *err, size_t errlen);

#endif
