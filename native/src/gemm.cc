// Blocked SGEMM in the Goto/van de Geijn layout: B is packed into k-by-NR slivers (L1), A into
// MR-by-k slivers (L2), and a register-blocked MR x NR micro-kernel does rank-1 updates.
// Packing also absorbs any transposition, so one kernel serves every case.
#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tfg {
namespace {

constexpr int MR = 6;    // AVX2 / portable tile: 6 x 16 accumulators = 12 ymm registers, 4 left for A and B.
constexpr int NR = 16;
constexpr int KC = 256;  // depth of a packed block; fixes each element's summation order (see gemm.h).
constexpr int NC = 2048;

// A micro-kernel computes an mr x nr tile (mr <= MR, nr <= NR of its shape) of
// C (+)= Apack * Bpack over kc: every element is one multiply-add chain over p in order, started
// from zero, then stored or added to C (`load`). All kernels share that order, so the FMA kernels
// agree bit for bit whatever their tile shape.
using Kernel = void (*)(int kc, const float* ap, const float* bp, float* c, std::ptrdiff_t ldc, bool load, int mr,
                        int nr);

/** A micro-kernel and its blocking: tile mr x nr, A blocks of mc rows (a multiple of mr). */
struct Micro {
  Kernel fn;
  int mr, nr, mc;
  const char* name;
  /** pack_slivers<mr> and pack_slivers<nr>. */
  void (*pack_a)(int, int, const float*, std::ptrdiff_t, std::ptrdiff_t, float*, bool);
  void (*pack_b)(int, int, const float*, std::ptrdiff_t, std::ptrdiff_t, float*, bool);
};

enum Level { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };

Level detected_level() {
#if defined(__x86_64__)
  static const Level l = (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw"))
                             ? kAvx512
                         : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? kAvx2
                                                                                              : kPortable;
  return l;
#else
  return kPortable;
#endif
}

// Tests cap the level to compare the kernels on one machine.
Level g_cap = kAvx512;

Level level() { return std::min(detected_level(), g_cap); }

// Packing. A block of A (rows i, depth p) and a block of B (depth p, columns j) are packed the
// same way: into slivers of R rows of A (or R columns of B), each stored p-major (R values per p),
// the last sliver zero-padded. Element (i, p) of the source is x[i * si + p * sp].

// One sliver, scalar: any strides, r <= R valid rows.
template <int R>
void pack_sliver_scalar(int r, int kc, const float* x, std::ptrdiff_t si, std::ptrdiff_t sp, float* out) {
  for (int p = 0; p < kc; p++) {
    float* o = out + p * R;
    int i = 0;
    for (; i < r; i++) o[i] = x[i * si + p * sp];
    for (; i < R; i++) o[i] = 0.f;
  }
}

#if defined(__x86_64__)
// One sliver whose rows are contiguous along p (sp == 1): a row-major A or a transposed B, the
// common case of im2col products. The scalar loop reads R rows with a stride and cost as much as a
// quarter of a product with 64 columns; here 8 x 8 blocks are transposed in registers.
// Writes up to 8 floats past the sliver when R < 8 (the buffers have that slack).
template <int R>
__attribute__((target("avx2,fma"))) void pack_sliver_rows_avx2(int r, int kc, const float* x, std::ptrdiff_t si,
                                                                float* out) {
  static_assert(R % 8 == 0 || R % 8 == 4 || R < 8, "8-row groups, then at most one of 4 rows or fewer than 8");
  const __m256 zero = _mm256_setzero_ps();
  int p0 = 0;
  for (; p0 + 8 <= kc; p0 += 8) {
    for (int ig = 0; ig < R; ig += 8) {
      __m256 v[8];
      for (int q = 0; q < 8; q++) {
        const int i = ig + q;
        v[q] = i < r ? _mm256_loadu_ps(x + i * si + p0) : zero;
      }
      const __m256 t0 = _mm256_unpacklo_ps(v[0], v[1]), t1 = _mm256_unpackhi_ps(v[0], v[1]);
      const __m256 t2 = _mm256_unpacklo_ps(v[2], v[3]), t3 = _mm256_unpackhi_ps(v[2], v[3]);
      const __m256 t4 = _mm256_unpacklo_ps(v[4], v[5]), t5 = _mm256_unpackhi_ps(v[4], v[5]);
      const __m256 t6 = _mm256_unpacklo_ps(v[6], v[7]), t7 = _mm256_unpackhi_ps(v[6], v[7]);
      const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      // col[q] holds x[ig .. ig + 7][p0 + q].
      const __m256 col[8] = {_mm256_permute2f128_ps(s0, s4, 0x20), _mm256_permute2f128_ps(s1, s5, 0x20),
                             _mm256_permute2f128_ps(s2, s6, 0x20), _mm256_permute2f128_ps(s3, s7, 0x20),
                             _mm256_permute2f128_ps(s0, s4, 0x31), _mm256_permute2f128_ps(s1, s5, 0x31),
                             _mm256_permute2f128_ps(s2, s6, 0x31), _mm256_permute2f128_ps(s3, s7, 0x31)};
      if (R >= 8 && R - ig == 4) {
        for (int q = 0; q < 8; q++) _mm_storeu_ps(out + (p0 + q) * R + ig, _mm256_castps256_ps128(col[q]));
      } else {
        // R < 8: each 8-wide store spills into the next p's slots, which the next store rewrites.
        for (int q = 0; q < 8; q++) _mm256_storeu_ps(out + (p0 + q) * R + ig, col[q]);
      }
    }
  }
  if (p0 < kc) pack_sliver_scalar<R>(r, kc - p0, x + p0, si, 1, out + p0 * R);
}
#endif

// Packs rows [0, count) of a block (depth kc) into R-row slivers. `avx2`: the CPU has AVX2.
template <int R>
void pack_slivers(int count, int kc, const float* x, std::ptrdiff_t si, std::ptrdiff_t sp, float* out, bool avx2) {
  for (int i0 = 0; i0 < count; i0 += R) {
    const int r = std::min(R, count - i0);
    const float* src = x + i0 * si;
    if (r == R && si == 1) {
      for (int p = 0; p < kc; p++) std::memcpy(out + p * R, src + p * sp, R * sizeof(float));
#if defined(__x86_64__)
    } else if (sp == 1 && avx2) {
      pack_sliver_rows_avx2<R>(r, kc, src, si, out);
#endif
    } else {
      pack_sliver_scalar<R>(r, kc, src, si, sp, out);
    }
    out += R * kc;
  }
}

// The threads pack B's slivers side by side: no sliver of B may overhang into the next.
static_assert(NR >= 8, "B slivers of at least 8 columns");

// Slack after every packing buffer for pack_sliver_rows_avx2's overhanging stores.
constexpr size_t kPackSlack = 16;

// Portable micro-kernel: plain loops the compiler can vectorise for whatever it targets.
void kernel_portable_full(int kc, const float* ap, const float* bp, float* c, std::ptrdiff_t ldc, bool load) {
  float acc[MR][NR];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) acc[i][j] = 0.f;
  for (int p = 0; p < kc; p++) {
    const float* b = bp + p * NR;
    const float* a = ap + p * MR;
    for (int i = 0; i < MR; i++) {
      const float ai = a[i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
  }
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (load)
      for (int j = 0; j < NR; j++) ci[j] += acc[i][j];
    else
      for (int j = 0; j < NR; j++) ci[j] = acc[i][j];
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void kernel_avx2_full(int kc, const float* ap, const float* bp, float* c,
                                                           std::ptrdiff_t ldc, bool load) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
    __m256 a;
    a = _mm256_broadcast_ss(ap + 0);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
    ap += MR;
    bp += NR;
  }
#define TFG_STORE(row, lo, hi)                                                   \
  do {                                                                          \
    float* cr = c + (row) * ldc;                                                \
    if (load) {                                                                 \
      lo = _mm256_add_ps(_mm256_loadu_ps(cr), lo);                              \
      hi = _mm256_add_ps(_mm256_loadu_ps(cr + 8), hi);                          \
    }                                                                           \
    _mm256_storeu_ps(cr, lo);                                                   \
    _mm256_storeu_ps(cr + 8, hi);                                               \
  } while (0)
  TFG_STORE(0, c00, c01);
  TFG_STORE(1, c10, c11);
  TFG_STORE(2, c20, c21);
  TFG_STORE(3, c30, c31);
  TFG_STORE(4, c40, c41);
  TFG_STORE(5, c50, c51);
#undef TFG_STORE
}
#endif

// Whole tiles straight into C; an edge tile through a scratch tile (same arithmetic), then the
// valid part copied.
template <void (*Full)(int, const float*, const float*, float*, std::ptrdiff_t, bool)>
void with_scratch_edges(int kc, const float* ap, const float* bp, float* c, std::ptrdiff_t ldc, bool load, int mr,
                        int nr) {
  if (mr == MR && nr == NR) return Full(kc, ap, bp, c, ldc, load);
  float tile[MR * NR];
  Full(kc, ap, bp, tile, NR, false);
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) {
      float* d = c + i * ldc + j;
      *d = load ? *d + tile[i * NR + j] : tile[i * NR + j];
    }
}

#if defined(__x86_64__)
#define TFG_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

// AVX-512 micro-kernel, RM x 16*NV: 32 zmm registers hold RM * NV accumulators, NV rows of B and
// the broadcast of A. Zen 4 runs a zmm FMA as two 256-bit halves, so the peak equals AVX2's; the
// gain is fewer instructions and loads per FMA, and masked stores that write edge tiles straight
// into C.
template <int RM, int NV>
TFG_AVX512 void kernel_avx512(int kc, const float* ap, const float* bp, float* c, std::ptrdiff_t ldc, bool load, int mr,
                              int nr) {
  __m512 acc[RM][NV];
#pragma GCC unroll 16
  for (int i = 0; i < RM; i++)
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) acc[i][j] = _mm512_setzero_ps();
#ifndef TFG_NO_PREFETCH
  for (int i = 0; i < mr; i++) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#endif
  for (int p = 0; p < kc; p++) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) b[j] = _mm512_loadu_ps(bp + 16 * j);
