// MultiEnvReplay: one memory shared by N envs, one column per env (SB3's layout): with one env it
// samples exactly what a plain memory samples; with several, n-step returns never mix two envs'
// steps, sampling covers every env uniformly (or by priority), and its state round-trips.
import { describe, expect, it } from 'vitest';
import { MultiEnvReplay, PrioritizedReplayMemory, ReplayMemory } from '../../../src/replay/index.js';
import { Rng } from '../../../src/rng/rng.js';

const opts = { capacity: 50, obsShape: [1], obsDtype: 'float32' as const, nStep: 3, gamma: 0.5 };

/** Env e's observation at its step t: 100 e + t (so a batch row names its env and step). */
const o = (e: number, t: number): Float32Array => Float32Array.of(100 * e + t);

/** Adds `steps` lockstep transitions of `n` envs; env e's episodes last `len[e]` steps, reward 1 + e. */
function fill(m: MultiEnvReplay, n: number, steps: number, len: number[]): void {
  const t = new Array<number>(n).fill(0);
  for (let s = 0; s < steps; s++) {
    for (let e = 0; e < n; e++) {
      const ti = t[e] as number;
      const end = ti + 1 === len[e];
      m.add(e, o(e, ti), e, 1 + e, o(e, ti + 1), end, false);
      t[e] = end ? 0 : ti + 1;
    }
  }
}

describe('MultiEnvReplay', () => {
  it('with one env, draws exactly what the single memory draws', () => {
    const single = new ReplayMemory(opts);
    const multi = new MultiEnvReplay([new ReplayMemory(opts)]);
    for (let t = 0; t < 30; t++) {
      single.add(o(0, t), 1, t, o(0, t + 1), t % 7 === 6, false);
      multi.add(0, o(0, t), 1, t, o(0, t + 1), t % 7 === 6, false);
    }
    const a = single.sample(single.createBatch(16), new Rng(5));
    const b = multi.sample(multi.createBatch(16), new Rng(5));
    expect(b).toEqual(a);
  });

  it('keeps n-step returns and next observations within each env', () => {
    const n = 3;
    const m = new MultiEnvReplay(Array.from({ length: n }, () => new ReplayMemory(opts)));
    fill(m, n, 40, [5, 4, 100]);
    expect(m.size).toBe(120);
    const batch = m.sample(m.createBatch(256), new Rng(1));
    const seen = new Set<number>();
    for (let b = 0; b < batch.size; b++) {
      const env = Math.floor((batch.obs[b] as number) / 100);
      const t = (batch.obs[b] as number) % 100;
      seen.add(env);
      expect(batch.actions[b]).toBe(env);
      // Slots name the column: env * columnCapacity + slot.
      expect(Math.floor((batch.slots[b] as number) / m.columnCapacity)).toBe(env);
      // Rewards 1 + e each step, discounted by 0.5: the return only ever sums this env's rewards.
      const len = [5, 4, 100][env] as number;
      // Env 2's episode is still open: its newest transitions have fewer steps after them.
      const steps = Math.min(3, len - t, env === 2 ? 40 - t : 3);
      expect(batch.rewards[b]).toBeCloseTo((1 + env) * (1 - 0.5 ** steps) * 2, 6);
      expect(batch.nextObs[b]).toBe(100 * env + t + steps);
      expect(batch.terminated[b]).toBe(t + steps === len ? 1 : 0);
    }
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('gives each env floor(capacity / N) transitions, and refuses an env index out of range', () => {
    expect(MultiEnvReplay.columnCapacityFor(10_000, 4)).toBe(2500);
    expect(MultiEnvReplay.columnCapacityFor(10, 3)).toBe(3);
    expect(MultiEnvReplay.columnCapacityFor(2, 8)).toBe(1);
    const m = new MultiEnvReplay([new ReplayMemory(opts), new ReplayMemory(opts)]);
    expect(() => m.add(2, o(0, 0), 0, 0, o(0, 1), false, false)).toThrow(/env index 2 is outside 0..1/);
    expect(() => new MultiEnvReplay([new ReplayMemory(opts), new ReplayMemory({ ...opts, capacity: 9 })])).toThrow(
      /same capacity/,
    );
  });

  it('prioritized: samples by priority over all columns, with one largest priority', () => {
    const n = 2;
    const per = { ...opts, nStep: 1, alpha: 1 };
    const m = new MultiEnvReplay(Array.from({ length: n }, () => new PrioritizedReplayMemory(per)));
    expect(m.isPrioritized).toBe(true);
    fill(m, n, 20, [100, 100]);
    // Give env 1's transitions 9 times env 0's priority: about 90% of the draws come from env 1.
    const all = m.samplePrioritized(m.createBatch(40), new Rng(2), 1);
    const slots = Array.from(all.slots);
    m.updatePriorities(
      slots,
      slots.map((s) => (s >= m.columnCapacity ? 9 : 1)),
    );
    const cols = m.columns as PrioritizedReplayMemory[];
    expect(cols[0]?.maxPriority).toBe(cols[1]?.maxPriority);
    expect(cols[0]?.maxPriority).toBeCloseTo(9, 5);
    // Reset every priority: env 0's to 1, env 1's to 9.
    for (let e = 0; e < n; e++) {
      const c = cols[e] as PrioritizedReplayMemory;
      c.updatePriorities(
        Array.from({ length: 20 }, (_, i) => i),
        new Array<number>(20).fill(e === 0 ? 1 : 9),
      );
    }
    const b = m.samplePrioritized(m.createBatch(1000), new Rng(3), 0.5);
    const fromEnv1 = Array.from(b.slots).filter((s) => s >= m.columnCapacity).length;
    expect(fromEnv1).toBeGreaterThan(850);
    expect(fromEnv1).toBeLessThan(950);
    // Importance weights: env 1's transitions (more likely) weigh less, the largest weight is 1.
    const w = (env: number): number =>
      b.weights[Array.from(b.slots).findIndex((s) => s >= 50 === (env === 1))] as number;
    expect(w(0)).toBe(1);
    expect(w(1)).toBeCloseTo(Math.pow(1 / 9, 0.5), 5);
  });

  it('saves and restores every column', () => {
    const make = (): MultiEnvReplay => new MultiEnvReplay([new ReplayMemory(opts), new ReplayMemory(opts)]);
    const a = make();
    fill(a, 2, 30, [6, 9]);
    const b = make();
    b.setState(a.getState().map((s) => ({ meta: s.meta, arrays: { ...s.arrays } })));
    expect(b.sample(b.createBatch(32), new Rng(4))).toEqual(a.sample(a.createBatch(32), new Rng(4)));
    expect(() => new MultiEnvReplay([new ReplayMemory(opts)]).setState(a.getState())).toThrow(/2 env column/);
  });
});
