// int8_conv_fallback.c — the int8 convolution on CPUs without AVX512-VNNI.
//
// The same arithmetic as int8_conv.c, so the same bits (docs/verification.md): exact 32-bit
// sums of u8 × s8 products (integer sums do not depend on their order), then
// float(acc)·c + b with the conversion, the multiply and the add each rounded (contraction
// off), the pool's and ReLU's compare-and-blend in the kernel's order, and the next layer's
// codes. Plain C that the compiler vectorizes over the output channels, compiled twice:
// for AVX2 (x86-64-v3 levels) and for the baseline x86-64. The work units are the AVX-512
// kernel's (tiles of output pixels, or output blocks for a dense layer), so a caller splits
// `vggc_conv_int8_units` among threads the same way whichever kernel runs.
#include "predictor_kernels.h"
#include "conv_tiles.h"
#include <string.h>

#pragma clang fp contract(off)

#define INLINE static inline __attribute__((always_inline))

// The exact sums of one conv output pixel (its window starts at x + off), block ob, L lanes.
INLINE void sums(const vggc_conv_int8_args *a, int L, long off, int ob, int32_t acc[32]) {
    const int cq = a->cin / 4;
    for (int l = 0; l < L; l++) acc[l] = 0;
    const uint32_t *wb = a->w + (long)ob * a->kh * a->kw * cq * L;
    for (int i = 0; i < a->kh; i++) {
        for (int j = 0; j < a->kw; j++) {
            const uint8_t *xp = a->x + off + i * a->xRowStride + (long)j * a->cin;
            const uint32_t *wp = wb + (long)(i * a->kw + j) * cq * L;
            for (int c4 = 0; c4 < cq; c4++) {
                const int32_t x0 = xp[4 * c4], x1 = xp[4 * c4 + 1], x2 = xp[4 * c4 + 2], x3 = xp[4 * c4 + 3];
                const uint32_t *w = wp + (long)c4 * L;
                for (int l = 0; l < L; l++) {
                    const uint32_t u = w[l];
                    acc[l] += x0 * (int8_t)u + x1 * (int8_t)(u >> 8) + x2 * (int8_t)(u >> 16) + x3 * (int8_t)(u >> 24);
                }
            }
        }
    }
}

// y = float(acc)·c + b for one pixel.
INLINE void values(const vggc_conv_int8_args *a, int L, long off, int ob, float v[32]) {
    int32_t acc[32];
    sums(a, L, off, ob, acc);
    const float *c = a->scale + (long)ob * L, *b = a->bias + (long)ob * L;
    for (int l = 0; l < L; l++) v[l] = (float)acc[l] * c[l] + b[l];
}

INLINE float blendOne(float x, float y) { return x < y ? y : x; }

// Output pixel at yoff: the final values v of its `valid` lanes (ReLU, float store, codes);
// `pooled`: the first conv row's pair maxima, which the AVX-512 kernel leaves in y.
INLINE void store(const vggc_conv_int8_args *a, long yoff, int valid, float v[32], const float *pooled) {
    for (int l = 0; l < valid; l++) {
        float r = v[l];
        if (a->relu && r < 0) r = 0;
        if (!a->yq || a->keepFloat) a->y[yoff + l] = r;
        else if (pooled) a->y[yoff + l] = pooled[l];
        if (a->yq) {
            const float t = r * a->nextInverse;
            a->yq[yoff + l] = !(t > 0) ? 0 : (t >= 255.0f ? 255 : (uint8_t)__builtin_rintf(t));
        }
    }
}

INLINE void convUnits(const vggc_conv_int8_args *a, int P, int L, long start, long end) {
    const TileGeometry g = TILE_GEOMETRY(a);
    const int blocks = (a->cout + L - 1) / L;
    const long group = unitGroup(g, P);
    for (long g0 = start; g0 < end; g0 += group) {
        const long g1 = g0 + group < end ? g0 + group : end;
        for (int ob = 0; ob < blocks; ob++) {
            const int valid = a->cout - ob * L < L ? a->cout - ob * L : L;
            for (long u = g0; u < g1; u++) {
                long yoff[16], off[2][16];
                const int count = unitOffsets(g, P, u, ob, yoff, off);
                for (int q = 0; q < count; q++) {
                    float v[32], w[32];
                    if (!a->pool) {
                        values(a, L, off[0][q], ob, v);
                        store(a, yoff[q], valid, v, 0);
                        continue;
                    }
                    // Conv row 2r's pair maxima m0, row 2r+1's m1, then max(m1, m0): the
                    // AVX-512 kernel's order, so NaNs travel the same way.
                    float m0[32];
                    values(a, L, off[0][2 * q], ob, v);
                    values(a, L, off[0][2 * q + 1], ob, w);
                    for (int l = 0; l < L; l++) m0[l] = blendOne(v[l], w[l]);
                    values(a, L, off[1][2 * q], ob, v);
                    values(a, L, off[1][2 * q + 1], ob, w);
                    for (int l = 0; l < L; l++) v[l] = blendOne(blendOne(v[l], w[l]), m0[l]);
                    store(a, yoff[q], valid, v, m0);
                }
            }
        }
    }
}

// Dense (a 1×1 convolution of one pixel): the units are output blocks.
INLINE void denseBlocks(const vggc_conv_int8_args *a, int L, long start, long end) {
    for (long ob = start; ob < end; ob++) {
        float v[32];
        values(a, L, 0, (int)ob, v);
        const int valid = a->cout - (int)ob * L < L ? a->cout - (int)ob * L : L;
        store(a, ob * L, valid, v, 0);
    }
}

INLINE void run(const vggc_conv_int8_args *a, long start, long end) {
    const int dense = a->outHeight == 1 && a->outWidth == 1 && a->kh == 1 && a->kw == 1 && !a->pool;
    if (dense) { if (a->lanes == 32) denseBlocks(a, 32, start, end); else denseBlocks(a, 16, start, end); return; }
    if (a->lanes == 32) convUnits(a, 8, 32, start, end); else convUnits(a, 16, 16, start, end);
}

__attribute__((target("avx2,fma"))) static void runAVX2(const vggc_conv_int8_args *a, long s, long e) { run(a, s, e); }
static void runBaseline(const vggc_conv_int8_args *a, long s, long e) { run(a, s, e); }

void vggcConvInt8Fallback(const vggc_conv_int8_args *a, long start, long end, int tier) {
    if (tier >= VGGC_TIER_AVX2) runAVX2(a, start, end); else runBaseline(a, start, end);
}
