// DRQN with Rainbow's heads: C51 targets over replayed sequences (hand-computed, and against the
// scalar n-step targets), the sequence cross-entropy over burn-in and padding, means as Q-values,
// noisy nets (seeded, resampled per acting step and per update) and their checkpoint state.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';
import { CheckpointError } from '../../src/io/checkpoints.js';
import { DrqnAgent } from '../../agents/drqn.js';
import { DRQN_CONFIG, resolveDrqnConfig, type DrqnConfig } from '../../agents/drqn-config.js';
import { agentSpec } from '../../agents/registry.js';
import { categoricalSupport, distributionMeans } from '../../agents/distributional.js';
import { categoricalQValues } from '../../agents/distributional-loss.js';
import { sequenceCategoricalTargets, sequenceTargets } from '../../agents/sequence-targets.js';
import { noisyLayers } from '../../models/noisy-dense.js';
import { recurrentQForward } from '../../models/recurrent-q.js';
import { maskedCartPole, TINY_DRQN, weightsOf } from './drqn-helpers.js';

beforeAll(async () => {
  await useBackend('cpu');
});

/** Atoms 0, 1, 2: every hand computation below uses dz = 1. */
const S3 = categoricalSupport(3, 0, 2);
/** 5 observations x 2 actions x 3 atoms: action 0 is {0: 1/2, 1: 1/2} (mean 0.5), action 1 a point mass at 2. */
const probsTarget = [0, 1, 2, 3, 4].flatMap(() => [0.5, 0.5, 0, 0, 0, 1]);
/** The online network prefers action 0 everywhere (the target network's means prefer action 1). */
const qOnline = [0, 1, 2, 3, 4].flatMap(() => [1, 0]);

function c51Targets(o: Partial<Parameters<typeof sequenceCategoricalTargets>[0]>): number[][] {
  const out = new Float32Array(4 * 3);
  sequenceCategoricalTargets(
    {
      steps: 4,
      numActions: 2,
      rewards: [1, 0.5, 0, 1],
      terminated: [0, 0, 0, 0],
      valid: [1, 1, 1, 1],
      probsTarget,
      qOnline,
      gamma: 0.5,
      nStep: 2,
      support: S3,
      ...o,
    },
    out,
  );
  return [0, 1, 2, 3].map((t) => Array.from(out.subarray(t * 3, t * 3 + 3)));
}

function expectRows(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, t) => row.forEach((v, i) => expect(v, `step ${t}, atom ${i}`).toBeCloseTo(want[t]![i]!, 6)));
}

