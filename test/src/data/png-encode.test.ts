import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng, writePng } from '../../../src/data/png-encode.js';
import { decodePng } from '../../../src/data/png.js';
import { Rng } from '../../../src/rng/rng.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfgym-png-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('PNG encoder', () => {
  it('round-trips noise, gradients and a 1x1 image through the decoder', () => {
    const rng = new Rng(5);
    const noise = Uint8Array.from({ length: 13 * 7 * 3 }, () => rng.nextInt(256));
    const gradient = Uint8Array.from({ length: 40 * 30 * 3 }, (_, i) => (i % 120) * 2);
    for (const [w, h, data] of [
      [13, 7, noise],
      [40, 30, gradient],
      [1, 1, Uint8Array.from([1, 2, 3])],
    ] as const) {
      const png = encodePng({ width: w, height: h, data });
      const back = decodePng(png);
      expect([back.width, back.height]).toEqual([w, h]);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('writes valid chunk CRCs and compresses smooth pictures', () => {
    const gradient = Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => Math.floor(i / 192));
    const png = encodePng({ width: 64, height: 64, data: gradient });
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    let off = 8;
    const types: string[] = [];
    while (off < png.length) {
      const len = view.getUint32(off);
      types.push(String.fromCharCode(...png.subarray(off + 4, off + 8)));
      expect(view.getUint32(off + 8 + len)).toBe(zlib.crc32(png.subarray(off + 4, off + 8 + len)));
      off += 12 + len;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png.length).toBeLessThan(gradient.length / 20);
  });

  it('writePng writes a file that decodes; bad sizes throw', () => {
    const path = join(tmp, 'a', 'img.png');
    writePng(path, { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 255, 255, 255]) });
    expect(Array.from(decodePng(new Uint8Array(readFileSync(path))).data)).toEqual([0, 0, 0, 255, 255, 255]);
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(3) })).toThrow(/expected 12 bytes/);
  });
});
