// Single-precision GEMM: C(m x n) (+)= A(m x k) * B(k x n), any strides (so transposes are free).
#pragma once
#include <cstddef>

namespace tfg {

/** A read-only matrix view: element (i, j) is p[i * rs + j * cs]. */
struct MatView {
  const float* p;
  std::ptrdiff_t rs;
  std::ptrdiff_t cs;
};

/** One thread. C is row-major with row stride ldc; accumulate adds to C instead of overwriting. */
void gemm_serial(int m, int n, int k, MatView a, MatView b, float* c, std::ptrdiff_t ldc, bool accumulate);

/**
 * Spread over the pool by splitting m or n; the k reduction order is fixed, so the result is
 * bitwise identical for any thread count.
 */
void gemm(int m, int n, int k, MatView a, MatView b, float* c, std::ptrdiff_t ldc, bool accumulate);

/** Name of the micro-kernel in use ("avx512", "avx2+fma" or "portable"). */
const char* gemm_kernel_name();

/** Whether the AVX2 (or better) kernels are in use: the CPU has them and no test forced them off. */
bool gemm_uses_avx2();

/** Forces the portable micro-kernel (tests compare both paths); off restores the best one. */
void gemm_force_portable(bool on);

/**
 * Uses at most the named micro-kernel ("portable", "avx2+fma"; anything else: the best the CPU
 * has), so tests compare the paths on one machine. Returns the name of the kernel now in use.
 */
const char* gemm_force_kernel(const char* name);

}  // namespace tfg
