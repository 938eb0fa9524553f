import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backends/index.js';
import { make } from '../../src/core/registry.js';
import '../../envs/index.js';
import { Rng } from '../../src/rng/rng.js';
import { MemorySink, TAGS } from '../../src/metrics/sink.js';
import { DqnAgent } from '../../agents/dqn.js';
import { resolveDqnConfig } from '../../agents/dqn-config.js';
import { train, type TypedEnv } from '../../agents/trainer.js';
import { evaluate } from '../../agents/evaluate.js';

/** The small-MLP bsuite Catch settings both learning tests share. */
const CATCH_SETTINGS = {
  hiddenSizes: [64],
  learningRate: 2e-3,
  bufferSize: 5000,
  batchSize: 32,
  learningStarts: 200,
  trainFrequency: 1,
  targetUpdateInterval: 100,
  evalEpsilon: 0,
};

describe('DQN learns bsuite Catch', () => {
  it('reaches mean return >= 0.9 in 2,000 steps (small MLP, fastest backend)', async () => {
    const backend = process.env['TFGYM_BACKEND'];
    await useBackend(backend && backend !== '' ? (backend as 'cpu') : 'auto');
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const evalEnv = make('bsuite/Catch-v0') as TypedEnv;
    // 2,000 steps (about 220 episodes) solve it on cpu, wasm and native alike (same trajectory).
    const totalSteps = 2000;
    const cfg = resolveDqnConfig(undefined, {
      ...CATCH_SETTINGS,
      epsilonStart: 1,
      epsilonEnd: 0.05,
      explorationFraction: 0.3,
    });
    const info = { obsShape: env.observationSpace.shape, obsDtype: env.observationSpace.dtype, numActions: 3 };
    const agent = new DqnAgent(cfg, info, new Rng(1), { steps: totalSteps });
    const sink = new MemorySink();
    const t0 = performance.now();
    const before = tf.memory().numTensors;
    await train({ agent, env, seed: 1, totalSteps, sink, clock: () => 0 });
    const secs = (performance.now() - t0) / 1000;
    // The only new tensors are Adam's two slots per trained weight, made on the first update.
    expect(tf.memory().numTensors - before).toBe(2 * agent.online.trainableWeights.length);
    const res = evaluate(agent, evalEnv, { episodes: 100, epsilon: 0, seed: 12345, countWins: true });
    const last = sink.values(TAGS.episodicReturn).slice(-20).join(' ');
    console.log(
      `bsuite Catch: ${totalSteps} steps in ${secs.toFixed(1)} s, eval mean ${res.meanReturn}, last: ${last}`,
    );
    expect(res.meanReturn).toBeGreaterThanOrEqual(0.9);
    agent.dispose();
  });
});

describe('Rainbow heads learn bsuite Catch', () => {
  it('C51 + noisy nets (no epsilon: the noise explores) reach mean return >= 0.9 in 2,000 steps', async () => {
    const backend = process.env['TFGYM_BACKEND'];
    await useBackend(backend && backend !== '' ? (backend as 'cpu') : 'auto');
    const env = make('bsuite/Catch-v0') as TypedEnv;
    const evalEnv = make('bsuite/Catch-v0') as TypedEnv;
    const totalSteps = 2000;
    const cfg = resolveDqnConfig(undefined, {
      ...CATCH_SETTINGS,
      // Catch's returns are -1 or 1: atoms over [-1, 1] (Bellemare et al. use [-10, 10] for Atari).
      numAtoms: 11,
      vMin: -1,
      vMax: 1,
      noisy: true,
      epsilonStart: 0,
      epsilonEnd: 0,
    });
    const info = { obsShape: env.observationSpace.shape, obsDtype: env.observationSpace.dtype, numActions: 3 };
    const agent = new DqnAgent(cfg, info, new Rng(1), { steps: totalSteps });
    await train({ agent, env, seed: 1, totalSteps, sink: new MemorySink(), clock: () => 0 });
    const res = evaluate(agent, evalEnv, { episodes: 100, epsilon: 0, seed: 12345, countWins: true });
    // Q-values are the distribution means: inside the atoms' range.
    const q = agent.qValues(Float32Array.from(evalEnv.reset({ seed: 3 })[0] as Float32Array));
    expect(Array.from(q).every((v) => v >= -1 - 1e-5 && v <= 1 + 1e-5)).toBe(true);
    expect(res.meanReturn).toBeGreaterThanOrEqual(0.9);
    agent.dispose();
  });
});
