/**
 * Tiles a batch of images into one picture, as the book's GAN scripts save their samples
 * (keras-dcgan's `combine_images`, keras-adversarial's `ImageGridCallback`): float pixels in the
 * generator's output range mapped to 0..255, image `i` at row `floor(i / cols)`, column `i % cols`,
 * empty cells black.
 */
import type { RawImage } from '../data/png.js';

/** The value range of the pixels to tile: a tanh generator's [-1, 1] or a sigmoid's [0, 1]. */
export type PixelRange = readonly [low: number, high: number];

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Pixel values mapped to 0 and 255 (outside: clipped). */
  readonly range: PixelRange;
  /** Images per row; default `floor(sqrt(count))`, as `combine_images`. */
  readonly cols?: number;
  /** Rows; default `ceil(count / cols)`. */
  readonly rows?: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`imageGrid: ${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * One 8-bit picture of `count` images of `height x width x channels` floats (image-major, HWC,
 * as a `[count, h, w, c]` tensor's data), `rows x cols` of them side by side without gaps.
 * keras-dcgan writes `image * 127.5 + 127.5` truncated to uint8; here values are rounded.
 */
export function imageGrid(
  pixels: ArrayLike<number>,
  count: number,
  height: number,
  width: number,
  channels: 1 | 3,
  options: GridOptions,
): RawImage {
  positiveInt('count', count);
  positiveInt('height', height);
  positiveInt('width', width);
  if (channels !== 1 && channels !== 3) throw new RangeError(`imageGrid: channels must be 1 or 3, got ${channels}`);
  const per = height * width * channels;
  if (pixels.length !== count * per)
    throw new RangeError(
      `imageGrid: ${count} images of ${height}x${width}x${channels} need ${count * per} values, got ${pixels.length}`,
    );
  const cols = positiveInt('cols', options.cols ?? Math.max(1, Math.floor(Math.sqrt(count))));
  const rows = positiveInt('rows', options.rows ?? Math.ceil(count / cols));
  if (rows * cols < count) throw new RangeError(`imageGrid: ${rows} x ${cols} cells cannot hold ${count} images`);
  const [lo, hi] = options.range;
  if (!(hi > lo)) throw new RangeError(`imageGrid: range [${lo}, ${hi}] is empty`);
  const scale = 255 / (hi - lo);
  const gridWidth = cols * width;
  const data = new Uint8Array(rows * height * gridWidth * channels);
  for (let i = 0; i < count; i++) {
    const top = Math.floor(i / cols) * height;
    const left = (i % cols) * width;
    for (let y = 0; y < height; y++) {
      const src = i * per + y * width * channels;
      const dst = ((top + y) * gridWidth + left) * channels;
      for (let k = 0; k < width * channels; k++) {
        const v = Math.round(((pixels[src + k] ?? 0) - lo) * scale);
        // NaN (a diverged generator) shows as black rather than as garbage.
        data[dst + k] = v > 255 ? 255 : v > 0 ? v : 0;
      }
    }
  }
  return { width: gridWidth, height: rows * height, channels, data };
}
