#include "conv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gemm.h"
#include "pool.h"

namespace tfg {
namespace {

// Grow-only scratch: a training step calls these kernels with the same shapes over and over.
std::vector<float>& col_buffer() {
  thread_local std::vector<float> v;
  return v;
}

inline long long rows_of(const ConvGeom& g) { return 1LL * g.batch * g.out_h * g.out_w; }
inline int patch_of(const ConvGeom& g) { return g.k_h * g.k_w * g.in_c; }

// One im2col row per output pixel: the k_h x k_w x in_c input patch, zeros outside the image.
// NHWC makes every (kh, kw) a contiguous copy of in_c floats.
// Rows [r0, r1) into col, row r at col + (r - base) * kp.
void im2col_rows(const ConvGeom& g, const float* x, float* col, long long r0, long long r1, long long base) {
  const int kp = patch_of(g);
  const size_t cbytes = sizeof(float) * g.in_c;
  for (long long r = r0; r < r1; r++) {
    const int ow = static_cast<int>(r % g.out_w);
    const int oh = static_cast<int>((r / g.out_w) % g.out_h);
    const int b = static_cast<int>(r / (1LL * g.out_w * g.out_h));
    float* dst = col + (r - base) * kp;
    const float* xb = x + 1LL * b * g.in_h * g.in_w * g.in_c;
    const int iw0 = ow * g.stride_w - g.pad_left;
    // With dilation 1 and the whole window inside the row, a patch row (k_w x in_c floats) is
    // one contiguous run of the NHWC input: one copy instead of k_w small ones.
    const bool whole_row = g.dil_w == 1 && iw0 >= 0 && iw0 + g.k_w <= g.in_w;
    for (int kh = 0; kh < g.k_h; kh++) {
      const int ih = oh * g.stride_h - g.pad_top + kh * g.dil_h;
      if (whole_row && ih >= 0 && ih < g.in_h) {
        std::memcpy(dst + kh * g.k_w * g.in_c, xb + (1LL * ih * g.in_w + iw0) * g.in_c, cbytes * g.k_w);
        continue;
      }
      for (int kw = 0; kw < g.k_w; kw++) {
        const int iw = ow * g.stride_w - g.pad_left + kw * g.dil_w;
        float* d = dst + (kh * g.k_w + kw) * g.in_c;
        if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w)
          std::memset(d, 0, cbytes);
        else
          std::memcpy(d, xb + (1LL * ih * g.in_w + iw) * g.in_c, cbytes);
      }
    }
  }
}

// Parallel im2col of rows [r0, r1) into col (row r0 first): rows are independent.
void im2col_range(const ConvGeom& g, const float* x, float* col, long long r0, long long r1) {
  const long long rows = r1 - r0;
  const int t = pool_threads();
  const int parts = (rows * patch_of(g) < 65536 || t <= 1) ? 1 : t;
  pool_run(parts, [&](int i) { im2col_rows(g, x, col, r0 + rows * i / parts, r0 + rows * (i + 1) / parts, r0); });
}

// Images per im2col block: about 4 MB of patches (L2/L3-sized), at least 2 images so the col2im
// of a block still has an image per thread. Fixed by the geometry alone, so results do not
// depend on the thread count.
int images_per_block(const ConvGeom& g) {
  const long long per_image = 1LL * g.out_h * g.out_w * patch_of(g);
  const long long target = (4LL << 20) / static_cast<long long>(sizeof(float));
  long long n = per_image > 0 ? target / per_image : g.batch;
  if (n < 2) n = 2;
  if (n > g.batch) n = g.batch;
  return n < 1 ? 1 : static_cast<int>(n);
}


bool is_pointwise(const ConvGeom& g) {
  return g.k_h == 1 && g.k_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0;
}

void epilogue_rows(float* y, int r0, int r1, int n, const float* bias, int bias_len, int act, float alpha) {
  for (int r = r0; r < r1; r++) {
    float* row = y + 1LL * r * n;
    if (bias_len == n && bias) {
      for (int j = 0; j < n; j++) row[j] += bias[j];
    } else if (bias_len == 1 && bias) {
      const float b0 = bias[0];
      for (int j = 0; j < n; j++) row[j] += b0;
    }
    switch (act) {
      case kRelu:
        for (int j = 0; j < n; j++) row[j] = row[j] < 0.f ? 0.f : row[j];
        break;
      case kRelu6:
        for (int j = 0; j < n; j++) row[j] = row[j] < 0.f ? 0.f : (row[j] > 6.f ? 6.f : row[j]);
        break;
      case kElu:
        for (int j = 0; j < n; j++) row[j] = row[j] >= 0.f ? row[j] : std::exp(row[j]) - 1.f;
        break;
      case kLeakyRelu:
        for (int j = 0; j < n; j++) row[j] = row[j] < 0.f ? alpha * row[j] : row[j];
        break;
      case kSigmoid:
        for (int j = 0; j < n; j++) row[j] = 1.f / (1.f + std::exp(-row[j]));
        break;
      default:
        break;
    }
  }
}

}  // namespace

