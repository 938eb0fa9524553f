// Blocked SGEMM in the Goto/van de Geijn layout: B is packed into k-by-NR slivers (L1), A into
// MR-by-k slivers (L2), and a register-blocked MR x NR micro-kernel does rank-1 updates.
// Packing also absorbs any transposition, so one kernel serves every case.
#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tfg {
namespace {

constexpr int MR = 6;    // 6 x 16 accumulators = 12 ymm registers, leaving 4 for A and B.
constexpr int NR = 16;
constexpr int KC = 256;  // one B sliver is 16 KiB: it stays in L1 while A slivers stream by.
constexpr int MC = 120;  // A block 120 KiB: stays in L2.
constexpr int NC = 2048;

using Kernel = void (*)(int kc, const float* ap, const float* bp, float* c, std::ptrdiff_t ldc, bool load);

// Portable micro-kernel: plain loops the compiler can vectorise for whatever it targets.
// Every element is one multiply-add chain over p in order, as in the AVX2 kernel below.
void kernel_portable(int kc, const float* ap, const float* bp, float* c, std::ptrdiff_t ldc, bool load) {
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
__attribute__((target("avx2,fma"))) void kernel_avx2(int kc, const float* ap, const float* bp, float* c,
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

bool g_force_portable = false;

Kernel pick_kernel() {
#if defined(__x86_64__)
  static const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (has_avx2 && !g_force_portable) return kernel_avx2;
#endif
  return kernel_portable;
}

// Packs rows [0, mc) x cols [0, kc) of a into MR-row slivers, p-major, zero-padding the last.
void pack_a(int mc, int kc, const float* a, std::ptrdiff_t rs, std::ptrdiff_t cs, float* out) {
  for (int i0 = 0; i0 < mc; i0 += MR) {
    const int mr = std::min(MR, mc - i0);
    const float* src = a + i0 * rs;
    if (mr == MR && rs == 1) {
      for (int p = 0; p < kc; p++) std::memcpy(out + p * MR, src + p * cs, MR * sizeof(float));
    } else {
      for (int p = 0; p < kc; p++) {
        float* o = out + p * MR;
        int i = 0;
        for (; i < mr; i++) o[i] = src[i * rs + p * cs];
        for (; i < MR; i++) o[i] = 0.f;
      }
    }
    out += MR * kc;
  }
}

// Packs rows [0, kc) x cols [0, nc) of b into NR-column slivers, p-major, zero-padding the last.
void pack_b(int kc, int nc, const float* b, std::ptrdiff_t rs, std::ptrdiff_t cs, float* out) {
  for (int j0 = 0; j0 < nc; j0 += NR) {
    const int nr = std::min(NR, nc - j0);
    const float* src = b + j0 * cs;
    if (nr == NR && cs == 1) {
      for (int p = 0; p < kc; p++) std::memcpy(out + p * NR, src + p * rs, NR * sizeof(float));
    } else {
      for (int p = 0; p < kc; p++) {
        float* o = out + p * NR;
        int j = 0;
        for (; j < nr; j++) o[j] = src[p * rs + j * cs];
        for (; j < NR; j++) o[j] = 0.f;
      }
    }
    out += NR * kc;
  }
}

struct Scratch {
  std::vector<float> a, b;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

void gemm_force_portable(bool on) { g_force_portable = on; }

const char* gemm_kernel_name() { return pick_kernel() == kernel_portable ? "portable" : "avx2+fma"; }

namespace {

// C[0:mc, 0:nc] (+)= A block x B block from a packed B (kc x nc slivers) and A's rows starting at
// `a`, packing A in MC-row blocks into `apack`: the body shared by the serial GEMM and the threads of
// the parallel one.
void block_product(int mc, int nc, int kc, const float* a, std::ptrdiff_t ars, std::ptrdiff_t acs, const float* bpack,
                   float* c, std::ptrdiff_t ldc, bool load, Kernel kern, std::vector<float>& apack) {
  float tile[MR * NR];
  apack.resize(static_cast<size_t>(MC) * kc);
  for (int ic = 0; ic < mc; ic += MC) {
    const int mcb = std::min(MC, mc - ic);
    pack_a(mcb, kc, a + ic * ars, ars, acs, apack.data());
    for (int jr = 0; jr < nc; jr += NR) {
      const int nr = std::min(NR, nc - jr);
      const float* bp = bpack + static_cast<size_t>(jr) * kc;
      for (int ir = 0; ir < mcb; ir += MR) {
        const int mr = std::min(MR, mcb - ir);
        const float* ap = apack.data() + static_cast<size_t>(ir) * kc;
        float* cp = c + (ic + ir) * ldc + jr;
        if (mr == MR && nr == NR) {
          kern(kc, ap, bp, cp, ldc, load);
        } else {
          // Edge tile: same arithmetic into a scratch tile, then copy the valid part.
          kern(kc, ap, bp, tile, NR, false);
          for (int i = 0; i < mr; i++)
            for (int j = 0; j < nr; j++) {
              float* d = cp + i * ldc + j;
              *d = load ? *d + tile[i * NR + j] : tile[i * NR + j];
            }
        }
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
  const Kernel kern = pick_kernel();
  Scratch& s = scratch();
  const int ncmax = std::min(NC, (n + NR - 1) / NR * NR);
  const int kcmax = std::min(KC, k);
  s.b.resize(static_cast<size_t>(ncmax) * kcmax);
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = std::min(NC, n - jc);
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = std::min(KC, k - pc);
      pack_b(kc, nc, b.p + pc * b.rs + jc * b.cs, b.rs, b.cs, s.b.data());
      block_product(m, nc, kc, a.p + pc * a.cs, a.rs, a.cs, s.b.data(), c + jc, ldc, accumulate || pc > 0, kern, s.a);
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
  if (pick_kernel() == kernel_avx2) return skinny_avx2(m, j0, j1, k, a, b, c, ldc, accumulate);
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
  const bool avx2 = pick_kernel() == kernel_avx2;
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
  const bool split_m = (m / MR) >= (n / NR);
  const int unit = split_m ? MR : NR;
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
  const Kernel kern = pick_kernel();
  thread_local std::vector<float> bpack;
  const int ncmax = std::min(NC, (n + NR - 1) / NR * NR);
  bpack.resize(static_cast<size_t>(ncmax) * std::min(KC, k));
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = std::min(NC, n - jc);
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = std::min(KC, k - pc);
      // A plain pointer: inside the tasks `bpack` would name each thread's own (empty) vector.
      float* packed = bpack.data();
      // The threads pack B's slivers between them (each sliver is written by one of them), then
      // multiply their rows of A with all of it.
      const int slivers = (nc + NR - 1) / NR;
      const int pack_parts = std::min(parts, slivers);
      const float* bsrc = b.p + pc * b.rs + jc * b.cs;
      pool_run(pack_parts, [&, packed](int i) {
        const int s0 = static_cast<int>(static_cast<long long>(slivers) * i / pack_parts);
        const int s1 = static_cast<int>(static_cast<long long>(slivers) * (i + 1) / pack_parts);
        const int j0 = s0 * NR;
        const int j1 = std::min(nc, s1 * NR);
        if (j1 > j0) pack_b(kc, j1 - j0, bsrc + j0 * b.cs, b.rs, b.cs, packed + static_cast<size_t>(j0) * kc);
      });
      const bool load = accumulate || pc > 0;
      pool_run(parts, [&, packed](int i) {
        int lo, hi;
        range(i, lo, hi);
        if (hi <= lo) return;
        block_product(hi - lo, nc, kc, a.p + lo * a.rs + pc * a.cs, a.rs, a.cs, packed, c + lo * ldc + jc, ldc, load,
                      kern, scratch().a);
      });
    }
  }
}

}  // namespace tfg
