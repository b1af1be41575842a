/* Copied from Sources/CPredictorKernels/include/predictor_kernels.h by vggc compile. Do not edit this copy: edit the original. */
// predictor_kernels.h — the predictor's C kernels: what Swift cannot spell.
//
// Swift has no bfloat16 type and no x86 intrinsics, so `vdpbf16ps` (AVX512-BF16: two
// bfloat16 products per fp32 lane, 2.1× the fp32 FMA rate on Zen 5) is reached from C.
// These files are compiled into every predictor (the functions carry their own target
// attributes, so no -march flag is needed) and into vggc's tests.
#ifndef VGGC_PREDICTOR_KERNELS_H
#define VGGC_PREDICTOR_KERNELS_H

#include <stdint.h>

/// Which instructions a kernel may use, passed by the generated code of each level (its
/// `kernelTier`): AVX512-BF16 / AVX512-VNNI with AVX512F/BW/VL; AVX2 and FMA (the fallback
/// kernels, float32 on bfloat16 values and exact integer sums); or baseline x86-64 (the same
/// fallback C, compiled for SSE2). The caller has checked that the CPU has them.
#define VGGC_TIER_BASELINE 0
#define VGGC_TIER_AVX2 1
#define VGGC_TIER_AVX512 2

/// One bf16 direct convolution step (see bf16_conv.c for the exact arithmetic).
typedef struct {
    /// Input: bfloat16, channels-last, with the convolution's padding as a real zero border;
    /// element (row, column, channel) of the bordered tensor is x[row*xRowStride + column*cin + channel].
    const uint16_t *_Nonnull x;
    /// Weights: [blocks][kh][kw][cin/2][lanes] 32-bit words, each two bfloat16 weights of
    /// input channels 2k (low half) and 2k+1 (high half) for one output channel.
    const uint32_t *_Nonnull w;
    /// Bias: blocks*lanes floats (zero past cout).
    const float *_Nonnull bias;
    /// Output: float32, interior pixel (0, 0) of the output storage.
    float *_Nonnull y;
    /// Optional second output: the same values rounded to bfloat16 (`vggc_round_bf16`), at
    /// the same element offsets — the next bf16 convolution's input, with no rounding pass.
    uint16_t *_Nullable yh;
    /// With `yh`: 0 skips the float store of the final values (`y` then only holds a fused
    /// pool's intermediate maxima), which saves two thirds of the step's output traffic when
    /// nothing reads the float copy; the bfloat16 values are the same either way.
    int keepFloat;
    long xRowStride;  ///< elements between input rows
    long yRowStride;  ///< elements between output rows (pooled rows when pool)
    int cin;          ///< input channels as stored, even (pairs)
    int cout;         ///< output channels
    int lanes;        ///< output channels per block: 16 or 32
    int kh, kw, sh, sw;
    int outHeight, outWidth;  ///< convolution output size (before the pool)
    int relu;         ///< 1: ReLU after everything (NaN kept, as the engine does)
    int pool;         ///< 1: 2×2 stride-2 max-pool fused
} vggc_conv_bf16_args;

/// 1 if this CPU and its operating system support `feature` (a `__builtin_cpu_supports`
/// name such as "avx2" or "avx512f"; cpu_features.c lists them), 0 if not, -1 for a name
/// it does not know.
int vggc_cpu_supports(const char *_Nonnull feature);

/// Work units of one convolution: tiles of output pixels in row-major order (pooled
/// pixels when pool), wrapping from one row to the next. Threads split [0, units).
long vggc_conv_bf16_units(const vggc_conv_bf16_args *_Nonnull a);

/// Computes and stores work units [start, end) of one bf16 convolution.
void vggc_conv_bf16(const vggc_conv_bf16_args *_Nonnull a, long start, long end, int tier);

/// y[i] = x[i] rounded to bfloat16 for i in [start, end): to nearest, ties to even; NaN
/// stays NaN (quieted); subnormals become zero of the same sign (the DAZ of vdpbf16ps).
void vggc_round_bf16(const float *_Nonnull x, uint16_t *_Nonnull y, long start, long end, int tier);

/// x[i] = x[i] rounded to bfloat16, kept as a float (the low 16 bits zero), for i in
/// [start, end): the same rounding, for inputs read as float32 (Winograd, dense).
void vggc_round_bf16_floats(float *_Nonnull x, long start, long end, int tier);

/// For `pixels` pixels of `channels` floats each: the rounded values into pixels of
/// `stored` (≥ channels, even) bfloat16 elements, the extra channels zero. For inputs with
/// an odd channel count (an RGB or gray image), which bf16 pairs need padded.
void vggc_round_bf16_pad(const float *_Nonnull x, uint16_t *_Nonnull y, long channels, long stored, long start, long end);

/// One int8 convolution (or dense layer, as a 1×1 convolution of a 1×1 image) step; see
/// int8_conv.c and Sources/VGGCore/Int8Quantization.swift for the exact arithmetic.
typedef struct {
    /// Input codes: u8, channels-last, zero border, `cin` (a multiple of 4) per pixel.
    const uint8_t *_Nonnull x;
    /// Weights: [blocks][kh][kw][cin/4][lanes] 32-bit words of four s8 weights, input
    /// channel 4k in the lowest byte.
    const uint32_t *_Nonnull w;
    /// Per output channel (blocks*lanes each): c[o] = input scale × weight scale, and bias.
    const float *_Nonnull scale;
    const float *_Nonnull bias;
    /// Output: float32, interior pixel (0, 0) of the output storage.
    float *_Nonnull y;
    /// Optional second output: the values quantized for the next int8 layer (multiplied by
    /// `nextInverse`), at the same element offsets.
    uint8_t *_Nullable yq;
    float nextInverse;
    /// With `yq`: 0 skips the float store of the final values (see vggc_conv_bf16_args).
    int keepFloat;
    long xRowStride;  ///< elements between input rows
    long yRowStride;  ///< elements between output rows (pooled rows when pool)
    int cin, cout, lanes, kh, kw, sh, sw, outHeight, outWidth, relu, pool;
} vggc_conv_int8_args;

/// Work units of one int8 convolution, as `vggc_conv_bf16_units`; of a dense layer (a 1×1
/// convolution of one pixel), its output blocks.
long vggc_conv_int8_units(const vggc_conv_int8_args *_Nonnull a);

/// Computes and stores work units [start, end) of one int8 convolution.
void vggc_conv_int8(const vggc_conv_int8_args *_Nonnull a, long start, long end, int tier);

/// Pixels [start, end) of `channels` floats each, quantized (`q = clamp(rint(x·inverse), 0, 255)`,
/// NaN → 0) into pixels of `stored` (≥ channels) codes, the extra channels 0.
void vggc_quantize_u8(const float *_Nonnull x, uint8_t *_Nonnull y, float inverse, long channels, long stored,
                      long start, long end, int tier);

#endif
