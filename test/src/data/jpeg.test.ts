/**
 * The baseline JPEG decoder against libjpeg-turbo's `djpeg` (fixtures written by
 * scripts/fixtures/jpeg.py): synthetic files in every supported layout decoded in full, the shared
 * photos compared through 16x16 block means and a full-resolution crop, and the refusals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src/data/image.js';
import { decodeJpeg, isJpeg } from '../../../src/data/jpeg.js';
import { ImageFormatError, type RgbImage } from '../../../src/data/png.js';
import { sharedDataset } from '../../text/shared-data.js';

const FIXTURES = 'test/fixtures/jpeg';
const IMAGES = '../shared/datasets/images';

/** A binary PPM (P6) or PGM (P5, grey replicated to RGB) as an RGB image. */
function readPnm(path: string): RgbImage {
  const raw = new Uint8Array(readFileSync(path));
  const fields: string[] = [];
  let pos = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(raw[pos] ?? 0))) pos++;
    let s = '';
    while (!/\s/.test(String.fromCharCode(raw[pos] ?? 32))) s += String.fromCharCode(raw[pos++] ?? 0);
    fields.push(s);
  }
  pos++;
  const [magic, w, h] = [fields[0], Number(fields[1]), Number(fields[2])];
  const px = raw.subarray(pos);
  if (magic === 'P6') return { width: w, height: h, data: px.slice(0, w * h * 3) };
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = px[i] ?? 0;
  return { width: w, height: h, data };
}

function diff(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

const jpeg = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, `${name}.jpg`)));

describe('JPEG decoder: synthetic files against djpeg', () => {
  const cases = [
    's444',
    's422',
    's420',
    's440',
    's411',
    'gray',
    'restart',
    'optimized',
    'noninterleaved',
    'rgb',
    'q16bit',
  ];
  for (const c of cases) {
    it(`${c}: 37x23 (partial MCUs) within the IDCT rounding of djpeg`, () => {
      const ref = readPnm(join(FIXTURES, `${c}.${c === 'gray' ? 'pgm' : 'ppm'}`));
      const img = decodeJpeg(jpeg(c), `${c}.jpg`);
      expect([img.width, img.height]).toEqual([37, 23]);
      expect(img.data.length).toBe(37 * 23 * 3);
      const d = diff(img.data, ref.data);
      expect(d.mean, `${c} mean abs diff`).toBeLessThanOrEqual(0.5);
      expect(d.max, `${c} max abs diff`).toBeLessThanOrEqual(3);
    });
  }

  it('grayscale comes out with three equal channels', () => {
    const img = decodeJpeg(jpeg('gray'));
    for (let i = 0; i < img.width * img.height; i++) {
      expect(img.data[3 * i + 1]).toBe(img.data[3 * i]);
      expect(img.data[3 * i + 2]).toBe(img.data[3 * i]);
    }
  });

  it('restart markers: the same picture as without them', () => {
    const a = decodeJpeg(jpeg('restart'));
    const b = decodeJpeg(jpeg('s420'));
    expect(diff(a.data, b.data).max).toBe(0);
  });
});