void epilogue(float* y, int m, int n, const float* bias, int bias_len, int act, float alpha) {
  if ((bias_len == 0 || !bias) && act == kLinear) return;
  const int t = pool_threads();
  const int parts = (1LL * m * n < 32768 || t <= 1) ? 1 : std::min(t, m);
  pool_run(parts, [&](int i) {
    epilogue_rows(y, static_cast<int>(1LL * m * i / parts), static_cast<int>(1LL * m * (i + 1) / parts), n, bias,
                  bias_len, act, alpha);
  });
}

void conv2d(const ConvGeom& g, const float* x, const float* w, float* y, const float* bias, int bias_len, int act,
            float alpha) {
  const long long rows = rows_of(g);
  const int kp = patch_of(g);
  if (is_pointwise(g)) {
    gemm(static_cast<int>(rows), g.out_c, kp, MatView{x, kp, 1}, MatView{w, g.out_c, 1}, y, g.out_c, false);
  } else {
    // y (rows x out_c) = col (rows x kp) * w (kp x out_c), a block of images at a time: the whole
    // batch's im2col matrix ran to hundreds of megabytes (a DCGAN generator's 5x5 conv over 128
    // images of 28 x 28 x 64: 640 MB), written once and read back from memory.
    const int per = images_per_block(g);
    std::vector<float>& buf = col_buffer();
    buf.resize(static_cast<size_t>(per) * g.out_h * g.out_w * kp);
    for (int b0 = 0; b0 < g.batch; b0 += per) {
      const int nb = std::min(per, g.batch - b0);
      const long long r0 = 1LL * b0 * g.out_h * g.out_w, r1 = r0 + 1LL * nb * g.out_h * g.out_w;
      im2col_range(g, x, buf.data(), r0, r1);
      gemm(static_cast<int>(r1 - r0), g.out_c, kp, MatView{buf.data(), kp, 1}, MatView{w, g.out_c, 1}, y + r0 * g.out_c,
           g.out_c, false);
    }
  }
  epilogue(y, static_cast<int>(rows), g.out_c, bias, bias_len, act, alpha);
}

// Scatters the patch gradients of images [b0, b0 + nb) (dcol, block-relative rows) into dx.
static void col2im_images(const ConvGeom& g, const float* dcol, float* dx, int b0, int nb);

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const long long rows = rows_of(g);
  const int kp = patch_of(g);
  const long long img = 1LL * g.in_h * g.in_w * g.in_c;
  if (is_pointwise(g)) {
    gemm(static_cast<int>(rows), kp, g.out_c, MatView{dy, g.out_c, 1}, MatView{w, 1, g.out_c}, dx, kp, false);
    return;
  }
  // dcol (rows x kp) = dy (rows x out_c) * w^T, then col2im scatters patches back into dx; a block
  // of images at a time, as conv2d does.
  const int per = images_per_block(g);
  const long long pix = 1LL * g.out_h * g.out_w;
  std::vector<float>& buf = col_buffer();
  buf.resize(static_cast<size_t>(per) * pix * kp);
  float* dcol = buf.data();
  std::memset(dx, 0, sizeof(float) * img * g.batch);
  for (int b0 = 0; b0 < g.batch; b0 += per) {
    const int nb = std::min(per, g.batch - b0);
    gemm(static_cast<int>(nb * pix), kp, g.out_c, MatView{dy + b0 * pix * g.out_c, g.out_c, 1}, MatView{w, 1, g.out_c},
         dcol, kp, false);
    col2im_images(g, dcol, dx, b0, nb);
  }
}

