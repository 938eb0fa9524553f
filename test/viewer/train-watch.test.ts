import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { RandomAgent } from '../../agents/random.js';
import { train, type TrainEvent, type TypedEnv } from '../../agents/trainer.js';
import { loadBuiltinEnvs } from '../../envs/index.js';
import { startTrainWatch } from '../../src/cli/train-watch.js';
import { nullSink } from '../../src/metrics/sink.js';
import { make } from '../../src/registry.js';
import { Rng } from '../../src/rng.js';
import { Collector, waitFor } from './helpers.js';

describe('train --watch adapter', () => {
  it('streams a real training loop: hello (train), Catch frames, every episode, Q-values', async () => {
    loadBuiltinEnvs();
    const env = make('Catch-v0', { renderMode: 'rgb_array' }) as TypedEnv;
    const events = new Subject<TrainEvent>();
    const watch = await startTrainWatch({ port: 0, host: '127.0.0.1' }, 'Catch-v0', env, events);
    const c = new Collector(`ws://127.0.0.1:${watch.server.port}/ws`);
    try {
      await c.opened();
      await waitFor(() => watch.server.clientCount === 1);
      let episodes = 0;
      events.subscribe((e) => {
        if (e.type === 'episode') episodes = e.episode;
      });
      const agent = new RandomAgent(3, new Rng(1));
      // Long enough (wall time) for several frames at 30 fps.
      const t0 = performance.now();
      let steps = 0;
      while (performance.now() - t0 < 400) {
        const r = await train({ agent, env, seed: steps, totalSteps: 2000, sink: nullSink, clock: Date.now, events, emitSteps: true, yieldEvery: 100 });
        steps += r.steps;
      }
      await waitFor(() => c.of('episode').length >= episodes && c.frames.length >= 2, 5000, 'episodes and frames');
      expect(c.of('hello')[0]).toMatchObject({ mode: 'train', envId: 'Catch-v0', fps: 30, actionNames: ['left', 'stay', 'right'] });
      expect([c.frames[0]?.height, c.frames[0]?.width, c.frames[0]?.channels]).toEqual([400, 400, 3]);
      expect(c.of('episode')[0]).toMatchObject({ index: 0 });
      expect(typeof c.of('episode')[0]?.won).toBe('boolean');
      const q = c.of('qvalues').at(-1);
      expect(q?.values).toEqual([0, 0, 0]);
      expect(c.of('metrics').some((m) => m.values['epsilon'] === 1)).toBe(true);
    } finally {
      c.close();
      await watch.close();
    }
  });
});
