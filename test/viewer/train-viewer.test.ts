import * as tf from '@tensorflow/tfjs';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DqnAgent } from '../../agents/dqn.js';
import { resolveDqnConfig } from '../../agents/dqn-config.js';
import { modelPolicy } from '../../agents/run.js';
import { train, type TrainEvent, type TypedEnv } from '../../agents/trainer.js';
import { livePolicy } from '../../cli/live-policy.js';
import { streamTraining } from '../../cli/train-watch.js';
import type { Env } from '../../src/core/env.js';
import { nullSink } from '../../src/metrics/sink.js';
import { Rng } from '../../src/rng/rng.js';
import { runLiveLoop } from '../../src/viewer/loop.js';
import { TrainingViewer, yieldToEventLoop } from '../../src/viewer/train-bridge.js';
import { ViewerServer } from '../../src/viewer/server.js';
import { Collector, TinyEnv, waitFor } from './helpers.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

// Stand-in for a trainer's per-step compute (a tiny forward pass), about ten microseconds.
const work = new Float32Array(8192).map((_, i) => i / 1024);
let sink = 0;
function compute(): void {
  let acc = 0;
  for (let i = 0; i < work.length; i++) acc += (work[i] ?? 0) * 1.0001;
  sink += acc;
}

/** A trainer-like tight loop: `steps` env steps, yielding when the viewer asks; counts Q-value requests. */
async function trainLoop(env: TinyEnv, steps: number, tv: TrainingViewer): Promise<{ wall: number; qCalls: number }> {
  const t0 = performance.now();
  let qCalls = 0;
  env.reset({ seed: 0 });
  let ep = 0;
  let epStep = 0;
  let ret = 0;
  for (let s = 1; s <= steps; s++) {
    const a = s % 3;
    const [, r, term, trunc, info] = env.step(a);
    compute();
    epStep++;
    ret += r;
    tv.step(s, epStep, a, r, ret, info, () => {
      qCalls++;
      return [0.1 * a, 0.2, 0.3];
    });
    if (term || trunc) {
      tv.episode(ep++, ret, epStep);
      env.reset();
      epStep = 0;
      ret = 0;
    }
    if (s % 10 === 0) tv.metrics(s, { loss: 1 / s, epsilon: 1 - s / steps });
    if (tv.yieldDue()) await yieldToEventLoop();
  }
  tv.flushMetrics();
  return { wall: performance.now() - t0, qCalls };
}

describe('TrainingViewer (train --watch)', () => {
  it('streams frames at fps, every episode, coalesced metrics and Q-values, with little overhead per step', async () => {
    const env = new TinyEnv(40, 40, 30, 100);
    const server = await ViewerServer.start({
      port: 0,
      staticDir: '/nonexistent',
      log: () => undefined,
      hello: {
        mode: 'train',
        envId: 'Tiny-v0',
        observationSpace: { type: 'Box', shape: [1], dtype: 'uint8' },
        actionSpace: { type: 'Discrete', shape: [], dtype: 'int32', n: 3 },
        actionNames: ['left', 'stay', 'right'],
        fps: 30,
      },
    });
    cleanup.push(() => server.close());
    const c = new Collector(`ws://127.0.0.1:${server.port}/ws`);
    cleanup.push(() => c.close());
    await c.opened();
    await waitFor(() => server.clientCount === 1);

    const steps = 60_000;
    const tv = new TrainingViewer(server, env, { envId: 'Tiny-v0' });
    const run = await trainLoop(env, steps, tv);
    const seconds = run.wall / 1000;
    await waitFor(() => c.of('episode').length === steps / 100, 5000, 'all episodes');

    // Watching costs work per frame shown (30 a second), not per step: the env renders and the
    // agent computes Q-values only for the frames sent. (Counted, not timed: how much CPU that
    // costs is a benchmark's question, and timing in tests only measures the neighbours.)
    const frameBound = Math.ceil(seconds * 30 * 1.2) + 3;
    expect(env.renders).toBeGreaterThan(0);
    expect(env.renders).toBeLessThanOrEqual(frameBound);
    expect(run.qCalls).toBeLessThanOrEqual(frameBound);
    expect(sink).toBeGreaterThan(0);
    // Frames: about fps per second, never many more.
    expect(c.frames.length).toBeGreaterThan(0);
    expect(c.frames.length).toBeLessThanOrEqual(frameBound);
    expect([c.frames[0]?.height, c.frames[0]?.width]).toEqual([40, 40]);
    expect(c.of('qvalues').length).toBeGreaterThan(0);
    expect(c.of('qvalues')[0]?.values).toHaveLength(3);
    // Metrics coalesced to about 10 a second, the last one carrying the end of training.
    const metrics = c.of('metrics');
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 3);
    await waitFor(() => c.of('metrics').at(-1)?.step === steps, 2000, 'final metrics');
  });
});

