/* Copied from Sources/CImageCodecs/png_codec.c by vggc compile. Do not edit this copy: edit the original. */
/*
 * PNG decoding and writing with the classic libpng API.
 *
 * libpng reports fatal errors by calling our error handler, which records the message and
 * longjmps back to the setjmp in the same C function. Locals that change between setjmp
 * and longjmp are `volatile` so their values are defined after the jump (C11 7.13.2.1).
 */
#include "codec_internal.h"
#include "image_codecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- shared error plumbing */

typedef struct png_error_state {
    char message[256];
} png_error_state;

static void on_png_error(png_structp png, png_const_charp message) {
    png_error_state *state = (png_error_state *)png_get_error_ptr(png);
    if (state != NULL) snprintf(state->message, sizeof state->message, "%s", message);
    png_longjmp(png, 1); /* back to the setjmp in this file; never returns */
}

/* Warnings (unknown chunks, bad ancillary CRCs, …) do not stop decoding. */
static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* ---------------------------------------------------------------------------- decoding */

typedef struct png_memory_reader {
    const unsigned char *data;
    size_t size;
    size_t offset;
    int truncated;
} png_memory_reader;

static void read_from_memory(png_structp png, png_bytep dest, png_size_t length) {
    png_memory_reader *reader = (png_memory_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->offset) {
        reader->truncated = 1;
        png_error(png, "Read Error");
    }
    memcpy(dest, reader->data + reader->offset, length);
    reader->offset += length;
}

int vggc_png_decode(const unsigned char *data, size_t size, uint32_t max_pixels,
                    vggc_image *out, char *err, size_t errlen) {
    if (out == NULL || (data == NULL && size > 0)) {
        vggc_set_error(err, errlen, "invalid arguments");
        return VGGC_ERR_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        vggc_set_error(err, errlen, "not a PNG file (bad signature)");
        return VGGC_ERR_NOT_IMAGE;
    }

    png_error_state state;
    state.message[0] = '\0';
    png_memory_reader reader = {data, size, 0, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, on_png_warning);
    if (png == NULL) {
        vggc_set_error(err, errlen, "out of memory (png_create_read_struct)");
        return VGGC_ERR_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        vggc_set_error(err, errlen, "out of memory (png_create_info_struct)");
        return VGGC_ERR_NO_MEMORY;
    }

    uint16_t *volatile samples = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = VGGC_ERR_CORRUPT;

    if (setjmp(png_jmpbuf(png))) {
        /* A libpng error (or our own png_error) landed here. */
        if (status == VGGC_ERR_CORRUPT) {
            if (reader.truncated)
                vggc_set_error(err, errlen, "truncated PNG (libpng: %s; the data ends after %zu bytes)",
                               state.message, reader.size);
            else
                vggc_set_error(err, errlen, "corrupt PNG (libpng: %s)", state.message);
        }
        free(samples);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        out->samples = NULL; /* width/height stay set for VGGC_ERR_TOO_LARGE */
        return status;
    }

    png_set_read_fn(png, &reader, read_from_memory);
    png_set_sig_bytes(png, 0);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);

    int size_status = vggc_check_dimensions(width, height, max_pixels, err, errlen);
    if (size_status != VGGC_OK) {
        out->width = width;
        out->height = height;
        status = size_status;
        png_error(png, "image too large"); /* message already in err; jumps to cleanup */
    }

    /* Expand everything to 16-bit gray / gray+alpha / RGB / RGBA so one Swift path handles
     * every file and 16-bit precision is kept. */
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    png_set_expand_16(png);
    if (vggc_host_is_little_endian()) png_set_swap(png); /* PNG stores 16-bit big-endian */
    (void)png_set_interlace_handling(png);                /* Adam7 → full rows */
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (png_get_bit_depth(png, info) != 16 || channels < 1 || channels > 4 ||
        row_bytes != (size_t)width * (size_t)channels * 2) {
        png_error(png, "unexpected layout after transformations");
    }

    size_t count = (size_t)width * (size_t)height * (size_t)channels;
    samples = (uint16_t *)malloc(count * sizeof(uint16_t));
    rows = (png_bytep *)malloc((size_t)height * sizeof(png_bytep));
    if (samples == NULL || rows == NULL) {
        vggc_set_error(err, errlen, "out of memory for a %ux%u image", (unsigned)width, (unsigned)height);
        status = VGGC_ERR_NO_MEMORY;
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = (png_bytep)(samples + (size_t)y * width * channels);
    png_read_image(png, rows);
    png_read_end(png, NULL); /* validates the rest of the stream up to IEND */

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->bit_depth = bit_depth;
    out->color_type = color_type;
    out->samples = samples;
    return VGGC_OK;
}

/* ---------------------------------------------------------------------------- writing */

static int channels_for_color_type(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    default: return 0;
    }
}

/* Packs one row of raw sample values into PNG's byte layout: 16-bit big-endian, 8-bit as is,
 * 1/2/4-bit packed most significant bits first. Returns 0 when a value is out of range. */
static int pack_row(const uint16_t *values, size_t count, int bit_depth, uint32_t limit, png_bytep dest) {
    if (bit_depth == 16) {
        for (size_t i = 0; i < count; i++) {
            dest[2 * i] = (png_byte)(values[i] >> 8);
            dest[2 * i + 1] = (png_byte)(values[i] & 0xff);
        }
        return 1;
    }
    if (bit_depth == 8) {
        for (size_t i = 0; i < count; i++) {
            if (values[i] >= limit) return 0;
            dest[i] = (png_byte)values[i];
        }
        return 1;
    }
    size_t per_byte = (size_t)(8 / bit_depth);
    memset(dest, 0, (count + per_byte - 1) / per_byte);
    for (size_t i = 0; i < count; i++) {
        if (values[i] >= limit) return 0;
        int shift = 8 - bit_depth * (int)(i % per_byte + 1);
        dest[i / per_byte] |= (png_byte)(values[i] << shift);
    }
    return 1;
}

