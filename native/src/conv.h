// NHWC convolution and max-pool kernels built on gemm + im2col.
#pragma once

namespace tfg {

/** Geometry of a 2-D convolution or pool (NHWC input, HWIO filter). */
struct ConvGeom {
  int batch, in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int k_h, k_w;
  int stride_h, stride_w;
  int pad_top, pad_left;
  int dil_h, dil_w;
};

/** Fused epilogue: bias (length 0, 1 or n) then an activation. */
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kElu = 3, kLeakyRelu = 4, kSigmoid = 5 };

/** Adds bias and applies the activation to an m x n row-major matrix, in place. */
void epilogue(float* y, int m, int n, const float* bias, int bias_len, int act, float alpha);

/** y = conv(x, w) [+ bias, activation]. */
void conv2d(const ConvGeom& g, const float* x, const float* w, float* y, const float* bias, int bias_len, int act,
            float alpha);
/** dx = gradient of conv2d with respect to x. */
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
/** dw = gradient of conv2d with respect to w. */
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);
/** Max pool (dilation 1; out_c == in_c). */
void max_pool(const ConvGeom& g, const float* x, float* y);
/** Max-pool gradient: dy routed to the first maximum of each window, as tfjs's cpu backend does. */
void max_pool_grad(const ConvGeom& g, const float* dy, const float* x, float* dx);
/** Average pooling over the in-bounds part of each window (tfjs's cpu semantics). */
void avg_pool(const ConvGeom& g, const float* x, float* y);
/** Its gradient as tfjs's cpu kernel computes it (dy sums over covering windows / window size). */
void avg_pool_grad(const ConvGeom& g, const float* dy, float* dx);

}  // namespace tfg
