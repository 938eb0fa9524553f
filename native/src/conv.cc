#include "conv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gemm.h"
#include "pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

// Convolutions with one output channel (a generator's image layer, 5x5 x 64 -> 1 in the DCGAN):
// im2col turned each output pixel into a 1600-float patch for 2 flops per float, so the products
// ran at memory speed (~10 GFLOP/s). These loops read the patches in place. Each reproduces the
// arithmetic of the im2col path bit for bit (the padding's zeros aside, which added nothing):
// - forward: gemm's narrow dot product, 8 lanes over the patch (lane = patch index mod 8, so
//   in_c % 8 == 0 keeps every (kh, kw) run lane-aligned), then the same pairwise lane sum;
// - input gradient: dcol = dy * w^T is one rounded product per element, which col2im adds into
//   dx in (oh, ow, kh, kw, c) order: the same adds here, per image;
// - filter gradient: one fused multiply-add chain per filter element over the output pixels in
//   order, as gemm's narrow axpy runs it.

inline void decode_row(const ConvGeom& g, long long r, int& b, int& oh, int& ow) {
  ow = static_cast<int>(r % g.out_w);
  oh = static_cast<int>((r / g.out_w) % g.out_h);
  b = static_cast<int>(r / (1LL * g.out_w * g.out_h));
}

bool direct_single_forward(const ConvGeom& g) {
  // rows <= 4 went through gemm's skinny path (one chain, not 8 lanes); keep that path for them.
  return g.out_c == 1 && g.in_c % 8 == 0 && !is_pointwise(g) && rows_of(g) > 4 && gemm_uses_avx2();
}

#if defined(__x86_64__)
// Rows r0..r1 of y, 8 rows at a time: 8 independent accumulators (a single one waited on its own
// FMA latency). A patch run outside the image reads `zeros`, as im2col's zero padding did.
__attribute__((target("avx2,fma"))) void single_forward_rows(const ConvGeom& g, const float* x, const float* w,
                                                             const float* zeros, float* y, long long r0, long long r1) {
  constexpr int kRows = 8;
  const float* src[kRows];
  for (long long r = r0; r < r1; r += kRows) {
    const int nr = static_cast<int>(std::min<long long>(kRows, r1 - r));
    int bq[kRows], ohq[kRows], owq[kRows];
    for (int q = 0; q < kRows; q++) decode_row(g, r + std::min(q, nr - 1), bq[q], ohq[q], owq[q]);
    __m256 acc[kRows];
    for (int q = 0; q < kRows; q++) acc[q] = _mm256_setzero_ps();
    for (int kh = 0; kh < g.k_h; kh++)
      for (int kw = 0; kw < g.k_w; kw++) {
        for (int q = 0; q < kRows; q++) {
          const int ih = ohq[q] * g.stride_h - g.pad_top + kh * g.dil_h;
          const int iw = owq[q] * g.stride_w - g.pad_left + kw * g.dil_w;
          src[q] = (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w)
                       ? zeros
                       : x + ((1LL * bq[q] * g.in_h + ih) * g.in_w + iw) * g.in_c;
        }
        const float* ws = w + (kh * g.k_w + kw) * g.in_c;
        for (int c = 0; c < g.in_c; c += 8) {
          const __m256 wv = _mm256_loadu_ps(ws + c);
          for (int q = 0; q < kRows; q++) acc[q] = _mm256_fmadd_ps(_mm256_loadu_ps(src[q] + c), wv, acc[q]);
        }
      }
    for (int q = 0; q < nr; q++) {
      alignas(32) float l[8];
      _mm256_store_ps(l, acc[q]);
      y[r + q] = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    }
  }
}
#endif

