// C51 (Bellemare et al. 2017): the projection of the distributional Bellman target against
// hand-computed distributions, the batch targets with double-DQN selection, and the tfjs loss.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  categoricalSupport,
  categoricalTargets,
  distributionMeans,
  projectDistribution,
  type CategoricalSupport,
  type ReturnDistributions,
} from '../../agents/distributional.js';
import { DqnAgent } from '../../agents/dqn.js';
import { resolveDqnConfig } from '../../agents/dqn-config.js';
import { normalizingPolicy } from '../../agents/normalize.js';
import { modelPolicy } from '../../agents/run.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { categoricalLoss, categoricalProbs, categoricalQValues } from '../../agents/distributional-loss.js';
import { Rng } from '../../src/rng/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Atoms -2, -1, 0, 1, 2: every hand computation below uses dz = 1. */
const S5 = categoricalSupport(5, -2, 2);

function project(s: CategoricalSupport, r: number, discount: number, term: boolean, p: number[]): number[] {
  const out = new Float64Array(s.numAtoms);
  projectDistribution(s, r, discount, term, p, 0, out, 0);
  return Array.from(out);
}

function expectClose(got: ArrayLike<number>, want: number[], digits = 12): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i], `index ${i}`).toBeCloseTo(want[i] as number, digits);
}

