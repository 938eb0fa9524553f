#include "resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "pool.h"

namespace tfg {
namespace {

// JS Math.round for x >= 0: halves go up (std::round would agree there, but this spells out
// the rule the cpu kernel relies on).
inline int js_round(double x) {
  const double f = std::floor(x);
  return static_cast<int>(x - f >= 0.5 ? f + 1 : f);
}

// Source index of every output index along one axis, computed in double exactly as the cpu
// kernel does (tfjs-backend-cpu ResizeNearestNeighbor.js), so both pick the same pixels.
std::vector<int> source_map(int in, int out, bool align, bool half) {
  const double eff_in = (align && out > 1) ? in - 1 : in;
  const double eff_out = (align && out > 1) ? out - 1 : out;
  const double ratio = eff_in / eff_out;
  std::vector<int> m(out);
  for (int o = 0; o < out; o++) {
    const double frac = half ? ratio * (o + 0.5) : ratio * o;
    int s = std::min(in - 1, align ? js_round(frac) : static_cast<int>(std::floor(frac)));
    if (half) s = std::max(0, s);
    m[o] = s;
  }
  return m;
}

}  // namespace

void resize_nearest(const ResizeGeom& g, const float* x, float* y) {
  const std::vector<int> rows = source_map(g.in_h, g.out_h, g.align_corners, g.half_pixel_centers);
  const std::vector<int> cols = source_map(g.in_w, g.out_w, g.align_corners, g.half_pixel_centers);
  const int c = g.channels;
  const size_t cbytes = sizeof(float) * c;
  const long long out_rows = 1LL * g.batch * g.out_h;
  const int t = pool_threads();
  const int parts = (out_rows * g.out_w * c < 65536 || t <= 1) ? 1 : t;
  // Each output row is independent: split the batch x out_h rows across threads.
  pool_run(parts, [&](int p) {
    for (long long r = out_rows * p / parts; r < out_rows * (p + 1) / parts; r++) {
      const int b = static_cast<int>(r / g.out_h);
      const int oh = static_cast<int>(r % g.out_h);
      const float* src = x + (1LL * b * g.in_h + rows[oh]) * g.in_w * c;
      float* dst = y + r * g.out_w * c;
      for (int ow = 0; ow < g.out_w; ow++) std::memcpy(dst + 1LL * ow * c, src + 1LL * cols[ow] * c, cbytes);
    }
  });
}

void resize_nearest_grad(const ResizeGeom& g, const float* dy, float* dx) {
  const std::vector<int> rows = source_map(g.in_h, g.out_h, g.align_corners, g.half_pixel_centers);
  const std::vector<int> cols = source_map(g.in_w, g.out_w, g.align_corners, g.half_pixel_centers);
  const int c = g.channels;
  const long long img = 1LL * g.in_h * g.in_w * c;
  std::memset(dx, 0, sizeof(float) * img * g.batch);
  // One image per task: images never overlap, and within one the summation order is fixed
  // (dy in row-major order), so results do not depend on the thread count.
  pool_run(g.batch, [&](int b) {
    float* dxb = dx + img * b;
    const float* s = dy + 1LL * b * g.out_h * g.out_w * c;
    for (int oh = 0; oh < g.out_h; oh++) {
      float* drow = dxb + 1LL * rows[oh] * g.in_w * c;
      for (int ow = 0; ow < g.out_w; ow++, s += c) {
        float* d = drow + 1LL * cols[ow] * c;
        for (int k = 0; k < c; k++) d[k] += s[k];
      }
    }
  });
}

}  // namespace tfg
