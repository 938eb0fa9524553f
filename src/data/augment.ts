/**
 * Image augmentation equivalent to the book's Keras `ImageDataGenerator(rotation_range,
 * width_shift_range, height_shift_range, zoom_range, horizontal_flip, fill_mode='nearest')`:
 * one random affine transform per image (rotation about the centre, shift, zoom, flip),
 * nearest-neighbour sampling as Keras 2.0 did (`apply_transform` calls scipy's
 * `affine_transform` with `order=0`; bilinear on request), and out-of-image pixels taken from
 * the nearest edge. Pure typed-array
 * code driven by an {@link Rng}, so the same seed gives the same images on every backend.
 */
import type { Rng } from '../rng/rng.js';

/** Options, named as Keras' arguments (camelCase). */
export interface AugmentOptions {
  /** Degrees: rotation drawn uniformly from [-r, r]. */
  rotationRange?: number;
  /** Fraction of the width: horizontal shift drawn from [-f, f] * width. */
  widthShiftRange?: number;
  /** Fraction of the height. */
  heightShiftRange?: number;
  /** Zoom factor drawn from [1 - z, 1 + z] (independently for x and y, as Keras). */
  zoomRange?: number;
  /** Flip left-right with probability 0.5. */
  horizontalFlip?: boolean;
  /** Sampling: `'nearest'` (Keras 2.0's `order=0`, the default) or `'bilinear'`. */
  interpolation?: 'nearest' | 'bilinear';
}

/** The book's Chapter 3 CIFAR-10 augmentation. */
export const BOOK_CIFAR_AUGMENTATION: Readonly<AugmentOptions> = {
  rotationRange: 40,
  widthShiftRange: 0.2,
  heightShiftRange: 0.2,
  zoomRange: 0.2,
  horizontalFlip: true,
};

function checkRange(name: string, v: number | undefined, max: number): number {
  const x = v ?? 0;
  if (!Number.isFinite(x) || x < 0 || x > max) {
    throw new RangeError(
      `Received an invalid value for \`${name}\`, expected a number in [0, ${max}]. Received: ${name}=${String(v)}`,
    );
  }
  return x;
}

/**
 * Augments a batch in place order: `src` holds `count` HWC float images; returns a new array of
 * the same size. Each image draws its parameters from `rng` in a fixed order.
 */
export function augmentImages(
  src: Float32Array,
  count: number,
  height: number,
  width: number,
  channels: number,
  options: AugmentOptions,
  rng: Rng,
): Float32Array {
  const rot = checkRange('rotationRange', options.rotationRange, 180);
  const ws = checkRange('widthShiftRange', options.widthShiftRange, 1);
  const hs = checkRange('heightShiftRange', options.heightShiftRange, 1);
  const zr = checkRange('zoomRange', options.zoomRange, 1);
  const nearest = (options.interpolation ?? 'nearest') === 'nearest';
  const per = height * width * channels;
  if (src.length < count * per)
    throw new RangeError(`augmentImages: ${src.length} values for ${count} images of ${height}x${width}x${channels}`);
  const out = new Float32Array(count * per);
  const cy = (height - 1) / 2;
  const cx = (width - 1) / 2;
  for (let n = 0; n < count; n++) {
    const theta = rot ? (rng.uniform(-rot, rot) * Math.PI) / 180 : 0;
    const tx = hs ? rng.uniform(-hs, hs) * height : 0;
    const ty = ws ? rng.uniform(-ws, ws) * width : 0;
    const zx = zr ? rng.uniform(1 - zr, 1 + zr) : 1;
    const zy = zr ? rng.uniform(1 - zr, 1 + zr) : 1;
    const flip = options.horizontalFlip ? rng.nextFloat() < 0.5 : false;
    // Keras maps each output pixel to an input position: rotation and zoom about the centre,
    // then the shift (its tx is along rows, ty along columns).
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const base = n * per;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dy = y - cy;
        const dx = x - cx;
        let sy = cos * dy * zx - sin * dx * zy + cy + tx;
        let sx = sin * dy * zx + cos * dx * zy + cx + ty;
        sy = Math.min(Math.max(sy, 0), height - 1);
        sx = Math.min(Math.max(sx, 0), width - 1);
        const ox = flip ? width - 1 - x : x;
        if (nearest) {
          // scipy's order-0 spline picks the pixel whose centre is closest (halves round up).
          const ny = Math.min(Math.floor(sy + 0.5), height - 1);
          const nx = Math.min(Math.floor(sx + 0.5), width - 1);
          const from = base + (ny * width + nx) * channels;
          const to = base + (y * width + ox) * channels;
          for (let c = 0; c < channels; c++) out[to + c] = src[from + c] ?? 0;
          continue;
        }
        const y0 = Math.floor(sy);
        const x0 = Math.floor(sx);
        const y1 = Math.min(y0 + 1, height - 1);
        const x1 = Math.min(x0 + 1, width - 1);
        const wy = sy - y0;
        const wx = sx - x0;
        for (let c = 0; c < channels; c++) {
          const p = (yy: number, xx: number): number => src[base + (yy * width + xx) * channels + c] ?? 0;
          out[base + (y * width + ox) * channels + c] =
            (1 - wy) * ((1 - wx) * p(y0, x0) + wx * p(y0, x1)) + wy * ((1 - wx) * p(y1, x0) + wx * p(y1, x1));
        }
      }
    }
  }
  return out;
}
