// int8_conv_fallback.c — the int8 convolution on CPUs without AVX512-VNNI.
//
// The same arithmetic as int8_conv.c, so the same bits (docs/verification.md): exact 32-bit
// sums of u8 × s8 products (integer sums do not depend on their order), then
// float(acc)·c + b with the conversion, the multiply and the add each rounded (contraction
// off), the pool's and ReLU's compare-and-blend in the kernel's order, and the next layer's
// codes. The sums use AVX2's vpmaddwd at x86-64-v3 levels (`sumsAVX2`) and plain C at the
// baseline; the rest is plain C the compiler vectorizes over the output channels, compiled
// for each. The work units are the AVX-512
// kernel's (tiles of output pixels, or output blocks for a dense layer), so a caller splits
// `vggc_conv_int8_units` among threads the same way whichever kernel runs.
#include "predictor_kernels.h"
#include "conv_tiles.h"
#include <immintrin.h>
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

// `sums` of two pixels (windows at x + off[0], x + off[1]) with AVX2's vpmaddwd, 16 lanes at a
// time: each lane's four weights and the four input codes widened to 16 bits (exact),
// vpmaddwd adds the products in pairs into 32 bits (|pair| ≤ 2·255·128, exact), and each
// lane's two pair sums are added at the end. Two pixels share each widened weight vector
// (the widening, a shuffle, was the bottleneck with one). Not inlined: the baseline build
// never calls it, and may not inline AVX2 code.
__attribute__((target("avx2"))) static void sumsAVX2(const vggc_conv_int8_args *a, int L, const long off[2], int ob,
                                                    int32_t acc[2][32]) {
    const int cq = a->cin / 4;
    const uint32_t *wb = a->w + (long)ob * a->kh * a->kw * cq * L;
    for (int h = 0; h < L / 16; h++) {
        __m256i s[2][4];  // per pixel: lanes 0–3, 4–7, 8–11, 12–15, as pair sums
        for (int p = 0; p < 2; p++) for (int k = 0; k < 4; k++) s[p][k] = _mm256_setzero_si256();
        for (int i = 0; i < a->kh; i++) {
            for (int j = 0; j < a->kw; j++) {
                const long tap = i * a->xRowStride + (long)j * a->cin;
                const uint8_t *x0 = a->x + off[0] + tap, *x1 = a->x + off[1] + tap;
                const uint32_t *wp = wb + (long)(i * a->kw + j) * cq * L + 16 * h;
                for (int c4 = 0; c4 < cq; c4++) {
                    int32_t w0, w1;
                    memcpy(&w0, x0 + 4 * c4, 4);
                    memcpy(&w1, x1 + 4 * c4, 4);
                    // [x0 x1 x2 x3] as 16-bit values, in every 64 bits.
                    const __m256i xa = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(_mm_cvtsi32_si128(w0)));
                    const __m256i xb = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(_mm_cvtsi32_si128(w1)));
                    const __m128i *w = (const __m128i *)(wp + (long)c4 * L);
                    for (int k = 0; k < 4; k++) {
                        const __m256i wk = _mm256_cvtepi8_epi16(_mm_loadu_si128(w + k));
                        s[0][k] = _mm256_add_epi32(s[0][k], _mm256_madd_epi16(wk, xa));
                        s[1][k] = _mm256_add_epi32(s[1][k], _mm256_madd_epi16(wk, xb));
                    }
                }
            }
        }
        // Add each lane's two pair sums, then undo vphaddd's per-128-bit interleaving
        // ([l0 l1 l4 l5 | l2 l3 l6 l7] → l0…l7).
        for (int p = 0; p < 2; p++) {
            _mm256_storeu_si256((__m256i *)(acc[p] + 16 * h),
                                _mm256_permute4x64_epi64(_mm256_hadd_epi32(s[p][0], s[p][1]), 0xD8));
            _mm256_storeu_si256((__m256i *)(acc[p] + 16 * h + 8),
                                _mm256_permute4x64_epi64(_mm256_hadd_epi32(s[p][2], s[p][3]), 0xD8));
        }
    }
}

