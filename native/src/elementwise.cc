// Element-wise kernels. Arithmetic matches tfjs's cpu backend bit for bit where it can: +, -,
// *, / and sqrt of two floats computed in double and rounded equal the float operation, and
// transcendental functions are evaluated in double like JS's Math functions, except tanh and
// sigmoid: the activations of conv nets and gated units, millions per step, take vmath.h's
// vectorized float forms (~1e-7 relative from tfjs' values, which double then round). Work is split
// into contiguous chunks over the pool; each element is written by exactly one task.
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "pool.h"
#include "vmath.h"

namespace tfg {
namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr std::size_t kParallelMin = 1 << 15;

template <typename F>
void parallel_chunks(std::size_t n, F&& f) {
  const int t = pool_threads();
  const int parts = (n < kParallelMin || t <= 1) ? 1 : t;
  pool_run(parts, [&](int i) {
    // Chunk bounds rounded to 16 floats keep every chunk's vector loop aligned alike.
    std::size_t lo = (n * i / parts) & ~static_cast<std::size_t>(15);
    std::size_t hi = i + 1 == parts ? n : ((n * (i + 1) / parts) & ~static_cast<std::size_t>(15));
    if (i == 0) lo = 0;
    if (hi > lo) f(lo, hi);
  });
}

template <typename Op>
void binary_range(const float* a, std::size_t pa, const float* b, std::size_t pb, float* out, std::size_t lo,
                  std::size_t hi, Op op) {
  if (pa != 1 && pb != 1 && pa >= hi && pb >= hi) {
    for (std::size_t i = lo; i < hi; i++) out[i] = op(a[i], b[i]);
  } else if (pa == 1 && pb >= hi) {
    const float s = a[0];
    for (std::size_t i = lo; i < hi; i++) out[i] = op(s, b[i]);
  } else if (pb == 1 && pa >= hi) {
    const float s = b[0];
    for (std::size_t i = lo; i < hi; i++) out[i] = op(a[i], s);
  } else {
    // A repeating operand (bias over the last dimension): runs up to the next wrap of either
    // index, each a plain loop the compiler vectorizes (a per-element wrap test did not).
    std::size_t ia = lo % pa, ib = lo % pb;
    for (std::size_t i = lo; i < hi;) {
      const std::size_t len = std::min(hi - i, std::min(pa - ia, pb - ib));
      const float* ar = a + ia;
      const float* br = b + ib;
      float* o = out + i;
      for (std::size_t t = 0; t < len; t++) o[t] = op(ar[t], br[t]);
      i += len;
      ia += len;
      ib += len;
      if (ia == pa) ia = 0;
      if (ib == pb) ib = 0;
    }
  }
}

}  // namespace

std::size_t Broadcast::index(std::size_t i) const {
  return ((i / (inner * mid)) * inner + i % inner) % period;
}

namespace {

// Broadcast::index(i) for i = start, start + 1, ...: the divisions once, then counters. With
// q = i / (inner * mid), r = i % inner and m = (i / inner) % mid, index = (q * inner + r) % period;
// base = (q * inner) % period advances by inner (mod period) each time m wraps.
class BroadcastWalk {
 public:
  BroadcastWalk(const Broadcast& b, std::size_t start)
      : inner_(b.inner), mid_(b.mid), period_(b.period), r_(start % b.inner), m_((start / b.inner) % b.mid),
        base_(((start / (b.inner * b.mid)) * b.inner) % b.period) {}
  std::size_t at() const {
    const std::size_t k = base_ + r_;
    return k >= period_ ? k % period_ : k;
  }
  void next() {
    if (++r_ < inner_) return;
    r_ = 0;
    if (++m_ < mid_) return;
    m_ = 0;
    base_ = (base_ + inner_) % period_;
  }
  // With inner == 1 the index stays the same for mid consecutive elements: how many are left
  // from here, and a jump over `k` of them (k <= run_left()).
  std::size_t run_left() const { return mid_ - m_; }
  void skip_in_run(std::size_t k) {
    m_ += k;
    if (m_ == mid_) {
      m_ = 0;
      base_ = (base_ + 1) % period_;
    }
  }

