/**
 * Writing pictures as PNG files (the examples' deep dreams, style transfers and sample grids):
 * {@link encodePng} of `png.ts` (grey or RGB, 8-bit) then one atomic write.
 */
import { writeFileAtomic } from '../io/files.js';
import { encodePng, type RgbImage } from './png.js';

/** Writes an RGB image as a PNG file, atomically (a reader never sees half a file). */
export function writePng(path: string, img: RgbImage): void {
  writeFileAtomic(path, encodePng({ width: img.width, height: img.height, channels: 3, data: img.data }));
}