// y = float(acc)·c + b for two pixels (windows at x + off[0], x + off[1]) into v[0], v[1];
// `avx2`: a constant once inlined into runAVX2/runBaseline.
INLINE void values(const vggc_conv_int8_args *a, int L, long off0, long off1, int ob, float v[2][32], int avx2) {
    int32_t acc[2][32];
    const long off[2] = {off0, off1};
    if (avx2) sumsAVX2(a, L, off, ob, acc); else { sums(a, L, off0, ob, acc[0]); sums(a, L, off1, ob, acc[1]); }
    const float *c = a->scale + (long)ob * L, *b = a->bias + (long)ob * L;
    for (int p = 0; p < 2; p++) for (int l = 0; l < L; l++) v[p][l] = (float)acc[p][l] * c[l] + b[l];
}

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

INLINE void convUnits(const vggc_conv_int8_args *a, int P, int L, long start, long end, int avx2) {
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
                if (!a->pool) {
                    for (int q = 0; q < count; q += 2) {  // pixel pairs; an odd last one twice
                        float v[2][32];
                        values(a, L, off[0][q], off[0][q + 1 < count ? q + 1 : q], ob, v, avx2);
                        store(a, yoff[q], valid, v[0], 0);
                        if (q + 1 < count) store(a, yoff[q + 1], valid, v[1], 0);
                    }
                    continue;
                }
                for (int q = 0; q < count; q++) {
                    // Conv row 2r's pair maxima m0, row 2r+1's m1, then max(m1, m0): the
                    // AVX-512 kernel's order, so NaNs travel the same way.
                    float top[2][32], bottom[2][32], m0[32], r[32];
                    values(a, L, off[0][2 * q], off[0][2 * q + 1], ob, top, avx2);
                    values(a, L, off[1][2 * q], off[1][2 * q + 1], ob, bottom, avx2);
                    for (int l = 0; l < L; l++) m0[l] = blendOne(top[0][l], top[1][l]);
                    for (int l = 0; l < L; l++) r[l] = blendOne(blendOne(bottom[0][l], bottom[1][l]), m0[l]);
                    store(a, yoff[q], valid, r, m0);
                }
            }
        }
    }
}

// Dense (a 1×1 convolution of one pixel): the units are output blocks.
INLINE void denseBlocks(const vggc_conv_int8_args *a, int L, long start, long end, int avx2) {
    for (long ob = start; ob < end; ob++) {
        float v[2][32];
        values(a, L, 0, 0, (int)ob, v, avx2);
        const int valid = a->cout - (int)ob * L < L ? a->cout - (int)ob * L : L;
        store(a, ob * L, valid, v[0], 0);
    }
}

INLINE void run(const vggc_conv_int8_args *a, long start, long end, int avx2) {
    const int dense = a->outHeight == 1 && a->outWidth == 1 && a->kh == 1 && a->kw == 1 && !a->pool;
    if (dense) {
        if (a->lanes == 32) denseBlocks(a, 32, start, end, avx2); else denseBlocks(a, 16, start, end, avx2);
        return;
    }
    if (a->lanes == 32) convUnits(a, 8, 32, start, end, avx2); else convUnits(a, 16, 16, start, end, avx2);
}

__attribute__((target("avx2,fma"))) static void runAVX2(const vggc_conv_int8_args *a, long s, long e) {
    run(a, s, e, 1);
}
static void runBaseline(const vggc_conv_int8_args *a, long s, long e) { run(a, s, e, 0); }

void vggcConvInt8Fallback(const vggc_conv_int8_args *a, long start, long end, int tier) {
    if (tier >= VGGC_TIER_AVX2) runAVX2(a, start, end); else runBaseline(a, start, end);
}
