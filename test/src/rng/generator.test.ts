import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Generator, PCG64, SeedSequence, defaultRng, entropyWords, type Pcg64State } from '../../../src/rng/index.js';

const DIR = new URL('../../../../shared/reference/numpy-rng/', import.meta.url);
function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as T;
}

interface NpState {
  state: string;
  inc: string;
  has_uint32: number;
  uinteger: number;
}
interface GenFixture {
  seed: number;
  seedsequence: {
    entropy_words_u32: number[];
    pool_u32: number[];
    generate_state_8_u32: number[];
    generate_state_4_u64: string[];
  };
  pcg64_initial_state: NpState;
  pcg64_raw_u64_first20: string[];
  random: { values: number[]; values_times_2pow53: number[] };
  integers: Record<string, { n: number; values: number[]; state_after: NpState }>;
  uniform: { low: number; high: number; size: number; vectors: number[][]; state_after: NpState };
  mixed: { calls: { call: [string, ...number[]]; result: number; has_uint32_after: number }[]; state_after: NpState };
}
interface MultiFixture {
  cases: {
    seed: string;
    entropy_words_u32: number[];
    pool_u32: number[];
    generate_state_8_u32: number[];
    pcg64_initial_state: NpState;
    pcg64_raw_u64_first4: string[];
    random_first4: number[];
  }[];
}

/** numpy's state dict in our Pcg64State shape. */
function ours(s: NpState): Pcg64State {
  return { kind: 'PCG64', state: s.state, inc: s.inc, hasUint32: s.has_uint32 as 0 | 1, uinteger: s.uinteger };
}

describe.each([0, 42, 123456789])('Generator(PCG64(SeedSequence(%i))) matches numpy', (seed) => {
  const fx = load<GenFixture>(`generator_pcg64_seed${seed}.json`);

  it('SeedSequence: entropy words, pool, generate_state (32 and 64 bit)', () => {
    const ss = new SeedSequence(seed);
    expect(entropyWords(seed)).toEqual(fx.seedsequence.entropy_words_u32);
    expect(Array.from(ss.pool)).toEqual(fx.seedsequence.pool_u32);
    expect(Array.from(ss.generateState(8))).toEqual(fx.seedsequence.generate_state_8_u32);
    expect(ss.generateState64(4).map(String)).toEqual(fx.seedsequence.generate_state_4_u64);
  });

  it('PCG64 initial state and first 20 raw outputs', () => {
    const bg = new PCG64(seed);
    expect(bg.getState()).toEqual(ours(fx.pcg64_initial_state));
    expect(Array.from({ length: 20 }, () => bg.next64().toString())).toEqual(fx.pcg64_raw_u64_first20);
  });

  it('random() x 200', () => {
    const g = defaultRng(seed);
    const vals = fx.random.values.map(() => g.random());
    expect(vals).toEqual(fx.random.values);
    expect(vals.map((v) => v * 2 ** 53)).toEqual(fx.random.values_times_2pow53);
  });

  it.each(Object.keys(fx.integers))('integers(0, %s) x 200 and the state after', (key) => {
    const e = fx.integers[key];
    if (!e) throw new Error('missing');
    const g = defaultRng(seed);
    expect(e.values.map(() => g.integers(0, e.n))).toEqual(e.values);
    expect(g.getState()).toEqual(ours(e.state_after));
  });

  it('uniform(low, high, size=4) x 50 and the state after', () => {
    const g = defaultRng(seed);
    const u = fx.uniform;
    expect(u.vectors.map(() => Array.from(g.uniformArray(u.low, u.high, u.size)))).toEqual(u.vectors);
    expect(g.getState()).toEqual(ours(u.state_after));
  });

  it('mixed 32/64-bit consumers share the 32-bit cache', () => {
    const g = defaultRng(seed);
    for (const c of fx.mixed.calls) {
      const [name, a, b] = c.call;
      let got: number;
      if (name === 'random') got = g.random();
      else if (name === 'uniform') got = g.uniform(a, b);
      else if (name === 'integers') got = g.integers(a as number, b);
      else throw new Error(`unknown call ${name}`);
      expect({ call: c.call, got, cache: g.getState().hasUint32 }).toEqual({
        call: c.call,
        got: c.result,
        cache: c.has_uint32_after,
      });
    }
    expect(g.getState()).toEqual(ours(fx.mixed.state_after));
  });
});