static void col2im_images(const ConvGeom& g, const float* dcol, float* dx, int b0, int nb) {
  const int kp = patch_of(g);
  const long long img = 1LL * g.in_h * g.in_w * g.in_c;
  // One image per task: images never overlap, and within one the scatter order is fixed.
  pool_run(nb, [&](int i) {
    const int b = b0 + i;
    float* dxb = dx + img * b;
    const float* src = dcol + 1LL * i * g.out_h * g.out_w * kp;
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++, src += kp)
        for (int kh = 0; kh < g.k_h; kh++) {
          const int ih = oh * g.stride_h - g.pad_top + kh * g.dil_h;
          if (ih < 0 || ih >= g.in_h) continue;
          for (int kw = 0; kw < g.k_w; kw++) {
            const int iw = ow * g.stride_w - g.pad_left + kw * g.dil_w;
            if (iw < 0 || iw >= g.in_w) continue;
            float* d = dxb + (1LL * ih * g.in_w + iw) * g.in_c;
            const float* s = src + (kh * g.k_w + kw) * g.in_c;
            for (int c = 0; c < g.in_c; c++) d[c] += s[c];
          }
        }
  });
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const long long rows = rows_of(g);
  const int kp = patch_of(g);
  // dw (kp x out_c) = col^T (kp x rows) * dy (rows x out_c): the long reduction runs over
  // every output pixel of the batch, split across threads by rows of dw, never by pixels.
  // (The transposed product dw^T = dy^T col packs col in contiguous runs but measured slower:
  // its 32-row output wastes a third of the 6-row micro-tiles.)
  if (is_pointwise(g)) {
    gemm(kp, g.out_c, static_cast<int>(rows), MatView{x, 1, kp}, MatView{dy, g.out_c, 1}, dw, g.out_c, false);
    return;
  }
  // A block of images at a time, accumulated in block order (fixed: the result does not depend on
  // the thread count).
  const int per = images_per_block(g);
  const long long pix = 1LL * g.out_h * g.out_w;
  std::vector<float>& buf = col_buffer();
  buf.resize(static_cast<size_t>(per) * pix * kp);
  for (int b0 = 0; b0 < g.batch; b0 += per) {
    const int nb = std::min(per, g.batch - b0);
    const long long r0 = b0 * pix, r1 = r0 + nb * pix;
    im2col_range(g, x, buf.data(), r0, r1);
    gemm(kp, g.out_c, static_cast<int>(r1 - r0), MatView{buf.data(), 1, kp}, MatView{dy + r0 * g.out_c, g.out_c, 1}, dw,
         g.out_c, b0 > 0);
  }
  if (g.batch == 0) std::memset(dw, 0, sizeof(float) * kp * g.out_c);
}

void max_pool(const ConvGeom& g, const float* x, float* y) {
  const int c = g.in_c;
  const float ninf = -std::numeric_limits<float>::infinity();
  pool_run(g.batch, [&](int b) {
    const float* xb = x + 1LL * b * g.in_h * g.in_w * c;
    float* yb = y + 1LL * b * g.out_h * g.out_w * c;
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++) {
        float* o = yb + (1LL * oh * g.out_w + ow) * c;
        for (int d = 0; d < c; d++) o[d] = ninf;
        for (int kh = 0; kh < g.k_h; kh++) {
          const int ih = oh * g.stride_h - g.pad_top + kh;
          if (ih < 0 || ih >= g.in_h) continue;
          for (int kw = 0; kw < g.k_w; kw++) {
            const int iw = ow * g.stride_w - g.pad_left + kw;
            if (iw < 0 || iw >= g.in_w) continue;
            const float* s = xb + (1LL * ih * g.in_w + iw) * c;
            // Strict > keeps the first maximum and never lets NaN in, like tfjs's cpu pool.
            for (int d = 0; d < c; d++) o[d] = s[d] > o[d] ? s[d] : o[d];
          }
        }
      }
  });
}

