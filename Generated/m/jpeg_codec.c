/* Copied from Sources/CImageCodecs/jpeg_codec.c by vggc compile. Do not edit this copy: edit the original. */
/*
 * JPEG decoding and writing with the libjpeg API (libjpeg-turbo provides it).
 *
 * libjpeg calls error_exit on fatal errors; ours formats the message and longjmps back to
 * the setjmp in the same C function. Much damage is only a *warning* in libjpeg: a file
 * that ends early, or whose data is cut and followed by a marker (even a final FF D9), is
 * padded with gray; bad Huffman codes are skipped; an inconsistent progression is decoded
 * anyway. For a medical predictor a silently padded image is worse than an error, so every
 * warning about the pixel data is fatal; only warnings about metadata we do not use stay
 * warnings (see on_jpeg_message).
 *
 * A progressive file may repeat a scan any number of times, each pass costing a full
 * decode of the coefficients (a 1 MB file took 31 s). Scans are capped at
 * VGGC_JPEG_MAX_SCANS, so decoding time is bounded by the pixel count.
 */
#include "codec_internal.h"
#include "image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct jpeg_error_state {
    struct jpeg_error_mgr manager; /* first member: libjpeg hands us a pointer to it */
    jmp_buf jump;
    int truncated;
    char message[JMSG_LENGTH_MAX];
} jpeg_error_state;

/* The progress monitor is called during decoding; it stops a file with too many scans. */
typedef struct jpeg_scan_limit {
    struct jpeg_progress_mgr manager; /* first member */
    jpeg_error_state *errors;
} jpeg_scan_limit;

static void on_jpeg_error_exit(j_common_ptr cinfo) {
    jpeg_error_state *state = (jpeg_error_state *)cinfo->err;
    cinfo->err->format_message(cinfo, state->message);
    longjmp(state->jump, 1);
}

/* level < 0: warning. Every warning stops decoding except those that say nothing about the
 * pixels: an unknown JFIF revision, an unknown Adobe transform code (the colour space is
 * taken from the components), a bad ICC marker (ICC profiles are not used), and bytes
 * between two header segments. Once a scan has started, extraneous bytes before a marker
 * mean the entropy decoder stopped before the data did: damaged pixels, so fatal. */
static void on_jpeg_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return; /* trace messages */
    int code = cinfo->err->msg_code;
    if (code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM || code == JWRN_BOGUS_ICC) return;
    if (code == JWRN_EXTRANEOUS_DATA && cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number == 0) return;
    jpeg_error_state *state = (jpeg_error_state *)cinfo->err;
    state->truncated = code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER;
    cinfo->err->format_message(cinfo, state->message);
    longjmp(state->jump, 1);
}

static void on_jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > VGGC_JPEG_MAX_SCANS) {
        jpeg_error_state *state = ((jpeg_scan_limit *)cinfo->progress)->errors;
        snprintf(state->message, sizeof state->message,
                 "more than %d scans (a progressive file needs at most a few dozen; this one repeats scans)",
                 VGGC_JPEG_MAX_SCANS);
        longjmp(state->jump, 1);
    }
}

static void install_error_handlers(jpeg_error_state *state) {
    memset(state, 0, sizeof *state);
    jpeg_std_error(&state->manager);
    state->manager.error_exit = on_jpeg_error_exit;
    state->manager.emit_message = on_jpeg_message;
}