#pragma GCC unroll 16
    for (int i = 0; i < RM; i++) {
      const __m512 a = _mm512_set1_ps(ap[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) acc[i][j] = _mm512_fmadd_ps(a, b[j], acc[i][j]);
    }
    ap += RM;
    bp += 16 * NV;
  }
  if (mr == RM && nr == 16 * NV) {
#pragma GCC unroll 16
    for (int i = 0; i < RM; i++) {
      float* cr = c + i * ldc;
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) {
        __m512 v = acc[i][j];
        if (load) v = _mm512_add_ps(_mm512_loadu_ps(cr + 16 * j), v);
        _mm512_storeu_ps(cr + 16 * j, v);
      }
    }
    return;
  }
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; j++) {
    const int w = nr - 16 * j;
    mask[j] = w >= 16 ? static_cast<__mmask16>(0xffff) : w <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << w) - 1);
  }
#pragma GCC unroll 16
  for (int i = 0; i < RM; i++) {
    if (i >= mr) break;
    float* cr = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) {
      __m512 v = acc[i][j];
      if (load) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask[j], cr + 16 * j), v);
      _mm512_mask_storeu_ps(cr + 16 * j, mask[j], v);
    }
  }
}
#endif

const Micro kMicroPortable{with_scratch_edges<kernel_portable_full>, MR, NR, 120, "portable", pack_slivers<MR>,
                           pack_slivers<NR>};