describe('SeedSequence / PCG64 with multi-word seeds', () => {
  const fx = load<MultiFixture>('seedsequence_multiword.json');
  it.each(fx.cases.map((c) => [c.seed, c] as const))('seed %s', (_s, c) => {
    const ss = new SeedSequence(c.seed);
    expect(ss.entropy).toEqual(c.entropy_words_u32);
    expect(Array.from(ss.pool)).toEqual(c.pool_u32);
    expect(Array.from(ss.generateState(8))).toEqual(c.generate_state_8_u32);
    const bg = new PCG64(BigInt(c.seed));
    expect(bg.getState()).toEqual(ours(c.pcg64_initial_state));
    expect(Array.from({ length: 4 }, () => bg.next64().toString())).toEqual(c.pcg64_raw_u64_first4);
    const g = new Generator(new PCG64(ss));
    expect(Array.from({ length: 4 }, () => g.random())).toEqual(c.random_first4);
  });
});

describe('PCG64 limb arithmetic', () => {
  it('matches a straightforward BigInt PCG64 (README §4.5) over 5000 draws covering all 64 rotations', () => {
    const MULT = 0x2360ed051fc65da44385df649fccf645n;
    const M64 = (1n << 64n) - 1n;
    const M128 = (1n << 128n) - 1n;
    const bg = new PCG64(2024);
    const st0 = bg.getState();
    let state = BigInt(st0.state);
    const inc = BigInt(st0.inc);
    const rots = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      state = (state * MULT + inc) & M128;
      const x = ((state >> 64n) ^ state) & M64;
      const rot = state >> 122n;
      rots.add(Number(rot));
      const want = ((x >> rot) | (x << ((64n - rot) & 63n))) & M64;
      const got = bg.next64();
      if (got !== want) expect({ i, got }).toEqual({ i, got: want });
    }
    expect(rots.size).toBe(64);
    expect(bg.getState().state).toBe(state.toString());
  });
});

describe('Generator', () => {
  it('state round-trips through JSON', () => {
    const a = defaultRng(5);
    a.integers(0, 6); // leaves a cached half
    const saved = JSON.parse(JSON.stringify(a.getState())) as Pcg64State;
    const b = defaultRng(99);
    b.setState(saved);
    for (let i = 0; i < 10; i++) expect(b.integers(0, 1000)).toBe(a.integers(0, 1000));
    expect(b.random()).toBe(a.random());
  });

  it('integers over ranges >= 2^32 stay in range and are deterministic', () => {
    const a = defaultRng(1);
    const b = defaultRng(1);
    for (let i = 0; i < 50; i++) {
      const v = a.integers(-(2 ** 40), 2 ** 41);
      expect(v).toBe(b.integers(-(2 ** 40), 2 ** 41));
      expect(v >= -(2 ** 40) && v < 2 ** 41).toBe(true);
    }
    expect(a.integers(7, 8)).toBe(7);
  });

  it('rejects bad seeds, ranges and states', () => {
    expect(() => new SeedSequence(-1)).toThrow(/non-negative/);
    expect(() => new SeedSequence('12x')).toThrow(/decimal/);
    expect(() => defaultRng(0).integers(3, 3)).toThrow(/low < high/);
    expect(() => defaultRng(0).setState({ kind: 'PCG64', state: 'x', inc: '1', hasUint32: 0, uinteger: 0 })).toThrow(
      /Invalid PCG64/,
    );
  });
});
