import { deflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { augmentImages, BOOK_CIFAR_AUGMENTATION } from '../../../src/data/augment.js';
import { decodePng, ImageFormatError, resizeRgb } from '../../../src/data/png.js';
import { Rng } from '../../../src/rng/rng.js';

function ramp(count: number, h: number, w: number, c: number): Float32Array {
  return Float32Array.from({ length: count * h * w * c }, (_, i) => (i % 97) / 97);
}

describe('ImageDataGenerator-style augmentation', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const src = ramp(4, 8, 8, 3);
    const a = augmentImages(src, 4, 8, 8, 3, BOOK_CIFAR_AUGMENTATION, new Rng(7));
    const b = augmentImages(src, 4, 8, 8, 3, BOOK_CIFAR_AUGMENTATION, new Rng(7));
    const c = augmentImages(src, 4, 8, 8, 3, BOOK_CIFAR_AUGMENTATION, new Rng(8));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('no options = identity; flip alone mirrors or keeps each image', () => {
    const src = ramp(3, 4, 5, 1);
    expect(Array.from(augmentImages(src, 3, 4, 5, 1, {}, new Rng(1)))).toEqual(Array.from(src));
    const f = augmentImages(src, 3, 4, 5, 1, { horizontalFlip: true }, new Rng(2));
    for (let n = 0; n < 3; n++) {
      const img = (arr: Float32Array, y: number, x: number) => arr[n * 20 + y * 5 + x];
      const mirrored = [0, 1, 2, 3].every((y) => [0, 1, 2, 3, 4].every((x) => img(f, y, x) === img(src, y, 4 - x)));
      const same = [0, 1, 2, 3].every((y) => [0, 1, 2, 3, 4].every((x) => img(f, y, x) === img(src, y, x)));
      expect(mirrored || same).toBe(true);
    }
  });

  it('fill mode nearest: a shifted constant image stays constant; values stay in range', () => {
    const src = new Float32Array(2 * 6 * 6).fill(0.5);
    const out = augmentImages(
      src,
      2,
      6,
      6,
      1,
      { widthShiftRange: 0.5, heightShiftRange: 0.5, rotationRange: 90, zoomRange: 0.3 },
      new Rng(3),
    );
    for (const v of out) expect(v).toBeCloseTo(0.5, 6);
    const r = augmentImages(ramp(2, 6, 6, 3), 2, 6, 6, 3, BOOK_CIFAR_AUGMENTATION, new Rng(4));
    expect(Math.min(...r)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r)).toBeLessThanOrEqual(1);
  });

  it('samples nearest pixels by default (Keras 2.0, order 0); bilinear on request blends them', () => {
    // Distinct values per pixel, so a blended output value cannot coincide with a source one.
    const src = Float32Array.from({ length: 2 * 6 * 6 }, (_, i) => i + 1);
    const opts = { rotationRange: 30, zoomRange: 0.2 };
    const values = new Set(src);
    const near = augmentImages(src, 2, 6, 6, 1, opts, new Rng(5));
    expect([...near].every((v) => values.has(v))).toBe(true);
    const bil = augmentImages(src, 2, 6, 6, 1, { ...opts, interpolation: 'bilinear' }, new Rng(5));
    expect([...bil].some((v) => !values.has(v))).toBe(true);
  });

  it('rejects bad ranges Keras-style', () => {
    expect(() => augmentImages(new Float32Array(4), 1, 2, 2, 1, { zoomRange: -1 }, new Rng(1))).toThrow(
      'Received: zoomRange=-1',
    );
  });
});

/** A minimal PNG writer for fixtures: RGB, one filter type for every row. */
function encodePng(w: number, h: number, rgb: Uint8Array, filter: number): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) c = (crcTable[(c ^ x) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    v.setUint32(8 + body.length, crc(out.subarray(4, 8 + body.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, w);
  new DataView(ihdr.buffer).setUint32(4, h);
  ihdr.set([8, 2, 0, 0, 0], 8);
  // Filter 1 (Sub) rows: each byte minus the byte 3 to its left.
  const raw = new Uint8Array(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) {
    raw[y * (1 + 3 * w)] = filter;
    for (let x = 0; x < 3 * w; x++) {
      const cur = rgb[y * 3 * w + x] ?? 0;
      const left = x >= 3 ? (rgb[y * 3 * w + x - 3] ?? 0) : 0;
      raw[y * (1 + 3 * w) + 1 + x] = filter === 1 ? (cur - left) & 0xff : cur;
    }
  }
  const parts = [
    Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', new Uint8Array(deflateSync(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

describe('PNG decoder', () => {
  it('decodes generated RGB files with None and Sub filters', () => {
    const rgb = Uint8Array.from({ length: 3 * 4 * 3 }, (_, i) => (i * 37) % 256);
    for (const filter of [0, 1]) {
      const img = decodePng(encodePng(4, 3, rgb, filter));
      expect([img.width, img.height]).toEqual([4, 3]);
      expect(Array.from(img.data)).toEqual(Array.from(rgb));
    }
  });

  it('decodes the shared photo and resizes it', () => {
    const img = decodePng(new Uint8Array(readFileSync('../shared/datasets/images/chelsea-cat.png')));
    expect([img.width, img.height]).toEqual([451, 300]);
    const small = resizeRgb(img, 32, 32);
    expect(small.data.length).toBe(32 * 32 * 3);
  });

  it('says what is wrong with a JPEG or a broken file', () => {
    expect(() => decodePng(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0]), 'a.jpg')).toThrow(
      /a.jpg: not a PNG file \(it is a JPEG/,
    );
    expect(() => decodePng(new Uint8Array(4))).toThrow(ImageFormatError);
  });
});