// Filter runs s0..s1 (s = kh * k_w + kw) of dw for out_c == 1, dw zeroed: for each element, one
// FMA chain over the output pixels in order. A block of pixels of one output row at a time keeps
// the chain in a register between them; positions outside the image read `zeros`, as from im2col.
template <bool kAvx2>
#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
#endif
void single_filter_grad_runs(const ConvGeom& g, const float* x, const float* dy, const float* zeros, float* dw, int s0,
                             int s1) {
  constexpr int kPix = 8;
  const float* src[kPix];
  float d[kPix];
  for (int b = 0; b < g.batch; b++) {
    const float* xb = x + 1LL * b * g.in_h * g.in_w * g.in_c;
    const float* dyb = dy + 1LL * b * g.out_h * g.out_w;
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow0 = 0; ow0 < g.out_w; ow0 += kPix) {
        const int np = std::min(kPix, g.out_w - ow0);
        for (int q = 0; q < np; q++) d[q] = dyb[oh * g.out_w + ow0 + q];
        for (int s = s0; s < s1; s++) {
          const int kh = s / g.k_w, kw = s % g.k_w;
          const int ih = oh * g.stride_h - g.pad_top + kh * g.dil_h;
          for (int q = 0; q < np; q++) {
            const int iw = (ow0 + q) * g.stride_w - g.pad_left + kw * g.dil_w;
            src[q] = (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) ? zeros
                                                                        : xb + (1LL * ih * g.in_w + iw) * g.in_c;
          }
          float* ds = dw + s * g.in_c;
          int c = 0;
#if defined(__x86_64__)
          if (kAvx2)
            for (; c + 8 <= g.in_c; c += 8) {
              __m256 acc = _mm256_loadu_ps(ds + c);
              for (int q = 0; q < np; q++)
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(src[q] + c), _mm256_set1_ps(d[q]), acc);
              _mm256_storeu_ps(ds + c, acc);
            }
#endif
          for (; c < g.in_c; c++) {
            float acc = ds[c];
            for (int q = 0; q < np; q++) acc = __builtin_fmaf(src[q][c], d[q], acc);
            ds[c] = acc;
          }
        }
      }
  }
}

// dw (k_h * k_w * in_c) for out_c == 1; the threads take disjoint runs of the filter.
void single_filter_grad(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int kp = patch_of(g);
  std::memset(dw, 0, sizeof(float) * kp);
  const std::vector<float> zeros(g.in_c, 0.f);
  const int segs = g.k_h * g.k_w;
  const int t = pool_threads();
  const int parts = (t <= 1 || rows_of(g) * kp < 65536) ? 1 : std::min(t, segs);
  const bool avx2 = gemm_uses_avx2();
  pool_run(parts, [&](int i) {
    const int s0 = segs * i / parts, s1 = segs * (i + 1) / parts;
    if (avx2)
      single_filter_grad_runs<true>(g, x, dy, zeros.data(), dw, s0, s1);
    else
      single_filter_grad_runs<false>(g, x, dy, zeros.data(), dw, s0, s1);
  });
}

// Output positions o (ascending) that window offset k of input position i meets: o * s - pad +
// k * dil == i. Returns -1 when none.
inline int out_index(int i, int k, int pad, int dil, int s, int out) {
  const int num = i + pad - k * dil;
  if (num < 0 || num % s != 0) return -1;
  const int o = num / s;
  return o < out ? o : -1;
}

