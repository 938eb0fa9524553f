// Fused LSTM: one hidden-state GEMM per step plus one pass over the gates, forward and backward.
#include "recurrent.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"

namespace tfg {
namespace {

// y = act(x) over [0, n): the switch is outside the loops so each loop is a plain kernel.
void activate(int code, const float* x, float* y, int n) {
  switch (code) {
    case 1:
      for (int k = 0; k < n; k++) y[k] = std::tanh(x[k]);
      return;
    case 2:
      for (int k = 0; k < n; k++) y[k] = 1.f / (1.f + std::exp(-x[k]));
      return;
    case 3:
      for (int k = 0; k < n; k++) {
        const float v = 0.2f * x[k] + 0.5f;
        y[k] = v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
      }
      return;
    case 4:
      for (int k = 0; k < n; k++) y[k] = x[k] > 0.f ? x[k] : 0.f;
      return;
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

}  // namespace

// Rows [lo, hi) of the batch for task k of n: each step splits the batch over the pool's threads,
// and every example's recurrence touches only its own rows, so the tasks never wait on each other
// within a step (one pool run per step instead of one inside each small GEMM).
inline void batch_rows(int B, int k, int n, int& lo, int& hi) {
  lo = static_cast<int>(static_cast<long long>(B) * k / n);
  hi = static_cast<int>(static_cast<long long>(B) * (k + 1) / n);
}

void lstm_forward(int B, int T, int H, const float* xw, const float* R, float* h, float* c, bool backwards, int act,
                  int rec, float* seq, float* cache, float* hprev) {
  const int G = 4 * H;
  std::vector<float> z(static_cast<size_t>(B) * G);
  const int tasks = B < pool_threads() ? (B > 0 ? B : 1) : pool_threads();
  for (int s = 0; s < T; s++) {
    const int t = backwards ? T - 1 - s : s;
    pool_run(tasks, [&](int k) {
      int lo, hi;
      batch_rows(B, k, tasks, lo, hi);
      if (hi <= lo) return;
      float* zk = z.data() + static_cast<size_t>(lo) * G;
      // z = h R for these rows, then + the step's input projection.
      if (H > 0) gemm_serial(hi - lo, G, H, MatView{h + static_cast<size_t>(lo) * H, H, 1}, MatView{R, G, 1}, zk, G, false);
      for (int b = lo; b < hi; b++) {
        const size_t row = static_cast<size_t>(b) * T + t;
        float* zb = z.data() + static_cast<size_t>(b) * G;
        const float* xwr = xw + row * G;
        for (int j = 0; j < G; j++) zb[j] += xwr[j];
        float* cc = cache + row * 6 * H;
        activate(rec, zb, cc, 2 * H);              // i, f
        activate(act, zb + 2 * H, cc + 2 * H, H);  // g
        activate(rec, zb + 3 * H, cc + 3 * H, H);  // o
        float* hb = h + static_cast<size_t>(b) * H;
        std::memcpy(hprev + row * H, hb, sizeof(float) * H);
        float* cb = c + static_cast<size_t>(b) * H;
        for (int u = 0; u < H; u++) {
          cb[u] = cc[H + u] * cb[u] + cc[u] * cc[2 * H + u];
          cc[4 * H + u] = cb[u];
        }
        activate(act, cb, cc + 5 * H, H);
        float* out = seq + (static_cast<size_t>(b) * T + s) * H;
        for (int u = 0; u < H; u++) {
          hb[u] = cc[3 * H + u] * cc[5 * H + u];
          out[u] = hb[u];
        }
      }
    });
  }
}

void lstm_backward(int B, int T, int H, const float* R, const float* cache, const float* c0, const float* dseq,
                   float* dh, float* dc, bool backwards, int act, int rec, float* dz) {
  const int G = 4 * H;
  std::vector<float> dzs(static_cast<size_t>(B) * G);
  const int tasks = B < pool_threads() ? (B > 0 ? B : 1) : pool_threads();
  std::vector<std::vector<float>> scratch(tasks, std::vector<float>(5 * static_cast<size_t>(H)));
  for (int s = T - 1; s >= 0; s--) {
    const int t = backwards ? T - 1 - s : s;
    const int tp = backwards ? t + 1 : t - 1;
    pool_run(tasks, [&](int k) {
      int lo, hi;
      batch_rows(B, k, tasks, lo, hi);
      if (hi <= lo) return;
      float* d = scratch[k].data();
      for (int b = lo; b < hi; b++) {
        const size_t row = static_cast<size_t>(b) * T + t;
        const float* cc = cache + row * 6 * H;
        const float* cprev =
            s > 0 ? cache + (static_cast<size_t>(b) * T + tp) * 6 * H + 4 * H : c0 + static_cast<size_t>(b) * H;
        derivative(rec, cc, d, 2 * H);
        derivative(act, cc + 2 * H, d + 2 * H, H);
        derivative(rec, cc + 3 * H, d + 3 * H, H);
        derivative(act, cc + 5 * H, d + 4 * H, H);
        float* dzb = dzs.data() + static_cast<size_t>(b) * G;
        float* dhb = dh + static_cast<size_t>(b) * H;
        float* dcb = dc + static_cast<size_t>(b) * H;
        const float* ds = dseq + (static_cast<size_t>(b) * T + s) * H;
        for (int u = 0; u < H; u++) {
          const float dhu = dhb[u] + ds[u];
          const float dcu = dcb[u] + dhu * cc[3 * H + u] * d[4 * H + u];
          dcb[u] = dcu * cc[H + u];
          dzb[u] = dcu * cc[2 * H + u] * d[u];
          dzb[H + u] = dcu * cprev[u] * d[H + u];
          dzb[2 * H + u] = dcu * cc[u] * d[2 * H + u];
          dzb[3 * H + u] = dhu * cc[5 * H + u] * d[3 * H + u];
        }
        std::memcpy(dz + row * G, dzb, sizeof(float) * G);
      }
      // The hidden state these rows started the step from gets dz R^T.
      if (H > 0)
        gemm_serial(hi - lo, H, G, MatView{dzs.data() + static_cast<size_t>(lo) * G, G, 1}, MatView{R, 1, G},
                    dh + static_cast<size_t>(lo) * H, H, false);
    });
  }
}

}  // namespace tfg
