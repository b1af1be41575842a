// bf16_conv.c — direct convolution with AVX512-BF16 dot products.
//
// Arithmetic, exactly (measured on Zen 5 to match the Intel SDM bit for bit): every
// `vdpbf16ps` lane adds to its float32 accumulator first the product of the odd channels
// (2k+1), then that of the even channels (2k), each product exact and each sum rounded to
// nearest even; subnormal inputs are read as zero and subnormal results flushed to zero.
// The accumulator starts at the bias and visits taps (i, j) in order, channel pairs in
// order. Inputs are rounded to bfloat16 by `vggc_round_bf16`, which flushes subnormals
// itself, so what differs from an IEEE evaluation is the flush of results below 2⁻¹²⁶ and
// a subnormal float32 bias, the accumulator's start, read as zero (docs/verification.md).
//
// Shape (docs/swiftc-facts.md): a register tile of P output pixels × lanes
// output channels (8 × 32 or 16 × 16: 16 zmm accumulators); each channel pair broadcasts
// one 32-bit input word per pixel and loads one weight vector per 16 channels: 500–520
// GFLOP/s on one core, 2.1× the fp32 kernel. Tiles run over the output pixels in row-major
// order and wrap from one row to the next, so widths that are not a multiple of P (28, 14)
// waste nothing; threads split the tiles. A fused 2×2 max-pool computes the tile's conv
// row 2r, stores the pair maxima, then merges row 2r+1 into them, so only one tile is ever
// live — as the Swift kernel does. With `yh`, the final values are also stored rounded to
// bfloat16 for the next bf16 step (the same rounding as `vggc_round_bf16`). Below the AVX-512 tier,
// bf16_conv_fallback.c runs instead.
#include "predictor_kernels.h"
#include "conv_tiles.h"
#include <immintrin.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define INLINE static inline __attribute__((always_inline))

// Pixels per register tile: 8 × 32 channels or 16 × 16 channels, 16 accumulators.
static int tilePixels(const vggc_conv_bf16_args *a) { return a->lanes == 32 ? 8 : 16; }

long vggc_conv_bf16_units(const vggc_conv_bf16_args *a) { return unitCount(TILE_GEOMETRY(a), tilePixels(a)); }

// out[p][v]: P conv output pixels whose window starts at x + off[p], block ob.
INLINE TARGET void tile(const vggc_conv_bf16_args *a, int P, int V, int CW, const long off[16], int ob, __m512 out[16][2]) {
    // A local array that never escapes, so it lives in registers (writing `out` directly
    // spilled it after every vdpbf16ps: 169 instead of 520 GFLOP/s).
    __m512 acc[16][2];
    const int cw = CW ? CW : a->cin / 2;  // a constant in the small-input specialization
    const float *b = a->bias + (long)ob * a->lanes;
    for (int p = 0; p < P; p++) for (int v = 0; v < V; v++) acc[p][v] = _mm512_loadu_ps(b + 16 * v);
    const uint32_t *wb = a->w + (long)ob * a->kh * a->kw * cw * a->lanes;
    for (int i = 0; i < a->kh; i++) {
        for (int j = 0; j < a->kw; j++) {
            const long tap = i * a->xRowStride + (long)j * a->cin;
            const uint16_t *xp[16];
            for (int p = 0; p < P; p++) xp[p] = a->x + off[p] + tap;
            const uint32_t *wp = wb + (long)(i * a->kw + j) * cw * a->lanes;
            for (int c2 = 0; c2 < cw; c2++) {
                __m512bh w0 = (__m512bh)_mm512_loadu_si512(wp + (long)c2 * a->lanes);
                __m512bh w1 = V == 2 ? (__m512bh)_mm512_loadu_si512(wp + (long)c2 * a->lanes + 16) : w0;
                for (int p = 0; p < P; p++) {
                    int32_t word;
                    memcpy(&word, xp[p] + 2 * c2, 4);
                    __m512bh s = (__m512bh)_mm512_set1_epi32(word);
                    acc[p][0] = _mm512_dpbf16_ps(acc[p][0], s, w0);
                    if (V == 2) acc[p][1] = _mm512_dpbf16_ps(acc[p][1], s, w1);
                }
            }
        }
    }
    for (int p = 0; p < P; p++) for (int v = 0; v < V; v++) out[p][v] = acc[p][v];
}