int vggc_png_write(const char *path, uint32_t width, uint32_t height, int color_type,
                   int bit_depth, int interlaced, const uint16_t *samples,
                   const unsigned char *palette_rgb, int palette_count,
                   const unsigned char *trns, int trns_count, char *err, size_t errlen) {
    int channels = channels_for_color_type(color_type);
    if (path == NULL || samples == NULL || channels == 0 || width == 0 || height == 0 ||
        width > VGGC_MAX_SIDE || height > VGGC_MAX_SIDE ||
        !(bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8 || bit_depth == 16)) {
        vggc_set_error(err, errlen, "invalid arguments (size %ux%u, colour type %d, bit depth %d)",
                       (unsigned)width, (unsigned)height, color_type, bit_depth);
        return VGGC_ERR_ARGUMENT;
    }
    int is_palette = color_type == PNG_COLOR_TYPE_PALETTE;
    if (is_palette && (palette_rgb == NULL || palette_count < 1 || palette_count > 256 ||
                       palette_count > (1 << bit_depth))) {
        vggc_set_error(err, errlen, "palette images need 1...%d palette entries, got %d",
                       bit_depth >= 8 ? 256 : 1 << bit_depth, palette_count);
        return VGGC_ERR_ARGUMENT;
    }
    if (trns != NULL) {
        int expected = color_type == PNG_COLOR_TYPE_GRAY ? 2 : color_type == PNG_COLOR_TYPE_RGB ? 6 : -1;
        int ok = is_palette ? (trns_count >= 1 && trns_count <= palette_count) : trns_count == expected;
        if (!ok) {
            vggc_set_error(err, errlen, "tRNS of %d bytes does not fit colour type %d", trns_count, color_type);
            return VGGC_ERR_ARGUMENT;
        }
    }
    uint32_t limit = is_palette ? (uint32_t)palette_count : (uint32_t)1 << bit_depth;

    FILE *volatile file = fopen(path, "wb");
    if (file == NULL) {
        vggc_set_error(err, errlen, "cannot create %s", path);
        return VGGC_ERR_IO;
    }
    png_error_state state;
    state.message[0] = '\0';
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, on_png_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        fclose(file);
        remove(path);
        vggc_set_error(err, errlen, "out of memory (libpng write structs)");
        return VGGC_ERR_NO_MEMORY;
    }

    png_bytep volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = VGGC_ERR_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        if (status == VGGC_ERR_CORRUPT) {
            status = VGGC_ERR_IO;
            vggc_set_error(err, errlen, "cannot write %s (libpng: %s)", path, state.message);
        }
        png_destroy_write_struct(&png, &info);
        fclose(file);
        remove(path);
        free(pixels);
        free(rows);
        return status;
    }

    png_init_io(png, file);
    png_set_IHDR(png, info, width, height, bit_depth, color_type,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (is_palette) {
        png_color palette[256];
        for (int i = 0; i < palette_count; i++) {
            palette[i].red = palette_rgb[3 * i];
            palette[i].green = palette_rgb[3 * i + 1];
            palette[i].blue = palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, info, palette, palette_count);
    }
    if (trns != NULL) {
        if (is_palette) {
            png_set_tRNS(png, info, trns, trns_count, NULL);
        } else {
            png_color_16 color;
            memset(&color, 0, sizeof color);
            if (color_type == PNG_COLOR_TYPE_GRAY) {
                color.gray = (png_uint_16)((trns[0] << 8) | trns[1]);
            } else {
                color.red = (png_uint_16)((trns[0] << 8) | trns[1]);
                color.green = (png_uint_16)((trns[2] << 8) | trns[3]);
                color.blue = (png_uint_16)((trns[4] << 8) | trns[5]);
            }
            png_set_tRNS(png, info, NULL, 0, &color);
        }
    }

    size_t values_per_row = (size_t)width * (size_t)channels;
    size_t row_bytes = (values_per_row * (size_t)bit_depth + 7) / 8;
    pixels = (png_bytep)malloc(row_bytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        status = VGGC_ERR_NO_MEMORY;
        vggc_set_error(err, errlen, "out of memory for a %ux%u image", (unsigned)width, (unsigned)height);
        png_error(png, "out of memory");
    }
    for (uint32_t y = 0; y < height; y++) {
        rows[y] = pixels + (size_t)y * row_bytes;
        if (!pack_row(samples + (size_t)y * values_per_row, values_per_row, bit_depth, limit, rows[y])) {
            status = VGGC_ERR_ARGUMENT;
            vggc_set_error(err, errlen, "row %u has a value >= %u (bit depth %d%s)", (unsigned)y,
                           (unsigned)limit, bit_depth, is_palette ? ", palette size" : "");
            png_error(png, "sample out of range");
        }
    }
    png_write_info(png, info);
    png_write_image(png, rows); /* handles the Adam7 passes itself */
    png_write_end(png, NULL);

    png_destroy_write_struct(&png, &info);
    free(pixels);
    free(rows);
    if (fclose(file) != 0) {
        remove(path);
        vggc_set_error(err, errlen, "cannot write %s (close failed)", path);
        return VGGC_ERR_IO;
    }
    return VGGC_OK;
}
