// Nearest-neighbour image resize (NHWC) and its gradient, as tfjs's ResizeNearestNeighbor.
#pragma once

namespace tfg {

/** Sizes and attributes of one resize: images [batch, in_h, in_w, channels] -> [batch, out_h, out_w, channels]. */
struct ResizeGeom {
  int batch, in_h, in_w, channels, out_h, out_w;
  bool align_corners, half_pixel_centers;
};

/** y = nearest-neighbour resize of x, with the source pixel tfjs's cpu kernel picks. */
void resize_nearest(const ResizeGeom& g, const float* x, float* y);
/** dx = adjoint of {@link resize_nearest}: every dy pixel added to the source pixel it copied. */
void resize_nearest_grad(const ResizeGeom& g, const float* dy, float* dx);

}  // namespace tfg
