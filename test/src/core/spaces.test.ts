import { describe, expect, it } from 'vitest';
import {
  Box,
  Discrete,
  MultiDiscrete,
  allocTyped,
  at,
  dtypeOf,
  shapeSize,
  spaceToJSON,
} from '../../../src/core/spaces.js';
import { Rng } from '../../../src/rng/rng.js';

describe('Discrete', () => {
  it.each([
    [3, 0, [0, 1, 2], [-1, 3, 1.5, '1', null]],
    [2, -1, [-1, 0], [1, -2]],
    [1, 5, [5], [4, 6]],
  ])('Discrete(%i, start=%i) contains exactly its elements', (n, start, inside, outside) => {
    const s = new Discrete(n, start);
    for (const x of inside) expect(s.contains(x)).toBe(true);
    for (const x of outside) expect(s.contains(x)).toBe(false);
    expect(s.shape).toEqual([]);
    expect(s.dtype).toBe('int32');
  });

  it('samples uniformly with the Rng draw start + nextInt(n)', () => {
    const s = new Discrete(4, 10);
    const a = new Rng(3);
    const b = new Rng(3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const x = s.sample(a);
      expect(x).toBe(10 + b.nextInt(4));
      counts[x - 10]!++;
    }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('describes itself', () => {
    expect(new Discrete(3).toString()).toBe('Discrete(3)');
    expect(new Discrete(3, 1).toString()).toBe('Discrete(3, start=1)');
    const json = { type: 'Discrete', n: 3, start: 1, shape: [], dtype: 'int32' };
    expect(JSON.parse(JSON.stringify(new Discrete(3, 1)))).toEqual(json);
  });

  it.each([[0], [-1], [1.5], [NaN]])('rejects n=%s', (n) => {
    expect(() => new Discrete(n)).toThrow(/Discrete: n must be a positive integer/);
  });
});

describe('Box', () => {
  it.each([
    ['uint8', Uint8Array],
    ['int32', Int32Array],
    ['float32', Float32Array],
    ['float64', Float64Array],
  ] as const)('%s samples the right typed array, within bounds', (dtype, Ctor) => {
    const box = new Box(-0 + (dtype === 'uint8' ? 3 : -2), 7, [2, 3], dtype);
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const x = box.sample(rng);
      expect(x).toBeInstanceOf(Ctor);
      expect(x.length).toBe(6);
      expect(box.contains(x)).toBe(true);
    }
  });

  it('integer samples cover both ends inclusively', () => {
    const box = new Box(2, 4, [1000], 'int32');
    const x = box.sample(new Rng(0));
    expect(new Set(x)).toEqual(new Set([2, 3, 4]));
    // And match the draws lo + nextInt(hi - lo + 1) in C order.
    const r = new Rng(0);
    expect(Array.from(x.slice(0, 5))).toEqual([0, 1, 2, 3, 4].map(() => 2 + r.nextInt(3)));
  });

  it('float bounded samples are lo + (hi - lo) * nextFloat rounded to float32', () => {
    const box = new Box(-1, 3, [4], 'float32');
    const x = box.sample(new Rng(9));
    const r = new Rng(9);
    expect(Array.from(x)).toEqual([0, 1, 2, 3].map(() => Math.fround(-1 + 4 * r.nextFloat())));
  });

  it('samples half-bounded and unbounded floats on the right side', () => {
    const rng = new Rng(2);
    const lowOnly = new Box(1, Infinity, [500], 'float64').sample(rng);
    const highOnly = new Box(-Infinity, -1, [500], 'float64').sample(rng);
    const none = new Box(-Infinity, Infinity, [2000], 'float32').sample(rng);
    expect(Math.min(...lowOnly)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...highOnly)).toBeLessThanOrEqual(-1);
    // Exp(1) shifted: mean 1 above the bound.
    expect(Math.abs(lowOnly.reduce((a, b) => a + b, 0) / 500 - 2)).toBeLessThan(0.2);
    expect(Math.abs(none.reduce((a, b) => a + b, 0) / 2000)).toBeLessThan(0.1);
    expect(Math.min(...none)).toBeLessThan(0);
  });

  it('contains checks class, length, per-element bounds and NaN', () => {
    const box = new Box([0, -1], [1, 1], [2], 'float32');
    expect(box.contains(new Float32Array([0.5, -1]))).toBe(true);
    expect(box.contains(new Float32Array([1, 1]))).toBe(true);
    expect(box.contains(new Float32Array([1.01, 0]))).toBe(false);
    expect(box.contains(new Float32Array([0, -1.5]))).toBe(false);
    expect(box.contains(new Float32Array([NaN, 0]))).toBe(false);
    expect(box.contains(new Float64Array([0.5, 0]))).toBe(false);
    expect(box.contains(new Float32Array([0.5]))).toBe(false);
    expect(box.contains([0.5, 0])).toBe(false);
  });

  it('compares float32 bounds in float32 (0.1 as float32 is inside Box(0, 0.1))', () => {
    const box = new Box(0, 0.1, [1], 'float32');
    expect(box.contains(new Float32Array([0.1]))).toBe(true);
    expect(box.high[0]).toBe(Math.fround(0.1));
  });

  it('describes itself', () => {
    expect(new Box(-1.2, 0.1, [2], 'float32').toString()).toBe('Box(-1.2, 0.1, [2], float32)');
    const json = { type: 'Box', low: -1.2, high: 0.1, shape: [2], dtype: 'float32' };
    expect(new Box(-1.2, 0.1, [2], 'float32').toJSON()).toEqual(json);
    expect(new Box(0, 1 / 3, [1], 'float32').toString()).toBe('Box(0, 0.33333334, [1], float32)');
    expect(new Box(0, 255, [80, 80, 4], 'uint8').toString()).toBe('Box(0, 255, [80, 80, 4], uint8)');
    expect(new Box(-Infinity, Infinity, [3], 'float32').toString()).toBe('Box(-inf, inf, [3], float32)');
    expect(new Box([0, 1], [2, 3], [2], 'int32').toString()).toBe('Box(low=[0, 1], high=[2, 3], [2], int32)');
    const bytes = { type: 'Box', low: 0, high: 255, shape: [2, 2], dtype: 'uint8' };
    expect(new Box(0, 255, [2, 2], 'uint8').toJSON()).toEqual(bytes);
    expect(new Box([0, -Infinity], [2, Infinity], [2], 'float64').toJSON()).toEqual({
      type: 'Box',
      low: [0, '-inf'],
      high: [2, 'inf'],
      shape: [2],
      dtype: 'float64',
    });
  });

  it.each([
    [() => new Box(0, 1, [0], 'float32'), /shape must be an array of positive integers/],
    [() => new Box(0, 1, [2.5], 'float32'), /shape must be/],
    [() => new Box(2, 1, [1], 'float32'), /low must be <= high/],
    [() => new Box(0, 256, [1], 'uint8'), /uint8 bounds must be integers in \[0, 255\]/],
    [() => new Box(0, 1.5, [1], 'int32'), /int32 bounds must be integers/],
    [() => new Box([0, 1, 2], 1, [2], 'float32'), /low must be a number or have 2 elements/],
    [() => new Box(NaN, 1, [1], 'float32'), /NaN/],
    [() => new Box(0, 1, [1], 'int8' as 'uint8'), /dtype must be one of/],
  ])('rejects bad arguments (%#)', (f, msg) => {
    expect(f).toThrow(msg);
  });

  it('sampleInto writes into the given buffer', () => {
    const box = new Box(0, 9, [3], 'uint8');
    const out = new Uint8Array(3);
    expect(box.sampleInto(new Rng(1), out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(box.sample(new Rng(1))));
  });
});

describe('MultiDiscrete', () => {
  it('samples each component start + nextInt(n)', () => {
    const s = new MultiDiscrete([2, 5, 3], [0, -2, 1]);
    const x = s.sample(new Rng(4));
    const r = new Rng(4);
    expect(Array.from(x)).toEqual([0 + r.nextInt(2), -2 + r.nextInt(5), 1 + r.nextInt(3)]);
    expect(s.contains(x)).toBe(true);
    expect(s.shape).toEqual([3]);
  });

  it.each([
    [[0, 0, 1], true],
    [[1, 2, 3], true],
    [[2, 0, 1], false],
    [[0, -3, 1], false],
    [[0, 0, 4], false],
  ])('contains %j: %s', (v, expected) => {
    expect(new MultiDiscrete([2, 5, 3], [0, -2, 1]).contains(new Int32Array(v))).toBe(expected);
  });

  it('rejects non-Int32Array and bad nvec', () => {
    const s = new MultiDiscrete([2, 2]);
    expect(s.contains([0, 0])).toBe(false);
    expect(s.contains(new Int32Array([0]))).toBe(false);
    expect(() => new MultiDiscrete([])).toThrow(/nvec must be a non-empty array/);
    expect(() => new MultiDiscrete([2, 0])).toThrow(/nvec/);
    expect(() => new MultiDiscrete([2, 2], [0])).toThrow(/start must be 2 integers/);
  });

  it('describes itself', () => {
    expect(new MultiDiscrete([3, 4]).toString()).toBe('MultiDiscrete([3, 4])');
    expect(new MultiDiscrete([3, 4], [1, 0]).toString()).toBe('MultiDiscrete([3, 4], start=[1, 0])');
    const json = { type: 'MultiDiscrete', nvec: [3, 4], start: [0, 0], shape: [2], dtype: 'int32' };
    expect(spaceToJSON(new MultiDiscrete([3, 4]))).toEqual(json);
  });
});

describe('helpers', () => {
  it('shapeSize, allocTyped, dtypeOf', () => {
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([2, 3, 4])).toBe(24);
    expect(allocTyped('float32', 3)).toEqual(new Float32Array(3));
    expect(dtypeOf(new Int32Array(1))).toBe('int32');
    expect(dtypeOf([1])).toBe(null);
  });

  it('at: the element, or a RangeError outside the array', () => {
    const xs = Float32Array.of(1.5, -2);
    expect(at(xs, 0)).toBe(1.5);
    expect(at(xs, 1)).toBe(-2);
    expect(at([undefined, 3], 0)).toBe(undefined);
    expect(() => at(xs, 2)).toThrow(new RangeError('index 2 is outside [0, 2)'));
    expect(() => at(xs, -1)).toThrow(RangeError);
    expect(() => at(xs, 0.5)).toThrow(RangeError);
  });
});
