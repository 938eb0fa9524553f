import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomAgent } from '../../agents/random.js';
import { train, type TypedEnv } from '../../agents/trainer.js';
import { loadBuiltinEnvs } from '../../envs/index.js';
import { runWatched } from '../../cli/train-watch.js';
import { nullSink } from '../../src/metrics/sink.js';
import { make } from '../../src/core/registry.js';
import { Rng } from '../../src/rng/rng.js';
import { Collector, waitFor } from './helpers.js';

// runWatched prints the URL on stdout; capture it.
const captured: string[] = [];
const write = process.stdout.write.bind(process.stdout);
beforeAll(() => {
  process.stdout.write = ((chunk: string | Uint8Array) => {
    captured.push(...String(chunk).split('\n').filter((l) => l.startsWith('viewer: ')));
    return true;
  }) as typeof process.stdout.write;
});
afterAll(() => {
  process.stdout.write = write;
});

describe('train --watch', () => {
  it('streams a real training loop: hello (train), Catch frames, every episode, Q-values, metrics', async () => {
    loadBuiltinEnvs();
    let client: Collector | null = null;
    let trained = 0;
    // Stands in for the train command: runWatched starts the server; the run function trains.
    await runWatched({ port: 0, host: '127.0.0.1', env: 'Catch-v0' }, async (hooks) => {
      const env = make('Catch-v0', hooks.render ? { renderMode: 'rgb_array' } : {}) as TypedEnv;
      const port = Number(/:(\d+)\/$/.exec(captured.at(-1) ?? '')?.[1]);
      const c = new Collector(`ws://127.0.0.1:${port}/ws`);
      client = c;
      await c.opened();
      expect(c.of('hello').length).toBeLessThanOrEqual(1);
      hooks.events.subscribe((e) => {
        if (e.type === 'episode') trained = e.episode;
      });
      const agent = new RandomAgent(3, new Rng(1));
      // Steps enough (in wall time) for several frames at 30 fps.
      const t0 = performance.now();
      while (performance.now() - t0 < 400) {
        await train({ agent, env, seed: 1, totalSteps: 2000, sink: nullSink, clock: Date.now, events: hooks.events, emitSteps: hooks.emitSteps, yieldEvery: 100 });
      }
      await waitFor(() => c.frames.length >= 2 && c.of('episode').length >= trained, 5000, 'frames and episodes');
    });
    const c = client as unknown as Collector;
    c.close();
    // The provisional hello, then the real one from the trainer's start event.
    expect(c.of('hello').at(-1)).toMatchObject({ mode: 'train', envId: 'Catch-v0', fps: 30, actionNames: ['left', 'stay', 'right'] });
    expect(c.of('hello').at(-1)?.actionSpace).toMatchObject({ type: 'Discrete', n: 3 });
    expect([c.frames[0]?.height, c.frames[0]?.width, c.frames[0]?.channels]).toEqual([400, 400, 3]);
    expect(c.of('episode')[0]).toMatchObject({ index: 0 });
    expect(typeof c.of('episode')[0]?.won).toBe('boolean');
    expect(c.of('qvalues').at(-1)?.values).toEqual([0, 0, 0]);
    expect(c.of('metrics').some((m) => m.values['epsilon'] === 1)).toBe(true);
    expect(captured.some((l) => /^viewer: http:\/\/127\.0\.0\.1:\d+\/$/.test(l))).toBe(true);
  });
});