 private:
  std::size_t inner_, mid_, period_, r_, m_, base_;
};

template <typename Op>
void binary_op(const float* a, const Broadcast& ba, const float* b, const Broadcast& bb, float* out, std::size_t n,
               Op op) {
  if (ba.simple() && bb.simple()) {
    parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { binary_range(a, ba.period, b, bb.period, out, lo, hi, op); });
    return;
  }
  // One operand whole, the other repeating each value over a run ([B, C] against [B, 1], the
  // softmax and cross-entropy broadcasts): one value per run, a plain loop over the run.
  const bool a_whole = ba.simple() && ba.period >= n, b_whole = bb.simple() && bb.period >= n;
  if ((a_whole && bb.inner == 1) || (b_whole && ba.inner == 1)) {
    parallel_chunks(n, [&](std::size_t lo, std::size_t hi) {
      BroadcastWalk w(a_whole ? bb : ba, lo);
      for (std::size_t i = lo; i < hi;) {
        const std::size_t k = std::min(hi - i, w.run_left());
        if (a_whole) {
          const float y = b[w.at()];
          for (std::size_t j = i; j < i + k; j++) out[j] = op(a[j], y);
        } else {
          const float x = a[w.at()];
          for (std::size_t j = i; j < i + k; j++) out[j] = op(x, b[j]);
        }
        w.skip_in_run(k);
        i += k;
      }
    });
    return;
  }
  // Otherwise an operand broadcast along a block of axes ([B, 1, C] against [B, T, C]): walk both
  // operands with counters (BroadcastWalk), no division per element.
  parallel_chunks(n, [&](std::size_t lo, std::size_t hi) {
    BroadcastWalk wa(ba, lo), wb(bb, lo);
    for (std::size_t i = lo; i < hi; i++) {
      out[i] = op(a[wa.at()], b[wb.at()]);
      wa.next();
      wb.next();
    }
  });
}

template <typename Op>
void unary_op(const float* x, float* out, std::size_t n, Op op) {
  parallel_chunks(n, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; i++) out[i] = op(x[i]);
  });
}

// tanh (Code 1) or sigmoid (Code 2) over [lo, hi): 8 lanes at a time, the scalar form for the tail.
template <int Code>
__attribute__((target("avx2,fma"))) void activation_avx2(const float* x, float* out, std::size_t lo, std::size_t hi) {
  std::size_t i = lo;
  for (; i + 8 <= hi; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    _mm256_storeu_ps(out + i, Code == 1 ? vm_tanh8(v) : vm_sigmoid8(v));
  }
  for (; i < hi; i++) out[i] = Code == 1 ? vm_tanh(x[i]) : vm_sigmoid(x[i]);
}

// Step (the ReLU gradient's mask): alpha for x <= 0, 1 above, NaN kept, 8 lanes at a time. The
// scalar form's two selects were compiled to branches, which mispredict on random signs (76 us
// for 16k elements against Relu's 3 us).
__attribute__((target("avx2"))) void step_avx2(const float* x, float* out, std::size_t lo, std::size_t hi, float alpha) {
  const __m256 one = _mm256_set1_ps(1.f), a = _mm256_set1_ps(alpha), zero = _mm256_setzero_ps();
  std::size_t i = lo;
  for (; i + 8 <= hi; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 r = _mm256_blendv_ps(a, one, _mm256_cmp_ps(v, zero, _CMP_GT_OQ));
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(r, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
  }
  for (; i < hi; i++) {
    const float v = x[i];
    out[i] = v != v ? v : (v > 0.f ? 1.f : alpha);
  }
}

template <int Code>
void activation_op(const float* x, float* out, std::size_t n) {
  if (!vm_have_avx2()) {
    return unary_op(x, out, n, [](float v) { return Code == 1 ? vm_tanh(v) : vm_sigmoid(v); });
  }
  parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { activation_avx2<Code>(x, out, lo, hi); });
}

}  // namespace

