import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends/index.js';
import { SyncVectorEnv } from '../../src/core/vector-env.js';
import '../../envs/index.js';
import { Rng } from '../../src/rng/rng.js';
import { nullSink } from '../../src/metrics/sink.js';
import { CheckpointError, FileCheckpointStore, latestCheckpointDir, readCheckpoint } from '../../src/io/checkpoints.js';
import type { SequenceReplayState } from '../../src/replay/index.js';
import { DrqnAgent, RecurrentQPolicy } from '../../agents/drqn.js';
import { DRQN_PRESETS, resolveDrqnConfig, type DrqnConfig } from '../../agents/drqn-config.js';
import { evaluate } from '../../agents/evaluate.js';
import { evaluate as evaluateRun, train as trainRun } from '../../agents/run.js';
import { train, type TrainEvent, type TypedEnv } from '../../agents/trainer.js';
import { recurrentQForward } from '../../models/recurrent-q.js';
import { nativeAvailable } from '../native/helpers.js';
import { maskedCartPole, TINY_DRQN, weightsOf } from './drqn-helpers.js';

const nativeOk = await nativeAvailable(); // never false under CI
let dir = '';
beforeAll(async () => {
  await useBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tfgym-drqn-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await useBackend('cpu');
});

const tiny = TINY_DRQN;

function envInfo(env: TypedEnv) {
  return { obsShape: env.observationSpace.shape, obsDtype: env.observationSpace.dtype, numActions: 2 };
}

describe('config', () => {
  it('presets resolve; contradictory sequence settings are refused with the field named', () => {
    for (const name of Object.keys(DRQN_PRESETS)) expect(() => resolveDrqnConfig(name)).not.toThrow();
    expect(resolveDrqnConfig('cartpole-novel').burnIn).toBe(5);
    expect(() => resolveDrqnConfig(undefined, { seqLength: 4, overlap: 4 })).toThrow(
      'overlap must be less than seqLength (4): consecutive sequences must advance. Received: overlap=4',
    );
    expect(() => resolveDrqnConfig(undefined, { seqLength: 4, overlap: 0, nStep: 5 })).toThrow(
      /nStep must not exceed seqLength \(4\)/,
    );
    expect(() => resolveDrqnConfig(undefined, { bufferSize: 20 })).toThrow(/at least 32 rows. Received: bufferSize=20/);
    expect(() => resolveDrqnConfig(undefined, { cell: 'rnn' })).toThrow(/expected one of lstm, gru/);
    expect(() => resolveDrqnConfig('nope')).toThrow(/Unknown preset 'nope'. Choose one of: cartpole-novel/);
    expect(
      () =>
        new DrqnAgent(
          resolveDrqnConfig(undefined, { prioritized: true }),
          envInfo(maskedCartPole()),
          new Rng(0),
          { steps: 1 },
          2,
        ),
    ).toThrow(/prioritized sequence replay takes one env/);
  });
});

