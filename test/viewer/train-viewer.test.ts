import { afterEach, describe, expect, it } from 'vitest';
import { TrainingViewer, yieldToEventLoop } from '../../src/viewer-train.js';
import { ViewerServer } from '../../src/viewer-server.js';
import { Collector, TinyEnv, waitFor } from './helpers.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A trainer-like tight loop: `steps` env steps, yielding when the viewer asks. */
async function trainLoop(env: TinyEnv, steps: number, tv: TrainingViewer | null): Promise<number> {
  const t0 = performance.now();
  env.reset({ seed: 0 });
  let ep = 0;
  let epStep = 0;
  let ret = 0;
  for (let s = 1; s <= steps; s++) {
    const a = s % 3;
    const [, r, term, trunc, info] = env.step(a);
    epStep++;
    ret += r;
    tv?.step(s, epStep, a, r, ret, info, () => [0.1 * a, 0.2, 0.3]);
    if (term || trunc) {
      tv?.episode(ep++, ret, epStep);
      env.reset();
      epStep = 0;
      ret = 0;
    }
    if (s % 10 === 0) tv?.metrics(s, { loss: 1 / s, epsilon: 1 - s / steps });
    if (tv?.yieldDue()) await yieldToEventLoop();
  }
  tv?.flushMetrics();
  return performance.now() - t0;
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

    const steps = 300_000;
    // Bare loops before and after, so JIT warm-up does not count as viewer overhead.
    const bare1 = await trainLoop(new TinyEnv(40, 40, 30, 100), steps, null);
    const tv = new TrainingViewer(server, env, { envId: 'Tiny-v0' });
    const watched = await trainLoop(env, steps, tv);
    const bare = Math.min(bare1, await trainLoop(new TinyEnv(40, 40, 30, 100), steps, null));
    await waitFor(() => c.of('episode').length === steps / 100, 5000, 'all episodes');
    const seconds = watched / 1000;

    // Overhead: well under 2 microseconds per step on average (generous for a loaded CI box).
    expect((watched - bare) / steps).toBeLessThan(2e-3);
    // Frames: about fps per second, never many more.
    expect(c.frames.length).toBeGreaterThan(0);
    expect(c.frames.length).toBeLessThanOrEqual(Math.ceil(seconds * 30 * 1.2) + 3);
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