#if defined(__x86_64__)
const Micro kMicroAvx2{with_scratch_edges<kernel_avx2_full>, MR, NR, 120, "avx2+fma", pack_slivers<MR>, pack_slivers<NR>};
// The AVX-512 tile: 8 x 32 (16 zmm accumulators; 4 cover the FMA latency on Zen 4, where a zmm FMA
// issues once a cycle). 12x32, 14x32 and 6x64 measured the same within noise; -D overrides these
// for such experiments. A blocks of 120 rows (120 KiB at KC = 256) stay in L2.
#ifndef TFG_AVX512_MR
#define TFG_AVX512_MR 8
#define TFG_AVX512_NV 2
#define TFG_AVX512_MC 120
#endif
const Micro kMicroAvx512{kernel_avx512<TFG_AVX512_MR, TFG_AVX512_NV>,
                         TFG_AVX512_MR,
                         16 * TFG_AVX512_NV,
                         TFG_AVX512_MC,
                         "avx512",
                         pack_slivers<TFG_AVX512_MR>,
                         pack_slivers<16 * TFG_AVX512_NV>};
#endif

const Micro& pick_micro() {
#if defined(__x86_64__)
  switch (level()) {
    case kAvx512:
      return kMicroAvx512;
    case kAvx2:
      return kMicroAvx2;
    default:
      break;
  }
#endif
  return kMicroPortable;
}