describe('JPEG decoder: refusals', () => {
  it('progressive and arithmetic-coded files say what they are', () => {
    expect(() => decodeJpeg(jpeg('progressive'), 'p.jpg')).toThrow(
      /p.jpg: progressive JPEG \(SOF2\) is not supported \(baseline JPEG only\)/,
    );
    expect(() => decodeJpeg(jpeg('arithmetic'), 'a.jpg')).toThrow(/a.jpg: arithmetic-coded JPEG \(SOF9\)/);
  });

  it('truncated data, a non-JPEG, 12-bit samples, DNL heights and CMYK are ImageFormatErrors', () => {
    const whole = jpeg('s420');
    expect(() => decodeJpeg(whole.subarray(0, Math.floor(whole.length * 0.8)), 't.jpg')).toThrow(
      /t.jpg: truncated or corrupt scan data/,
    );
    expect(() => decodeJpeg(whole.subarray(0, 100))).toThrow(ImageFormatError);
    expect(() => decodeJpeg(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'x.png')).toThrow(/x.png: not a JPEG file/);
    const sof = (bytes: Uint8Array): number => {
      for (let i = 2; i < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0xc0) return i + 4;
      throw new Error('no SOF0');
    };
    const patched = (edit: (b: Uint8Array, at: number) => void): Uint8Array => {
      const b = whole.slice();
      edit(b, sof(b));
      return b;
    };
    expect(() => decodeJpeg(patched((b, at) => (b[at] = 12)))).toThrow(/12-bit samples are not supported/);
    expect(() => decodeJpeg(patched((b, at) => (b[at + 1] = b[at + 2] = 0)))).toThrow(/DNL marker/);
    expect(() => decodeJpeg(patched((b, at) => (b[at + 5] = 4)))).toThrow(/4 components are not supported/);
  });

  it('decodeImage picks the format from the signature', () => {
    expect(isJpeg(jpeg('s444'))).toBe(true);
    expect(decodeImage(jpeg('s444')).width).toBe(37);
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4]), 'x.gif')).toThrow(/x.gif: not a PNG or JPEG file/);
  });
});

interface SharedSummary {
  sha256: string;
  width: number;
  height: number;
  blockSize: number;
  blocksX: number;
  blocksY: number;
  blockMeansTenths: number[];
  crop: { x: number; y: number; size: number; rgbBase64: string };
}

describe('JPEG decoder: the shared photos against djpeg', () => {
  const summary = JSON.parse(readFileSync(join(FIXTURES, 'shared.json'), 'utf8')) as {
    images: Record<string, SharedSummary>;
  };
  for (const [name, ref] of Object.entries(summary.images)) {
    const path = join(IMAGES, name);
    it.runIf(sharedDataset(path))(`${name}: size, 16x16 block means and a 40x40 crop`, () => {
      const img = decodeJpeg(new Uint8Array(readFileSync(path)), name);
      expect([img.width, img.height]).toEqual([ref.width, ref.height]);
      // Block means: every block of the picture, so every Huffman code was decoded right.
      const s = ref.blockSize;
      let worst = 0;
      let total = 0;
      for (let by = 0; by < ref.blocksY; by++)
        for (let bx = 0; bx < ref.blocksX; bx++) {
          const sums = [0, 0, 0];
          let n = 0;
          for (let y = by * s; y < Math.min(img.height, by * s + s); y++)
            for (let x = bx * s; x < Math.min(img.width, bx * s + s); x++, n++)
              for (let c = 0; c < 3; c++) sums[c] = (sums[c] ?? 0) + (img.data[(y * img.width + x) * 3 + c] ?? 0);
          for (let c = 0; c < 3; c++) {
            const want = (ref.blockMeansTenths[(by * ref.blocksX + bx) * 3 + c] ?? NaN) / 10;
            const d = Math.abs((sums[c] ?? 0) / n - want);
            worst = Math.max(worst, d);
            total += d;
          }
        }
      expect(worst, 'worst block mean difference').toBeLessThan(0.5);
      expect(total / (ref.blocksX * ref.blocksY * 3), 'mean block mean difference').toBeLessThan(0.1);
      // The crop, pixel for pixel.
      const want = new Uint8Array(Buffer.from(ref.crop.rgbBase64, 'base64'));
      const got = new Uint8Array(want.length);
      const k = ref.crop.size;
      for (let y = 0; y < k; y++)
        got.set(
          img.data.subarray(
            ((ref.crop.y + y) * img.width + ref.crop.x) * 3,
            ((ref.crop.y + y) * img.width + ref.crop.x + k) * 3,
          ),
          y * k * 3,
        );
      const d = diff(got, want);
      expect(d.mean, 'crop mean abs diff').toBeLessThanOrEqual(1);
      expect(d.max, 'crop max abs diff').toBeLessThanOrEqual(4);
    });
  }
});