describe('the recurrent state while acting', () => {
  it('is zeros at every episode start, carried within an episode, and stored with each step', () => {
    const env = maskedCartPole();
    const cfg = resolveDrqnConfig(undefined, tiny, { bufferSize: 2000 });
    const agent = new DrqnAgent(cfg, envInfo(env), new Rng(1), { steps: 1000 });
    const S = agent.stateSize;
    expect(S).toBe(12); // LSTM: h and c of 6 units
    const zeros = new Float32Array(S);
    let episodes = 0;
    let obs = Float32Array.from(env.reset({ seed: 1 })[0]);
    let episodeObs: Float32Array[] = [];
    const statesBefore: Float32Array[] = [];
    while (episodes < 3) {
      if (episodeObs.length === 0) expect(agent.actingState()).toEqual(zeros);
      statesBefore.push(agent.actingState());
      episodeObs.push(obs);
      const a = agent.act(obs, 0.5);
      // Carried: the state after the step is the network unrolled over the episode so far from zeros.
      const unrolled = tf.tidy(() => {
        const T = episodeObs.length;
        const x = tf.tensor3d(
          episodeObs.flatMap((v) => Array.from(v)),
          [1, T, 4],
        );
        const r = recurrentQForward(agent.online, x, [tf.zeros([1, 6]), tf.zeros([1, 6])]);
        return Array.from(tf.concat(r.state, 1).dataSync());
      });
      const now = Array.from(agent.actingState());
      unrolled.forEach((v, i) => expect(now[i]).toBeCloseTo(v, 5));
      expect(now.some((v) => v !== 0)).toBe(true);
      const [n, r, te, tr] = env.step(a);
      const next = Float32Array.from(n);
      agent.observe(obs, a, r, next, te, tr);
      if (te || tr) {
        episodes++;
        expect(agent.actingState()).toEqual(zeros);
        episodeObs = [];
        obs = Float32Array.from(env.reset({ seed: 10 + episodes })[0]);
      } else obs = next;
    }
    // The replay stored each step with the state the actor had before it (zeros at episode starts).
    const st = agent.columns[0]!.getState() as SequenceReplayState;
    const flags = st.arrays['flags'] as Uint8Array;
    const states = st.arrays['states'] as Float32Array;
    let step = 0;
    for (let row = 0; row < st.meta.rowHead; row++) {
      if ((flags[row] as number) & 4) continue; // an episode's final observation
      expect(Array.from(states.subarray(row * S, (row + 1) * S))).toEqual(Array.from(statesBefore[step++]!));
    }
    expect(step).toBe(statesBefore.length);
    // endEpisode (an interrupted episode) zeroes the state too.
    agent.act(obs, 0);
    expect(agent.actingState()).not.toEqual(zeros);
    agent.endEpisode();
    expect(agent.actingState()).toEqual(zeros);
    agent.dispose();
  });

  it('evaluation plays from its own state, zeroed by reset() at every episode start, and leaves the actors alone', () => {
    const env = maskedCartPole();
    const agent = new DrqnAgent(resolveDrqnConfig(undefined, tiny), envInfo(env), new Rng(2), { steps: 100 });
    const [o] = env.reset({ seed: 3 });
    agent.act(Float32Array.from(o), 0);
    const acting = agent.actingState();
    const res = evaluate(agent, maskedCartPole(), { episodes: 3, epsilon: 0, seed: 77, countWins: false });
    expect(agent.actingState()).toEqual(acting);
    // The same numbers from a fresh policy over the same network: evaluation starts every episode from zeros.
    const fresh = new RecurrentQPolicy(agent.online, 2, 1);
    expect(evaluate(fresh, maskedCartPole(), { episodes: 3, epsilon: 0, seed: 77, countWins: false }).returns).toEqual(
      res.returns,
    );
    // The training viewer's bars: what the next acting step will see, leaving the state alone.
    const peek = agent.peekQValues(Float32Array.from(o));
    expect(agent.actingState()).toEqual(acting);
    expect(agent.act(Float32Array.from(o), 0)).toBe(peek[0]! >= peek[1]! ? 0 : 1);
    // Without the reset, the second episode would start from the first one's last state.
    agent.reset();
    const q1 = agent.qValues(Float32Array.from(o));
    const q2 = agent.qValues(Float32Array.from(o));
    agent.reset();
    expect(agent.qValues(Float32Array.from(o))).toEqual(q1);
    expect(q2).not.toEqual(q1);
    agent.dispose();
  });
});

async function runTo(
  cfg: DrqnConfig,
  totalSteps: number,
  opts: { abortAt?: number; runDir?: string; resume?: boolean; numEnvs?: number },
) {
  const numEnvs = opts.numEnvs ?? 1;
  const env =
    numEnvs === 1
      ? maskedCartPole()
      : new SyncVectorEnv(
          Array.from({ length: numEnvs }, () => maskedCartPole()),
          { autoresetMode: 'disabled' },
        );
  const agent = new DrqnAgent(cfg, envInfo(maskedCartPole()), new Rng(3), { steps: totalSteps }, numEnvs);
  const events = new Subject<TrainEvent>();
  const ac = new AbortController();
  const actions: number[] = [];
  events.subscribe((e) => {
    if (e.type !== 'step') return;
    actions[e.step - numEnvs + e.env] = e.action;
    if (e.step === opts.abortAt && e.env === numEnvs - 1) ac.abort();
  });
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
    emitSteps: true,
    resume,
  });
  return { agent, r, actions };
}

