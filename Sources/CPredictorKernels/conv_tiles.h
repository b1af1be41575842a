// conv_tiles.h — what the bf16 and int8 convolution kernels share: their work units (tiles
// of output pixels in row-major order, wrapping from one row to the next), the lane masks of
// an output block, and the max-pool / ReLU expressions. Internal to the C kernels.
#ifndef VGGC_CONV_TILES_H
#define VGGC_CONV_TILES_H

#include <immintrin.h>
#include <stdint.h>

#define TILES_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))
#define TILES_INLINE static inline __attribute__((always_inline))

/// The settings the tiling reads; both kernels' argument structs have these fields.
typedef struct {
    long xRowStride, yRowStride;
    int cin, cout, lanes, sh, sw, outHeight, outWidth, pool;
} TileGeometry;

#define TILE_GEOMETRY(a) ((TileGeometry){(a)->xRowStride, (a)->yRowStride, (a)->cin, (a)->cout, (a)->lanes, \
                                         (a)->sh, (a)->sw, (a)->outHeight, (a)->outWidth, (a)->pool})

/// Output pixels per unit: the tile's P conv pixels, or P/2 pooled ones.
TILES_INLINE int unitPixels(TileGeometry g, int P) { return g.pool ? P / 2 : P; }
TILES_INLINE long outputColumns(TileGeometry g) { return g.pool ? g.outWidth / 2 : g.outWidth; }
TILES_INLINE long outputPixels(TileGeometry g) { return (g.pool ? g.outHeight / 2 : g.outHeight) * outputColumns(g); }

TILES_INLINE long unitCount(TileGeometry g, int P) {
    long q = unitPixels(g, P);
    return (outputPixels(g) + q - 1) / q;
}

/// Units per group: about one output row, swept block by block, so the row's input stays in
/// L1/L2 while each block's weights are streamed once per group.
TILES_INLINE long unitGroup(TileGeometry g, int P) {
    long perRow = outputColumns(g) / unitPixels(g, P);
    return perRow > 1 ? perRow : 1;
}

/// The lanes of block ob that hold real channels (the last block may be partial).
TILES_INLINE void blockMasks(TileGeometry g, int ob, __mmask16 mask[2]) {
    int valid = g.cout - ob * g.lanes;
    if (valid > g.lanes) valid = g.lanes;
    for (int v = 0; v < 2; v++) {
        int n = valid - 16 * v;
        mask[v] = n >= 16 ? (__mmask16)0xFFFF : (n <= 0 ? 0 : (__mmask16)((1u << n) - 1));
    }
}

/// Unit u of block ob: each output pixel's offset in y (`yoff`) and each conv pixel's window
/// start in x (`off[0]`, and with a pool `off[1]` for conv row 2r+1). Past the last output
/// pixel the last one is repeated (computed, never stored). Returns how many to store.
TILES_INLINE int unitOffsets(TileGeometry g, int P, long u, int ob, long yoff[16], long off[2][16]) {
    const int Q = unitPixels(g, P);
    const long ow = outputColumns(g), total = outputPixels(g), first = u * Q;
    long r = first / ow, c = first % ow;  // one division per unit, then steps
    for (int q = 0; q < Q; q++) {
        yoff[q] = r * g.yRowStride + c * g.cout + (long)ob * g.lanes;
        if (g.pool) {
            for (int h = 0; h < 2; h++)
                for (int e = 0; e < 2; e++)
                    off[h][2 * q + e] = (2 * r + h) * g.sh * g.xRowStride + (2 * c + e) * g.sw * g.cin;
        } else {
            off[0][q] = r * g.sh * g.xRowStride + c * g.sw * g.cin;
        }
        if (first + q + 1 < total && ++c == ow) { c = 0; r++; }
    }
    return total - first < Q ? (int)(total - first) : Q;
}

/// The lane-wise max as compare-and-blend (a NaN in `a` survives), and ReLU keeping NaN:
/// the same expressions as the Swift kernels.
TILES_INLINE TILES_TARGET __m512 blend(__m512 a, __m512 b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), a, b);
}
TILES_INLINE TILES_TARGET __m512 reluOf(__m512 v) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), v, _mm512_setzero_ps());
}

/// A fused 2×2 max-pool's pair maxima: val[q] = max(val[2q], val[2q+1]).
TILES_INLINE TILES_TARGET void pairMaxima(int Q, int V, __m512 val[16][2]) {
    for (int q = 0; q < Q; q++)
        for (int v = 0; v < V; v++) val[q][v] = blend(val[2 * q][v], val[2 * q + 1][v]);
}

/// The blend of one lane, for the fallback kernels: `a < b ? b : a`, as `blend` (NaN in a survives).
TILES_INLINE float blendOne(float a, float b) { return a < b ? b : a; }

/// One value rounded to bfloat16 as vcvtne2ps2bf16 rounds it: to nearest even, NaN quieted,
/// subnormals flushed to ±0 (VGGCore's `bf16Bits`; see vggc_round_bf16).
TILES_INLINE uint16_t vggcRoundOne(float value) {
    uint32_t b;
    __builtin_memcpy(&b, &value, 4);
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((b >> 16) | 0x40u);  // NaN stays NaN
    if ((b & 0x7F800000u) == 0) return (uint16_t)((b >> 16) & 0x8000u);         // subnormal → ±0
    return (uint16_t)((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
}

/// The kernels for CPUs below the AVX-512 tier (bf16_conv_fallback.c, int8_conv_fallback.c):
/// `tier` is VGGC_TIER_AVX2 or VGGC_TIER_BASELINE.
void vggcConvBF16Fallback(const vggc_conv_bf16_args *a, long start, long end, int tier);
void vggcRoundBF16Fallback(const float *x, uint16_t *y, long start, long end, int tier);
void vggcRoundBF16FloatsFallback(float *x, long start, long end, int tier);
void vggcConvInt8Fallback(const vggc_conv_int8_args *a, long start, long end, int tier);

#endif
