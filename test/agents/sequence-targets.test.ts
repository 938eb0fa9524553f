// R2D2's n-step targets over replayed sequences: hand-computed cases, value rescaling, and a
// cross-check against the transition replay's own n-step returns on the same episodes.
import { describe, expect, it } from 'vitest';
import { sequenceTargets, valueRescale, valueRescaleInverse } from '../../agents/sequence-targets.js';
import { Rng } from '../../src/rng/rng.js';
import { ReplayMemory, SequenceReplay } from '../../src/replay/index.js';

/** Q rows for T + 1 = 5 observations, 2 actions: target [10 + j, 20 + j]. */
const qTarget = [0, 1, 2, 3, 4].flatMap((j) => [10 + j, 20 + j]);
/** The online net prefers action 0 everywhere. */
const qOnline = [0, 1, 2, 3, 4].flatMap(() => [1, 0]);

function targets(o: Partial<Parameters<typeof sequenceTargets>[0]>): number[] {
  const out = new Float32Array(4);
  sequenceTargets(
    {
      steps: 4,
      numActions: 2,
      rewards: [1, 2, 3, 4],
      terminated: [0, 0, 0, 0],
      valid: [1, 1, 1, 1],
      qTarget,
      qOnline,
      gamma: 0.5,
      nStep: 2,
      ...o,
    },
    out,
  );
  return Array.from(out);
}

describe('value rescaling (Pohlen et al. 2018)', () => {
  it('h and its inverse', () => {
    expect(valueRescale(0)).toBe(0);
    expect(valueRescale(3)).toBeCloseTo(1 + 0.003, 12);
    expect(valueRescale(-3)).toBeCloseTo(-1.003, 12);
    for (const x of [-1000, -7.5, -0.01, 0.3, 1, 42, 5000]) {
      expect(valueRescaleInverse(valueRescale(x))).toBeCloseTo(x, 6);
      expect(valueRescale(valueRescaleInverse(x / 100))).toBeCloseTo(x / 100, 9);
    }
  });
});

describe('sequenceTargets (hand-computed: gamma 0.5, n 2)', () => {
  it('double DQN: the online net selects, the target net evaluates; the window end bootstraps early', () => {
    // y_t = r_t + 0.5 r_{t+1} + 0.25 Q_target(s_{t+2}, 0); the last step: r_3 + 0.5 Q_target(s_4, 0).
    expect(targets({})).toEqual([2 + 0.25 * 12, 3.5 + 0.25 * 13, 5 + 0.25 * 14, 4 + 0.5 * 14]);
  });

  it('without an online net the target net selects its own best action', () => {
    expect(targets({ qOnline: null })).toEqual([2 + 0.25 * 22, 3.5 + 0.25 * 23, 5 + 0.25 * 24, 4 + 0.5 * 24]);
  });

  it('a termination ends the return without a bootstrap; padding steps get 0', () => {
    expect(targets({ terminated: [0, 1, 0, 0], valid: [1, 1, 0, 0] })).toEqual([2, 2, 0, 0]);
  });

  it('a truncated or cut episode bootstraps from its final observation', () => {
    // valid 0 at t = 3: observation 3 is the final one.
    expect(targets({ valid: [1, 1, 1, 0] })).toEqual([2 + 0.25 * 12, 3.5 + 0.25 * 13, 3 + 0.5 * 13, 0]);
  });

  it('n = 1 is the one-step target; rescaling maps through h and its inverse', () => {
    expect(targets({ nStep: 1 })).toEqual([1, 2, 3, 4].map((r, t) => r + 0.5 * (11 + t)));
    const y = targets({ nStep: 1, rescale: true });
    expect(y[0]).toBeCloseTo(valueRescale(1 + 0.5 * valueRescaleInverse(11)), 5);
  });

  it('checks sizes', () => {
    expect(() => targets({ qTarget: qTarget.slice(2) })).toThrow(/Q-values/);
    expect(() => targets({ qOnline: [1, 2] })).toThrow(/qOnline/);
    expect(() => targets({ nStep: 0 })).toThrow(/nStep/);
  });
});

describe('sequenceTargets on SequenceReplay windows', () => {
  it("equal the transition replay's n-step returns wherever the window holds the n steps", () => {
    const gamma = 0.9;
    const n = 3;
    const seq = new SequenceReplay({
      capacity: 400,
      obsShape: [2],
      obsDtype: 'float32',
      seqLength: 5,
      burnIn: 2,
      overlap: 2,
    });
    const flat = new ReplayMemory({ capacity: 400, obsShape: [2], obsDtype: 'float32', nStep: n, gamma });
    const rng = new Rng(8);
    for (let ep = 1; ep <= 12; ep++) {
      const len = 1 + rng.nextInt(14);
      const end = rng.nextInt(2);
      for (let t = 0; t < len; t++) {
        const args = [new Float32Array([ep, t]), t % 2, rng.uniform(-1, 1), new Float32Array([ep, t + 1])] as const;
        const last = t === len - 1;
        seq.add(...args, last && end === 0, last && end === 1);
        flat.add(...args, last && end === 0, last && end === 1);
      }
    }
    // A Q-function of the observation: any deterministic one will do.
    const q = (ep: number, t: number) => [Math.sin(ep + t), Math.cos(ep * t)];
    // Every transition's n-step return from the flat replay, by (episode, step).
    const fb = flat.createBatch(4000);
    flat.sample(fb, new Rng(1));
    const want = new Map<string, number>();
    for (let i = 0; i < fb.size; i++) {
      const [nep, nt] = [fb.nextObs[2 * i] as number, fb.nextObs[2 * i + 1] as number];
      const qs = q(nep, nt);
      const boot = fb.terminated[i] ? 0 : (fb.discounts[i] as number) * Math.max(qs[0]!, qs[1]!);
      want.set(`${fb.obs[2 * i]},${fb.obs[2 * i + 1]}`, (fb.rewards[i] as number) + boot);
    }
    expect(want.size).toBe(flat.size);
    const T = seq.steps;
    const batch = seq.createBatch(1);
    const qt = new Float32Array((T + 1) * 2);
    const out = new Float32Array(T);
    let compared = 0;
    for (let s = 0; s < seq.size; s++) {
      seq.fillSequence(batch, 0, s);
      for (let j = 0; j <= T; j++) qt.set(q(batch.obs[2 * j] as number, batch.obs[2 * j + 1] as number), 2 * j);
      sequenceTargets({ ...batch, steps: T, numActions: 2, qTarget: qt, qOnline: null, gamma, nStep: n }, out);
      for (let t = 0; t + n <= T; t++) {
        if (batch.valid[t] === 0) continue;
        const key = `${batch.obs[2 * t]},${batch.obs[2 * t + 1]}`;
        expect(out[t], key).toBeCloseTo(want.get(key)!, 5);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