describe('checkpoints and exact resume', () => {
  const variants: Array<[string, Partial<DrqnConfig>, number]> = [
    ['LSTM, stored state + burn-in, double DQN, 2-step', { doubleDqn: true }, 1],
    [
      'GRU, prioritized sequences, dueling, value rescaling, zero start state',
      { cell: 'gru', prioritized: true, dueling: true, valueRescale: true, storedState: false, loss: 'huber' },
      1,
    ],
    ['LSTM on 2 envs in lockstep, soft target', { tau: 0.5, maxGradNorm: 1 }, 2],
    [
      'LSTM, noisy dueling C51, double DQN, prioritized sequences',
      { numAtoms: 5, vMin: 0, vMax: 20, noisy: true, dueling: true, doubleDqn: true, prioritized: true },
      1,
    ],
  ];
  const backends: Array<'cpu' | 'native'> = ['cpu', ...(nativeOk ? (['native'] as const) : [])];
  for (const [name, extra, numEnvs, backend] of variants.flatMap(([n, e, k]) =>
    backends.map((b) => [n, e, k, b] as const),
  )) {
    it(`interrupted mid-episode at step 140 and resumed = uninterrupted, bit-exact (${name}, ${backend})`, async () => {
      await useBackend(backend);
      const cfg = resolveDrqnConfig(undefined, tiny, extra);
      const full = await runTo(cfg, 220, { numEnvs });
      const runDir = join(dir, `${name}-${backend}`.replace(/\W+/g, '_'));
      const first = await runTo(cfg, 220, { abortAt: 140, runDir, numEnvs });
      expect(first.r.reason).toBe('interrupted');
      expect(first.r.steps).toBe(140);
      // Mid-episode: the actor's state is not zeros, so resuming must restore it.
      expect(first.agent.actingState().some((v) => v !== 0)).toBe(true);
      const atStop = first.agent.actingState();
      first.agent.dispose();
      const second = await runTo(cfg, 220, { runDir, resume: true, numEnvs });
      expect(second.r.steps).toBe(220);
      expect(second.agent.updates).toBe(full.agent.updates);
      expect(second.agent.updates).toBeGreaterThan(50);
      // The same actions after the interruption, the same weights at the end.
      expect(second.actions.slice(140)).toEqual(full.actions.slice(140));
      expect(weightsOf(second.agent.online)).toEqual(weightsOf(full.agent.online));
      expect(weightsOf(second.agent.target as tf.LayersModel)).toEqual(weightsOf(full.agent.target as tf.LayersModel));
      expect(second.agent.actingState()).toEqual(full.agent.actingState());
      expect(atStop.length).toBe(second.agent.stateSize);
      full.agent.dispose();
      second.agent.dispose();
      await useBackend('cpu');
    });
  }

  it('checkpoints that do not fit give one-line CheckpointErrors', async () => {
    const cfg = resolveDrqnConfig(undefined, tiny);
    const runDir = join(dir, 'misfit');
    const { agent } = await runTo(cfg, 60, { runDir });
    agent.dispose();
    const cp = readCheckpoint(latestCheckpointDir(runDir) as string);
    const other = (extra: Partial<DrqnConfig>, numEnvs = 1) =>
      new DrqnAgent(
        resolveDrqnConfig(undefined, tiny, extra),
        envInfo(maskedCartPole()),
        new Rng(0),
        { steps: 1 },
        numEnvs,
      );
    const wider = other({ recurrentUnits: 7 });
    await expect(wider.restore(cp.agentState)).rejects.toThrow(CheckpointError);
    await expect(wider.restore(cp.agentState)).rejects.toThrow(/recurrent states do not fit: expected 14 floats/);
    wider.dispose();
    const two = other({}, 2);
    await expect(two.restore(cp.agentState)).rejects.toThrow(/trained on 1 env\(s\), this one on 2/);
    two.dispose();
    const rms = other({ optimizer: 'rmsprop' });
    await expect(rms.restore(cp.agentState)).rejects.toThrow(/used optimizer 'adam', the config says 'rmsprop'/);
    rms.dispose();
    const same = other({});
    await expect(same.restore({ ...cp.agentState, kind: 'dqn' })).rejects.toThrow(/for agent 'dqn', not 'drqn'/);
    const bad = { ...cp.agentState.blobs, 'replay.0.actions': new Int32Array(300).fill(7) };
    await expect(same.restore({ ...cp.agentState, blobs: bad })).rejects.toThrow(/holds action 7, outside/);
    same.dispose();
  });
});

