import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Subject } from 'rxjs';
import { useBackend } from '../../src/backends/index.js';
import { nativeAvailable } from '../native/helpers.js';
import { make } from '../../src/core/registry.js';
import '../../envs/index.js';
import { Rng } from '../../src/rng/rng.js';
import type { PrioritizedReplayMemory } from '../../src/replay/index.js';
import { nullSink } from '../../src/metrics/sink.js';
import { DqnAgent, tdTargets } from '../../agents/dqn.js';
import { resolveDqnConfig, type DqnConfig } from '../../agents/dqn-config.js';
import { train, type TrainEvent, type TypedEnv } from '../../agents/trainer.js';
import { CheckpointError, FileCheckpointStore, latestCheckpointDir, readCheckpoint } from '../../src/io/checkpoints.js';
import { TabularQAgent, resolveTabularQConfig } from '../../agents/tabular-q.js';
import { evaluate } from '../../agents/evaluate.js';
import { getLearningRate } from '../../models/optimizers.js';

const nativeOk = await nativeAvailable(); // never false under CI
let dir = '';
beforeAll(async () => {
  await useBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tfgym-dqn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('config checks', () => {
  it('refuses εz-greedy exponents with no zeta distribution and kernel heights that do not fit the layers', () => {
    expect(() => resolveDqnConfig(undefined, { ezGreedyMu: 0.5 })).toThrow(
      'ezGreedyMu must be 0 (plain epsilon-greedy) or greater than 1. Received: ezGreedyMu=0.5',
    );
    expect(() => resolveDqnConfig(undefined, { ezGreedyMu: 1 })).toThrow(/ezGreedyMu=1/);
    expect(resolveDqnConfig(undefined, { ezGreedyMu: 0 }).ezGreedyMu).toBe(0);
    const oneHeight = { network: 'cnn', convKernelHeights: [0] };
    expect(() => resolveDqnConfig(undefined, oneHeight)).toThrow(/one height per conv layer \(2\)/);
    expect(resolveDqnConfig('catch').convKernelHeights).toEqual([0]);
  });

  it('resolves list fields to arrays of their own: changing one changes no preset or caller object', () => {
    const a = resolveDqnConfig('catch-mirror');
    a.mirrorActions.reverse();
    a.hiddenSizes.push(7);
    const b = resolveDqnConfig('catch-mirror');
    expect(b.mirrorActions).toEqual([2, 1, 0]);
    expect(b.hiddenSizes).toEqual([128]);
    const mine = { hiddenSizes: [32, 32] };
    resolveDqnConfig(undefined, mine).hiddenSizes.push(1);
    expect(mine.hiddenSizes).toEqual([32, 32]);
  });

  it('checks mirrorActions against the env when the agent is built, and mirroring changes what is learned', () => {
    const info = { obsShape: [10, 5], obsDtype: 'float32', numActions: 3 } as const;
    const bad = resolveDqnConfig(undefined, tiny, { mirrorActions: [1, 0] });
    expect(() => new DqnAgent(bad, info, new Rng(0), { steps: 10 })).toThrow(
      /mirrorActions must list one action for each of the env's 3 actions/,
    );
    const flat = resolveDqnConfig(undefined, tiny, { mirrorActions: [2, 1, 0] });
    expect(() => new DqnAgent(flat, { ...info, obsShape: [50] }, new Rng(0), { steps: 10 })).toThrow(/shape \[50\]/);
    const first = { ...info, obsShape: [2, 10, 5], frameStack: { k: 2, axis: 'first' as const } };
    expect(() => new DqnAgent(flat, first, new Rng(0), { steps: 10 })).toThrow(
      /shape \[2, 10, 5\], frames stacked along the first axis/,
    );
    const trained = (mirrorActions: number[]): number[][] => {
      const env = make('bsuite/Catch-v0') as TypedEnv;
      const agent = new DqnAgent(resolveDqnConfig(undefined, tiny, { mirrorActions }), info, new Rng(4), {
        steps: 100,
      });
      play(agent, env, 60);
      const w = weightsOf(agent.online);
      agent.dispose();
      return w;
    };
    expect(trained([2, 1, 0])).not.toEqual(trained([]));
  });
});

describe('tdTargets (hand-computed)', () => {
  // Two actions, three transitions: r = [1, 2, 3], discounts gamma^m, terminated [0, 1, 0].
  const rewards = [1, 2, 3];
  const discounts = [0.9, 0.9, 0.81];
  const term = [0, 1, 0];
  const qTarget = [10, 20, /**/ 30, 40, /**/ 5, -5];
  const qOnline = [7, 1, /**/ 0, 9, /**/ -1, 2];

  it("DQN: r + discount * max_a Q_target(s', a); no bootstrap at termination", () => {
    const out = tdTargets(rewards, discounts, term, qTarget, null, 2, new Float32Array(3));
    expect(out[0]).toBeCloseTo(1 + 0.9 * 20, 5); // 19
    expect(out[1]).toBe(2); // terminated
    expect(out[2]).toBeCloseTo(3 + 0.81 * 5, 5); // 2-step return bootstraps with gamma^2
  });

  it('truncated transitions bootstrap (terminated = 0)', () => {
    const out = tdTargets([0], [0.99], [0], [1, 2], null, 2, new Float32Array(1));
    expect(out[0]).toBeCloseTo(0.99 * 2, 6);
  });

  it('double DQN: the online net picks a*, the target net evaluates it', () => {
    const out = tdTargets(rewards, discounts, term, qTarget, qOnline, 2, new Float32Array(3));
    expect(out[0]).toBeCloseTo(1 + 0.9 * 10, 5); // online argmax is action 0 -> Q_target = 10 (not max 20)
    expect(out[1]).toBe(2);
    expect(out[2]).toBeCloseTo(3 + 0.81 * -5, 5); // online argmax action 1 -> -5
  });

  it("Expected SARSA (targetEpsilon e): (1 - e) Q_target(s', a*) + e mean_a Q_target(s', a)", () => {
    const out = tdTargets(rewards, discounts, term, qTarget, null, 2, new Float32Array(3), 0.2);
    expect(out[0]).toBeCloseTo(1 + 0.9 * (0.8 * 20 + 0.2 * 15), 5); // 18.1
    expect(out[1]).toBe(2);
    expect(out[2]).toBeCloseTo(3 + 0.81 * (0.8 * 5 + 0.2 * 0), 5);
    // With double DQN a* is the online argmax; the mean is over the target's values.
    const dbl = tdTargets(rewards, discounts, term, qTarget, qOnline, 2, new Float32Array(3), 0.2);
    expect(dbl[0]).toBeCloseTo(1 + 0.9 * (0.8 * 10 + 0.2 * 15), 5);
    expect(dbl[2]).toBeCloseTo(3 + 0.81 * (0.8 * -5 + 0.2 * 0), 5);
    // e = 1 bootstraps from the uniform policy's value; e = 0 is Q-learning, unchanged.
    expect(tdTargets([0], [1], [0], [1, 2, 6], null, 3, new Float32Array(1), 1)[0]).toBeCloseTo(3, 6);
    const plain = tdTargets(rewards, discounts, term, qTarget, null, 2, new Float32Array(3));
    expect(Array.from(tdTargets(rewards, discounts, term, qTarget, null, 2, new Float32Array(3), 0))).toEqual(
      Array.from(plain),
    );
  });

  it('targetEpsilon is refused with a categorical head', () => {
    expect(() => resolveDqnConfig(undefined, { targetEpsilon: 0.1, numAtoms: 51 })).toThrow(
      /targetEpsilon applies to expected Q-values only; with numAtoms > 1 set it to 0\. Received: targetEpsilon=0\.1/,
    );
    expect(() => resolveDqnConfig(undefined, { targetEpsilon: 1.5 })).toThrow(/targetEpsilon/);
  });
});

function envInfo(env: TypedEnv) {
  return { obsShape: env.observationSpace.shape, obsDtype: env.observationSpace.dtype, numActions: 3 };
}

const tiny: Partial<DqnConfig> = {
  hiddenSizes: [16],
  bufferSize: 400,
  batchSize: 8,
  learningStarts: 20,
  trainFrequency: 1,
  targetUpdateInterval: 10,
  learningRate: 1e-3,
  explorationFraction: 0.5,
};

async function runTo(
  cfg: DqnConfig,
  totalSteps: number,
  opts: { abortAt?: number; runDir?: string; resume?: boolean },
) {
  const env = make('bsuite/Catch-v0') as TypedEnv;
  const agent = new DqnAgent(cfg, envInfo(env), new Rng(3), { steps: totalSteps });
  const events = new Subject<TrainEvent>();
  const ac = new AbortController();
  if (opts.abortAt !== undefined) {
    events.subscribe((e) => {
      if (e.type === 'step' && e.step === opts.abortAt) ac.abort();
    });
  }
  const store = opts.runDir ? new FileCheckpointStore(opts.runDir) : undefined;
  const resume = opts.resume && opts.runDir ? readCheckpoint(latestCheckpointDir(opts.runDir) as string) : undefined;
  const r = await train({
    agent,
    env,
    seed: 9,
    totalSteps,
    sink: nullSink,
    clock: () => 0,
    store,
    saveReplay: true,
    signal: ac.signal,
    events,
    emitSteps: opts.abortAt !== undefined,
    resume,
  });
  return { agent, r };
}

function weightsOf(m: tf.LayersModel): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('checkpoints and exact resume', () => {
  const variants: Array<[string, Partial<DqnConfig>]> = [
    ['Adam + PER + double + 3-step', { prioritized: true, doubleDqn: true, nStep: 3 }],
    ['εz-greedy exploring throughout', { ezGreedyMu: 1.5, epsilonEnd: 1 }],
    [
      'mirror augmentation (bsuite Catch is left-right symmetric) + PER',
      { mirrorActions: [2, 1, 0], prioritized: true },
    ],
    [
      'centered RMSprop + dueling + Huber + clipping + soft target',
      { optimizer: 'rmsprop', rmspropCentered: true, dueling: true, loss: 'huber', maxGradNorm: 1, tau: 0.5 },
    ],
    [
      'C51 + noisy nets + dueling + double + PER + 3-step (Rainbow)',
      { numAtoms: 11, vMin: -2, vMax: 2, noisy: true, dueling: true, doubleDqn: true, prioritized: true, nStep: 3 },
    ],
  ];
  // On `native` too: its fused optimizers update weights in place, and hard target copies
  // share storage with the online weights until the next update (copy-on-write).
  const backends = ['cpu', ...(nativeOk ? ['native'] : [])] as const;
  for (const [name, extra] of variants.flatMap(([n, e]) => backends.map((b) => [`${n}, ${b}`, e, b] as const))) {
    it(`interrupted at step 138 (mid-episode) and resumed = uninterrupted, bit-exact (${name})`, async () => {
      await useBackend(name.endsWith('native') ? 'native' : 'cpu');
      const cfg = resolveDqnConfig(undefined, tiny, extra);
      const full = await runTo(cfg, 200, {});
      const runDir = join(dir, name.replace(/\W+/g, '_'));
      const first = await runTo(cfg, 200, { abortAt: 138, runDir });
      expect(first.r.reason).toBe('interrupted');
      expect(first.r.steps).toBe(138);
      if (extra.ezGreedyMu) {
        // The interruption falls inside an exploratory option, so resuming must restore its remaining steps.
        const snap = await first.agent.snapshot(false);
        expect((snap.json['ez'] as { left: number }).left).toBeGreaterThan(0);
      }
      first.agent.dispose();
      const second = await runTo(cfg, 200, { runDir, resume: true });
      expect(second.r.steps).toBe(200);
      expect(second.agent.updates).toBe(full.agent.updates);
      expect(weightsOf(second.agent.online)).toEqual(weightsOf(full.agent.online));
      expect(weightsOf(second.agent.target as tf.LayersModel)).toEqual(weightsOf(full.agent.target as tf.LayersModel));
      full.agent.dispose();
      second.agent.dispose();
      await useBackend('cpu');
    });
  }

  it('corrupt and incompatible checkpoints give clear errors', async () => {
    const cfg = resolveDqnConfig(undefined, tiny);
    const runDir = join(dir, 'corrupt');
    const { agent } = await runTo(cfg, 60, { runDir });
    agent.dispose();
    const cpDir = latestCheckpointDir(runDir) as string;
    const cp = readCheckpoint(cpDir);
    // Another architecture: names or shapes do not fit.
    const wider = resolveDqnConfig(undefined, tiny, { hiddenSizes: [32] });
    const info = { obsShape: [10, 5], obsDtype: 'float32', numActions: 3 } as const;
    const other = new DqnAgent(wider, info, new Rng(0), { steps: 10 });
    await expect(other.restore(cp.agentState)).rejects.toThrow(
      /dense1\/kernel has shape \[50, 16\], this network needs \[50, 32\]/,
    );
    other.dispose();
    // Flip one byte of the blobs.
    const p = join(cpDir, 'blobs.bin');
    const b = readFileSync(p);
    b[5] = (b[5] as number) ^ 0xff;
    writeFileSync(p, b);
    expect(() => readCheckpoint(cpDir)).toThrow(CheckpointError);
    expect(() => readCheckpoint(cpDir)).toThrow(/corrupt/);
    writeFileSync(join(cpDir, 'checkpoint.json'), '{"format": "tfgym-checkpoint", "version": 99}');
    expect(() => readCheckpoint(cpDir)).toThrow(/version 99/);
    writeFileSync(join(cpDir, 'checkpoint.json'), '{not json');
    expect(() => readCheckpoint(cpDir)).toThrow(/not valid JSON/);
  });
});

describe('tensor hygiene', () => {
  it.each([
    ['double + PER + clipping', {}],
    ['C51 + noisy nets', { numAtoms: 11, vMin: -2, vMax: 2, noisy: true }],
    ['mirror augmentation', { mirrorActions: [2, 1, 0] }],
  ])('no tensor growth across many updates (after the optimizer made its slots): %s', async (_name, extra) => {
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const cfg = resolveDqnConfig(undefined, tiny, { doubleDqn: true, prioritized: true, maxGradNorm: 5 }, extra);
    const agent = new DqnAgent(cfg, envInfo(env), new Rng(1), { steps: 1000 });
    const rng = new Rng(2);
    let [obs] = env.reset({ seed: 1 });
    let o = Float32Array.from(obs as Float32Array);
    const step = (i: number) => {
      const a = agent.act(o, 0.5);
      const [n, r, te, tr] = env.step(a);
      const no = Float32Array.from(n as Float32Array);
      agent.observe(o, a, r, no, te, tr);
      agent.train(i, 0);
      if (te || tr) {
        [obs] = env.reset({ seed: rng.nextSeed() });
        o = Float32Array.from(obs as Float32Array);
      } else o = no;
    };
    for (let i = 1; i <= 40; i++) step(i);
    const before = tf.memory().numTensors;
    for (let i = 41; i <= 240; i++) step(i);
    expect(agent.updates).toBeGreaterThan(200);
    expect(tf.memory().numTensors).toBe(before);
    agent.dispose();
  });
});

/** Plays `steps` env steps of Catch with `agent` (training as the trainer does); returns finished episodes. */
function play(agent: DqnAgent, env: TypedEnv, steps: number, from = 1, episodes = 0): number {
  let o = Float32Array.from(env.reset({ seed: from })[0]);
  for (let i = from; i < from + steps; i++) {
    const a = agent.act(o, agent.epsilon(i - 1, episodes));
    const [n, r, te, tr] = env.step(a);
    const no = Float32Array.from(n);
    agent.observe(o, a, r, no, te, tr);
    if (te || tr) {
      episodes++;
      o = Float32Array.from(env.reset({ seed: i })[0]);
    } else o = no;
    agent.train(i, episodes);
  }
  return episodes;
}

describe('act: exploration options', () => {
  it('εz-greedy options run only on the training trajectory (extended, the default), not with extended: false', async () => {
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const cfg = resolveDqnConfig(undefined, tiny, { ezGreedyMu: 2 });
    const agent = new DqnAgent(cfg, envInfo(env), new Rng(6), { steps: 100 });
    const o = Float32Array.from(env.reset({ seed: 1 })[0]);
    const state = async () => {
      const j = (await agent.snapshot(false)).json;
      return { ez: j['ez'] as { action: number; left: number }, rng: j['rng'] };
    };
    const start = await state();
    // Evaluation-style calls with their own stream: neither the option nor the agent's stream moves.
    const evalRng = new Rng(11);
    for (let i = 0; i < 30; i++) agent.act(o, 1, { rng: evalRng, extended: false });
    expect(await state()).toEqual(start);
    // Plain epsilon-greedy on the agent's own stream: the stream moves, the option does not.
    agent.act(o, 1, { extended: false });
    const plain = await state();
    expect(plain.ez).toEqual(start.ez);
    expect(plain.rng).not.toEqual(start.rng);
    // The default continues the trajectory: with epsilon 1 an option longer than one step soon starts.
    let started = false;
    for (let i = 0; i < 40 && !started; i++) {
      agent.act(o, 1);
      started = (await state()).ez.left > 0;
    }
    expect(started).toBe(true);
    // While it runs, every extended call returns its action.
    const { action, left } = (await state()).ez;
    for (let i = 0; i < left; i++) expect(agent.act(o, 0)).toBe(action);
    agent.dispose();
  });
});

describe('prioritized replay: beta annealing', () => {
  it('with a budget in episodes, beta starts at perBeta0 and reaches 1 only as the episodes run out', () => {
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const cfg = resolveDqnConfig(undefined, tiny, { prioritized: true, perBeta0: 0.4, epsilonUnit: 'episode' });
    const agent = new DqnAgent(cfg, envInfo(env), new Rng(4), { episodes: 20 });
    const spy = vi.spyOn(agent.replay as PrioritizedReplayMemory, 'samplePrioritized');
    const episodes = play(agent, env, 60);
    // Catch episodes last 9 steps: training started at step 20 (episode 2), well before episode 20.
    expect(episodes).toBeLessThan(20);
    const betas = spy.mock.calls.map((c) => c[2]);
    expect(betas.length).toBeGreaterThan(0);
    expect(betas[0]).toBeGreaterThanOrEqual(0.4);
    expect(betas[0]).toBeLessThan(0.4 + (0.6 * 3) / 20);
    for (const b of betas) expect(b).toBeLessThan(1);
    // Non-decreasing over the run.
    for (let i = 1; i < betas.length; i++) expect(betas[i]).toBeGreaterThanOrEqual(betas[i - 1] as number);
    agent.dispose();
  });
});

describe('learning-rate schedule', () => {
  it('linear decay: each update uses the rate interpolated over the budget, and the weights stop at rate 0', () => {
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const cfg = resolveDqnConfig(undefined, tiny, { learningRateDecay: 'linear', learningRateEnd: 0 });
    const agent = new DqnAgent(cfg, envInfo(env), new Rng(4), { steps: 60 });
    const rates: number[] = [];
    const spy = vi.spyOn(agent.optimizer, 'applyGradients').mockImplementation(() => {
      rates.push(getLearningRate(agent.optimizer) as number);
    });
    play(agent, env, 60);
    // Updates from step 20 (learningStarts) to 59: rate 1e-3 * (1 - step / 60); step 60's is 0 and skipped.
    expect(rates.length).toBe(40);
    rates.forEach((r, i) => expect(r).toBeCloseTo(1e-3 * (1 - (20 + i) / 60), 12));
    expect(agent.learningRateAt(60, 0)).toBe(0);
    expect(agent.learningRateAt(120, 0)).toBe(0);
    spy.mockRestore();
    agent.dispose();
  });

  it('constant (the default) never touches the rate', () => {
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const agent = new DqnAgent(resolveDqnConfig(undefined, tiny), envInfo(env), new Rng(4), { steps: 60 });
    play(agent, env, 40);
    expect(getLearningRate(agent.optimizer)).toBe(1e-3);
    expect(agent.learningRateAt(50, 0)).toBe(1e-3);
    agent.dispose();
  });
});

describe('DQN update: tensors when the optimizer throws', () => {
  it('frees the kept TD tensors when applyGradients throws', () => {
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const cfg = resolveDqnConfig(undefined, tiny, { prioritized: true });
    const agent = new DqnAgent(cfg, envInfo(env), new Rng(5), { steps: 1000 });
    play(agent, env, 30);
    expect(agent.updates).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    const spy = vi.spyOn(agent.optimizer, 'applyGradients').mockImplementationOnce(() => {
      throw new Error('optimizer failed');
    });
    expect(() => agent.train(40, 0)).toThrow('optimizer failed');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(tf.memory().numTensors).toBe(before);
    // And training goes on afterwards.
    expect(agent.train(40, 0)).not.toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    agent.dispose();
  });
});

describe('tabular Q-learning', () => {
  it('solves bsuite Catch', async () => {
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const cfg = resolveTabularQConfig({ learningRate: 0.5, explorationFraction: 0.5 });
    const agent = new TabularQAgent(cfg, 3, new Rng(0), { steps: 20000 });
    await train({ agent, env, seed: 0, totalSteps: 20000, sink: nullSink, clock: () => 0 });
    const res = evaluate(agent, make('bsuite/Catch-v0'), { episodes: 100, epsilon: 0, seed: 77, countWins: true });
    expect(res.meanReturn).toBe(1);
    expect(agent.states).toBeLessThanOrEqual(250);
  });
});

describe('the minatar-rainbow preset (Obando-Ceron & Castro 2021)', () => {
  it('has the cited settings and trains a MinAtar game with all six components, leaking nothing', async () => {
    // The conv net with 51 atoms is slow on the pure-JS cpu backend: native when built.
    await useBackend(nativeOk ? 'native' : 'cpu');
    const cfg = resolveDqnConfig('minatar-rainbow', { learningStarts: 50, bufferSize: 1000 });
    expect(cfg).toMatchObject({
      numAtoms: 51,
      vMin: -100,
      vMax: 100,
      noisy: true,
      dueling: true,
      doubleDqn: true,
      prioritized: true,
      nStep: 3,
      learningRate: 1e-4,
      optimizerEpsilon: 3.125e-4,
      trainFrequency: 4,
      targetUpdateInterval: 1000,
      targetUpdateUnit: 'step',
    });
    const env = make('MinAtar/Breakout-v1') as TypedEnv;
    const info = { obsShape: env.observationSpace.shape, obsDtype: env.observationSpace.dtype, numActions: 3 };
    const agent = new DqnAgent(cfg, info, new Rng(4), { steps: 200 });
    let o = Float32Array.from(env.reset({ seed: 1 })[0] as ArrayLike<number>);
    let before = 0;
    for (let i = 1; i <= 200; i++) {
      const a = agent.act(o, agent.epsilon(i - 1, 0));
      const [n, r, te, tr] = env.step(a);
      const no = Float32Array.from(n as ArrayLike<number>);
      agent.observe(o, a, r, no, te, tr);
      o = te || tr ? Float32Array.from(env.reset({ seed: i })[0] as ArrayLike<number>) : no;
      agent.train(i, 0);
      if (i === 100) before = tf.memory().numTensors;
    }
    expect(agent.updates).toBe((200 - 48) / 4);
    expect(tf.memory().numTensors).toBe(before);
    const q = agent.qValues(o);
    expect(q.length).toBe(3);
    expect(Array.from(q).every((v) => Math.abs(v) <= 100)).toBe(true);
    agent.dispose();
    await useBackend('cpu');
  });
});

describe('the rainbow preset (Hessel et al. 2018, Table 1)', () => {
  it('resolves with all six components on the Nature torso, and validates', () => {
    const cfg = resolveDqnConfig('rainbow');
    // The six components (the values themselves are cited field by field in the preset).
    expect([cfg.numAtoms > 1, cfg.noisy, cfg.dueling, cfg.doubleDqn, cfg.prioritized, cfg.nStep > 1]).toEqual(
      Array(6).fill(true),
    );
    expect(cfg.network).toBe('nature');
    // Noisy nets explore: no epsilon after the warm-up; Atari's preprocessing as the nature preset has it.
    expect([cfg.epsilonStart, cfg.epsilonEnd]).toEqual([0, 0]);
    expect(cfg.preprocess).toBe(resolveDqnConfig('nature').preprocess);
    // A preset is a starting point: flags override it, and the checks still apply.
    expect(resolveDqnConfig('rainbow', { learningRate: 1e-4 }).learningRate).toBe(1e-4);
    expect(() => resolveDqnConfig('rainbow', { loss: 'huber' })).toThrow(/cross-entropy/);
  });

  it('builds the agent for Atari-shaped frames (84x84x4 uint8) and takes a few steps with all six components', async () => {
    // The Nature CNN with 6 x 51 outputs is slow on the pure-JS cpu backend: native when built.
    await useBackend(nativeOk ? 'native' : 'cpu');
    const cfg = resolveDqnConfig('rainbow', { bufferSize: 64, learningStarts: 8, batchSize: 8 });
    const info = { obsShape: [84, 84, 4], obsDtype: 'uint8' as const, numActions: 6 };
    const agent = new DqnAgent(cfg, info, new Rng(7), { steps: 16 });
    expect(agent.online.outputs[0]?.shape).toEqual([null, 6, 51]);
    expect(agent.online.layers.some((l) => l.getClassName() === 'NoisyDense')).toBe(true);
    expect(agent.online.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(3);
    // Random during the warm-up, then no epsilon: noisy nets explore.
    expect(agent.epsilon(0, 0)).toBe(1);
    expect(agent.epsilon(8, 0)).toBe(0);
    const rng = new Rng(1);
    const frame = (): Uint8Array => Uint8Array.from({ length: 84 * 84 * 4 }, () => rng.nextInt(256));
    let o = frame();
    let before = 0;
    for (let i = 1; i <= 16; i++) {
      const a = agent.act(o, agent.epsilon(i - 1, 0));
      const n = frame();
      agent.observe(o, a, i % 5 === 0 ? 3 : 0, n, false, false);
      o = n;
      agent.train(i, 0);
      if (i === 8) before = tf.memory().numTensors;
    }
    expect(agent.updates).toBe(3); // steps 8, 12 and 16
    expect(tf.memory().numTensors).toBe(before);
    const d = agent.returnDistributions(o);
    expect(d?.probs.length).toBe(6 * 51);
    const q = agent.qValues(o);
    expect(Array.from(q).every((v) => Math.abs(v) <= 10)).toBe(true);
    for (let a = 0; a < 6; a++) expect(Math.abs((d?.qValues[a] ?? NaN) - (q[a] as number))).toBeLessThan(1e-5);
    agent.dispose();
    await useBackend('cpu');
  });
});
