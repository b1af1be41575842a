// cpu_features.c — what the CPU can run, asked before any kernel that needs it runs.
//
// Every predictor links this file into its main module, which is compiled for the
// baseline x86-64 (SSE2) with no target attribute here, so it runs on every x86-64 CPU —
// before any code built for a higher instruction-set level. The compiler's CPU model
// (`__builtin_cpu_supports`) reads CPUID and, for AVX and AVX-512, XGETBV: a feature the
// OS has not enabled (its registers are not saved on a context switch) counts as missing.
#include <string.h>
#include "predictor_kernels.h"

// `__builtin_cpu_supports` takes only string literals, hence one line per feature. The
// names are the compiler's (and vggc's `CodeLevel` feature names).
#define FEATURE(n) if (strcmp(feature, n) == 0) return __builtin_cpu_supports(n) ? 1 : 0;

int vggc_cpu_supports(const char *_Nonnull feature) {
    __builtin_cpu_init();
    FEATURE("sse3") FEATURE("ssse3") FEATURE("sse4.1") FEATURE("sse4.2") FEATURE("popcnt")
    FEATURE("avx") FEATURE("avx2") FEATURE("bmi") FEATURE("bmi2") FEATURE("f16c") FEATURE("fma")
    FEATURE("lzcnt") FEATURE("movbe") FEATURE("pclmul") FEATURE("aes") FEATURE("sha")
    FEATURE("avx512f") FEATURE("avx512bw") FEATURE("avx512cd") FEATURE("avx512dq") FEATURE("avx512vl")
    FEATURE("avx512vnni") FEATURE("avx512bf16") FEATURE("avx512ifma") FEATURE("avx512vbmi")
    FEATURE("avx512vbmi2") FEATURE("avx512bitalg") FEATURE("avx512vpopcntdq") FEATURE("avx512fp16")
    FEATURE("gfni") FEATURE("vaes") FEATURE("vpclmulqdq") FEATURE("avxvnni")
    return -1;
}
