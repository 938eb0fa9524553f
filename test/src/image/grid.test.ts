/** `imageGrid`: keras-dcgan's `combine_images` layout and the pixel scaling of both GAN scripts. */
import { describe, expect, it } from 'vitest';
import { imageGrid } from '../../../src/image/grid.js';

describe('imageGrid', () => {
  it('lays out floor(sqrt(n)) columns and ceil(n / cols) rows by default, empty cells black', () => {
    // Five 2x3 grey images, image i filled with i / 4 in [0, 1].
    const px = Float32Array.from({ length: 5 * 6 }, (_, k) => Math.floor(k / 6) / 4);
    const g = imageGrid(px, 5, 2, 3, 1, { range: [0, 1] });
    expect([g.width, g.height, g.channels]).toEqual([2 * 3, 3 * 2, 1]);
    const at = (x: number, y: number): number => g.data[y * g.width + x] ?? NaN;
    // image i at row floor(i / 2), column i % 2
    for (let i = 0; i < 5; i++) {
      const [x0, y0] = [(i % 2) * 3, Math.floor(i / 2) * 2];
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 3; x++) expect(at(x0 + x, y0 + y)).toBe(Math.round((i / 4) * 255));
    }
    for (let y = 4; y < 6; y++) for (let x = 3; x < 6; x++) expect(at(x, y)).toBe(0);
  });

  it('maps a tanh range [-1, 1] to 0..255 (127.5 x + 127.5), clips and blacks out NaN', () => {
    const g = imageGrid(Float32Array.from([-1, 0, 1, 0.5, -2, NaN]), 1, 1, 2, 3, { range: [-1, 1] });
    expect(Array.from(g.data)).toEqual([0, 128, 255, 191, 0, 0]);
  });

  it('keeps RGB pixels interleaved in a given rows x cols layout', () => {
    // Two 1x1 RGB images side by side in one row.
    const g = imageGrid(Float32Array.from([1, 0, 0, 0, 0, 1]), 2, 1, 1, 3, { range: [0, 1], rows: 1, cols: 2 });
    expect([g.width, g.height]).toEqual([2, 1]);
    expect(Array.from(g.data)).toEqual([255, 0, 0, 0, 0, 255]);
    const tall = imageGrid(Float32Array.from([1, 0, 0, 0, 0, 1]), 2, 1, 1, 3, { range: [0, 1], cols: 1 });
    expect([tall.width, tall.height]).toEqual([1, 2]);
  });

  it('refuses a layout too small, a wrong pixel count, an empty range', () => {
    const px = new Float32Array(4 * 4);
    expect(() => imageGrid(px, 4, 2, 2, 1, { range: [0, 1], rows: 1, cols: 3 })).toThrow(/1 x 3 cells cannot hold 4/);
    expect(() => imageGrid(px, 3, 2, 2, 1, { range: [0, 1] })).toThrow(/need 12 values, got 16/);
    expect(() => imageGrid(px, 4, 2, 2, 1, { range: [1, 1] })).toThrow(/range \[1, 1\] is empty/);
  });
});