void binary(int op, const float* a, const Broadcast& ba, const float* b, const Broadcast& bb, float* out, std::size_t n) {
  switch (op) {
    case kAdd: return binary_op(a, ba, b, bb, out, n, [](float x, float y) { return x + y; });
    case kSub: return binary_op(a, ba, b, bb, out, n, [](float x, float y) { return x - y; });
    case kMul: return binary_op(a, ba, b, bb, out, n, [](float x, float y) { return x * y; });
    case kDiv: return binary_op(a, ba, b, bb, out, n, [](float x, float y) { return x / y; });
    // tfjs: NaN wins in maximum/minimum; std::max would drop it.
    case kMax: return binary_op(a, ba, b, bb, out, n, [](float x, float y) { return (x != x || y != y) ? NAN : (x > y ? x : y); });
    case kMin: return binary_op(a, ba, b, bb, out, n, [](float x, float y) { return (x != x || y != y) ? NAN : (x < y ? x : y); });
    case kSquaredDiff:
      return binary_op(a, ba, b, bb, out, n, [](float x, float y) {
        const double d = static_cast<double>(x) - y;
        return static_cast<float>(d * d);
      });
    default: return;
  }
}

void unary(int op, const float* x, float* out, std::size_t n, float alpha) {
  switch (op) {
    case kSqrt: return unary_op(x, out, n, [](float v) { return std::sqrt(v); });
    // Exact in double, so one float rounding gives tfjs's result.
    case kSquare: return unary_op(x, out, n, [](float v) { return v * v; });
    case kReluU: return unary_op(x, out, n, [](float v) { return v < 0.f ? 0.f : v; });
    // NaN stays NaN (tfjs); written as two selects so the loop vectorizes.
    case kStep:
      if (vm_have_avx2()) return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { step_avx2(x, out, lo, hi, alpha); });
      return unary_op(x, out, n, [alpha](float v) { const float r = v > 0.f ? 1.f : alpha; return v != v ? v : r; });
    case kNeg: return unary_op(x, out, n, [](float v) { return -v; });
    case kExp: return unary_op(x, out, n, [](float v) { return static_cast<float>(std::exp(static_cast<double>(v))); });
    case kLog: return unary_op(x, out, n, [](float v) { return static_cast<float>(std::log(static_cast<double>(v))); });
    case kAbs: return unary_op(x, out, n, [](float v) { return std::fabs(v); });
    case kRsqrt: return unary_op(x, out, n, [](float v) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(v))); });
    case kSigmoidU: return activation_op<2>(x, out, n);
    case kTanh: return activation_op<1>(x, out, n);
    case kLeakyReluU: return unary_op(x, out, n, [alpha](float v) { return v < 0.f ? alpha * v : v; });
    // As tfjs: x >= 0 ? x : exp(x) - 1, exp in double.
    case kEluU: return unary_op(x, out, n, [](float v) { return v >= 0.f ? v : static_cast<float>(std::exp(static_cast<double>(v)) - 1.0); });
    case kSoftplus:
      // tfjs' thresholds: exp(x) below log(eps) + 2, x above -(log(eps) + 2), else log(1 + exp(x)).
      return unary_op(x, out, n, [](float v) {
        const double threshold = std::log(1.1920928955078125e-7) + 2.0;
        const double e = std::exp(static_cast<double>(v));
        if (v < threshold) return static_cast<float>(e);
        if (v > -threshold) return v;
        return static_cast<float>(std::log(1.0 + e));
      });
    default: return;
  }
}

