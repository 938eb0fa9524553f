// The training loop's normalizers: with one env, bit for bit the single-env wrappers (which are
// checked against numpy); with N envs, one update per batch with its mean, variance and count
// (Gymnasium's vector wrappers); their state round-trips; a normalizing policy reads it frozen.
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { make } from '../../src/core/registry.js';
import { NormalizeObservation, NormalizeReward, RunningMeanStd } from '../../src/core/wrappers/index.js';
import type { AnyTypedArray } from '../../src/core/spaces.js';
import { normalizingPolicy, ObservationNormalizer, RewardNormalizer } from '../../agents/normalize.js';
import { Rng } from '../../src/rng/rng.js';

describe('ObservationNormalizer and RewardNormalizer', () => {
  it('with one env equal the single-env wrappers bit for bit over CartPole episodes', () => {
    const wrapped = new NormalizeReward(new NormalizeObservation(make<AnyTypedArray, number>('CartPole-v1')), 0.99);
    const raw = make<Float32Array, number>('CartPole-v1');
    const on = new ObservationNormalizer(4, true);
    const rn = new RewardNormalizer(1, 0.99);
    const out = new Float32Array(4);
    const r = new Float64Array(1);
    const rng = new Rng(3);
    for (let ep = 0; ep < 4; ep++) {
      const [w0] = wrapped.reset({ seed: ep });
      on.updateAndNormalize(raw.reset({ seed: ep })[0], [0], out);
      expect(Array.from(out)).toEqual(Array.from(w0 as Float32Array));
      for (let t = 0; t < 500; t++) {
        const a = rng.nextInt(2);
        const [wo, wr, wterm, wtrunc] = wrapped.step(a);
        const [ro, rr, rterm] = raw.step(a);
        on.updateAndNormalize(ro, [0], out);
        rn.update([rr], [rterm ? 1 : 0], r);
        expect(Array.from(out)).toEqual(Array.from(wo as Float32Array));
        expect(r[0]).toBe(wr);
        if (wterm || wtrunc) break;
      }
    }
    expect(on.rms.count).toBeGreaterThan(20);
  });

  it('with N envs update once per batch, with its moments (Gymnasium vector wrappers), rows left alone stay', () => {
    const on = new ObservationNormalizer(2, false);
    const batch = Float64Array.of(1, 10, 3, 20, 5, 60);
    const out = new Float32Array(6).fill(7);
    on.updateAndNormalize(batch, [0, 2], out);
    const ref = new RunningMeanStd(2);
    // Rows 0 and 2: mean (3, 35), population variance (4, 625).
    ref.updateFromMoments([3, 35], [4, 625], 2);
    expect(Array.from(on.rms.mean)).toEqual(Array.from(ref.mean));
    expect(Array.from(on.rms.var)).toEqual(Array.from(ref.var));
    expect(on.rms.count).toBe(ref.count);
    expect(out[2]).toBe(7);
    expect(out[3]).toBe(7);
    expect(out[0]).toBeCloseTo((1 - (ref.mean[0] as number)) / Math.sqrt((ref.var[0] as number) + 1e-8), 5);

    const rn = new RewardNormalizer(3, 0.5);
    const scaled = new Float64Array(3);
    rn.update([1, 2, 3], [0, 1, 0], scaled);
    rn.update([1, 1, 1], [0, 1, 0], scaled);
    // Returns: env 0: 1 then 0.5 + 1; env 1 ends both times (G = reward alone); env 2: 3 then 2.5.
    expect(Array.from(rn.returns)).toEqual([1.5, 1, 2.5]);
    expect(scaled[0]).toBeCloseTo(1 / Math.sqrt((rn.rms.var[0] as number) + 1e-8), 12);
  });

  it('state round-trips and is checked', () => {
    const on = new ObservationNormalizer(2, true);
    on.updateAndNormalize(Float32Array.of(1, 2, 3, 5), [0, 1], new Float32Array(4));
    const copy = new ObservationNormalizer(2, true);
    copy.setState(JSON.parse(JSON.stringify(on.getState())) as ReturnType<typeof on.getState>);
    expect(copy.getState()).toEqual(on.getState());
    expect(() => copy.setState({ mean: [0], var: [1], count: 1 })).toThrow(/observation normalizer/);
    const rn = new RewardNormalizer(2, 0.9);
    rn.update([1, 2], [0, 0], new Float64Array(2));
    const rcopy = new RewardNormalizer(2, 0.9);
    rcopy.setState(JSON.parse(JSON.stringify(rn.getState())) as ReturnType<typeof rn.getState>);
    expect(rcopy.getState()).toEqual(rn.getState());
    expect(() => rcopy.setState({ ...rn.getState(), returns: [1] })).toThrow(/2 finite discounted returns/);
  });

  it('a normalizing policy normalizes with frozen statistics before asking the policy', () => {
    const on = new ObservationNormalizer(2, true);
    on.updateAndNormalize(Float32Array.of(0, 0, 2, 4), [0, 1], new Float32Array(4));
    const seen: number[][] = [];
    const inner = { numActions: 2, qValues: (o: AnyTypedArray) => (seen.push(Array.from(o)), [0, 1]) };
    const p = normalizingPolicy(inner, on.getState(), true);
    const before = on.getState();
    p.qValues(Float32Array.of(1, 2));
    p.qValues(Float32Array.of(1, 2));
    // Mean about (1, 2): the observation at the mean normalizes to about zeros, the same both times.
    const expected = new Float32Array(2);
    on.normalizeRow(Float32Array.of(1, 2), 0, expected);
    expect(seen).toEqual([Array.from(expected), Array.from(expected)]);
    for (const v of expected) expect(Math.abs(v)).toBeLessThan(1e-3);
    expect(on.getState()).toEqual(before);
    expect(() => p.qValues(Float32Array.of(1))).toThrow(/2 values/);
  });
});
