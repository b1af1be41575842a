// int8_conv.c — direct convolution with AVX512-VNNI dot products (u8 × s8).
//
// Arithmetic, exactly as Sources/VGGCore/Int8Quantization.swift defines it: `vpdpbusd` adds
// four products of an unsigned input code and a signed weight to a 32-bit accumulator,
// exactly (|acc| ≤ 255·127·K stays far inside 32 bits for VGG), so the order does not
// matter. Then y = float(acc) · c[o] + b[o] (conversion, multiply and add each rounded to
// nearest even, no fusion: this file is compiled with -ffp-contract=off and uses separate
// intrinsics), a fused 2×2 max-pool and ReLU as in bf16_conv.c, and — with `yq` — the next
// layer's codes clamp(rint(y·inverse), 0, 255) with NaN → 0. Bit for bit what `vggc check`
// computes.
//
// Shape: the bf16 kernel's (8 pixels × 32 channels or 16 × 16, tiles wrapping across rows),
// with four channels per broadcast word instead of two: 4.3× the fp32 FMA rate in a
// micro-benchmark (≈ 950–1070 GOP/s per core in whole layers). A dense layer is a 1×1
// convolution of a 1×1 image, with its own loop (`denseBlocks`). Below the AVX-512 tier,
// int8_conv_fallback.c runs instead (the same bits).
#include "predictor_kernels.h"
#include "conv_tiles.h"
#include <immintrin.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

static int tilePixels(const vggc_conv_int8_args *a) { return a->lanes == 32 ? 8 : 16; }

// A dense layer: a 1×1 convolution of one pixel. Its work units are output blocks (so the
// threads split the weights, each streamed once), not pixel tiles.
static int isDense(const vggc_conv_int8_args *a) {
    return a->outHeight == 1 && a->outWidth == 1 && a->kh == 1 && a->kw == 1 && !a->pool;
}

long vggc_conv_int8_units(const vggc_conv_int8_args *a) {
    if (isDense(a)) return (a->cout + a->lanes - 1) / a->lanes;
    return unitCount(TILE_GEOMETRY(a), tilePixels(a));
}

// out[p][v] = float(acc)·c + b for P pixels whose windows start at x + off[p], block ob.
INLINE TARGET void tile(const vggc_conv_int8_args *a, int P, int V, const long off[16], int ob, __m512 out[16][2]) {
    __m512i acc[16][2];  // local and never escaping: it lives in registers
    const int cq = a->cin / 4;
    for (int p = 0; p < P; p++) for (int v = 0; v < V; v++) acc[p][v] = _mm512_setzero_si512();
    const uint32_t *wb = a->w + (long)ob * a->kh * a->kw * cq * a->lanes;
    for (int i = 0; i < a->kh; i++) {
        for (int j = 0; j < a->kw; j++) {
            const long tap = i * a->xRowStride + (long)j * a->cin;
            const uint8_t *xp[16];
            for (int p = 0; p < P; p++) xp[p] = a->x + off[p] + tap;
            const uint32_t *wp = wb + (long)(i * a->kw + j) * cq * a->lanes;
            for (int c4 = 0; c4 < cq; c4++) {
                __m512i w0 = _mm512_loadu_si512(wp + (long)c4 * a->lanes);
                __m512i w1 = V == 2 ? _mm512_loadu_si512(wp + (long)c4 * a->lanes + 16) : w0;
                for (int p = 0; p < P; p++) {
                    int32_t word;
                    memcpy(&word, xp[p] + 4 * c4, 4);
                    __m512i s = _mm512_set1_epi32(word);
                    acc[p][0] = _mm512_dpbusd_epi32(acc[p][0], s, w0);
                    if (V == 2) acc[p][1] = _mm512_dpbusd_epi32(acc[p][1], s, w1);
                }
            }
        }
    }
    for (int v = 0; v < V; v++) {
        __m512 c = _mm512_loadu_ps(a->scale + (long)ob * a->lanes + 16 * v);
        __m512 b = _mm512_loadu_ps(a->bias + (long)ob * a->lanes + 16 * v);
        for (int p = 0; p < P; p++) out[p][v] = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc[p][v]), c), b);
    }
}

INLINE TARGET void store(const vggc_conv_int8_args *a, int V, const long yoff[16], int count, __m512 val[16][2],
                         int merge, int final, const __mmask16 mask[2]) {
    const __m512 inverse = _mm512_set1_ps(a->nextInverse), top = _mm512_set1_ps(255.0f);
    for (int q = 0; q < count; q++) {
        for (int v = 0; v < V; v++) {
            float *at = a->y + yoff[q] + 16 * v;
            __m512 r = val[q][v];
            if (merge) r = blend(r, _mm512_maskz_loadu_ps(mask[v], at));
            if (final && a->relu) r = reluOf(r);
            if (!final || !a->yq || a->keepFloat) _mm512_mask_storeu_ps(at, mask[v], r);
            if (final && a->yq) {
                // max(·, 0) first: MAXPS returns its second operand for a NaN, so NaN → 0.
                __m512 t = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(r, inverse), _mm512_setzero_ps()), top);
                _mm_mask_storeu_epi8(a->yq + yoff[q] + 16 * v, mask[v], _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(t)));
            }
        }
    }
}