void compare(int op, const float* a, const Broadcast& ba, const float* b, const Broadcast& bb, unsigned char* out,
             std::size_t n) {
  auto run = [&](auto pred) {
    parallel_chunks(n, [&](std::size_t lo, std::size_t hi) {
      if (ba.period >= n && bb.period >= n && ba.simple() && bb.simple()) {
        for (std::size_t i = lo; i < hi; i++) out[i] = pred(a[i], b[i]) ? 1 : 0;
      } else if (bb.period == 1 && ba.period >= n && ba.simple()) {
        const float y = b[0];
        for (std::size_t i = lo; i < hi; i++) out[i] = pred(a[i], y) ? 1 : 0;
      } else {
        BroadcastWalk wa(ba, lo), wb(bb, lo);
        for (std::size_t i = lo; i < hi; i++) {
          out[i] = pred(a[wa.at()], b[wb.at()]) ? 1 : 0;
          wa.next();
          wb.next();
        }
      }
    });
  };
  switch (op) {
    case kGreater: return run([](float x, float y) { return x > y; });
    case kGreaterEqual: return run([](float x, float y) { return x >= y; });
    case kLess: return run([](float x, float y) { return x < y; });
    case kLessEqual: return run([](float x, float y) { return x <= y; });
    case kEqual: return run([](float x, float y) { return x == y; });
    case kNotEqual: return run([](float x, float y) { return x != y; });
    default: return;
  }
}

void select(const unsigned char* cond, const float* t, const float* e, float* out, std::size_t n) {
  parallel_chunks(n, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; i++) out[i] = cond[i] ? t[i] : e[i];
  });
}

void softmax_rows(const float* x, float* out, std::size_t rows, std::size_t cols) {
  const int t = pool_threads();
  const int parts = (rows * cols < kParallelMin || t <= 1 || rows < 2) ? 1 : t;
  pool_run(parts, [&](int i) {
    const std::size_t r0 = rows * i / parts, r1 = rows * (i + 1) / parts;
    for (std::size_t r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* yr = out + r * cols;
      float m = -INFINITY;
      for (std::size_t c = 0; c < cols; c++) m = (xr[c] > m || xr[c] != xr[c]) ? xr[c] : m;
      double sum = 0.0;
      for (std::size_t c = 0; c < cols; c++) {
        yr[c] = static_cast<float>(std::exp(static_cast<double>(xr[c] - m)));
        sum += yr[c];
      }
      const float s = static_cast<float>(sum);
      for (std::size_t c = 0; c < cols; c++) yr[c] = yr[c] / s;
    }
  });
}

void sum_rows(const float* x, float* out, std::size_t rows, std::size_t cols) {
  // Split over columns so every output keeps one fixed summation order.
  const int t = pool_threads();
  const int parts = (rows * cols < kParallelMin || t <= 1 || cols < 32) ? 1 : t;
  pool_run(parts, [&](int i) {
    const std::size_t c0 = cols * i / parts, c1 = cols * (i + 1) / parts;
    std::vector<double> acc(c1 - c0, 0.0);
    for (std::size_t r = 0; r < rows; r++) {
      const float* row = x + r * cols;
      for (std::size_t c = c0; c < c1; c++) acc[c - c0] += row[c];
    }
    for (std::size_t c = c0; c < c1; c++) out[c] = static_cast<float>(acc[c - c0]);
  });
}

namespace {

__attribute__((target("avx2"))) void relu_mask_avx2(float* dx, const float* y, std::size_t lo, std::size_t hi) {
  const __m256 zero = _mm256_setzero_ps();
  std::size_t i = lo;
  for (; i + 8 <= hi; i += 8) {
    const __m256 keep = _mm256_cmp_ps(_mm256_loadu_ps(y + i), zero, _CMP_GT_OQ);
    _mm256_storeu_ps(dx + i, _mm256_and_ps(_mm256_loadu_ps(dx + i), keep));
  }
  for (; i < hi; i++) dx[i] = y[i] > 0.f ? dx[i] : 0.f;
}

// Four double accumulators of four lanes: the squares of 16 floats per round, no serial chain.
__attribute__((target("avx2,fma"))) double sum_squares_avx2(const float* x, std::size_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256d v0 = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), v1 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
    const __m256d v2 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 8)), v3 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 12));
    a0 = _mm256_fmadd_pd(v0, v0, a0);
    a1 = _mm256_fmadd_pd(v1, v1, a1);
    a2 = _mm256_fmadd_pd(v2, v2, a2);
    a3 = _mm256_fmadd_pd(v3, v3, a3);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < n; i++) s += static_cast<double>(x[i]) * x[i];
  return s;
}

}  // namespace