// Stores val[q] at output offset yoff[q] for q < count, merged with what is there when
// `merge`; with `final`, ReLU (if asked) and the bfloat16 copy too.
INLINE TARGET void store(const vggc_conv_bf16_args *a, int V, const long yoff[16], int count, __m512 val[16][2],
                         int merge, int final, const __mmask16 mask[2]) {
    for (int q = 0; q < count; q++) {
        for (int v = 0; v < V; v++) {
            float *at = a->y + yoff[q] + 16 * v;
            __m512 r = val[q][v];
            if (merge) r = blend(r, _mm512_maskz_loadu_ps(mask[v], at));
            if (final && a->relu) r = reluOf(r);
            if (!final || !a->yh || a->keepFloat) _mm512_mask_storeu_ps(at, mask[v], r);
            if (final && a->yh) _mm256_mask_storeu_epi16(a->yh + yoff[q] + 16 * v, mask[v], (__m256i)_mm512_cvtneps_pbh(r));
        }
    }
}

INLINE TARGET void convUnits(const vggc_conv_bf16_args *a, int P, int V, int CW, long start, long end) {
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
                __m512 acc[16][2];
                if (a->pool) {
                    // Conv row 2r's pair maxima are stored, then row 2r+1 is merged into them.
                    for (int h = 0; h < 2; h++) {
                        tile(a, P, V, CW, off[h], ob, acc);
                        pairMaxima(Q, V, acc);
                        store(a, V, yoff, count, acc, h, h, mask);
                    }
                } else {
                    tile(a, P, V, CW, off[0], ob, acc);
                    store(a, V, yoff, count, acc, 0, 1, mask);
                }
            }
        }
    }
}

// One specialization per register tile, so P and V are constants and acc lives in registers;
// and one with the channel-pair loop unrolled for image inputs (1–4 channels, one or two
// pairs), where the loop's overhead would otherwise cost 3× the arithmetic.
TARGET static void units8x32(const vggc_conv_bf16_args *a, long s, long e) { convUnits(a, 8, 2, 0, s, e); }
TARGET static void units16x16(const vggc_conv_bf16_args *a, long s, long e) { convUnits(a, 16, 1, 0, s, e); }
TARGET static void units8x32c1(const vggc_conv_bf16_args *a, long s, long e) { convUnits(a, 8, 2, 1, s, e); }
TARGET static void units8x32c2(const vggc_conv_bf16_args *a, long s, long e) { convUnits(a, 8, 2, 2, s, e); }
TARGET static void units16x16c1(const vggc_conv_bf16_args *a, long s, long e) { convUnits(a, 16, 1, 1, s, e); }
TARGET static void units16x16c2(const vggc_conv_bf16_args *a, long s, long e) { convUnits(a, 16, 1, 2, s, e); }

void vggc_conv_bf16(const vggc_conv_bf16_args *a, long start, long end, int tier) {
    if (tier < VGGC_TIER_AVX512) { vggcConvBF16Fallback(a, start, end, tier); return; }
    const int pairs = a->cin / 2;
    if (a->lanes == 32) {
        if (pairs == 1) units8x32c1(a, start, end);
        else if (pairs == 2) units8x32c2(a, start, end);
        else units8x32(a, start, end);
    } else {
        if (pairs == 1) units16x16c1(a, start, end);
        else if (pairs == 2) units16x16c2(a, start, end);
        else units16x16(a, start, end);
    }
}

// vcvtne2ps2bf16 rounds to nearest even, quiets NaN and flushes subnormals: exactly
// `vggcRoundOne`, VGGCore's `bf16Bits` (checked for all 2³² floats in a prototype, and
// against VGGCore by the tests).
TARGET static void roundAVX512(const float *x, uint16_t *y, long start, long end) {
    long i = start;
    for (; i + 32 <= end; i += 32) {
        __m512bh r = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
        _mm512_storeu_si512(y + i, (__m512i)r);
    }
    for (; i < end; i++) y[i] = vggcRoundOne(x[i]);
}

void vggc_round_bf16(const float *x, uint16_t *y, long start, long end, int tier) {
    if (tier < VGGC_TIER_AVX512) vggcRoundBF16Fallback(x, y, start, end, tier); else roundAVX512(x, y, start, end);
}

TARGET static void roundFloatsAVX512(float *x, long start, long end) {
    long i = start;
    for (; i + 16 <= end; i += 16) {
        __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(x + i));
        __m512i wide = _mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)h), 16);
        _mm512_storeu_si512(x + i, wide);
    }
    for (; i < end; i++) {
        uint32_t b = (uint32_t)vggcRoundOne(x[i]) << 16;
        memcpy(x + i, &b, 4);
    }
}

void vggc_round_bf16_floats(float *x, long start, long end, int tier) {
    if (tier < VGGC_TIER_AVX512) vggcRoundBF16FloatsFallback(x, start, end, tier);
    else roundFloatsAVX512(x, start, end);
}

void vggc_round_bf16_pad(const float *x, uint16_t *y, long channels, long stored, long start, long end) {
    for (long p = start; p < end; p++) {
        for (long c = 0; c < channels; c++) y[p * stored + c] = vggcRoundOne(x[p * channels + c]);
        for (long c = channels; c < stored; c++) y[p * stored + c] = 0;
    }
}