// dx for out_c == 1, as a gather: each dx pixel sums dy * w over the windows that cover it, in the
// order col2im's scatter added them (output pixels ascending, that is kh then kw descending), each
// product rounded before its add as dcol's was. Channels c0..c1 of the pixels of dx row (b, ih).
template <bool kAvx2>
#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
#endif
void single_input_grad_row(const ConvGeom& g, const float* dyb, const float* w, float* dxrow, int ih) {
  for (int iw = 0; iw < g.in_w; iw++) {
    float* dst = dxrow + 1LL * iw * g.in_c;
    int c0 = 0;
#if defined(__x86_64__)
    // 32 channels at a time in registers.
    if (kAvx2)
      for (; c0 + 32 <= g.in_c; c0 += 32) {
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        for (int kh = g.k_h - 1; kh >= 0; kh--) {
          const int oh = out_index(ih, kh, g.pad_top, g.dil_h, g.stride_h, g.out_h);
          if (oh < 0) continue;
          for (int kw = g.k_w - 1; kw >= 0; kw--) {
            const int ow = out_index(iw, kw, g.pad_left, g.dil_w, g.stride_w, g.out_w);
            if (ow < 0) continue;
            const __m256 d = _mm256_set1_ps(dyb[oh * g.out_w + ow]);
            const float* ws = w + (kh * g.k_w + kw) * g.in_c + c0;
            a0 = _mm256_add_ps(a0, _mm256_mul_ps(d, _mm256_loadu_ps(ws)));
            a1 = _mm256_add_ps(a1, _mm256_mul_ps(d, _mm256_loadu_ps(ws + 8)));
            a2 = _mm256_add_ps(a2, _mm256_mul_ps(d, _mm256_loadu_ps(ws + 16)));
            a3 = _mm256_add_ps(a3, _mm256_mul_ps(d, _mm256_loadu_ps(ws + 24)));
          }
        }
        _mm256_storeu_ps(dst + c0, a0);
        _mm256_storeu_ps(dst + c0 + 8, a1);
        _mm256_storeu_ps(dst + c0 + 16, a2);
        _mm256_storeu_ps(dst + c0 + 24, a3);
      }
#endif
    for (int c = c0; c < g.in_c; c++) dst[c] = 0.f;
    if (c0 == g.in_c) continue;
    for (int kh = g.k_h - 1; kh >= 0; kh--) {
      const int oh = out_index(ih, kh, g.pad_top, g.dil_h, g.stride_h, g.out_h);
      if (oh < 0) continue;
      for (int kw = g.k_w - 1; kw >= 0; kw--) {
        const int ow = out_index(iw, kw, g.pad_left, g.dil_w, g.stride_w, g.out_w);
        if (ow < 0) continue;
        const float d = dyb[oh * g.out_w + ow];
        const float* ws = w + (kh * g.k_w + kw) * g.in_c;
        for (int c = c0; c < g.in_c; c++) {
          const float prod = d * ws[c];
          dst[c] += prod;
        }
      }
    }
  }
}

void single_input_grad(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int t = pool_threads();
  const long long rows = 1LL * g.batch * g.in_h;
  const int parts = (t <= 1 || rows * g.in_w * patch_of(g) < 65536) ? 1 : t;
  const bool avx2 = gemm_uses_avx2();
  pool_run(parts, [&](int part) {
    // Rows (b, ih) of dx split between the threads.
    for (long long row = rows * part / parts; row < rows * (part + 1) / parts; row++) {
      const int b = static_cast<int>(row / g.in_h), ih = static_cast<int>(row % g.in_h);
      const float* dyb = dy + 1LL * b * g.out_h * g.out_w;
      float* dxrow = dx + row * g.in_w * g.in_c;
      if (avx2)
        single_input_grad_row<true>(g, dyb, w, dxrow, ih);
      else
        single_input_grad_row<false>(g, dyb, w, dxrow, ih);
    }
  });
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
#if defined(__x86_64__)
  } else if (direct_single_forward(g)) {
    const int t = pool_threads();
    const int parts = (t <= 1 || rows * kp < 65536) ? 1 : t;
    const std::vector<float> zeros(g.in_c, 0.f);
    pool_run(parts, [&](int i) {
      single_forward_rows(g, x, w, zeros.data(), y, rows * i / parts, rows * (i + 1) / parts);
    });
#endif
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
  if (g.out_c == 1) return single_input_grad(g, dy, w, dx);
  std::memset(dx, 0, sizeof(float) * img * g.batch);
  const int per = images_per_block(g);
  const long long pix = 1LL * g.out_h * g.out_w;
  std::vector<float>& buf = col_buffer();
  buf.resize(static_cast<size_t>(per) * pix * kp);
  float* dcol = buf.data();
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
  if (g.out_c == 1) return single_filter_grad(g, x, dy, dw);
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

// Calls f(offset) for each in-bounds pixel of output pixel (oh, ow)'s window, in window order;
// offset is the pixel's (row * width + column) * channels within its image.
template <typename F>
inline void for_window(const ConvGeom& g, int oh, int ow, F&& f) {
  for (int kh = 0; kh < g.k_h; kh++) {
    const int ih = oh * g.stride_h - g.pad_top + kh;
    if (ih < 0 || ih >= g.in_h) continue;
    for (int kw = 0; kw < g.k_w; kw++) {
      const int iw = ow * g.stride_w - g.pad_left + kw;
      if (iw < 0 || iw >= g.in_w) continue;
      f((1LL * ih * g.in_w + iw) * g.in_c);
    }
  }
}

// The maximum of each of the c channels over output pixel (oh, ow)'s window of image xb, into o;
// -inf where no pixel is greater. Strict > keeps the first maximum and never lets NaN in, like
// tfjs's cpu pool.
static void window_max(const ConvGeom& g, const float* xb, int oh, int ow, float* __restrict o) {
  const int c = g.in_c;
  for (int d = 0; d < c; d++) o[d] = -std::numeric_limits<float>::infinity();
  for_window(g, oh, ow, [&](long long off) {
    const float* __restrict s = xb + off;
    for (int d = 0; d < c; d++) o[d] = s[d] > o[d] ? s[d] : o[d];
  });
}

void max_pool(const ConvGeom& g, const float* x, float* y) {
  const int c = g.in_c;
  pool_run(g.batch, [&](int b) {
    const float* xb = x + 1LL * b * g.in_h * g.in_w * c;
    float* yb = y + 1LL * b * g.out_h * g.out_w * c;
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++) window_max(g, xb, oh, ow, yb + (1LL * oh * g.out_w + ow) * c);
  });
}

