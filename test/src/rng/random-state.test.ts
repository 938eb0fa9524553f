import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RandomState } from '../../../src/rng/mt19937.js';

const DIR = new URL('../../../../shared/reference/numpy-rng/', import.meta.url);

interface Counted {
  raw_draws_consumed: number;
  rng_next_after: number;
}
interface RsFixture {
  seed: number;
  mt19937_raw_uint32: number[];
  rand: Counted & { values: number[]; values_times_2pow53: number[] };
  randint: Record<string, Counted & { n: number; values: number[] }>;
  mixed: Counted & { calls: { call: [string, ...number[]]; result: number | number[]; raw_draws: number }[] };
}

function load(seed: number): RsFixture {
  return JSON.parse(readFileSync(new URL(`randomstate_seed${seed}.json`, DIR), 'utf8')) as RsFixture;
}

/** Counts raw words by wrapping randomUint32 (every draw goes through it). */
function counting(seed: number): { rs: RandomState; count: () => number } {
  const rs = new RandomState(seed);
  let n = 0;
  const raw = rs.randomUint32.bind(rs);
  rs.randomUint32 = () => {
    n++;
    return raw();
  };
  return { rs, count: () => n };
}

describe.each([0, 1, 42, 4294967295])('RandomState(%i) matches numpy', (seed) => {
  const fx = load(seed);

  it('raw MT19937 words (1000), with peek agreeing with the next draw', () => {
    const rs = new RandomState(seed);
    const got: number[] = [];
    const peeked: number[] = [];
    for (let i = 0; i < fx.mt19937_raw_uint32.length; i++) {
      peeked.push(rs.peekUint32());
      got.push(rs.randomUint32());
    }
    expect(got).toEqual(fx.mt19937_raw_uint32);
    expect(peeked).toEqual(got);
  });

  it('rand() x 200, draws consumed and the next word', () => {
    const { rs, count } = counting(seed);
    const vals = Array.from({ length: fx.rand.values.length }, () => rs.rand());
    expect(vals).toEqual(fx.rand.values);
    expect(vals.map((v) => v * 2 ** 53)).toEqual(fx.rand.values_times_2pow53);
    expect(count()).toBe(fx.rand.raw_draws_consumed);
    expect(rs.peekUint32()).toBe(fx.rand.rng_next_after);
  });

  it.each(Object.keys(fx.randint))('randint(%s) x 200', (key) => {
    const e = fx.randint[key];
    if (!e) throw new Error('missing');
    const { rs, count } = counting(seed);
    const vals = Array.from({ length: e.values.length }, () => rs.randint(e.n));
    expect(vals).toEqual(e.values);
    expect(count()).toBe(e.raw_draws_consumed);
    expect(rs.peekUint32()).toBe(e.rng_next_after);
  });

  it('mixed calls on one generator (results and raw draws per call)', () => {
    const { rs, count } = counting(seed);
    for (const c of fx.mixed.calls) {
      const before = count();
      const [name, ...args] = c.call;
      let got: number | number[];
      if (name === 'rand') got = args.length ? Array.from(rs.randArray(args[0] as number)) : rs.rand();
      else if (name === 'randint')
        got =
          args.length === 3
            ? rs.randintArray(args[0] as number, args[1] as number, args[2] as number)
            : rs.randint(args[0] as number, args[1]);
      else throw new Error(`unknown call ${name}`);
      expect({ call: c.call, got }).toEqual({ call: c.call, got: c.result });
      expect(count() - before).toBe(c.raw_draws);
    }
    expect(count()).toBe(fx.mixed.raw_draws_consumed);
    expect(rs.peekUint32()).toBe(fx.mixed.rng_next_after);
  });
});

describe('RandomState', () => {
  it('first outputs match the README check values', () => {
    expect(new RandomState(42).randomUint32()).toBe(1608637542);
    expect(new RandomState(0).randomUint32()).toBe(2357136044);
  });

  it('getState/setState round-trips through JSON, including across a twist boundary', () => {
    const a = new RandomState(7);
    for (let i = 0; i < 620; i++) a.randomUint32();
    const saved = JSON.parse(JSON.stringify(a.getState())) as ReturnType<RandomState['getState']>;
    const b = new RandomState(123);
    b.setState(saved);
    for (let i = 0; i < 20; i++) expect(b.randomUint32()).toBe(a.randomUint32());
    expect(b.clone().rand()).toBe(b.rand());
  });

  it('peekUint32 does not change the state', () => {
    const a = new RandomState(3);
    const before = JSON.stringify(a.getState());
    a.peekUint32();
    expect(JSON.stringify(a.getState())).toBe(before);
  });

  it('rejects bad seeds, bad ranges and bad states', () => {
    expect(() => new RandomState(-1)).toThrow(/seed/);
    expect(() => new RandomState(2 ** 32)).toThrow(/seed/);
    expect(() => new RandomState(1.5)).toThrow(/seed/);
    const r = new RandomState(0);
    expect(() => r.randint(5, 5)).toThrow(/low < high/);
    expect(() => r.randint(0)).toThrow(/low < high/);
    expect(() => r.setState({ kind: 'MT19937', key: [1, 2], pos: 0 })).toThrow(/Invalid RandomState state/);
  });
});
