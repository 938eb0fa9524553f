/**
 * Writing RGB images as PNG (8-bit truecolour, non-interlaced): the pictures the examples make
 * (deep dream, style transfer). Each row gets the filter (None, Sub, Up, Average, Paeth) with the
 * smallest sum of absolute residuals, the usual heuristic of PNG encoders, then zlib deflate.
 */
import { deflateSync } from 'node:zlib';
import { writeFileAtomic } from '../io/files.js';
import type { RgbImage } from './png.js';

/** CRC-32 (ISO 3309, the polynomial of PNG chunks), table-driven. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: readonly Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts)
    for (let i = 0; i < p.length; i++) c = (CRC_TABLE[(c ^ (p[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  const typeBytes = Uint8Array.from(type, (ch) => ch.charCodeAt(0));
  out.set(typeBytes, 4);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32([typeBytes, body]));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Encodes an RGB image (`height * width * 3` bytes, row-major) as PNG file bytes. */
export function encodePng(img: RgbImage): Uint8Array {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`encodePng: width and height must be positive integers. Received: ${width}x${height}`);
  if (data.length !== width * height * 3)
    throw new RangeError(
      `encodePng: expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${data.length}`,
    );
  const stride = width * 3;
  const raw = new Uint8Array(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    let best = Infinity;
    for (let filter = 0; filter <= 4; filter++) {
      let cost = 0;
      for (let x = 0; x < stride; x++) {
        const v = data[row + x] as number;
        const a = x >= 3 ? (data[row + x - 3] as number) : 0;
        const b = y > 0 ? (data[row - stride + x] as number) : 0;
        const c = x >= 3 && y > 0 ? (data[row - stride + x - 3] as number) : 0;
        const pred =
          filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const r = (v - pred) & 0xff;
        candidate[x] = r;
        cost += r < 128 ? r : 256 - r;
      }
      if (cost < best) {
        best = cost;
        raw[y * (stride + 1)] = filter;
        raw.set(candidate, y * (stride + 1) + 1);
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const h = new DataView(ihdr.buffer);
  h.setUint32(0, width);
  h.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  const parts = [
    Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', new Uint8Array(deflateSync(raw, { level: 9 }))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Writes `img` as a PNG file, atomically (a reader never sees half a file). */
export function writePng(path: string, img: RgbImage): void {
  writeFileAtomic(path, encodePng(img));
}
