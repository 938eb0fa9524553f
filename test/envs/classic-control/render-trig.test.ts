// Classic-control frames (pure-TS rasterisation, Gymnasium's layout) and numpy's float32 sin/cos.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AcrobotEnv, CartPoleEnv, MountainCarEnv } from '../../../envs/classic-control/env.js';
import { cosf32, fmaf32, sinf32 } from '../../../envs/classic-control/float32-trig.js';
import { Canvas } from '../../../envs/classic-control/raster.js';
import type { RgbFrame } from '../../../src/core/env.js';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/classic-control.json', import.meta.url), 'utf8')) as {
  float32Trig: { x: number[]; cos: number[]; sin: number[] };
};

/** The colour at column `x`, row `y` from the top. */
function pixel(f: RgbFrame, x: number, y: number): number[] {
  const i = (y * f.width + x) * 3;
  return [f.data[i] as number, f.data[i + 1] as number, f.data[i + 2] as number];
}

function count(f: RgbFrame, rgb: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < f.data.length; i += 3) {
    if (f.data[i] === rgb[0] && f.data[i + 1] === rgb[1] && f.data[i + 2] === rgb[2]) n++;
  }
  return n;
}

describe('rgb_array frames', () => {
  it('CartPole: 400x600, cart on the track at its position, pole above it', () => {
    const env = new CartPoleEnv({ renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const f = env.render() as RgbFrame;
    expect([f.height, f.width, f.data.length]).toEqual([400, 600, 400 * 600 * 3]);
    const cartX = Math.round((env.state?.x ?? 0) * 125 + 300);
    expect(pixel(f, cartX - 20, 399 - 100 + 10)).toEqual([0, 0, 0]); // cart body (rows from the top)
    expect(pixel(f, 5, 399 - 100)).toEqual([0, 0, 0]); // track line
    expect(pixel(f, cartX, 399 - 100 - 80)).toEqual([202, 152, 101]); // pole, nearly upright
    expect(pixel(f, 5, 5)).toEqual([255, 255, 255]);
    expect(count(f, [129, 132, 203])).toBeGreaterThan(40); // axle
  });

  it('MountainCar: 400x600 with the car, wheels, hill and flag', () => {
    const env = new MountainCarEnv({ renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const f = env.render() as RgbFrame;
    expect([f.height, f.width]).toEqual([400, 600]);
    expect(count(f, [204, 204, 0])).toBeGreaterThan(100); // pennant
    expect(count(f, [128, 128, 128])).toBeGreaterThan(100); // wheels
    expect(count(f, [0, 0, 0])).toBeGreaterThan(600); // hill, car, flag pole
  });

  it('Acrobot: 500x500 with two links hanging down from the centre', () => {
    const env = new AcrobotEnv({ renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const f = env.render() as RgbFrame;
    expect([f.height, f.width]).toEqual([500, 500]);
    expect(pixel(f, 250, 250 + 60)).toEqual([0, 204, 204]); // first link, below the pivot
    expect(pixel(f, 250, 250)).toEqual([204, 204, 0]); // pivot
    expect(pixel(f, 10, 499 - Math.round(250 + 500 / 4.4))).toEqual([0, 0, 0]); // goal line, one link above the pivot
  });

  it('the frame buffer is reused and redrawn on each render', () => {
    const env = new CartPoleEnv({ renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const a = env.render() as RgbFrame;
    const before = a.data.slice();
    for (let i = 0; i < 5; i++) env.step(1);
    const b = env.render() as RgbFrame;
    expect(b.data).toBe(a.data);
    expect(Buffer.from(b.data).equals(Buffer.from(before))).toBe(false);
  });

  it('Canvas fills polygons by pixel centres, bottom-up', () => {
    const c = new Canvas(4, 3);
    c.fillPolygon(
      [
        [0, 0],
        [0, 1],
        [2, 1],
        [2, 0],
      ],
      [9, 9, 9],
    );
    // Bottom row (row 2 from the top), columns 0-1.
    expect(Array.from(c.data)).toEqual([...Array(24).fill(0), 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0]);
  });
});

describe("numpy's float32 sin/cos", () => {
  it('match np.cos / np.sin of float32 arguments bit for bit', () => {
    const { x, cos, sin } = fixture.float32Trig;
    expect(x.length).toBe(400);
    let naive = 0;
    x.forEach((v, i) => {
      expect(cosf32(v)).toBe(Math.fround(cos[i] as number));
      expect(sinf32(v)).toBe(Math.fround(sin[i] as number));
      if (Math.fround(Math.cos(Math.fround(v))) !== Math.fround(cos[i] as number)) naive++;
    });
    // Rounding the double result is not numpy's answer for some of them.
    expect(naive).toBeGreaterThan(0);
  });

  it('fmaf32 rounds a * b + c once', () => {
    const a = Math.fround(1 + 2 ** -23);
    // (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46: two roundings would lose the 2^-46 that decides the tie.
    expect(fmaf32(a, a, -1)).toBe(Math.fround(2 ** -22 + 2 ** -46));
    expect(fmaf32(2, 3, 4)).toBe(10);
  });
});