// Float comparisons may trap (signalling NaNs) unless told otherwise, and GCC then keeps the
// select of max_pool_grad's routing loop a branch: this lets it vectorise. Clang if-converts anyway.
#if defined(__GNUC__) && !defined(__clang__)
#define TFG_NO_TRAPPING_MATH __attribute__((optimize("no-trapping-math")))
#else
#define TFG_NO_TRAPPING_MATH
#endif

TFG_NO_TRAPPING_MATH void max_pool_grad(const ConvGeom& g, const float* dy, const float* x, float* dx) {
  const int c = g.in_c;
  const long long img = 1LL * g.in_h * g.in_w * c;
  const float ninf = -std::numeric_limits<float>::infinity();
  std::memset(dx, 0, sizeof(float) * img * g.batch);
  pool_run(g.batch, [&](int b) {
    // Each window's dy goes to the first pixel (in window order) holding its maximum, the one a
    // strict > scan keeps, as tfjs's cpu kernel picks it; a window of -inf and NaN only has none.
    // Two branch-free passes over the channels (the maximum, then the first pixel equal to it)
    // vectorise, where one pass tracking the argmax per channel does not.
    thread_local std::vector<float> best, open;
    best.resize(c);
    open.resize(c);
    const float* xb = x + img * b;
    float* dxb = dx + img * b;
    const float* dyb = dy + 1LL * b * g.out_h * g.out_w * c;
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++) {
        float* __restrict bst = best.data();
        float* __restrict opn = open.data();
        window_max(g, xb, oh, ow, bst);
        const float* gy = dyb + (1LL * oh * g.out_w + ow) * c;
        // A maximum of -inf means no pixel was > -inf: nothing to route.
        for (int d = 0; d < c; d++) opn[d] = bst[d] > ninf ? 1.0f : 0.0f;
        for_window(g, oh, ow, [&](long long off) {
          const float* __restrict s = xb + off;
          float* __restrict o = dxb + off;
          for (int d = 0; d < c; d++) {
            // & rather than &&: no branch, so the loop vectorises.
            const bool hit = (opn[d] != 0.0f) & (s[d] == bst[d]);
            // Loaded whatever `hit` is (a conditional load is control flow); adding +0 elsewhere
            // leaves every value as it was (dx starts at +0).
            const float gv = gy[d], od = o[d], open_d = opn[d];
            o[d] = od + (hit ? gv : 0.0f);
            opn[d] = hit ? 0.0f : open_d;
          }
        });
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
        for_window(g, oh, ow, [&](long long off) {
          const float* s = xb + off;
          for (int d = 0; d < c; d++) acc[d] += s[d];
          count++;
        });
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
