// bf16_conv_fallback.c — bf16 steps on CPUs without AVX512-BF16: float32 arithmetic on the
// bfloat16-rounded weights and inputs (docs/verification.md).
//
// Each lane starts at the bias and adds, tap by tap and channel pair by pair, first the odd
// channel's product and then the even one's — vdpbf16ps's order. A product of two bfloat16
// values is exact in float32 (8-bit significands), so a multiply then an add rounds once, as
// vdpbf16ps does: the results are bit for bit the AVX-512 kernel's except where that
// instruction flushes a subnormal (a result below 2⁻¹²⁶, or a subnormal bias), which the
// check's bound covers. Rounding to bfloat16 is `vggcRoundOne`, the instruction's own rounding.
// Plain C, vectorized over the output channels, compiled for AVX2 and for baseline x86-64.
#include "predictor_kernels.h"
#include "conv_tiles.h"
#include <string.h>

#pragma clang fp contract(off)

#define INLINE static inline __attribute__((always_inline))

INLINE float widen(uint32_t bits16) { uint32_t b = bits16 << 16; float f; memcpy(&f, &b, 4); return f; }

// One conv output pixel (its window starts at x + off), block ob, L lanes.
INLINE void values(const vggc_conv_bf16_args *a, int L, long off, int ob, float acc[32]) {
    const int cw = a->cin / 2;
    for (int l = 0; l < L; l++) acc[l] = a->bias[(long)ob * L + l];
    const uint32_t *wb = a->w + (long)ob * a->kh * a->kw * cw * L;
    for (int i = 0; i < a->kh; i++) {
        for (int j = 0; j < a->kw; j++) {
            const uint16_t *xp = a->x + off + i * a->xRowStride + (long)j * a->cin;
            const uint32_t *wp = wb + (long)(i * a->kw + j) * cw * L;
            for (int c2 = 0; c2 < cw; c2++) {
                const float even = widen(xp[2 * c2]), odd = widen(xp[2 * c2 + 1]);
                const uint32_t *w = wp + (long)c2 * L;
                for (int l = 0; l < L; l++) {
                    float lo, hi;
                    const uint32_t u = w[l], h = u & 0xFFFF0000u, e = u << 16;
                    memcpy(&hi, &h, 4);
                    memcpy(&lo, &e, 4);
                    acc[l] = acc[l] + odd * hi;
                    acc[l] = acc[l] + even * lo;
                }
            }
        }
    }
}

// Output pixel at yoff: final values (ReLU, float store, bfloat16 copy); `pooled`: the first
// conv row's pair maxima, which the AVX-512 kernel leaves in y.
INLINE void store(const vggc_conv_bf16_args *a, long yoff, int valid, float v[32], const float *pooled) {
    for (int l = 0; l < valid; l++) {
        float r = v[l];
        if (a->relu && r < 0) r = 0;
        if (!a->yh || a->keepFloat) a->y[yoff + l] = r;
        else if (pooled) a->y[yoff + l] = pooled[l];
        if (a->yh) a->yh[yoff + l] = vggcRoundOne(r);
    }
}

INLINE void convUnits(const vggc_conv_bf16_args *a, int P, int L, long start, long end) {
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
                    float v[32], w[32], m0[32];
                    if (!a->pool) {
                        values(a, L, off[0][q], ob, v);
                        store(a, yoff[q], valid, v, 0);
                        continue;
                    }
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

INLINE void run(const vggc_conv_bf16_args *a, long start, long end) {
    if (a->lanes == 32) convUnits(a, 8, 32, start, end); else convUnits(a, 16, 16, start, end);
}

INLINE void roundAll(const float *x, uint16_t *y, long start, long end) {
    for (long i = start; i < end; i++) y[i] = vggcRoundOne(x[i]);
}

INLINE void roundFloats(float *x, long start, long end) {
    for (long i = start; i < end; i++) {
        const uint32_t b = (uint32_t)vggcRoundOne(x[i]) << 16;
        memcpy(x + i, &b, 4);
    }
}

#define AVX2 __attribute__((target("avx2,fma")))
AVX2 static void runAVX2(const vggc_conv_bf16_args *a, long s, long e) { run(a, s, e); }
static void runBaseline(const vggc_conv_bf16_args *a, long s, long e) { run(a, s, e); }
AVX2 static void roundAVX2(const float *x, uint16_t *y, long s, long e) { roundAll(x, y, s, e); }
static void roundBaseline(const float *x, uint16_t *y, long s, long e) { roundAll(x, y, s, e); }
AVX2 static void roundFloatsAVX2(float *x, long s, long e) { roundFloats(x, s, e); }
static void roundFloatsBaseline(float *x, long s, long e) { roundFloats(x, s, e); }

void vggcConvBF16Fallback(const vggc_conv_bf16_args *a, long start, long end, int tier) {
    if (tier >= VGGC_TIER_AVX2) runAVX2(a, start, end); else runBaseline(a, start, end);
}

void vggcRoundBF16Fallback(const float *x, uint16_t *y, long start, long end, int tier) {
    if (tier >= VGGC_TIER_AVX2) roundAVX2(x, y, start, end); else roundBaseline(x, y, start, end);
}

void vggcRoundBF16FloatsFallback(float *x, long start, long end, int tier) {
    if (tier >= VGGC_TIER_AVX2) roundFloatsAVX2(x, start, end); else roundFloatsBaseline(x, start, end);
}
