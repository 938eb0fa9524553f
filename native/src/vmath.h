// Float exp, tanh and sigmoid in forms that vectorize, scalar and 8 lanes (AVX2) computing the same
// operations in the same order, so a vector loop and its scalar tail agree. glibc's expf/tanhf are
// scalar calls (~17 ns a tanh; in double, as tfjs' cpu backend computes them, more): for the gates
// of a recurrent layer or the tanh activations of a conv net they were most of the step's time.
// Accuracy ~1e-7 relative (float rounding), against tfjs' double-then-round results.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace tfg {

// exp(x): x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in a high part exact in float and a low
// part, so n ln2 loses nothing), e^r by its Taylor series to r^7 (truncation below 3e-9
// relative), 2^n put in the exponent bits. x is clamped to [-87, 88], where e^x stays normal.
__attribute__((always_inline)) inline float vm_exp(float x) {
  x = x < -87.f ? -87.f : (x > 88.f ? 88.f : x);
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = (x - n * 0.693145751953125f) - n * 1.428606820309417232e-06f;
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// Below this |x|, tanh(x) = 1 - 2 / (e^{2|x|} + 1) cancels (absolute error ~1e-7 is a large
// relative one near 0): there its odd Taylor series to x^9 is used (truncation < 3e-9 relative).
constexpr float kTanhSeriesBelow = 0.25f;

// tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)); |x| >= 9 gives +-1 as float tanh does.
__attribute__((always_inline)) inline float vm_tanh(float x) {
  const float ax = x < 0.f ? -x : x;
  float t;
  if (ax < kTanhSeriesBelow) {
    const float x2 = ax * ax;
    float p = 62.f / 2835.f;
    p = p * x2 - 17.f / 315.f;
    p = p * x2 + 2.f / 15.f;
    p = p * x2 - 1.f / 3.f;
    t = ax + ax * x2 * p;
  } else {
    t = 1.f - 2.f / (vm_exp(2.f * ax) + 1.f);
  }
  return x < 0.f ? -t : t;
}

// Below x = -87 the clamp gives ~6e-39 where the true value is a denormal or 0.
__attribute__((always_inline)) inline float vm_sigmoid(float x) { return 1.f / (1.f + vm_exp(-x)); }

// vm_exp on 8 floats, the same operations in the same order (no FMA). The clamp keeps x last in
// max/min, which return their second operand when one is NaN: NaN stays NaN, as in the scalar form.
__attribute__((target("avx2,fma"))) inline __m256 vm_exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_set1_ps(88.f), _mm256_max_ps(_mm256_set1_ps(-87.f), x));
  const __m256 n = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _mm256_set1_ps(0.5f)));
  const __m256 r = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(0.693145751953125f))),
                                 _mm256_mul_ps(n, _mm256_set1_ps(1.428606820309417232e-06f)));
  __m256 p = _mm256_set1_ps(1.f / 5040.f);
  const float coef[] = {1.f / 720.f, 1.f / 120.f, 1.f / 24.f, 1.f / 6.f, 0.5f, 1.f, 1.f};
  for (float c : coef) p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(c));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

// vm_tanh on 8 floats (both branches computed, the series where |x| is small).
__attribute__((target("avx2,fma"))) inline __m256 vm_tanh8(__m256 v) {
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 sign = _mm256_set1_ps(-0.f);
  const __m256 ax = _mm256_andnot_ps(sign, v);
  const __m256 e = vm_exp8(_mm256_add_ps(ax, ax));
  const __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.f), _mm256_add_ps(e, one)));
  const __m256 x2 = _mm256_mul_ps(ax, ax);
  __m256 p = _mm256_set1_ps(62.f / 2835.f);
  p = _mm256_sub_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(17.f / 315.f));
  p = _mm256_add_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(2.f / 15.f));
  p = _mm256_sub_ps(_mm256_mul_ps(p, x2), _mm256_set1_ps(1.f / 3.f));
  const __m256 small = _mm256_add_ps(ax, _mm256_mul_ps(_mm256_mul_ps(ax, x2), p));
  const __m256 t = _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(kTanhSeriesBelow), _CMP_LT_OQ));
  return _mm256_or_ps(t, _mm256_and_ps(v, sign));
}

__attribute__((target("avx2,fma"))) inline __m256 vm_sigmoid8(__m256 v) {
  const __m256 one = _mm256_set1_ps(1.f);
  return _mm256_div_ps(one, _mm256_add_ps(one, vm_exp8(_mm256_xor_ps(v, _mm256_set1_ps(-0.f)))));
}

// Whether this CPU runs the 8-lane versions.
inline bool vm_have_avx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return avx2;
}

}  // namespace tfg