describe('tensor hygiene', () => {
  it.each([
    ['LSTM + double + burn-in', {}],
    ['GRU + prioritized + dueling + clipping', { cell: 'gru', prioritized: true, dueling: true, maxGradNorm: 1 }],
    [
      'LSTM + noisy dueling C51 + prioritized',
      { numAtoms: 5, vMin: 0, vMax: 20, noisy: true, dueling: true, prioritized: true },
    ],
  ] as Array<[string, Partial<DrqnConfig>]>)(
    'no tensor growth over acting, training steps, evaluation and snapshots: %s',
    async (_name, extra) => {
      const env = maskedCartPole();
      const agent = new DrqnAgent(
        resolveDrqnConfig(undefined, tiny, { doubleDqn: true }, extra),
        envInfo(env),
        new Rng(1),
        {
          steps: 1000,
        },
      );
      const rng = new Rng(2);
      let obs = Float32Array.from(env.reset({ seed: 1 })[0]);
      const step = (i: number) => {
        const a = agent.act(obs, 0.5);
        const [n, r, te, tr] = env.step(a);
        const next = Float32Array.from(n);
        agent.observe(obs, a, r, next, te, tr);
        agent.train(i, 0);
        obs = te || tr ? Float32Array.from(env.reset({ seed: rng.nextSeed() })[0]) : next;
      };
      for (let i = 1; i <= 40; i++) step(i);
      expect(agent.updates).toBeGreaterThan(0);
      const before = tf.memory().numTensors;
      for (let i = 41; i <= 200; i++) step(i);
      evaluate(agent, maskedCartPole(), { episodes: 2, epsilon: 0, seed: 5, countWins: false });
      await agent.snapshot(true);
      expect(agent.updates).toBeGreaterThan(80);
      expect(tf.memory().numTensors).toBe(before);
      agent.dispose();
    },
  );
});

describe('train() and evaluate() with agent drqn', () => {
  it.each([
    ['plain', {}],
    // C51 needs the cross-entropy, not the preset's Huber loss.
    ['noisy C51', { numAtoms: 5, vMin: 0, vMax: 20, noisy: true, loss: 'mse' }],
  ] as Array<[string, Partial<DrqnConfig>]>)(
    'writes a run whose saved recurrent model evaluate() plays to the same final numbers (%s)',
    async (name, extra) => {
      const runDir = join(dir, `run-${name.replace(/\W+/g, '_')}`);
      const res = await trainRun({
        agent: 'drqn',
        env: 'CartPole-v1',
        envOptions: { maskVelocity: true },
        preset: 'cartpole-novel',
        config: { ...tiny, learningStarts: 40, ...extra },
        totalSteps: 120,
        evalEvery: 60,
        evalEpisodes: 3,
        runDir,
        seed: 4,
      });
      expect(res.run.config['seqLength']).toBe(4);
      expect(res.run.envOptions).toEqual({ maskVelocity: true });
      expect(res.finalEval?.episodes).toBe(3);
      const again = await evaluateRun({ runDir, episodes: 3, epsilon: 0, model: 'latest' });
      expect(again.returns).toEqual(res.finalEval?.returns);
      const best = await evaluateRun({ runDir, episodes: 3, epsilon: 0, model: 'best' });
      expect(best.returns.length).toBe(3);
    },
  );
});