int vggc_jpeg_decode(const unsigned char *data, size_t size, uint32_t max_pixels,
                     vggc_image *out, char *err, size_t errlen) {
    if (out == NULL || (data == NULL && size > 0)) {
        vggc_set_error(err, errlen, "invalid arguments");
        return VGGC_ERR_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        vggc_set_error(err, errlen, "not a JPEG file (bad signature)");
        return VGGC_ERR_NOT_IMAGE;
    }

    struct jpeg_decompress_struct cinfo;
    jpeg_error_state state;
    memset(&cinfo, 0, sizeof cinfo);
    install_error_handlers(&state);
    cinfo.err = &state.manager;

    uint16_t *volatile samples = NULL;
    JSAMPLE *volatile row = NULL;
    volatile int status = VGGC_ERR_CORRUPT;

    if (setjmp(state.jump)) {
        if (status == VGGC_ERR_CORRUPT) {
            if (state.truncated)
                vggc_set_error(err, errlen, "truncated JPEG (libjpeg: %s; the image data stops early in the file's %zu bytes)",
                               state.message, size);
            else
                vggc_set_error(err, errlen, "corrupt JPEG (libjpeg: %s)", state.message);
        }
        free(samples);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        out->samples = NULL; /* width/height stay set for VGGC_ERR_TOO_LARGE */
        return status;
    }

    jpeg_create_decompress(&cinfo);
    jpeg_scan_limit limit;
    memset(&limit, 0, sizeof limit);
    limit.manager.progress_monitor = on_jpeg_progress;
    limit.errors = &state;
    cinfo.progress = &limit.manager;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    int size_status = vggc_check_dimensions(cinfo.image_width, cinfo.image_height, max_pixels, err, errlen);
    if (size_status != VGGC_OK) {
        out->width = cinfo.image_width;
        out->height = cinfo.image_height;
        status = size_status;
        longjmp(state.jump, 1);
    }

    int channels;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        channels = 3;
        break;
    default: /* CMYK, YCCK, unknown */
        vggc_set_error(err, errlen, "unsupported colour space (%s); only gray and RGB/YCbCr JPEGs are supported",
                       cinfo.jpeg_color_space == JCS_CMYK   ? "CMYK"
                       : cinfo.jpeg_color_space == JCS_YCCK ? "YCCK"
                                                            : "unknown");
        status = VGGC_ERR_UNSUPPORTED;
        longjmp(state.jump, 1);
    }

    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != channels) {
        snprintf(state.message, sizeof state.message, "unexpected %d output components", cinfo.output_components);
        longjmp(state.jump, 1);
    }
    size_t width = cinfo.output_width, height = cinfo.output_height;
    samples = (uint16_t *)malloc(width * height * (size_t)channels * sizeof(uint16_t));
    row = (JSAMPLE *)malloc(width * (size_t)channels);
    if (samples == NULL || row == NULL) {
        vggc_set_error(err, errlen, "out of memory for a %zux%zu image", width, height);
        status = VGGC_ERR_NO_MEMORY;
        longjmp(state.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[1] = {row};
        size_t y = cinfo.output_scanline;
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
            snprintf(state.message, sizeof state.message, "no data for row %zu", y);
            longjmp(state.jump, 1);
        }
        uint16_t *dest = samples + y * width * (size_t)channels;
        for (size_t i = 0; i < width * (size_t)channels; i++) dest[i] = (uint16_t)(row[i] * 257u);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);

    out->width = (uint32_t)width;
    out->height = (uint32_t)height;
    out->channels = channels;
    out->bit_depth = 8;
    out->color_type = channels == 1 ? VGGC_COLOR_GRAY : VGGC_COLOR_RGB;
    out->samples = samples;
    return VGGC_OK;
}

int vggc_jpeg_write(const char *path, uint32_t width, uint32_t height, int channels,
                    int quality, int progressive, const unsigned char *samples, char *err, size_t errlen) {
    if (path == NULL || samples == NULL || width == 0 || height == 0 || width > 65500 || height > 65500 ||
        (channels != 1 && channels != 3) || quality < 1 || quality > 100) {
        vggc_set_error(err, errlen, "invalid arguments (size %ux%u, %d channels, quality %d)",
                       (unsigned)width, (unsigned)height, channels, quality);
        return VGGC_ERR_ARGUMENT;
    }
    FILE *volatile file = fopen(path, "wb");
    if (file == NULL) {
        vggc_set_error(err, errlen, "cannot create %s", path);
        return VGGC_ERR_IO;
    }
    struct jpeg_compress_struct cinfo;
    jpeg_error_state state;
    memset(&cinfo, 0, sizeof cinfo);
    install_error_handlers(&state);
    cinfo.err = &state.manager;
    if (setjmp(state.jump)) {
        vggc_set_error(err, errlen, "cannot write %s (libjpeg: %s)", path, state.message);
        jpeg_destroy_compress(&cinfo);
        fclose(file);
        remove(path);
        return VGGC_ERR_IO;
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, file);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_scan_info scans[6];
    if (progressive) {
        int n = 0;
        for (int c = 0; c < channels; c++) scans[n++] = (jpeg_scan_info){1, {c, 0, 0, 0}, 0, 0, 0, 0};
        for (int c = 0; c < channels; c++) scans[n++] = (jpeg_scan_info){1, {c, 0, 0, 0}, 1, 63, 0, 0};
        cinfo.scan_info = scans;
        cinfo.num_scans = n;
    }
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = {(JSAMPROW)(samples + (size_t)cinfo.next_scanline * width * (size_t)channels)};
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    if (fclose(file) != 0) {
        remove(path);
        vggc_set_error(err, errlen, "cannot write %s (close failed)", path);
        return VGGC_ERR_IO;
    }
    return VGGC_OK;
}