struct Scratch {
  std::vector<float> a, b;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

void gemm_force_portable(bool on) { g_cap = on ? kPortable : kAvx512; }

const char* gemm_force_kernel(const char* name) {
  const std::string n = name ? name : "";
  g_cap = n == "portable" ? kPortable : n == "avx2+fma" ? kAvx2 : kAvx512;
  return gemm_kernel_name();
}

const char* gemm_kernel_name() { return pick_micro().name; }

bool gemm_uses_avx2() { return level() >= kAvx2; }

namespace {

// C[0:mc, 0:nc] (+)= A block x B block from a packed B (kc x nc slivers) and A's rows starting at
// `a`, packing A in blocks of u.mc rows into `apack`: the body shared by the serial GEMM and the
// threads of the parallel one.
void block_product(int mc, int nc, int kc, const float* a, std::ptrdiff_t ars, std::ptrdiff_t acs, const float* bpack,
                   float* c, std::ptrdiff_t ldc, bool load, const Micro& u, std::vector<float>& apack) {
  apack.resize(static_cast<size_t>(u.mc) * kc + kPackSlack);
  const bool avx2 = level() >= kAvx2;
  for (int ic = 0; ic < mc; ic += u.mc) {
    const int mcb = std::min(u.mc, mc - ic);
    u.pack_a(mcb, kc, a + ic * ars, ars, acs, apack.data(), avx2);
    for (int jr = 0; jr < nc; jr += u.nr) {
      const int nr = std::min(u.nr, nc - jr);
      const float* bp = bpack + static_cast<size_t>(jr) * kc;
      for (int ir = 0; ir < mcb; ir += u.mr) {
        const int mr = std::min(u.mr, mcb - ir);
        u.fn(kc, apack.data() + static_cast<size_t>(ir) * kc, bp, c + (ic + ir) * ldc + jr, ldc, load, mr, nr);
      }
    }
  }
}

// k <= 0: C = 0 unless accumulating.
bool empty_product(int m, int n, int k, float* c, std::ptrdiff_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return true;
  if (k > 0) return false;
  if (!accumulate)
    for (int i = 0; i < m; i++) std::memset(c + i * ldc, 0, sizeof(float) * n);
  return true;
}

}  // namespace

void gemm_serial(int m, int n, int k, MatView a, MatView b, float* c, std::ptrdiff_t ldc, bool accumulate) {
  if (empty_product(m, n, k, c, ldc, accumulate)) return;
  const Micro& u = pick_micro();
  Scratch& s = scratch();
  const int ncmax = std::min(NC, (n + u.nr - 1) / u.nr * u.nr);
  const int kcmax = std::min(KC, k);
  s.b.resize(static_cast<size_t>(ncmax) * kcmax + kPackSlack);
  const bool avx2 = level() >= kAvx2;
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = std::min(NC, n - jc);
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = std::min(KC, k - pc);
      u.pack_b(nc, kc, b.p + pc * b.rs + jc * b.cs, b.cs, b.rs, s.b.data(), avx2);
      block_product(m, nc, kc, a.p + pc * a.cs, a.rs, a.cs, s.b.data(), c + jc, ldc, accumulate || pc > 0, u, s.a);
    }
  }
}

