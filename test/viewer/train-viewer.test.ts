import { afterEach, describe, expect, it } from 'vitest';
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