describe("C51's return distribution in the viewer (train --watch and watch)", () => {
  const hello = {
    mode: 'train' as const,
    envId: 'Tiny-v0',
    observationSpace: { type: 'Box', shape: [1], dtype: 'uint8' },
    actionSpace: { type: 'Discrete', shape: [], dtype: 'int32', n: 3 },
    actionNames: ['left', 'stay', 'right'],
    fps: 100,
  };
  const info = { obsShape: [1], obsDtype: 'uint8' as const, numActions: 3 };

  function agentWith(numAtoms: number): DqnAgent {
    const cfg = resolveDqnConfig(undefined, {
      hiddenSizes: [8],
      numAtoms,
      vMin: -2,
      vMax: 2,
      learningStarts: 20,
      batchSize: 8,
      bufferSize: 500,
      trainFrequency: 4,
    });
    const agent = new DqnAgent(cfg, info, new Rng(5), { steps: 300 });
    cleanup.push(() => agent.dispose());
    return agent;
  }

  async function startServer(): Promise<ViewerServer> {
    const server = await ViewerServer.start({ port: 0, staticDir: '/nonexistent', log: () => undefined, hello });
    cleanup.push(() => server.close());
    return server;
  }

  async function connect(server: ViewerServer): Promise<Collector> {
    const c = new Collector(`ws://127.0.0.1:${server.port}/ws`);
    cleanup.push(() => c.close());
    await c.opened();
    await waitFor(() => server.clientCount === 1);
    return c;
  }

  /** Every qvalues message carries the highlighted action's distribution (over `atoms` atoms in [-2, 2]) or none. */
  function checkMessages(c: Collector, atoms: number | null): void {
    const q = c.of('qvalues');
    expect(q.length).toBeGreaterThan(0);
    for (const m of q) {
      if (atoms === null) {
        expect(m.distribution).toBeUndefined();
        continue;
      }
      const d = m.distribution;
      expect(d).toBeDefined();
      expect([d?.vMin, d?.vMax, d?.probs.length]).toEqual([-2, 2, atoms]);
      const probs = d?.probs ?? [];
      expect(probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 4);
      // Rounded to 6 decimals on the wire: the mean still matches the action's Q-value.
      const mean = probs.reduce((s, p, i) => s + p * (-2 + (4 * i) / (atoms - 1)), 0);
      expect(Math.abs(mean - (m.values[m.action] as number))).toBeLessThan(1e-4);
    }
  }

  async function trainWatched(agent: DqnAgent, server: ViewerServer): Promise<void> {
    const events = new Subject<TrainEvent>();
    const sub = streamTraining(server, 'Tiny-v0', events);
    const env = new TinyEnv(6, 8, 100, 20) as unknown as TypedEnv;
    await train({
      agent,
      env,
      seed: 0,
      totalSteps: 300,
      sink: nullSink,
      clock: () => performance.now(),
      events,
      emitSteps: true,
      yieldMs: 5,
    });
    sub.unsubscribe();
  }

  it.each([
    [11, 'carry the greedy action distribution'],
    [1, 'carry none'],
  ])('training with numAtoms %i: the Q-value messages %s', async (numAtoms) => {
    const server = await startServer();
    const c = await connect(server);
    const agent = agentWith(numAtoms);
    const spy = vi.spyOn(agent, 'returnDistributions');
    await trainWatched(agent, server);
    server.flush();
    await waitFor(() => c.of('qvalues').length > 0, 5000, 'Q-values');
    checkMessages(c, numAtoms > 1 ? numAtoms : null);
    // Train mode highlights the greedy action, whose distribution is the one sent.
    for (const m of c.of('qvalues')) expect(m.values[m.action]).toBe(Math.max(...m.values));
    // One forward pass per shown frame, never per training step.
    expect(spy.mock.calls.length).toBeGreaterThan(0);
    expect(spy.mock.calls.length).toBeLessThan(300);
  });

  it('training with nobody watching computes no distribution', async () => {
    const server = await startServer();
    const agent = agentWith(11);
    const spy = vi.spyOn(agent, 'returnDistributions');
    await trainWatched(agent, server);
    expect(spy).not.toHaveBeenCalled();
  });

  it.each([
    [11, 'carry the distribution of the action taken'],
    [1, 'carry none'],
  ])('watching a saved policy with numAtoms %i: the Q-value messages %s', async (numAtoms) => {
    const server = await startServer();
    server.setHello({ ...hello, mode: 'watch' });
    server.setStatus({ epsilon: 0.5 });
    const c = await connect(server);
    c.send({ type: 'speed', value: 8 });
    const agent = agentWith(numAtoms);
    tf.tidy(() => agent.online.setWeights(agent.online.getWeights().map((w) => tf.mul(w, 3))));
    const policy = modelPolicy(agent.policyModel(), 3, 255);
    expect(policy.returnDistributions === undefined).toBe(numAtoms === 1);
    const env = new TinyEnv(6, 8, 100, 4);
    const res = await runLiveLoop({
      env: env as unknown as Env<unknown, number>,
      envId: 'Tiny-v0',
      viewer: server,
      episodes: 3,
      seed: 0,
      policy: livePolicy(policy, server, new Rng(2)),
    });
    expect(res.steps).toBe(12);
    await waitFor(() => c.of('qvalues').length > 0, 5000, 'Q-values');
    checkMessages(c, numAtoms > 1 ? numAtoms : null);
  });
});
