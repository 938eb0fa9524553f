/** The PNG encoder (`encodePng`) against the decoder, zlib and the PNG chunk layout; CRC-32. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writePng } from '../../../src/data/png-encode.js';
import { decodePng, encodePng, type RawImage } from '../../../src/data/png.js';
import { crc32 } from '../../../src/metrics/crc32c.js';
import { Rng } from '../../../src/rng/rng.js';

/** The chunks of a PNG file: type, body and the stored CRC. */
function chunks(png: Uint8Array): Array<{ type: string; body: Uint8Array; crc: number }> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out = [];
  for (let off = 8; off < png.length;) {
    const len = view.getUint32(off);
    out.push({
      type: String.fromCharCode(...png.subarray(off + 4, off + 8)),
      body: png.subarray(off + 8, off + 8 + len),
      crc: view.getUint32(off + 8 + len),
    });
    off += 12 + len;
  }
  return out;
}

/** Grey replicated to RGB, as the decoder returns it. */
function asRgb(img: RawImage): number[] {
  return img.channels === 3 ? Array.from(img.data) : Array.from(img.data).flatMap((v) => [v, v, v]);
}

describe('CRC-32 (PNG, zlib)', () => {
  it('has the check value and continues over pieces', () => {
    const text = new TextEncoder().encode('123456789');
    expect(crc32(text)).toBe(0xcbf43926);
    expect(crc32(text.subarray(4), crc32(text.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // zlib.crc32 exists from Node 20.15: where it does, it agrees.
    const z = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    if (z) expect(crc32(text.subarray(0, 7))).toBe(z(text.subarray(0, 7)));
  });
});

describe('PNG encoder', () => {
  it('round-trips grey and RGB noise exactly through the decoder', () => {
    const rng = new Rng(3);
    for (const [width, height, channels] of [
      [7, 5, 1],
      [9, 4, 3],
      [1, 1, 1],
      [1, 6, 3],
    ] as const) {
      const data = Uint8Array.from({ length: width * height * channels }, () => rng.nextInt(256));
      const img: RawImage = { width, height, channels, data };
      const back = decodePng(encodePng(img));
      expect([back.width, back.height]).toEqual([width, height]);
      expect(Array.from(back.data)).toEqual(asRgb(img));
    }
  });

  it('writes signature, IHDR (8-bit grey or RGB), IDAT, IEND with right CRCs; filters smooth rows', () => {
    // A smooth ramp: Sub, Up, Average or Paeth predict it better than None.
    const width = 40;
    const height = 30;
    const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => {
      const p = Math.floor(i / 3);
      return (2 * (p % width) + 3 * Math.floor(p / width) + 50 * (i % 3)) % 256;
    });
    const png = encodePng({ width, height, channels: 3, data });
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const c = chunks(png);
    expect(c.map((x) => x.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    for (const x of c) {
      const typed = new Uint8Array(4 + x.body.length);
      typed.set(new TextEncoder().encode(x.type));
      typed.set(x.body, 4);
      expect(x.crc).toBe(crc32(typed));
    }
    expect(Array.from(c[0]?.body ?? [])).toEqual([0, 0, 0, width, 0, 0, 0, height, 8, 2, 0, 0, 0]);
    const raw = zlib.inflateSync(c[1]?.body ?? new Uint8Array(0));
    const filters = new Set(Array.from({ length: height }, (_, y) => raw[y * (1 + width * 3)]));
    expect([...filters].some((f) => f !== 0)).toBe(true);
    expect(Array.from(decodePng(png).data)).toEqual(Array.from(data));
    // Grey is colour type 0.
    const grey = chunks(encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }));
    expect(grey[0]?.body[9]).toBe(0);
  });

  it('re-encodes the shared photo losslessly', () => {
    const img = decodePng(new Uint8Array(readFileSync('../shared/datasets/images/chelsea-cat.png')));
    const back = decodePng(encodePng({ ...img, channels: 3 }));
    expect(back.width).toBe(img.width);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('refuses sizes, channel counts and data lengths that do not fit', () => {
    const data = new Uint8Array(12);
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      /2 x 2 x 3 needs 12 bytes, got 11/,
    );
    expect(() => encodePng({ width: 0, height: 2, channels: 3, data })).toThrow(/positive integers/);
    expect(() => encodePng({ width: 2, height: 2, channels: 2 as 3, data })).toThrow(/channels must be 1 or 3/);
  });
});

describe('writePng', () => {
  it('writes an RGB file atomically that decodes to the same pixels; bad sizes throw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfgym-png-'));
    try {
      const path = join(dir, 'a', 'img.png');
      writePng(path, { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 255, 255, 255]) });
      expect(Array.from(decodePng(new Uint8Array(readFileSync(path))).data)).toEqual([0, 0, 0, 255, 255, 255]);
      expect(() => writePng(join(dir, 'b.png'), { width: 2, height: 2, data: new Uint8Array(3) })).toThrow(RangeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