void max_pool_grad(const ConvGeom& g, const float* dy, const float* x, float* dx) {
  const int c = g.in_c;
  const long long img = 1LL * g.in_h * g.in_w * c;
  std::memset(dx, 0, sizeof(float) * img * g.batch);
  pool_run(g.batch, [&](int b) {
    thread_local std::vector<float> best;
    thread_local std::vector<long long> where;
    best.resize(c);
    where.resize(c);
    const float* xb = x + img * b;
    float* dxb = dx + img * b;
    const float* dyb = dy + 1LL * b * g.out_h * g.out_w * c;
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++) {
        for (int d = 0; d < c; d++) {
          best[d] = -std::numeric_limits<float>::infinity();
          where[d] = -1;
        }
        for (int kh = 0; kh < g.k_h; kh++) {
          const int ih = oh * g.stride_h - g.pad_top + kh;
          if (ih < 0 || ih >= g.in_h) continue;
          for (int kw = 0; kw < g.k_w; kw++) {
            const int iw = ow * g.stride_w - g.pad_left + kw;
            if (iw < 0 || iw >= g.in_w) continue;
            const long long off = (1LL * ih * g.in_w + iw) * c;
            const float* s = xb + off;
            for (int d = 0; d < c; d++)
              if (s[d] > best[d]) {
                best[d] = s[d];
                where[d] = off + d;
              }
          }
        }
        const float* gy = dyb + (1LL * oh * g.out_w + ow) * c;
        for (int d = 0; d < c; d++)
          if (where[d] >= 0) dxb[where[d]] += gy[d];
      }
  });
}

// Average over the window's in-bounds pixels (padding not counted), summed and divided in double
// and rounded once, as tfjs's cpu pool does.
void avg_pool(const ConvGeom& g, const float* x, float* y) {
  const int c = g.in_c;
  pool_run(g.batch, [&](int b) {
    thread_local std::vector<double> acc;
    acc.resize(c);
    const float* xb = x + 1LL * b * g.in_h * g.in_w * c;
    float* yb = y + 1LL * b * g.out_h * g.out_w * c;
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++) {
        std::fill(acc.begin(), acc.end(), 0.0);
        int count = 0;
        for (int kh = 0; kh < g.k_h; kh++) {
          const int ih = oh * g.stride_h - g.pad_top + kh;
          if (ih < 0 || ih >= g.in_h) continue;
          for (int kw = 0; kw < g.k_w; kw++) {
            const int iw = ow * g.stride_w - g.pad_left + kw;
            if (iw < 0 || iw >= g.in_w) continue;
            const float* s = xb + (1LL * ih * g.in_w + iw) * c;
            for (int d = 0; d < c; d++) acc[d] += s[d];
            count++;
          }
        }
        float* o = yb + (1LL * oh * g.out_w + ow) * c;
        for (int d = 0; d < c; d++) o[d] = static_cast<float>(acc[d] / count);
      }
  });
}

// Every input pixel gets the dy of each window that covers it (output rows and columns ascending, as
// tfjs's cpu kernel visits them), times 1 / (window size): tfjs divides by the whole window here even
// where the forward counted only in-bounds pixels.
void avg_pool_grad(const ConvGeom& g, const float* dy, float* dx) {
  const int c = g.in_c;
  const double mult = 1.0 / (static_cast<double>(g.k_h) * g.k_w);
  // First output index whose window reaches input index i: windows start at o * s - pad.
  auto first_out = [](int i, int pad, int k, int s) {
    const int num = i + pad - k + 1;
    return num <= 0 ? 0 : (num + s - 1) / s;
  };
  pool_run(g.batch, [&](int b) {
    thread_local std::vector<double> acc;
    acc.resize(c);
    const float* dyb = dy + 1LL * b * g.out_h * g.out_w * c;
    float* dxb = dx + 1LL * b * g.in_h * g.in_w * c;
    for (int ih = 0; ih < g.in_h; ih++) {
      const int oh0 = first_out(ih, g.pad_top, g.k_h, g.stride_h);
      const int oh1 = std::min(g.out_h - 1, (ih + g.pad_top) / g.stride_h);
      for (int iw = 0; iw < g.in_w; iw++) {
        const int ow0 = first_out(iw, g.pad_left, g.k_w, g.stride_w);
        const int ow1 = std::min(g.out_w - 1, (iw + g.pad_left) / g.stride_w);
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int oh = oh0; oh <= oh1; oh++)
          for (int ow = ow0; ow <= ow1; ow++) {
            const float* s = dyb + (1LL * oh * g.out_w + ow) * c;
            for (int d = 0; d < c; d++) acc[d] += s[d];
          }
        float* o = dxb + (1LL * ih * g.in_w + iw) * c;
        for (int d = 0; d < c; d++) o[d] = static_cast<float>(acc[d] * mult);
      }
    }
  });
}

}  // namespace tfg