describe('sequenceCategoricalTargets (hand-computed: atoms 0, 1, 2; gamma 0.5, n 2)', () => {
  it('double DQN: the online means select, the target distribution is projected; the window end bootstraps early', () => {
    // t=0: R = 1 + 0.5 * 0.5 = 1.25, discount 0.25, Z(s_2, 0) = {0: .5, 1: .5}: Tz = 1.25 and 1.5,
    //      1.25 -> atoms 1, 2 with .75, .25; 1.5 -> .5, .5; each times 1/2: [0, .625, .375].
    // t=1: R = 0.5 + 0.5 * 0 = 0.5: Tz = 0.5 and 0.75 -> [.25 + .125, .25 + .375, 0].
    // t=2: R = 0 + 0.5 * 1 = 0.5 from s_4: the same.
    // t=3: the window's last step: R = 1, discount 0.5 from s_4: Tz = 1 and 1.5 -> [0, .5 + .25, .25].
    expectRows(c51Targets({}), [
      [0, 0.625, 0.375],
      [0.375, 0.625, 0],
      [0.375, 0.625, 0],
      [0, 0.75, 0.25],
    ]);
  });

  it("without an online net the target distribution's means select (the point mass at 2)", () => {
    // Tz = R + discount * 2: 1.75, 1, 1, 2.
    expectRows(c51Targets({ qOnline: null }), [
      [0, 0.25, 0.75],
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });

  it('a termination inside the sequence gives a point mass at the return; padding steps get zeros', () => {
    // t=0: R = 1 + 0.5 * 0.5 = 1.25, terminal at t=1: no bootstrap. t=1: R = 0.5.
    expectRows(c51Targets({ terminated: [0, 1, 0, 0], valid: [1, 1, 0, 0] }), [
      [0, 0.75, 0.25],
      [0.5, 0.5, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('a truncated episode bootstraps from its final observation; returns beyond the support are clipped', () => {
    // valid 0 at t=3: t=2 bootstraps from s_3 with discount 0.5: Tz = 0 and 0.5 -> [.5 + .25, .25, 0].
    expectRows(c51Targets({ valid: [1, 1, 1, 0] }), [
      [0, 0.625, 0.375],
      [0.375, 0.625, 0],
      [0.75, 0.25, 0],
      [0, 0, 0],
    ]);
    // r_3 = 5: t=2 has R = 2.5 and t=3 R = 5, both above vMax = 2.
    expectRows(c51Targets({ rewards: [1, 0.5, 0, 5] }), [
      [0, 0.625, 0.375],
      [0.375, 0.625, 0],
      [0, 0, 1],
      [0, 0, 1],
    ]);
  });

  it("inside the support the projection keeps the mean: the targets' means are sequenceTargets' on the means", () => {
    const rng = new Rng(5);
    const [B, T, A, N] = [3, 6, 3, 51];
    const support = categoricalSupport(N, -40, 40);
    const probs = new Float32Array(B * (T + 1) * A * N);
    for (let row = 0; row < B * (T + 1) * A; row++) {
      // Mass only on the middle atoms, so that r + gamma^m z stays inside [-40, 40].
      let s = 0;
      for (let i = 15; i < 36; i++) s += probs[row * N + i] = rng.nextFloat();
      for (let i = 15; i < 36; i++) probs[row * N + i] = (probs[row * N + i] as number) / s;
    }
    const rewards = Array.from({ length: B * T }, () => rng.uniform(-1, 1));
    const terminated = Array.from({ length: B * T }, (_, k) => (k === 4 || k === 9 ? 1 : 0));
    const valid = Array.from({ length: B * T }, (_, k) => (k === 5 || (k > 9 && k < 12) ? 0 : 1));
    const online = Array.from({ length: B * (T + 1) * A }, () => rng.nextFloat());
    const means = distributionMeans(probs, support, new Float64Array(B * (T + 1) * A));
    for (const [nStep, qSel] of [
      [1, online],
      [3, online],
      [3, null],
    ] as const) {
      const common = { steps: T, numActions: A, rewards, terminated, valid, gamma: 0.9, nStep, qOnline: qSel };
      const dist = sequenceCategoricalTargets({ ...common, probsTarget: probs, support }, new Float32Array(B * T * N));
      const y = sequenceTargets({ ...common, qTarget: means }, new Float32Array(B * T));
      const got = distributionMeans(dist, support, new Float64Array(B * T));
      for (let k = 0; k < B * T; k++) {
        const mass = dist.subarray(k * N, (k + 1) * N).reduce((a, b) => a + b, 0);
        expect(mass, `mass of step ${k}`).toBeCloseTo(valid[k] ? 1 : 0, 5);
        expect(got[k], `n ${nStep}, step ${k}`).toBeCloseTo(y[k] as number, 4);
      }
    }
  });

  it('checks sizes', () => {
    expect(() => c51Targets({ probsTarget: probsTarget.slice(3) })).toThrow(/Q-values/);
    expect(() => c51Targets({ qOnline: [1, 2] })).toThrow(/qOnline/);
    expect(() => c51Targets({ nStep: 0 })).toThrow(/nStep/);
  });
});

describe('config', () => {
  it("numAtoms, vMin, vMax, noisy and noisySigma0 are DRQN flags with DQN's checks, plus value rescaling", () => {
    for (const k of ['numAtoms', 'vMin', 'vMax', 'noisy', 'noisySigma0'] as const) expect(DRQN_CONFIG[k]).toBeDefined();
    // As the CLI passes them: strings, coerced by the descriptor.
    const c = agentSpec('drqn').resolve(undefined, { numAtoms: '11', vMin: '-3', vMax: '7', noisy: 'true' });
    expect([c['numAtoms'], c['vMin'], c['vMax'], c['noisy'], c['noisySigma0']]).toEqual([11, -3, 7, true, 0.5]);
    expect(() => resolveDrqnConfig(undefined, { numAtoms: 5, vMin: 1, vMax: 1 })).toThrow(/needs vMin < vMax/);
    expect(() => resolveDrqnConfig(undefined, { numAtoms: 5, loss: 'huber' })).toThrow(/the loss is the cross-entropy/);
    expect(() => resolveDrqnConfig(undefined, { numAtoms: 5, valueRescale: true })).toThrow(/valueRescale applies/);
    expect(() => resolveDrqnConfig(undefined, { numAtoms: 0 })).toThrow(/`numAtoms`/);
    expect(resolveDrqnConfig(undefined).numAtoms).toBe(1);
  });
});

const info = { obsShape: [4], obsDtype: 'float32' as const, numActions: 2 };
const tiny: Partial<DrqnConfig> = { ...TINY_DRQN, doubleDqn: true, numAtoms: 5, vMin: 0, vMax: 20 };

/** `steps` env steps of acting, storing and training on masked CartPole; the actions taken. */
function play(agent: DrqnAgent, steps: number, epsilon = 0.3): number[] {
  const env = maskedCartPole();
  const actions: number[] = [];
  let obs = Float32Array.from(env.reset({ seed: 1 })[0]);
  for (let i = 1; i <= steps; i++) {
    const a = agent.act(obs, epsilon);
    actions.push(a);
    const [n, r, te, tr] = env.step(a);
    const next = Float32Array.from(n);
    agent.observe(obs, a, r, next, te, tr);
    agent.train(i, 0);
    obs = te || tr ? Float32Array.from(env.reset({ seed: i })[0]) : next;
  }
  return actions;
}

describe('the C51 learner on a hand-made episode', () => {
  it('burn-in from the stored state, cross-entropy to point masses at the returns over the real training steps only', () => {
    // 5 steps, terminated at the last; sequences of 3 after 2 burn-in steps: the second holds steps 3, 4
    // and a padding step, after burn-in steps 1 and 2.
    const cfg = resolveDrqnConfig(undefined, tiny, {
      seqLength: 3,
      burnIn: 2,
      overlap: 0,
      nStep: 3,
      gamma: 0.5,
      batchSize: 1,
      numAtoms: 3,
      vMin: 0,
      vMax: 2,
      doubleDqn: false,
      targetUpdateInterval: 0,
    });
    const agent = new DrqnAgent(cfg, info, new Rng(4), { steps: 100 });
    const obs = [0, 1, 2, 3, 4, 5].map((j) => Float32Array.from([Math.sin(j), Math.cos(j), j / 10, 1]));
    const rewards = [0, 0, 0, 1, 1];
    const states: Float32Array[] = [];
    const actions: number[] = [];
    for (let j = 0; j < 5; j++) {
      states.push(agent.actingState());
      actions.push(agent.act(obs[j]!, 1));
      agent.observe(obs[j]!, actions[j]!, rewards[j]!, obs[j + 1]!, j === 4, false);
    }
    const column = agent.columns[0]!;
    const b = column.createBatch(1);
    let found = false;
    for (let k = 0; k < column.size && !found; k++) {
      column.fillSequence(b, 0, k);
      found = b.burnInSteps[0] === 2;
    }
    expect(found).toBe(true);
    expect(Array.from(b.mask)).toEqual([0, 0, 1, 1, 0]);
    expect(Array.from(b.valid)).toEqual([1, 1, 1, 1, 0]);
    // The targets: step 3 returns 1 + 0.5 * 1 = 1.5 and terminates -> {1: .5, 2: .5}; step 4 returns 1 -> {1: 1}.
    const expected = tf.tidy(() => {
      const x = tf.tensor3d(
        obs.slice(1, 5).flatMap((o) => Array.from(o)),
        [1, 4, 4],
      );
      const s = tf.tensor2d(states[1]!, [1, 12]);
      const logits = recurrentQForward(agent.online, x, tf.split(s, 2, 1)).q; // [1, 4, 2, 3]
      const logp = tf.logSoftmax(logits, -1).arraySync() as number[][][][];
      const q = (categoricalQValues(logits, S3) as tf.Tensor).arraySync() as number[][][];
      const p3 = logp[0]![2]![actions[3]!]!;
      const p4 = logp[0]![3]![actions[4]!]!;
      const ce3 = -(0.5 * p3[1]! + 0.5 * p3[2]!);
      const ce4 = -p4[1]!;
      return { loss: (ce3 + ce4) / 2, q: (q[0]![2]![actions[3]!]! + q[0]![3]![actions[4]!]!) / 2 };
    });
    const before = weightsOf(agent.online);
    const r = agent.learn(b);
    expect(r.loss).toBeCloseTo(expected.loss, 5);
    expect(r.q).toBeCloseTo(expected.q, 5);
    expect(weightsOf(agent.online)).not.toEqual(before);
    expect(() => agent.learn(column.createBatch(2))).toThrow(/expected a batch of 1 sequences/);
    agent.dispose();
  });
});

describe('Q-values of a C51 DRQN', () => {
  it('qValues, peekQValues and the saved policy give the distribution means', () => {
    const agent = new DrqnAgent(resolveDrqnConfig(undefined, tiny), info, new Rng(2), { steps: 100 });
    const support = categoricalSupport(5, 0, 20);
    const o = Float32Array.from([0.1, -0.2, 0.03, 0.4]);
    agent.act(o, 0);
    const acting = agent.actingState();
    const means = (state: Float32Array) =>
      tf.tidy(() => {
        const s = tf.tensor2d(state, [1, 12]);
        const logits = recurrentQForward(agent.online, tf.tensor3d(o, [1, 1, 4]), tf.split(s, 2, 1)).q;
        expect(logits.shape).toEqual([1, 1, 2, 5]);
        return Array.from(categoricalQValues(logits, support).dataSync());
      });
    const peek = Array.from(agent.peekQValues(o));
    means(acting).forEach((m, i) => expect(peek[i]).toBeCloseTo(m, 5));
    agent.reset();
    const q = Array.from(agent.qValues(o));
    means(new Float32Array(12)).forEach((m, i) => expect(q[i]).toBeCloseTo(m, 5));
    expect(q.every((v) => v >= 0 && v <= 20)).toBe(true);
    const policy = agent.policyModel();
    expect(policy.outputs.map((t) => t.shape)).toEqual([
      [null, null, 2],
      [null, 6],
      [null, 6],
    ]);
    agent.dispose();
  });
});

describe('noisy DRQN', () => {
  const noisy = { ...tiny, noisy: true, dueling: true };

  it('is deterministic under a seed (actions and weights), and another seed differs', () => {
    const run = (seed: number) => {
      const agent = new DrqnAgent(resolveDrqnConfig(undefined, noisy), info, new Rng(seed), { steps: 150 });
      const actions = play(agent, 150, 0);
      const w = weightsOf(agent.online);
      expect(agent.updates).toBeGreaterThan(40);
      agent.dispose();
      return { actions, w };
    };
    const a = run(7);
    const b = run(7);
    expect(b.actions).toEqual(a.actions);
    expect(b.w).toEqual(a.w);
    expect(run(8).actions).not.toEqual(a.actions);
  });

  it('noise resampled at every acting step and every update changes greedy actions; evaluation uses the mean weights', () => {
    const act = (cfg: Partial<DrqnConfig>) => {
      const agent = new DrqnAgent(resolveDrqnConfig(undefined, cfg), info, new Rng(3), { steps: 100 });
      const o = Float32Array.from([0.02, 0, -0.03, 0]);
      const actions = Array.from({ length: 40 }, () => {
        agent.endEpisode(); // the same zero state every time
        return agent.act(o, 0);
      });
      return { agent, o, actions };
    };
    expect(new Set(act(tiny).actions).size).toBe(1);
    const { agent, o, actions } = act(noisy);
    expect(new Set(actions).size).toBe(2);
    // Head layers only: the state follows the observations whatever the noise.
    expect(noisyLayers(agent.online).map((l) => l.name)).toEqual(['value', 'advantage']);
    const layer = noisyLayers(agent.online)[0]!;
    const target = noisyLayers(agent.target!)[0]!;
    const noise = layer.noise.epsOut;
    agent.act(o, 0);
    expect(layer.noise.epsOut).not.toEqual(noise);
    // Evaluation (and the viewer) read the mean weights: the same numbers however the noise moves.
    agent.reset();
    const q1 = agent.qValues(o);
    agent.act(o, 0);
    agent.reset();
    expect(agent.qValues(o)).toEqual(q1);
    // An update draws fresh noise for both networks.
    play(agent, 40);
    const [online, tgt] = [layer.noise.epsIn, target.noise.epsIn];
    expect(agent.train(50, 0)).not.toBeNull();
    expect(layer.noise.epsIn).not.toEqual(online);
    expect(target.noise.epsIn).not.toEqual(tgt);
    agent.dispose();
  });

  it('a checkpoint carries the noise stream: restored, the agent acts and learns as the original', async () => {
    const cfg = resolveDrqnConfig(undefined, noisy, { prioritized: true });
    const agent = new DrqnAgent(cfg, info, new Rng(5), { steps: 200 });
    play(agent, 80);
    const snap = await agent.snapshot(true);
    expect(snap.json['noiseRng']).toBeDefined();
    const copy = new DrqnAgent(cfg, info, new Rng(99), { steps: 200 });
    await copy.restore(snap);
    expect(play(copy, 60)).toEqual(play(agent, 60));
    expect(weightsOf(copy.online)).toEqual(weightsOf(agent.online));
    const { noiseRng: _, ...json } = snap.json;
    const other = new DrqnAgent(cfg, info, new Rng(0), { steps: 200 });
    await expect(other.restore({ ...snap, json })).rejects.toThrow(CheckpointError);
    await expect(other.restore({ ...snap, json })).rejects.toThrow(/no noise state but this config uses noisy nets/);
    for (const a of [agent, copy, other]) a.dispose();
  });
});