/** A random distribution over n atoms (positive weights normalised). */
function randomDist(rng: Rng, n: number): number[] {
  const w = Array.from({ length: n }, () => rng.nextFloat() ** 3);
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

describe('categoricalSupport', () => {
  it('51 atoms in [-10, 10] by default, ends exact', () => {
    const s = categoricalSupport();
    expect([s.numAtoms, s.vMin, s.vMax]).toEqual([51, -10, 10]);
    expect(s.deltaZ).toBeCloseTo(0.4, 15);
    expect(s.atoms[0]).toBe(-10);
    expect(s.atoms[25]).toBeCloseTo(0, 12);
    expect(s.atoms[50]).toBe(10);
  });

  it('rejects fewer than 2 atoms and empty ranges', () => {
    expect(() => categoricalSupport(1)).toThrow(/numAtoms/);
    expect(() => categoricalSupport(2.5)).toThrow(/numAtoms/);
    expect(() => categoricalSupport(51, 1, 1)).toThrow(/vMin < vMax/);
    expect(() => categoricalSupport(51, -Infinity, 1)).toThrow(/vMin < vMax/);
  });
});

describe('projectDistribution (hand-computed, atoms -2..2)', () => {
  it('a point mass moved between two atoms splits by distance', () => {
    // 0 + 0.5 = 0.5: halfway between atoms 0 and 1.
    expectClose(project(S5, 0.5, 1, false, [0, 0, 1, 0, 0]), [0, 0, 0.5, 0.5, 0]);
    // -1 * 0.5 + 0.3 = -0.2: 0.2 of the way from atom 0 down to atom -1.
    expectClose(project(S5, 0.3, 0.5, false, [0, 1, 0, 0, 0]), [0, 0.2, 0.8, 0, 0]);
  });

  it('a target landing exactly on an atom puts all its mass there (not lost as in Algorithm 1 as printed)', () => {
    expectClose(project(S5, 1, 1, false, [1, 0, 0, 0, 0]), [0, 1, 0, 0, 0]);
    // gamma 0.5: atoms -2 and 2 land on -1 and 1 exactly, 0 stays at 0.
    expectClose(project(S5, 0, 0.5, false, [0.3, 0, 0.5, 0, 0.2]), [0, 0.3, 0.5, 0.2, 0]);
    // Atoms -1 and 1 land on -0.5 and 0.5, each split in half.
    expectClose(project(S5, 0, 0.5, false, [0, 0.5, 0, 0.5, 0]), [0, 0.25, 0.5, 0.25, 0]);
  });

  it('values beyond the support are clipped to vMin / vMax', () => {
    // r = 1, gamma 1: -2..2 -> -1, 0, 1, 2, 3 (clipped to 2).
    expectClose(project(S5, 1, 1, false, [0.2, 0.2, 0.2, 0.2, 0.2]), [0, 0.2, 0.2, 0.2, 0.4]);
    // r = -1.5, gamma 0.5: -2.5 (-> -2), -2, -1.5, -1, -0.5.
    expectClose(project(S5, -1.5, 0.5, false, [0.2, 0.2, 0.2, 0.2, 0.2]), [0.5, 0.4, 0.1, 0, 0]);
    // Everything far above: all mass on vMax.
    expectClose(project(S5, 50, 0.99, false, [0.1, 0.2, 0.3, 0.2, 0.2]), [0, 0, 0, 0, 1]);
  });

  it('terminal transitions: a point mass at the clipped reward, whatever the next-state distribution', () => {
    expectClose(project(S5, 0.3, 0.99, true, [0.5, 0.5, 0, 0, 0]), [0, 0, 0.7, 0.3, 0]);
    expectClose(project(S5, 5, 0.99, true, [1, 0, 0, 0, 0]), [0, 0, 0, 0, 1]);
    expectClose(project(S5, -7, 0.99, true, [NaN, NaN, NaN, NaN, NaN]), [1, 0, 0, 0, 0]);
    expectClose(project(S5, -1, 0.99, true, [0, 0, 0, 0, 1]), [0, 1, 0, 0, 0]);
  });

  it('conserves mass and stays non-negative on 51 atoms; preserves the mean when nothing is clipped', () => {
    const s = categoricalSupport(51, -10, 10);
    const rng = new Rng(5);
    const out = new Float64Array(51);
    for (let trial = 0; trial < 200; trial++) {
      const p = randomDist(rng, 51);
      const r = rng.uniform(-15, 15);
      const gamma = rng.uniform(0, 1);
      projectDistribution(s, r, gamma, false, p, 0, out, 0);
      expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(out.every((v) => v >= 0)).toBe(true);
      // Mass only on atoms -5..5 (indices 12..38), |r| <= 2, gamma <= 0.99: every Tz in [-7, 7].
      const q = new Array<number>(51).fill(0);
      const inner = randomDist(rng, 27);
      for (let i = 0; i < 27; i++) q[12 + i] = inner[i] as number;
      const r2 = rng.uniform(-2, 2);
      const g2 = rng.uniform(0, 0.99);
      projectDistribution(s, r2, g2, false, q, 0, out, 0);
      const [meanIn, meanOut] = [new Float64Array(1), new Float64Array(1)];
      distributionMeans(q, s, meanIn);
      distributionMeans(out, s, meanOut);
      expect(meanOut[0]).toBeCloseTo(r2 + g2 * (meanIn[0] as number), 10);
    }
  });

  it('writes at the given offsets only', () => {
    const out = new Float32Array(15).fill(9);
    projectDistribution(S5, 0.5, 1, false, [7, 7, 7, 0, 0, 1, 0, 0, 7], 3, out, 5);
    expectClose(out, [9, 9, 9, 9, 9, 0, 0, 0.5, 0.5, 0, 9, 9, 9, 9, 9], 6);
  });
});

describe('categoricalTargets', () => {
  // Two transitions, two actions, atoms -2..2. Action 0 of s'_0 is a point mass at 2 (mean 2),
  // action 1 at -1 (mean -1).
  const nextProbs = [
    [0, 0, 0, 0, 1],
    [0, 1, 0, 0, 0],
    [0, 0, 1, 0, 0],
    [0.5, 0, 0, 0, 0.5],
  ].flat();
  const rewards = [0.5, 1];
  const discounts = [0.5, 0.25];

  it('selects by the target means without an online net (plain C51)', () => {
    const out = new Float32Array(10);
    categoricalTargets(rewards, discounts, [0, 0], nextProbs, null, 2, S5, out);
    // Row 0: action 0 (mean 2): 0.5 + 0.5 * 2 = 1.5. Row 1: means 0 and 0, ties to action 0: 1 + 0 = 1.
    expectClose(out, [0, 0, 0, 0.5, 0.5, 0, 0, 0, 1, 0], 6);
  });

  it('double DQN: the online means pick the action, the target net supplies its distribution', () => {
    const out = new Float32Array(10);
    categoricalTargets(rewards, discounts, [0, 0], nextProbs, [-3, 4, 0, 1], 2, S5, out);
    // Row 0: action 1 (point mass at -1): 0.5 - 0.5 = 0. Row 1: action 1: 1 + 0.25 * {-2, 2} = 0.5, 1.5.
    expectClose(out, [0, 0, 1, 0, 0, 0, 0, 0.25, 0.5, 0.25], 6);
  });

  it('terminal rows ignore the next state', () => {
    const out = new Float32Array(10);
    categoricalTargets(rewards, discounts, [1, 0], nextProbs, [-3, 4, 0, 1], 2, S5, out);
    expectClose(out.subarray(0, 5), [0, 0, 0.5, 0.5, 0], 6);
  });

  it('checks sizes', () => {
    expect(() => categoricalTargets(rewards, discounts, [0, 0], nextProbs, null, 3, S5, new Float32Array(10))).toThrow(
      /2 x 3 x 5/,
    );
    expect(() =>
      categoricalTargets(rewards, discounts, [0, 0], nextProbs, [1, 2, 3], 2, S5, new Float32Array(10)),
    ).toThrow(/nextQOnline/);
  });
});

describe('the pure module stays tensor-free', () => {
  it('imports no TensorFlow.js', () => {
    for (const f of ['agents/distributional.ts', 'agents/exploration.ts', 'src/core/spaces.ts']) {
      expect(readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'), f).not.toMatch(/@tensorflow/);
    }
  });
});

describe('the tfjs side', () => {
  const rng = new Rng(3);
  const [B, A, N] = [4, 3, 5];
  const logitValues = Float32Array.from({ length: B * A * N }, () => rng.normal(0, 1.5));

  /** Softmax over atoms of the logits above, in float64. */
  function softmaxRows(v: Float32Array): Float64Array {
    const out = new Float64Array(v.length);
    for (let r = 0; r < v.length / N; r++) {
      let max = -Infinity;
      for (let i = 0; i < N; i++) max = Math.max(max, v[r * N + i] as number);
      let sum = 0;
      for (let i = 0; i < N; i++) sum += Math.exp((v[r * N + i] as number) - max);
      for (let i = 0; i < N; i++) out[r * N + i] = Math.exp((v[r * N + i] as number) - max) / sum;
    }
    return out;
  }
  const probs = softmaxRows(logitValues);
  const actions = [2, 0, 1, 2];
  const targets = Float32Array.from({ length: B * N }, (_, k) => {
    const row = randomDist(new Rng(100 + Math.floor(k / N)), N);
    return row[k % N] as number;
  });
  const weights = [1, 0.5, 0.25, 2];

  it('Q-values are the means of the softmax distributions', () => {
    const logits = tf.tensor3d(logitValues, [B, A, N]);
    const q = categoricalQValues(logits, S5);
    expect(q.shape).toEqual([B, A]);
    const want = distributionMeans(probs, S5, new Float64Array(B * A));
    expectClose(q.dataSync(), Array.from(want), 5);
    const p = categoricalProbs(logits);
    expectClose(p.dataSync(), Array.from(probs), 6);
    tf.dispose([logits, q, p]);
  });

  it('cross-entropy and KL per transition, weighted mean loss', () => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor3d(logitValues, [B, A, N]);
    const act = tf.tensor1d(actions, 'int32');
    const tgt = tf.tensor2d(targets, [B, N]);
    const w = tf.tensor1d(weights);
    const { loss, crossEntropy, kl } = categoricalLoss(logits, act, tgt, w);
    const ce = crossEntropy.dataSync();
    const klv = kl.dataSync();
    let wanted = 0;
    for (let b = 0; b < B; b++) {
      let c = 0;
      let h = 0;
      for (let i = 0; i < N; i++) {
        const m = targets[b * N + i] as number;
        c -= m * Math.log(probs[(b * A + (actions[b] as number)) * N + i] as number);
        if (m > 0) h -= m * Math.log(m);
      }
      expect(ce[b]).toBeCloseTo(c, 4);
      expect(klv[b]).toBeCloseTo(c - h, 4);
      expect(klv[b]).toBeGreaterThan(0);
      wanted += (weights[b] as number) * c;
    }
    expect(loss.dataSync()[0]).toBeCloseTo(wanted / B, 4);
    tf.dispose([logits, act, tgt, w, loss, crossEntropy, kl]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('KL is 0 where the prediction equals the target', () => {
    const logits = tf.tensor3d(logitValues, [B, A, N]);
    const matching = new Float32Array(B * N);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < N; i++) matching[b * N + i] = probs[(b * A + (actions[b] as number)) * N + i] as number;
    const { loss, crossEntropy, kl } = categoricalLoss(
      logits,
      tf.tensor1d(actions, 'int32'),
      tf.tensor2d(matching, [B, N]),
      null,
    );
    for (const v of kl.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-5);
    tf.dispose([logits, loss, crossEntropy, kl]);
  });

  it('gradient wrt the logits: w_b / B * (p - m) on the taken action, 0 elsewhere; no tensors left', () => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor3d(logitValues, [B, A, N]);
    const act = tf.tensor1d(actions, 'int32');
    const tgt = tf.tensor2d(targets, [B, N]);
    const w = tf.tensor1d(weights);
    const g = tf.grad((x: tf.Tensor) => {
      const r = categoricalLoss(x, act, tgt, w);
      return r.loss;
    })(logits);
    const gv = g.dataSync();
    for (let b = 0; b < B; b++)
      for (let a = 0; a < A; a++)
        for (let i = 0; i < N; i++) {
          const k = (b * A + a) * N + i;
          const want =
            a === actions[b]
              ? ((weights[b] as number) / B) * ((probs[k] as number) - (targets[b * N + i] as number))
              : 0;
          expect(gv[k], `b${b} a${a} i${i}`).toBeCloseTo(want, 6);
        }
    tf.dispose([logits, act, tgt, w, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradient descent on the logits drives the KL to 0', () => {
    const x = tf.variable(tf.zeros([1, 2, N]));
    const act = tf.tensor1d([1], 'int32');
    const tgt = tf.tensor2d([[0.1, 0.4, 0.3, 0.15, 0.05]]);
    const opt = tf.train.sgd(2);
    for (let s = 0; s < 200; s++) opt.minimize(() => categoricalLoss(x, act, tgt, null).loss);
    const { loss, crossEntropy, kl } = categoricalLoss(x, act, tgt, null);
    expect(kl.dataSync()[0]).toBeLessThan(1e-5);
    const pt = categoricalProbs(x);
    const p = pt.dataSync();
    expectClose(p.subarray(N, 2 * N), [0.1, 0.4, 0.3, 0.15, 0.05], 3);
    // The other action's logits get no gradient: still uniform.
    expectClose(p.subarray(0, N), [0.2, 0.2, 0.2, 0.2, 0.2], 6);
    tf.dispose([x, act, tgt, loss, crossEntropy, kl, pt]);
    opt.dispose();
  });

  it('rejects logits of the wrong rank and mismatched targets', () => {
    const x = tf.zeros([2, 3]);
    expect(() => categoricalLoss(x, tf.tensor1d([0, 1], 'int32'), tf.zeros([2, 3]), null)).toThrow(/numAtoms/);
    const y = tf.zeros([2, 3, 5]);
    expect(() => categoricalLoss(y, tf.tensor1d([0, 1], 'int32'), tf.zeros([2, 4]), null)).toThrow(/\[2, 5\]/);
  });
});

describe("the viewer's return distributions (returnDistributions)", () => {
  const info = { obsShape: [6], obsDtype: 'float32' as const, numActions: 3 };

  /** A C51 agent whose weights are scaled up, so its distributions are peaked and their means differ. */
  function c51Agent(overrides: Record<string, unknown> = {}): DqnAgent {
    const cfg = resolveDqnConfig(undefined, {
      hiddenSizes: [16],
      numAtoms: 11,
      vMin: -5,
      vMax: 5,
      bufferSize: 100,
      batchSize: 4,
      learningStarts: 0,
      ...overrides,
    });
    const agent = new DqnAgent(cfg, info, new Rng(3), { steps: 100 });
    tf.tidy(() => agent.online.setWeights(agent.online.getWeights().map((w) => tf.mul(w, 4))));
    return agent;
  }

  const observations = [0, 1, 2, 3].map((k) => Float32Array.from({ length: 6 }, (_, i) => Math.sin(k * 6 + i)));

  function expectDistributions(d: ReturnDistributions | null | undefined, q: ArrayLike<number>): ReturnDistributions {
    expect(d).toBeTruthy();
    const r = d as ReturnDistributions;
    expect([r.numAtoms, r.vMin, r.vMax, r.atoms.length, r.probs.length]).toEqual([11, -5, 5, 11, 33]);
    for (let a = 0; a < 3; a++) {
      const row = Array.from(r.probs.subarray(a * 11, (a + 1) * 11));
      expect(row.every((p) => p >= 0)).toBe(true);
      expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
      const mean = row.reduce((s, p, i) => s + p * (r.atoms[i] as number), 0);
      expect(Math.abs(mean - (q[a] as number))).toBeLessThan(1e-5);
      expect(Math.abs((r.qValues[a] as number) - (q[a] as number))).toBeLessThan(1e-5);
    }
    return r;
  }

  it('DqnAgent with C51: every action a distribution summing to 1 whose mean is qValues()[a]; no tensors kept', () => {
    const agent = c51Agent();
    const before = tf.memory().numTensors;
    const means: number[] = [];
    for (const o of observations) {
      const d = expectDistributions(agent.returnDistributions(o), agent.qValues(o));
      means.push(...d.qValues);
    }
    expect(tf.memory().numTensors).toBe(before);
    // Not the near-uniform distributions of a fresh net: the means spread over the support.
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(0.5);
    agent.dispose();
  });

  it('noisy nets: the distributions of the mean weights, as qValues; without C51 there are none', () => {
    const noisy = c51Agent({ noisy: true });
    const o = observations[1] as Float32Array;
    noisy.act(o, 0); // noise on and resampled
    expectDistributions(noisy.returnDistributions(o), noisy.qValues(o));
    noisy.dispose();
    const plain = new DqnAgent(resolveDqnConfig(undefined, { hiddenSizes: [8] }), info, new Rng(1), { steps: 10 });
    const before = tf.memory().numTensors;
    expect(plain.returnDistributions(o)).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    plain.dispose();
  });

  it('a saved C51 policy (watch, play-on) gives the same distributions, also through observation normalization', async () => {
    const agent = c51Agent();
    const dir = mkdtempSync(join(tmpdir(), 'tfgym-c51-policy-'));
    try {
      await saveModel(agent.policyModel(), dir);
      const loaded = await loadModel(dir);
      const policy = modelPolicy(loaded, 3, 1);
      const before = tf.memory().numTensors;
      for (const o of observations) {
        const want = agent.returnDistributions(o) as ReturnDistributions;
        const got = expectDistributions(policy.returnDistributions?.(o), policy.qValues(o));
        for (let i = 0; i < want.probs.length; i++) expect(got.probs[i]).toBeCloseTo(want.probs[i] as number, 6);
      }
      expect(tf.memory().numTensors).toBe(before);
      // Normalized observations: the wrapped policy sees (x - mean) / sqrt(var + 1e-8).
      const stats = { mean: [0.5, 0, 0, 0, 0, -0.5], var: [4, 1, 1, 1, 1, 0.25], count: 10 };
      const norm = normalizingPolicy(policy, stats, true);
      const o = observations[2] as Float32Array;
      const scaled = Float32Array.from(
        o,
        (x, i) => (x - (stats.mean[i] as number)) / Math.sqrt((stats.var[i] as number) + 1e-8),
      );
      const viaNorm = expectDistributions(norm.returnDistributions?.(o), norm.qValues(o));
      const direct = policy.returnDistributions?.(scaled) as ReturnDistributions;
      for (let i = 0; i < direct.probs.length; i++) expect(viaNorm.probs[i]).toBeCloseTo(direct.probs[i] as number, 5);
      loaded.dispose();
      // A plain Q-network has none.
      const plain = new DqnAgent(resolveDqnConfig(undefined, { hiddenSizes: [8] }), info, new Rng(1), { steps: 10 });
      expect(modelPolicy(plain.policyModel(), 3, 1).returnDistributions).toBeUndefined();
      plain.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      agent.dispose();
    }
  });
});
