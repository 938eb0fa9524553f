import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { areaTable, createResizer, resizeU8, roundU8, type Interpolation } from '../../../src/image/resize.js';

const REF = new URL('../../../../shared/reference/atari-resize/', import.meta.url);

interface AtariCase {
  name: string;
  prev: string;
  cur: string;
  max: string;
  resized: string;
  resized_sum: number;
}
const unpack = (s: string): Uint8Array => new Uint8Array(inflateSync(Buffer.from(s, 'base64')));

describe('OpenCV INTER_AREA 210x160 -> 84x84 (shared/reference/atari-resize)', () => {
  const doc = JSON.parse(readFileSync(new URL('inter_area_210x160_to_84x84.json', REF), 'utf8')) as {
    cases: AtariCase[];
  };
  const tables = JSON.parse(readFileSync(new URL('inter_area_tables_210x160_to_84x84.json', REF), 'utf8')) as {
    x_table: [number, number, number][];
    y_table: [number, number, number][];
  };

  it('has all 26 cases', () => {
    expect(doc.cases).toHaveLength(26);
  });

  it('builds the reference weight tables exactly', () => {
    const toRows = (t: ReturnType<typeof areaTable>): number[][] => t.map((e) => [e.d, e.s, e.w]);
    expect(toRows(areaTable(160, 84))).toEqual(tables.x_table.map(([d, s, w]) => [d, s, Math.fround(w)]));
    expect(toRows(areaTable(210, 84))).toEqual(tables.y_table.map(([d, s, w]) => [d, s, Math.fround(w)]));
  });

  const resize = createResizer(210, 160, 1, 84, 84, 'area');
  const out = new Uint8Array(84 * 84);
  it.each(doc.cases.map((c) => [c.name, c] as const))('%s is bit-exact', (_name, c) => {
    const prev = unpack(c.prev);
    const cur = unpack(c.cur);
    const max = unpack(c.max);
    let notMax = 0;
    for (let i = 0; i < max.length; i++) if (max[i] !== Math.max(prev[i]!, cur[i]!)) notMax++;
    expect(notMax).toBe(0);
    resize(max, out);
    const expected = unpack(c.resized);
    let diffs = 0;
    for (let i = 0; i < out.length; i++) if (out[i] !== expected[i]) diffs++;
    expect(diffs).toBe(0);
    expect(out.reduce((a, b) => a + b, 0)).toBe(c.resized_sum);
  });
});

describe('cv2.resize fixtures (test/fixtures/resize-cv2.json, scripts/gen-resize-fixtures.py)', () => {
  interface CvCase {
    src_shape: [number, number, number];
    dst_shape: [number, number, number];
    interpolation: Interpolation;
    kind: string;
    src: string;
    dst: string;
  }
  const doc = JSON.parse(readFileSync(new URL('../../fixtures/resize-cv2.json', import.meta.url), 'utf8')) as {
    cases: CvCase[];
  };
  const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
  it.each(
    doc.cases.map(
      (c) => [`${c.src_shape.join('x')} -> ${c.dst_shape.join('x')} ${c.interpolation} ${c.kind}`, c] as const,
    ),
  )('%s', (_n, c) => {
    const [sh, sw, cn] = c.src_shape;
    const [dh, dw] = c.dst_shape;
    expect(Array.from(resizeU8(b64(c.src), sh, sw, cn, dh, dw, c.interpolation))).toEqual(Array.from(b64(c.dst)));
  });
});

describe('resize by hand', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-0.5, 0],
    [254.5, 254],
    [255.5, 255],
    [300, 255],
    [3.4999, 3],
  ])('roundU8(%d) = %d (half to even, clamped)', (v, r) => {
    expect(roundU8(v)).toBe(r);
  });

  it('area 2x2 blocks average with ties rounded up; 3x3 blocks round half to even after *1/9', () => {
    // [[0,1],[0,1]] averages to 0.5 -> 1; [[1,2],[2,2]] = 7/4 -> 2.
    expect(Array.from(resizeU8(Uint8Array.from([0, 1, 1, 2, 0, 1, 2, 2]), 2, 4, 1, 1, 2, 'area'))).toEqual([1, 2]);
    // 3x3 block summing to 13: 13/9 = 1.44 -> 1; summing to 14: 1.56 -> 2.
    const a = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 5]);
    expect(Array.from(resizeU8(a, 3, 3, 1, 1, 1, 'area'))).toEqual([1]);
    a[8] = 6;
    expect(Array.from(resizeU8(a, 3, 3, 1, 1, 1, 'area'))).toEqual([2]);
  });

  it('area 3 -> 2 (non-integer) weights 2/3, 1/3 per axis', () => {
    // One row, widths 3 -> 2: out0 = (2/3) a + (1/3) b, out1 = (1/3) b + (2/3) c.
    const out = resizeU8(Uint8Array.from([30, 60, 90]), 1, 3, 1, 1, 2, 'area');
    expect(Array.from(out)).toEqual([40, 80]);
  });

  it('nearest picks floor(d * S / D)', () => {
    const src = Uint8Array.from([10, 20, 30, 40, 50]);
    expect(Array.from(resizeU8(src, 1, 5, 1, 1, 2, 'nearest'))).toEqual([10, 30]);
    expect(Array.from(resizeU8(src, 1, 5, 1, 1, 10, 'nearest'))).toEqual([10, 10, 20, 20, 30, 30, 40, 40, 50, 50]);
  });

  it('bilinear of a constant image is constant; identity copies', () => {
    const src = new Uint8Array(5 * 7 * 3).fill(77);
    expect(resizeU8(src, 5, 7, 3, 9, 4, 'bilinear').every((v) => v === 77)).toBe(true);
    const img = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    expect(Array.from(resizeU8(img, 2, 2, 3, 2, 2, 'area'))).toEqual(Array.from(img));
  });

  it('validates sizes and buffers', () => {
    expect(() => createResizer(0, 2, 1, 1, 1, 'area')).toThrow(/srcH must be a positive integer/);
    expect(() => createResizer(2, 2, 1, 1, 1, 'cubic' as Interpolation)).toThrow(/interpolation must be/);
    const r = createResizer(2, 2, 1, 1, 1, 'area');
    expect(() => r(new Uint8Array(3), new Uint8Array(1))).toThrow(/src must have 4 bytes/);
    expect(() => r(new Uint8Array(4), new Uint8Array(2))).toThrow(/dst must have 1 bytes/);
  });
});