namespace {

// Skinny products (a row or a few of A, B stored row by row, as a dense layer's kernel is):
// packing B would cost more than the product (a batch-1 forward of the Catch net's dense layer
// packed 4.7 MB to use each element once), so B is streamed once per row of A instead. Each
// C[i, j] sums a[i, p] * b[p, j] over p in order, so splitting columns over threads changes
// nothing.
constexpr int kSkinnyRows = 4;

void skinny_portable(int m, int j0, int j1, int k, MatView a, MatView b, float* c, std::ptrdiff_t ldc, bool accumulate) {
  for (int i = 0; i < m; i++) {
    float* ci = c + i * ldc;
    if (!accumulate)
      for (int j = j0; j < j1; j++) ci[j] = 0.f;
    for (int p = 0; p < k; p++) {
      const float ap = a.p[i * a.rs + p * a.cs];
      const float* bp = b.p + p * b.rs;
      for (int j = j0; j < j1; j++) ci[j] += ap * bp[j];
    }
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void skinny_avx2(int m, int j0, int j1, int k, MatView a, MatView b, float* c,
                                                      std::ptrdiff_t ldc, bool accumulate) {
  for (int i = 0; i < m; i++) {
    float* ci = c + i * ldc;
    const float* ai = a.p + i * a.rs;
    int j = j0;
    // 32 columns at a time in four accumulators, then 8, then single columns.
    for (; j + 32 <= j1; j += 32) {
      __m256 s0 = accumulate ? _mm256_loadu_ps(ci + j) : _mm256_setzero_ps();
      __m256 s1 = accumulate ? _mm256_loadu_ps(ci + j + 8) : _mm256_setzero_ps();
      __m256 s2 = accumulate ? _mm256_loadu_ps(ci + j + 16) : _mm256_setzero_ps();
      __m256 s3 = accumulate ? _mm256_loadu_ps(ci + j + 24) : _mm256_setzero_ps();
      const float* bp = b.p + j;
      for (int p = 0; p < k; p++, bp += b.rs) {
        const __m256 ap = _mm256_set1_ps(ai[p * a.cs]);
        s0 = _mm256_fmadd_ps(ap, _mm256_loadu_ps(bp), s0);
        s1 = _mm256_fmadd_ps(ap, _mm256_loadu_ps(bp + 8), s1);
        s2 = _mm256_fmadd_ps(ap, _mm256_loadu_ps(bp + 16), s2);
        s3 = _mm256_fmadd_ps(ap, _mm256_loadu_ps(bp + 24), s3);
      }
      _mm256_storeu_ps(ci + j, s0);
      _mm256_storeu_ps(ci + j + 8, s1);
      _mm256_storeu_ps(ci + j + 16, s2);
      _mm256_storeu_ps(ci + j + 24, s3);
    }
    for (; j + 8 <= j1; j += 8) {
      __m256 s0 = accumulate ? _mm256_loadu_ps(ci + j) : _mm256_setzero_ps();
      const float* bp = b.p + j;
      for (int p = 0; p < k; p++, bp += b.rs) s0 = _mm256_fmadd_ps(_mm256_set1_ps(ai[p * a.cs]), _mm256_loadu_ps(bp), s0);
      _mm256_storeu_ps(ci + j, s0);
    }
    for (; j < j1; j++) {
      float s = accumulate ? ci[j] : 0.f;
      for (int p = 0; p < k; p++) s = __builtin_fmaf(ai[p * a.cs], b.p[p * b.rs + j], s);
      ci[j] = s;
    }
  }
}
#endif

void skinny(int m, int j0, int j1, int k, MatView a, MatView b, float* c, std::ptrdiff_t ldc, bool accumulate) {
#if defined(__x86_64__)
  if (level() >= kAvx2) return skinny_avx2(m, j0, j1, k, a, b, c, ldc, accumulate);
#endif
  skinny_portable(m, j0, j1, k, a, b, c, ldc, accumulate);
}

}  // namespace

namespace {

// Narrow products: C has at most kNarrowCols columns (a convolution with one output channel, its
// filter gradient). The 6 x 16 micro-tiles would compute 16 columns to keep one; these loops do
// only the n wanted, each C element summed over p in order.
constexpr int kNarrowCols = 4;

#if defined(__x86_64__)
// Rows of A contiguous (a.cs == 1): per row, n dot products with B's columns (copied contiguous
// into `bcols`, n x k). Eight partial sums per dot product, added in a fixed order.
__attribute__((target("avx2,fma"))) void narrow_dot_avx2(int i0, int i1, int n, int k, MatView a, const float* bcols,
                                                         float* c, std::ptrdiff_t ldc, bool accumulate) {
  for (int i = i0; i < i1; i++) {
    const float* ai = a.p + i * a.rs;
    for (int j = 0; j < n; j++) {
      const float* bj = bcols + static_cast<size_t>(j) * k;
      __m256 acc = _mm256_setzero_ps();
      int p = 0;
      for (; p + 8 <= k; p += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(ai + p), _mm256_loadu_ps(bj + p), acc);
      alignas(32) float lanes[8];
      _mm256_store_ps(lanes, acc);
      float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
      for (; p < k; p++) s = __builtin_fmaf(ai[p], bj[p], s);
      float* cij = c + i * ldc + j;
      *cij = accumulate ? *cij + s : s;
    }
  }
}

#endif

void narrow_dot_portable(int i0, int i1, int n, int k, MatView a, const float* bcols, float* c, std::ptrdiff_t ldc,
                         bool accumulate) {
  for (int i = i0; i < i1; i++) {
    const float* ai = a.p + i * a.rs;
    for (int j = 0; j < n; j++) {
      const float* bj = bcols + static_cast<size_t>(j) * k;
      float s = 0.f;
      for (int p = 0; p < k; p++) s = __builtin_fmaf(ai[p], bj[p], s);
      float* cij = c + i * ldc + j;
      *cij = accumulate ? *cij + s : s;
    }
  }
}

#if defined(__x86_64__)
// Columns of A contiguous (a.rs == 1: a transposed operand, as the filter gradient's col^T): C's
// rows i0..i1 as axpy updates over p, C[i, j] += A[i, p] B[p, j], vectorized along i.
__attribute__((target("avx2,fma"))) void narrow_axpy_avx2(int i0, int i1, int n, int k, MatView a, MatView b, float* c,
                                                          std::ptrdiff_t ldc, bool accumulate, float* acc) {
  const int len = i1 - i0;
  for (int j = 0; j < n; j++) {
    float* accj = acc + static_cast<size_t>(j) * len;
    for (int i = 0; i < len; i++) accj[i] = accumulate ? c[(i0 + i) * ldc + j] : 0.f;
  }
  for (int p = 0; p < k; p++) {
    const float* ap = a.p + p * a.cs + i0;
    for (int j = 0; j < n; j++) {
      const __m256 bv = _mm256_set1_ps(b.p[p * b.rs + j * b.cs]);
      const float bs = b.p[p * b.rs + j * b.cs];
      float* accj = acc + static_cast<size_t>(j) * len;
      int i = 0;
      for (; i + 8 <= len; i += 8)
        _mm256_storeu_ps(accj + i, _mm256_fmadd_ps(_mm256_loadu_ps(ap + i), bv, _mm256_loadu_ps(accj + i)));
      for (; i < len; i++) accj[i] = __builtin_fmaf(ap[i], bs, accj[i]);
    }
  }
  for (int j = 0; j < n; j++) {
    const float* accj = acc + static_cast<size_t>(j) * len;
    for (int i = 0; i < len; i++) c[(i0 + i) * ldc + j] = accj[i];
  }
}

#endif

void narrow_axpy_portable(int i0, int i1, int n, int k, MatView a, MatView b, float* c, std::ptrdiff_t ldc,
                          bool accumulate, float* acc) {
  const int len = i1 - i0;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < len; i++) acc[static_cast<size_t>(j) * len + i] = accumulate ? c[(i0 + i) * ldc + j] : 0.f;
  for (int p = 0; p < k; p++) {
    const float* ap = a.p + p * a.cs + i0;
    for (int j = 0; j < n; j++) {
      const float bs = b.p[p * b.rs + j * b.cs];
      float* accj = acc + static_cast<size_t>(j) * len;
      for (int i = 0; i < len; i++) accj[i] = __builtin_fmaf(ap[i], bs, accj[i]);
    }
  }
  for (int j = 0; j < n; j++)
    for (int i = 0; i < len; i++) c[(i0 + i) * ldc + j] = acc[static_cast<size_t>(j) * len + i];
}

// Whether narrow() takes this product, and then does it (rows split over the pool; each C element
// is computed by one task in a fixed order, so the thread count changes nothing).
bool narrow(int m, int n, int k, MatView a, MatView b, float* c, std::ptrdiff_t ldc, bool accumulate) {
  if (n > kNarrowCols || n <= 0 || m <= 0 || k <= 0 || (a.cs != 1 && a.rs != 1)) return false;
#if defined(__x86_64__)
  const bool avx2 = level() >= kAvx2;
#endif
  const int t = pool_threads();
  const int parts = (t <= 1 || 2.0 * m * n * k < 2e5) ? 1 : std::min(t, (m + 7) / 8);
  if (a.cs == 1) {
    std::vector<float> bcols(static_cast<size_t>(n) * k);
    for (int j = 0; j < n; j++)
      for (int p = 0; p < k; p++) bcols[static_cast<size_t>(j) * k + p] = b.p[p * b.rs + j * b.cs];
    pool_run(parts, [&](int q) {
      const int i0 = static_cast<int>(1LL * m * q / parts), i1 = static_cast<int>(1LL * m * (q + 1) / parts);
#if defined(__x86_64__)
      if (avx2) return narrow_dot_avx2(i0, i1, n, k, a, bcols.data(), c, ldc, accumulate);
#endif
      narrow_dot_portable(i0, i1, n, k, a, bcols.data(), c, ldc, accumulate);
    });
  } else {
    // Row blocks of C small enough that their accumulators stay in L1 while p runs.
    constexpr int kBlock = 512;
    pool_run(parts, [&](int q) {
      const int r0 = static_cast<int>(1LL * m * q / parts), r1 = static_cast<int>(1LL * m * (q + 1) / parts);
      std::vector<float> acc(static_cast<size_t>(n) * kBlock);
      for (int i0 = r0; i0 < r1; i0 += kBlock) {
        const int i1 = std::min(r1, i0 + kBlock);
#if defined(__x86_64__)
        if (avx2) {
          narrow_axpy_avx2(i0, i1, n, k, a, b, c, ldc, accumulate, acc.data());
          continue;
        }
#endif
        narrow_axpy_portable(i0, i1, n, k, a, b, c, ldc, accumulate, acc.data());
      }
    });
  }
  return true;
}

}  // namespace

void gemm(int m, int n, int k, MatView a, MatView b, float* c, std::ptrdiff_t ldc, bool accumulate) {
  const int t = pool_threads();
  if (m <= kSkinnyRows && b.cs == 1 && k > 0 && n > 0) {
    // Column blocks of whole 32-float groups; small products stay on the calling thread.
    const int parts = (t <= 1 || 2.0 * m * n * k < 2e5) ? 1 : t;
    pool_run(parts, [&](int i) {
      const int j0 = static_cast<int>(1LL * n * i / parts) & ~31;
      const int j1 = i + 1 == parts ? n : (static_cast<int>(1LL * n * (i + 1) / parts) & ~31);
      if (j1 > j0) skinny(m, j0, j1, k, a, b, c, ldc, accumulate);
    });
    return;
  }
  if (narrow(m, n, k, a, b, c, ldc, accumulate)) return;
  const double flops = 2.0 * m * n * (k > 0 ? k : 1);
  // Below ~200 kFLOP a parallel region costs more than it saves.
  if (t <= 1 || flops < 2e5) {
    gemm_serial(m, n, k, a, b, c, ldc, accumulate);
    return;
  }
  // Split the larger of m and n in whole micro-tiles. Splitting m, the threads share one packed B
  // per (column, depth) block (packing it per thread cost as much as a third of a 128 x 128 x 784
  // product); splitting n, each packs its own columns of B and all of A.
  const Micro& u = pick_micro();
  const bool split_m = (m / u.mr) >= (n / u.nr);
  const int unit = split_m ? u.mr : u.nr;
  const int extent = split_m ? m : n;
  const int units = (extent + unit - 1) / unit;
  int parts = std::min(units, split_m ? t : t * 2);
  if (parts < 1) parts = 1;
  auto range = [&](int i, int& lo, int& hi) {
    const int u0 = static_cast<int>(static_cast<long long>(units) * i / parts);
    const int u1 = static_cast<int>(static_cast<long long>(units) * (i + 1) / parts);
    lo = u0 * unit;
    hi = std::min(extent, u1 * unit);
  };
  if (!split_m) {
    pool_run(parts, [&](int i) {
      int lo, hi;
      range(i, lo, hi);
      if (hi > lo) gemm_serial(m, hi - lo, k, a, MatView{b.p + lo * b.cs, b.rs, b.cs}, c + lo, ldc, accumulate);
    });
    return;
  }
  if (empty_product(m, n, k, c, ldc, accumulate)) return;
  // B is packed several depth blocks at a time (up to kPackBudget floats), so that one pair of
  // parallel regions (pack, then multiply) covers many blocks: a region per block cost a hand-off
  // per 256 of depth, and on a busy machine each hand-off can wait for a descheduled thread.
  constexpr size_t kPackBudget = size_t{2} << 20;
  thread_local std::vector<float> bpack;
  const int ncmax = std::min(NC, (n + u.nr - 1) / u.nr * u.nr);
  const size_t block_floats = static_cast<size_t>(ncmax) * std::min(KC, k);
  const int blocks = (k + KC - 1) / KC;
  const int per_stage = static_cast<int>(std::max<size_t>(1, std::min<size_t>(blocks, kPackBudget / block_floats)));
  bpack.resize(block_floats * per_stage + kPackSlack);
  const bool avx2 = level() >= kAvx2;
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = std::min(NC, n - jc);
    const int slivers = (nc + u.nr - 1) / u.nr;
    for (int pb0 = 0; pb0 < blocks; pb0 += per_stage) {
      const int pb1 = std::min(blocks, pb0 + per_stage);
      // A plain pointer: inside the tasks `bpack` would name each thread's own (empty) vector.
      float* packed = bpack.data();
      // The threads pack B's slivers between them (each sliver of each block is written by one of
      // them), then multiply their rows of A with all of it, block after block.
      const int units = (pb1 - pb0) * slivers;
      const int pack_parts = std::min(parts, units);
      pool_run(pack_parts, [&, packed](int i) {
        const int s0 = static_cast<int>(static_cast<long long>(units) * i / pack_parts);
        const int s1 = static_cast<int>(static_cast<long long>(units) * (i + 1) / pack_parts);
        for (int su = s0; su < s1;) {
          const int blk = su / slivers;
          const int pc = (pb0 + blk) * KC;
          const int kc = std::min(KC, k - pc);
          const int last = std::min(s1, (blk + 1) * slivers);  // this block's slivers in the range
          const int j0 = (su - blk * slivers) * u.nr;
          const int j1 = std::min(nc, (last - blk * slivers) * u.nr);
          u.pack_b(j1 - j0, kc, b.p + pc * b.rs + (jc + j0) * b.cs, b.cs, b.rs,
                   packed + block_floats * blk + static_cast<size_t>(j0) * kc, avx2);
          su = last;
        }
      });
      pool_run(parts, [&, packed](int i) {
        int lo, hi;
        range(i, lo, hi);
        if (hi <= lo) return;
        for (int blk = 0; blk < pb1 - pb0; blk++) {
          const int pc = (pb0 + blk) * KC;
          const int kc = std::min(KC, k - pc);
          block_product(hi - lo, nc, kc, a.p + lo * a.rs + pc * a.cs, a.rs, a.cs, packed + block_floats * blk,
                        c + lo * ldc + jc, ldc, accumulate || pc > 0, u, scratch().a);
        }
      });
    }
  }
}

}  // namespace tfg
