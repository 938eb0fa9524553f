// Fused recurrent layers: per step one or two hidden-state GEMMs plus one pass over the gates,
// forward and backward, with the batch split over the pool's threads.
#include "recurrent.h"

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "elementwise.h"
#include "gemm.h"
#include "pool.h"
#include "vmath.h"

namespace tfg {
namespace {

template <int Code>
__attribute__((always_inline)) inline float activate_one(float v) {
  if constexpr (Code == 1) {
    return vm_tanh(v);
  } else if constexpr (Code == 2) {
    return vm_sigmoid(v);
  } else if constexpr (Code == 3) {
    const float h = 0.2f * v + 0.5f;
    return h < 0.f ? 0.f : (h > 1.f ? 1.f : h);
  } else if constexpr (Code == 4) {
    return v > 0.f ? v : 0.f;
  } else {
    return v;
  }
}

template <int Code>
void activate_base(const float* x, float* y, int n) {
  for (int k = 0; k < n; k++) y[k] = activate_one<Code>(x[k]);
}

template <int Code>
__attribute__((target("avx2,fma"))) void activate_avx2(const float* x, float* y, int n) {
  int k = 0;
  if constexpr (Code == 1 || Code == 2) {
    for (; k + 8 <= n; k += 8) {
      const __m256 v = _mm256_loadu_ps(x + k);
      __m256 out;
      if constexpr (Code == 1) {
        out = vm_tanh8(v);
      } else {
        out = vm_sigmoid8(v);
      }
      _mm256_storeu_ps(y + k, out);
    }
  }
  for (; k < n; k++) y[k] = activate_one<Code>(x[k]);
}

// y = act(x) over [0, n).
void activate(int code, const float* x, float* y, int n) {
  const bool avx2 = vm_have_avx2();
  switch (code) {
    case 1: return avx2 ? activate_avx2<1>(x, y, n) : activate_base<1>(x, y, n);
    case 2: return avx2 ? activate_avx2<2>(x, y, n) : activate_base<2>(x, y, n);
    case 3: return avx2 ? activate_avx2<3>(x, y, n) : activate_base<3>(x, y, n);
    case 4: return avx2 ? activate_avx2<4>(x, y, n) : activate_base<4>(x, y, n);
    default:
      if (y != x) std::memcpy(y, x, sizeof(float) * n);
  }
}

// d = act'(z) from y = act(z); at the kinks (hard sigmoid at z = +-2.5, relu at 0) it is 0.
void derivative(int code, const float* y, float* d, int n) {
  switch (code) {
    case 1:
      for (int k = 0; k < n; k++) d[k] = 1.f - y[k] * y[k];
      return;
    case 2:
      for (int k = 0; k < n; k++) d[k] = y[k] * (1.f - y[k]);
      return;
    case 3:
      for (int k = 0; k < n; k++) d[k] = (y[k] > 0.f && y[k] < 1.f) ? 0.2f : 0.f;
      return;
    case 4:
      for (int k = 0; k < n; k++) d[k] = y[k] > 0.f ? 1.f : 0.f;
      return;
    default:
      for (int k = 0; k < n; k++) d[k] = 1.f;
  }
}

// Rows [lo, hi) of the batch for task k of n: each step splits the batch over the pool's threads,
// and every example's recurrence touches only its own rows, so the tasks never wait on each other
// within a step (one pool run per step instead of one inside each small GEMM).
inline void batch_rows(int B, int k, int n, int& lo, int& hi) {
  lo = static_cast<int>(static_cast<long long>(B) * k / n);
  hi = static_cast<int>(static_cast<long long>(B) * (k + 1) / n);
}

inline int task_count(int B) { return B < pool_threads() ? (B > 0 ? B : 1) : pool_threads(); }

inline bool masked(const float* mask, size_t row) { return mask != nullptr && mask[row] == 0.f; }

}  // namespace

int rnn_gate_width(int cell, int H) { return cell == kLstm ? 4 * H : cell == kSimpleRnn ? H : 3 * H; }
int rnn_cache_width(int cell, int H) { return cell == kLstm ? 6 * H : cell == kSimpleRnn ? H : 4 * H; }

void rnn_forward(int cell, int B, int T, int H, const float* xw, const float* R, const float* rbias, float* h, float* c,
                 const float* mask, const float* rmask, bool backwards, int act, int rec, float* seq, float* cache, float* hprev) {
  const int G = rnn_gate_width(cell, H);
  const int C = rnn_cache_width(cell, H);
  std::vector<float> z(static_cast<size_t>(B) * G);
  const int tasks = task_count(B);
  for (int s = 0; s < T; s++) {
    const int t = backwards ? T - 1 - s : s;
    pool_run(tasks, [&](int k) {
      int lo, hi;
      batch_rows(B, k, tasks, lo, hi);
      if (hi <= lo) return;
      const int rows = hi - lo;
      float* zk = z.data() + static_cast<size_t>(lo) * G;
      // The state the step's gates see: h, times the recurrent dropout mask when there is one.
      for (int b = lo; b < hi; b++) {
        const float* hb = h + static_cast<size_t>(b) * H;
        float* hp = hprev + (static_cast<size_t>(b) * T + t) * H;
        if (rmask == nullptr) {
          std::memcpy(hp, hb, sizeof(float) * H);
        } else {
          const float* m = rmask + static_cast<size_t>(b) * H;
          for (int u = 0; u < H; u++) hp[u] = hb[u] * m[u];
        }
      }
      const MatView hv{hprev + (static_cast<size_t>(lo) * T + t) * H, static_cast<std::ptrdiff_t>(T) * H, 1};
      // The recurrent projection of these rows: all gates, or for the Keras 2 GRU only z and r (its
      // candidate's projection needs r first).
      if (H > 0) gemm_serial(rows, cell == kGru ? 2 * H : G, H, hv, MatView{R, G, 1}, zk, G, false);
      for (int b = lo; b < hi; b++) {
        const size_t row = static_cast<size_t>(b) * T + t;
        float* zb = z.data() + static_cast<size_t>(b) * G;
        const float* xwr = xw + row * G;
        float* cc = cache + row * C;
        float* hb = h + static_cast<size_t>(b) * H;
        const float* hp = hprev + row * H;
        float* out = seq + (static_cast<size_t>(b) * T + s) * H;
        if (masked(mask, row)) {
          // The states carry over and the output repeats the hidden state; the LSTM's cache keeps the
          // carried cell state because the next step's gradient reads it as "previous c". The rest is
          // zeroed: recycled buffers hold anything, and the GRU's weight gradient multiplies it by 0.
          std::memset(cc, 0, sizeof(float) * C);
          if (cell == kLstm) std::memcpy(cc + 4 * H, c + static_cast<size_t>(b) * H, sizeof(float) * H);
          std::memcpy(out, hb, sizeof(float) * H);
          continue;
        }
        if (cell == kLstm) {
          for (int j = 0; j < G; j++) zb[j] += xwr[j];
          activate(rec, zb, cc, 2 * H);              // i, f
          activate(act, zb + 2 * H, cc + 2 * H, H);  // g
          activate(rec, zb + 3 * H, cc + 3 * H, H);  // o
          float* cb = c + static_cast<size_t>(b) * H;
          for (int u = 0; u < H; u++) {
            cb[u] = cc[H + u] * cb[u] + cc[u] * cc[2 * H + u];
            cc[4 * H + u] = cb[u];
          }
          activate(act, cb, cc + 5 * H, H);
          for (int u = 0; u < H; u++) hb[u] = cc[3 * H + u] * cc[5 * H + u];
        } else if (cell == kGru) {
          for (int j = 0; j < 2 * H; j++) zb[j] += xwr[j];
          activate(rec, zb, cc, 2 * H);  // z, r
          for (int u = 0; u < H; u++) cc[3 * H + u] = cc[H + u] * hp[u];
        } else if (cell == kGruResetAfter) {
          for (int j = 0; j < G; j++) zb[j] += rbias[j];
          for (int j = 0; j < 2 * H; j++) zb[j] += xwr[j];
          activate(rec, zb, cc, 2 * H);  // z, r
          std::memcpy(cc + 3 * H, zb + 2 * H, sizeof(float) * H);
          for (int u = 0; u < H; u++) zb[2 * H + u] = xwr[2 * H + u] + cc[H + u] * cc[3 * H + u];
          activate(act, zb + 2 * H, cc + 2 * H, H);
          for (int u = 0; u < H; u++) hb[u] = cc[u] * hb[u] + (1.f - cc[u]) * cc[2 * H + u];
        } else {
          for (int j = 0; j < G; j++) zb[j] += xwr[j];
          activate(act, zb, cc, H);
          std::memcpy(hb, cc, sizeof(float) * H);
        }
        if (cell != kGru) std::memcpy(out, hb, sizeof(float) * H);
      }
      if (cell != kGru) return;
      // Keras 2 GRU: the candidate's recurrent projection (r * h) R_h of the unmasked rows (a masked
      // row's product is computed but never read), then the candidate and the new state.
      if (H > 0) {
        const size_t stride = static_cast<size_t>(T) * C;
        gemm_serial(rows, H, H, MatView{cache + (static_cast<size_t>(lo) * T + t) * C + 3 * H, static_cast<std::ptrdiff_t>(stride), 1},
                    MatView{R + 2 * H, G, 1}, zk + 2 * H, G, false);
      }
      for (int b = lo; b < hi; b++) {
        const size_t row = static_cast<size_t>(b) * T + t;
        if (masked(mask, row)) continue;
        float* zb = z.data() + static_cast<size_t>(b) * G;
        const float* xwr = xw + row * G;
        float* cc = cache + row * C;
        float* hb = h + static_cast<size_t>(b) * H;
        // tfjs' GRU cell (unlike Keras') also mixes the dropped-out state into the new one.
        const float* hp = hprev + row * H;
        for (int u = 0; u < H; u++) zb[2 * H + u] += xwr[2 * H + u];
        activate(act, zb + 2 * H, cc + 2 * H, H);
        for (int u = 0; u < H; u++) hb[u] = cc[u] * hp[u] + (1.f - cc[u]) * cc[2 * H + u];
        std::memcpy(seq + (static_cast<size_t>(b) * T + s) * H, hb, sizeof(float) * H);
      }
    });
  }
}

void rnn_backward(int cell, int B, int T, int H, const float* R, const float* cache, const float* hprev, const float* c0,
                  const float* mask, const float* rmask, const float* dseq, float* dh, float* dc, bool backwards, int act, int rec, float* dz,
                  float* dR, float* drbias) {
  const int G = rnn_gate_width(cell, H);
  const int C = rnn_cache_width(cell, H);
  const size_t BT = static_cast<size_t>(B) * T;
  // The reset-after GRU's recurrent side sees r * d(candidate) where the input side sees
  // d(candidate): its gradients differ from dz in the candidate's columns and are kept apart.
  std::vector<float> dzh(cell == kGruResetAfter ? BT * G : 0);
  std::vector<float> dzs(static_cast<size_t>(B) * G);
  // Per row: the hidden-state gradient before the recurrent GEMM adds to it (kept for masked rows).
  std::vector<float> dnext(static_cast<size_t>(B) * H);
  // Per row: what reaches the state through the recurrent kernel (and the Keras 2 GRU's d(r * h)).
  std::vector<float> gtmp(static_cast<size_t>(B) * H);
  const int tasks = task_count(B);
  std::vector<std::vector<float>> scratch(tasks, std::vector<float>(6 * static_cast<size_t>(H) + 1));
  for (int s = T - 1; s >= 0; s--) {
    const int t = backwards ? T - 1 - s : s;
    const int tp = backwards ? t + 1 : t - 1;
    pool_run(tasks, [&](int k) {
      int lo, hi;
      batch_rows(B, k, tasks, lo, hi);
      if (hi <= lo) return;
      const int rows = hi - lo;
      float* d = scratch[k].data();
      for (int b = lo; b < hi; b++) {
        const size_t row = static_cast<size_t>(b) * T + t;
        const float* cc = cache + row * C;
        float* dzb = dzs.data() + static_cast<size_t>(b) * G;
        float* dhb = dh + static_cast<size_t>(b) * H;
        float* dn = dnext.data() + static_cast<size_t>(b) * H;
        const float* ds = dseq + (static_cast<size_t>(b) * T + s) * H;
        const float* hp = hprev + row * H;
        // dn: what reaches h_{t-1} directly (not through the recurrent kernel); dzb: the gates'.
        if (masked(mask, row)) {
          for (int u = 0; u < H; u++) dn[u] = dhb[u] + ds[u];
          std::memset(dzb, 0, sizeof(float) * G);
        } else if (cell == kLstm) {
          const float* cprev =
              s > 0 ? cache + (static_cast<size_t>(b) * T + tp) * C + 4 * H : c0 + static_cast<size_t>(b) * H;
          derivative(rec, cc, d, 2 * H);
          derivative(act, cc + 2 * H, d + 2 * H, H);
          derivative(rec, cc + 3 * H, d + 3 * H, H);
          derivative(act, cc + 5 * H, d + 4 * H, H);
          float* dcb = dc + static_cast<size_t>(b) * H;
          for (int u = 0; u < H; u++) {
            const float dhu = dhb[u] + ds[u];
            const float dcu = dcb[u] + dhu * cc[3 * H + u] * d[4 * H + u];
            dcb[u] = dcu * cc[H + u];
            dzb[u] = dcu * cc[2 * H + u] * d[u];
            dzb[H + u] = dcu * cprev[u] * d[H + u];
            dzb[2 * H + u] = dcu * cc[u] * d[2 * H + u];
            dzb[3 * H + u] = dhu * cc[5 * H + u] * d[3 * H + u];
            dn[u] = 0.f;
          }
        } else if (cell == kSimpleRnn) {
          derivative(act, cc, d, H);
          for (int u = 0; u < H; u++) {
            dzb[u] = (dhb[u] + ds[u]) * d[u];
            dn[u] = 0.f;
          }
        } else {
          // GRU: h' = z h + (1 - z) hh.
          derivative(rec, cc, d, 2 * H);
          derivative(act, cc + 2 * H, d + 2 * H, H);
          for (int u = 0; u < H; u++) {
            const float dhu = dhb[u] + ds[u];
            const float zu = cc[u];
            dzb[u] = dhu * (hp[u] - cc[2 * H + u]) * d[u];
            dzb[2 * H + u] = dhu * (1.f - zu) * d[2 * H + u];
            dn[u] = dhu * zu;
          }
          if (cell == kGruResetAfter) {
            float* dzr = dzh.data() + row * G;
            for (int u = 0; u < H; u++) {
              dzb[H + u] = dzb[2 * H + u] * cc[3 * H + u] * d[H + u];
              dzr[u] = dzb[u];
              dzr[H + u] = dzb[H + u];
              dzr[2 * H + u] = dzb[2 * H + u] * cc[H + u];
            }
          }
        }
      }
      float* gk = gtmp.data() + static_cast<size_t>(lo) * H;
      if (cell == kGru && H > 0) {
        // d(r * h) = d(candidate) R_h^T for these rows, then r's gradient and the part of h's that
        // flows through r * h.
        gemm_serial(rows, H, H, MatView{dzs.data() + static_cast<size_t>(lo) * G + 2 * H, G, 1}, MatView{R + 2 * H, 1, G},
                    gk, H, false);
        for (int b = lo; b < hi; b++) {
          const size_t row = static_cast<size_t>(b) * T + t;
          if (masked(mask, row)) continue;
          const float* cc = cache + row * C;
          const float* hp = hprev + row * H;
          float* dzb = dzs.data() + static_cast<size_t>(b) * G;
          float* dn = dnext.data() + static_cast<size_t>(b) * H;
          const float* drhb = gtmp.data() + static_cast<size_t>(b) * H;
          derivative(rec, cc + H, d, H);
          for (int u = 0; u < H; u++) {
            dzb[H + u] = drhb[u] * hp[u] * d[u];
            dn[u] += drhb[u] * cc[H + u];
          }
        }
      }
      // What the gates send back through the recurrent kernel: (their gradients) R^T, for the Keras 2
      // GRU only z's and r's (the candidate's went through r * h above); the reset-after GRU's
      // recurrent-side gradients are gathered from rows b*T + t, T*G apart.
      if (H > 0 && G > 0) {
        if (cell == kGruResetAfter) {
          gemm_serial(rows, H, G,
                      MatView{dzh.data() + (static_cast<size_t>(lo) * T + t) * G, static_cast<std::ptrdiff_t>(T) * G, 1},
                      MatView{R, 1, G}, gk, H, false);
        } else {
          gemm_serial(rows, H, cell == kGru ? 2 * H : G, MatView{dzs.data() + static_cast<size_t>(lo) * G, G, 1},
                      MatView{R, 1, G}, gk, H, false);
        }
      } else {
        std::memset(gk, 0, sizeof(float) * rows * H);
      }
      for (int b = lo; b < hi; b++) {
        const size_t row = static_cast<size_t>(b) * T + t;
        std::memcpy(dz + row * G, dzs.data() + static_cast<size_t>(b) * G, sizeof(float) * G);
        float* dhb = dh + static_cast<size_t>(b) * H;
        const float* dn = dnext.data() + static_cast<size_t>(b) * H;
        const float* g = gtmp.data() + static_cast<size_t>(b) * H;
        if (masked(mask, row)) {
          std::memcpy(dhb, dn, sizeof(float) * H);
        } else if (rmask == nullptr) {
          for (int u = 0; u < H; u++) dhb[u] = dn[u] + g[u];
        } else {
          // The gates saw h * mask; tfjs' GRU used it everywhere, the other cells only in the GEMM.
          const float* m = rmask + static_cast<size_t>(b) * H;
          if (cell == kGru) {
            for (int u = 0; u < H; u++) dhb[u] = (dn[u] + g[u]) * m[u];
          } else {
            for (int u = 0; u < H; u++) dhb[u] = dn[u] + g[u] * m[u];
          }
        }
      }
    });
  }
  // Recurrent kernel gradients over the whole sequence: dR = hprev^T dz (the recurrent side's dz), for
  // the Keras 2 GRU's candidate columns (r * h)^T dz instead.
  if (H == 0 || G == 0) return;
  if (BT == 0) {
    std::memset(dR, 0, sizeof(float) * H * G);
    if (drbias != nullptr) std::memset(drbias, 0, sizeof(float) * G);
    return;
  }
  const MatView hpT{hprev, 1, H};
  const int bt = static_cast<int>(BT);
  if (cell == kGru) {
    gemm(H, 2 * H, bt, hpT, MatView{dz, G, 1}, dR, G, false);
    gemm(H, H, bt, MatView{cache + 3 * H, 1, C}, MatView{dz + 2 * H, G, 1}, dR + 2 * H, G, false);
  } else if (cell == kGruResetAfter) {
    gemm(H, G, bt, hpT, MatView{dzh.data(), G, 1}, dR, G, false);
    sum_rows(dzh.data(), drbias, BT, G);
  } else {
    gemm(H, G, bt, hpT, MatView{dz, G, 1}, dR, G, false);
  }
}

}  // namespace tfg
