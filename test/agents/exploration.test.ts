import { describe, expect, it } from 'vitest';
import { argmax, epsilonGreedy, EzGreedy, ZetaSampler } from '../../agents/exploration.js';
import { Rng } from '../../src/rng/rng.js';

/** Riemann zeta(2) = pi^2 / 6. */
const ZETA2 = (Math.PI * Math.PI) / 6;

describe('argmax', () => {
  it('first index of the largest value, within a row of a flat array', () => {
    expect(argmax([1, 3, 2])).toBe(1);
    expect(argmax([2, 5, 5])).toBe(1); // ties: the first
    expect(argmax([9, 0, 1, 7, 4, 7], 3, 3)).toBe(0); // row [7, 4, 7] of a 2x3 array
    expect(argmax([9, 0, 1, 2, 4, 7], 3, 3)).toBe(2);
  });
});

describe('ZetaSampler', () => {
  it('probabilities follow n^-mu / zeta(mu) and sum to 1', () => {
    const z = new ZetaSampler(2);
    // Truncation at 10,000 moves the mass by ~1e-4 of zeta(2): within 4 decimals.
    expect(z.probability(1)).toBeCloseTo(1 / ZETA2, 4);
    expect(z.probability(2)).toBeCloseTo(1 / 4 / ZETA2, 4);
    expect(z.probability(10)).toBeCloseTo(1 / 100 / ZETA2, 5);
    expect(z.probability(0)).toBe(0);
    expect(z.probability(10_001)).toBe(0);
    let total = 0;
    for (let k = 1; k <= z.max; k++) total += z.probability(k);
    expect(total).toBeCloseTo(1, 12);
  });

  it('sample frequencies match the probabilities (and respect the cap)', () => {
    const z = new ZetaSampler(2, 50);
    const rng = new Rng(5);
    const n = 200_000;
    const counts = new Map<number, number>();
    let max = 0;
    for (let i = 0; i < n; i++) {
      const k = z.sample(rng);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      max = Math.max(max, k);
    }
    expect(max).toBeLessThanOrEqual(50);
    expect(Math.min(...counts.keys())).toBe(1);
    for (const k of [1, 2, 3, 5, 10]) {
      const p = z.probability(k);
      const sd = Math.sqrt(p * (1 - p) * n);
      expect(Math.abs((counts.get(k) ?? 0) - p * n)).toBeLessThan(5 * sd);
    }
  });

  it('rejects exponents that give no distribution, Keras-style', () => {
    expect(() => new ZetaSampler(1)).toThrow(/mu must be a finite number > 1\. Received: mu=1/);
    expect(() => new ZetaSampler(Number.NaN)).toThrow(/Received: mu=NaN/);
    expect(() => new ZetaSampler(2, 0)).toThrow(/max must be an integer >= 1/);
  });
});

describe('epsilonGreedy', () => {
  it('one uniform, then a uniform action (no Q needed) or the argmax; the draws never depend on Q', () => {
    let evaluations = 0;
    const q = () => {
      evaluations++;
      return [0, 7, 1];
    };
    const rng = new Rng(3);
    const twin = new Rng(3);
    for (let i = 0; i < 50; i++) {
      const explore = twin.nextFloat() < 0.5;
      const expected = explore ? twin.nextInt(3) : 1;
      expect(epsilonGreedy(q, 3, 0.5, rng)).toBe(expected);
    }
    expect(rng.getState()).toEqual(twin.getState());
    expect(evaluations).toBeGreaterThan(0);
    expect(evaluations).toBeLessThan(50);
    evaluations = 0;
    expect(epsilonGreedy(q, 3, 1, rng)).toBeLessThan(3);
    expect(evaluations).toBe(0);
  });
});

describe('EzGreedy', () => {
  const greedy = () => [0, 0, 5]; // argmax = 2

  it('epsilon 0 is greedy and draws one uniform per step', () => {
    const ez = new EzGreedy(2);
    const rng = new Rng(1);
    const twin = new Rng(1);
    for (let i = 0; i < 10; i++) expect(ez.select(greedy, 3, 0, rng)).toBe(2);
    for (let i = 0; i < 10; i++) twin.nextFloat();
    expect(rng.getState()).toEqual(twin.getState());
  });

  it('an exploratory action repeats for its whole duration without drawing, then greedy play resumes', () => {
    const ez = new EzGreedy(2);
    const rng = new Rng(11);
    // Replay the draws to know the option: uniform < 1, action, duration.
    const probe = new Rng(11);
    probe.nextFloat();
    const action = probe.nextInt(3);
    const duration = new ZetaSampler(2).sample(probe);
    const seen: number[] = [];
    seen.push(ez.select(greedy, 3, 1, rng));
    const afterStart = rng.getState();
    for (let i = 1; i < duration; i++) seen.push(ez.select(greedy, 3, 0, rng));
    expect(seen).toEqual(new Array<number>(duration).fill(action));
    expect(rng.getState()).toEqual(afterStart); // no draws while the option runs
    expect(ez.getState().left).toBe(0);
    expect(ez.select(greedy, 3, 0, rng)).toBe(2);
  });

  it('long options happen (a heavy tail), and endEpisode cuts them', () => {
    const ez = new EzGreedy(2);
    const rng = new Rng(2);
    let longest = 0;
    for (let i = 0; i < 2000; i++) {
      ez.select(greedy, 3, 1, rng);
      longest = Math.max(longest, ez.getState().left + 1);
      ez.endEpisode();
      expect(ez.getState().left).toBe(0);
    }
    // P(n >= 20) = 1 - sum_{k<20} k^-2 / zeta(2) ~ 3.1%: about 60 of 2,000.
    expect(longest).toBeGreaterThanOrEqual(20);
  });

  it('state round trip continues the same option; invalid state is refused', () => {
    const a = new EzGreedy(2);
    const rng = new Rng(4);
    let found = false;
    for (let i = 0; i < 500 && !found; i++) {
      a.select(greedy, 3, 0.5, rng);
      found = a.getState().left >= 3;
    }
    expect(found).toBe(true);
    const b = new EzGreedy(2);
    b.setState(a.getState());
    const rngB = new Rng(0);
    rngB.setState(rng.getState());
    for (let i = 0; i < 20; i++) expect(b.select(greedy, 3, 0.5, rngB)).toBe(a.select(greedy, 3, 0.5, rng));
    expect(() => b.setState({ action: -1, left: 0 })).toThrow(/invalid εz-greedy state/);
  });
});