INLINE TARGET void convUnits(const vggc_conv_int8_args *a, int P, int V, long start, long end) {
    const TileGeometry g = TILE_GEOMETRY(a);
    const int blocks = (a->cout + a->lanes - 1) / a->lanes, Q = unitPixels(g, P);
    const long group = unitGroup(g, P);
    for (long g0 = start; g0 < end; g0 += group) {
        const long g1 = g0 + group < end ? g0 + group : end;
        for (int ob = 0; ob < blocks; ob++) {
            __mmask16 mask[2];
            blockMasks(g, ob, mask);
            for (long u = g0; u < g1; u++) {
                long yoff[16], off[2][16];
                const int count = unitOffsets(g, P, u, ob, yoff, off);
                __m512 val[16][2];
                if (a->pool) {
                    for (int h = 0; h < 2; h++) {
                        tile(a, P, V, off[h], ob, val);
                        pairMaxima(Q, V, val);
                        store(a, V, yoff, count, val, h, h, mask);
                    }
                } else {
                    tile(a, P, V, off[0], ob, val);
                    store(a, V, yoff, count, val, 0, 1, mask);
                }
            }
        }
    }
}

// Dense: output blocks [start, end), one pixel. Four partial sums per vector break the
// dependency chain of one long reduction; integer sums are exact in any order.
INLINE TARGET void denseBlocks(const vggc_conv_int8_args *a, int V, long start, long end) {
    const int cq = a->cin / 4;
    for (long ob = start; ob < end; ob++) {
        __m512i acc[2][4];
        for (int v = 0; v < 2; v++) for (int u = 0; u < 4; u++) acc[v][u] = _mm512_setzero_si512();
        const uint32_t *wp = a->w + ob * cq * a->lanes;
        int c4 = 0;
        for (; c4 + 4 <= cq; c4 += 4) {
            for (int u = 0; u < 4; u++) {
                int32_t word;
                memcpy(&word, a->x + 4 * (c4 + u), 4);
                __m512i s = _mm512_set1_epi32(word);
                for (int v = 0; v < V; v++)
                    acc[v][u] = _mm512_dpbusd_epi32(acc[v][u], s, _mm512_loadu_si512(wp + (long)(c4 + u) * a->lanes + 16 * v));
            }
        }
        for (; c4 < cq; c4++) {
            int32_t word;
            memcpy(&word, a->x + 4 * c4, 4);
            __m512i s = _mm512_set1_epi32(word);
            for (int v = 0; v < V; v++)
                acc[v][0] = _mm512_dpbusd_epi32(acc[v][0], s, _mm512_loadu_si512(wp + (long)c4 * a->lanes + 16 * v));
        }
        __mmask16 mask[2];
        __m512 val[16][2];
        blockMasks(TILE_GEOMETRY(a), (int)ob, mask);
        for (int v = 0; v < V; v++) {
            __m512i sum = _mm512_add_epi32(_mm512_add_epi32(acc[v][0], acc[v][1]), _mm512_add_epi32(acc[v][2], acc[v][3]));
            __m512 c = _mm512_loadu_ps(a->scale + ob * a->lanes + 16 * v);
            __m512 b = _mm512_loadu_ps(a->bias + ob * a->lanes + 16 * v);
            val[0][v] = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(sum), c), b);
        }
        const long yoff[16] = {ob * a->lanes};
        store(a, V, yoff, 1, val, 0, 1, mask);
    }
}

TARGET static void dense32(const vggc_conv_int8_args *a, long s, long e) { denseBlocks(a, 2, s, e); }
TARGET static void dense16(const vggc_conv_int8_args *a, long s, long e) { denseBlocks(a, 1, s, e); }
TARGET static void units8x32(const vggc_conv_int8_args *a, long s, long e) { convUnits(a, 8, 2, s, e); }
TARGET static void units16x16(const vggc_conv_int8_args *a, long s, long e) { convUnits(a, 16, 1, s, e); }

void vggc_conv_int8(const vggc_conv_int8_args *a, long start, long end, int tier) {
    if (tier < VGGC_TIER_AVX512) { vggcConvInt8Fallback(a, start, end, tier); return; }
    if (isDense(a)) { if (a->lanes == 32) dense32(a, start, end); else dense16(a, start, end); return; }
    if (a->lanes == 32) units8x32(a, start, end); else units16x16(a, start, end);
}

// One code, as the kernel computes it (vmaxps/vminps/vcvtps2dq with round-to-nearest-even).
static inline uint8_t quantizeOne(float x, float inverse) {
    float v = x * inverse;
    if (!(v > 0)) return 0;
    if (v >= 255.0f) return 255;
    return (uint8_t)__builtin_rintf(v);
}

TARGET static void quantizeRun(const float *x, uint8_t *y, float inverse, long i, long last) {
    const __m512 inv = _mm512_set1_ps(inverse), top = _mm512_set1_ps(255.0f);
    for (; i + 16 <= last; i += 16) {
        __m512 t = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i), inv), _mm512_setzero_ps()), top);
        _mm_storeu_si128((__m128i *)(y + i), _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(t)));
    }
    for (; i < last; i++) y[i] = quantizeOne(x[i], inverse);
}

void vggc_quantize_u8(const float *x, uint8_t *y, float inverse, long channels, long stored, long start, long end,
                      int tier) {
    if (channels == stored) {  // the same layout: one run of elements
        if (tier >= VGGC_TIER_AVX512) { quantizeRun(x, y, inverse, start * channels, end * channels); return; }
        for (long i = start * channels; i < end * channels; i++) y[i] = quantizeOne(x[i], inverse);
        return;
    }
    for (long p = start; p < end; p++) {
        for (long c = 0; c < channels; c++) y[p * stored + c] = quantizeOne(x[p * channels + c], inverse);
        for (long c = channels; c < stored; c++) y[p * stored + c] = 0;
    }
}
