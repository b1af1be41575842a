/* Copied from Sources/CPredictorKernels/cpu_features.c by vggc compile. Do not edit this copy: edit the original. */
// cpu_features.c — what the CPU can run, asked before any kernel that needs it runs.
//
// Every predictor links this file; the bf16 and int8 kernels only the predictors that use
// them. Compiled without any target attribute, so it runs on every x86-64 CPU.
#include "predictor_kernels.h"

int vggc_cpu_has_bf16(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

int vggc_cpu_has_vnni(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}