void relu_mask(float* dx, const float* y, std::size_t n) {
  if (!vm_have_avx2()) {
    for (std::size_t i = 0; i < n; i++) dx[i] = y[i] > 0.f ? dx[i] : 0.f;
    return;
  }
  relu_mask_avx2(dx, y, 0, n);
}

double sum_squares(const float* x, std::size_t n) {
  if (!vm_have_avx2()) {
    double s[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (int j = 0; j < 4; j++) s[j] += static_cast<double>(x[i + j]) * x[i + j];
    double r = (s[0] + s[1]) + (s[2] + s[3]);
    for (; i < n; i++) r += static_cast<double>(x[i]) * x[i];
    return r;
  }
  return sum_squares_avx2(x, n);
}

void sum_blocks(const float* x, float* out, std::size_t outer, std::size_t rows, std::size_t cols) {
  if (cols == 1) {
    // A reduction over the last axes: each output sums one contiguous run, in order, in double.
    for (std::size_t o = 0; o < outer; o++) {
      const float* b = x + o * rows;
      double acc = 0.0;
      for (std::size_t r = 0; r < rows; r++) acc += b[r];
      out[o] = static_cast<float>(acc);
    }
    return;
  }
  for (std::size_t o = 0; o < outer; o++) sum_rows(x + o * rows * cols, out + o * cols, rows, cols);
}

namespace {

// The update loops take plain restrict pointers and a range, so GCC vectorizes them (it does
// not through a lambda's by-reference captures).
void sgd_range(float* __restrict__ w, const float* __restrict__ g, float nlr, std::size_t lo, std::size_t hi) {
  for (std::size_t i = lo; i < hi; i++) w[i] = nlr * g[i] + w[i];
}

// Inlined into a plain and an AVX2 copy: divisions and square roots are correctly rounded at
// any width, so both give the same bits; AVX2 halves the time of this divide-bound loop.
inline __attribute__((always_inline)) void adam_body(float* __restrict__ w, const float* __restrict__ g,
                                                     float* __restrict__ m_, float* __restrict__ v_, const float* c,
                                                     std::size_t lo, std::size_t hi) {
  const float b1 = c[0], ob1 = c[1], b2 = c[2], ob2 = c[3], bc1 = c[4], bc2 = c[5], eps = c[6], nlr = c[7];
  for (std::size_t i = lo; i < hi; i++) {
    const float gi = g[i];
    const float m = m_[i] * b1 + gi * ob1;
    const float v = v_[i] * b2 + (gi * gi) * ob2;
    m_[i] = m;
    v_[i] = v;
    // tfjs: add(mul(div(m / (1 - beta1^t), add(sqrt(v / (1 - beta2^t)), eps)), -lr), w)
    w[i] = ((m / bc1) / (std::sqrt(v / bc2) + eps)) * nlr + w[i];
  }
}

void adam_plain(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ m_, float* __restrict__ v_,
                const float* c, std::size_t lo, std::size_t hi) {
  adam_body(w, g, m_, v_, c, lo, hi);
}

__attribute__((target("avx2"))) void adam_avx2(float* __restrict__ w, const float* __restrict__ g,
                                               float* __restrict__ m_, float* __restrict__ v_, const float* c,
                                               std::size_t lo, std::size_t hi) {
  adam_body(w, g, m_, v_, c, lo, hi);
}

void adam_range(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ m_, float* __restrict__ v_,
                const float* c, std::size_t lo, std::size_t hi) {
  if (vm_have_avx2()) adam_avx2(w, g, m_, v_, c, lo, hi);
  else adam_plain(w, g, m_, v_, c, lo, hi);
}

// `centered` is a template parameter so each loop has no branch inside.
template <bool centered>
void rmsprop_range(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ ms_, float* __restrict__ mom_,
                   float* __restrict__ mg_, const float* c, std::size_t lo, std::size_t hi) {
  const float decay = c[0], odecay = c[1], momentum = c[2], lr = c[3], eps = c[4];
  for (std::size_t i = lo; i < hi; i++) {
    const float gi = g[i];
    const float ms = ms_[i] * decay + (gi * gi) * odecay;
    float denom;
    if constexpr (centered) {
      const float mg = mg_[i] * decay + gi * odecay;
      denom = std::sqrt(ms - (mg * mg + eps));  // tfjs: sqrt(ms - (mg^2 + epsilon))
      mg_[i] = mg;
    } else {
      denom = std::sqrt(ms + eps);
    }
    const float mom = mom_[i] * momentum + (gi * lr) / denom;
    ms_[i] = ms;
    mom_[i] = mom;
    w[i] = w[i] - mom;
  }
}

// tfjs: acc = m * acc + g; w = c * acc + w, or with Nesterov w = c * (g + acc * m) + w.
template <bool nesterov>
void momentum_range(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ acc_, const float* c,
                    std::size_t lo, std::size_t hi) {
  const float m = c[0], nlr = c[1];
  for (std::size_t i = lo; i < hi; i++) {
    const float gi = g[i];
    const float acc = m * acc_[i] + gi;
    acc_[i] = acc;
    if constexpr (nesterov) {
      w[i] = nlr * (gi + acc * m) + w[i];
    } else {
      w[i] = nlr * acc + w[i];
    }
  }
}

// Adadelta (Zeiler 2012). tfjs: the step divides by the accumulated squared gradient before
// this step's update; Keras 2.0: after it, and p - lr * update where tfjs adds update * -lr
// (the same number: negation is exact).
template <bool keras>
void adadelta_range(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ ag_,
                    float* __restrict__ au_, const float* c, std::size_t lo, std::size_t hi) {
  const float rho = c[0], orho = c[1], eps = c[2], nlr = c[3];
  for (std::size_t i = lo; i < hi; i++) {
    const float gi = g[i];
    const float ag = ag_[i] * rho + (gi * gi) * orho;
    float upd;
    if constexpr (keras) {
      upd = (gi * std::sqrt(au_[i] + eps)) / std::sqrt(ag + eps);
    } else {
      upd = (std::sqrt(au_[i] + eps) / std::sqrt(ag_[i] + eps)) * gi;
    }
    const float au = au_[i] * rho + (upd * upd) * orho;
    ag_[i] = ag;
    au_[i] = au;
    w[i] = upd * nlr + w[i];
  }
}

}  // namespace

void optimizer_update(int rule, float* w, const float* g, float* s0, float* s1, float* s2, const float* c, std::size_t n) {
  // Each float operation below is one tfjs op (one rounding), in tfjs's order; nothing is
  // fused or reordered (the file is built without -ffast-math and without FMA contraction).
  // tfjs squares in double and rounds; the product of two floats is exact in double, so the
  // float product (one rounding) is the same number, and keeps the loops vectorizable.
  switch (rule) {
    case kSgd: return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { sgd_range(w, g, c[0], lo, hi); });
    case kAdam: return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { adam_range(w, g, s0, s1, c, lo, hi); });
    case kRmsProp:
      return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { rmsprop_range<false>(w, g, s0, s1, s2, c, lo, hi); });
    case kRmsPropCentered:
      return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { rmsprop_range<true>(w, g, s0, s1, s2, c, lo, hi); });
    case kMomentum:
      return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { momentum_range<false>(w, g, s0, c, lo, hi); });
    case kNesterov:
      return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { momentum_range<true>(w, g, s0, c, lo, hi); });
    case kAdadelta:
      return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { adadelta_range<false>(w, g, s0, s1, c, lo, hi); });
    case kAdadeltaKeras:
      return parallel_chunks(n, [&](std::size_t lo, std::size_t hi) { adadelta_range<true>(w, g, s0, s1, c, lo, hi); });
    default: return;
  }
}

}  // namespace tfg
