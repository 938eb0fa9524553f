/**
 * The entry points in api/, in process: the main entry holds every subpath's exports (the very
 * same values), and the viewer glue (`viewerHello`, `serveEnvStream`) publishes what an
 * `EnvStream` does. The packed package itself is tested in pack.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as main from '../../api/index.js';
import * as agents from '../../api/agents.js';
import * as data from '../../api/data.js';
import * as envs from '../../api/envs.js';
import * as models from '../../api/models.js';
import * as viewer from '../../api/viewer.js';
import type { RgbFrame } from '../../src/core/env.js';
import type { EpisodeMessage, StepMessage } from '../../src/viewer/protocol.js';
import type { ViewerServer } from '../../src/viewer/server.js';

/** Records what serveEnvStream publishes; frames are due every `frameEvery`-th ask. */
class RecordingServer {
  readonly steps: Omit<StepMessage, 'type'>[] = [];
  readonly frames: { frame: RgbFrame; step: number }[] = [];
  readonly episodes: Omit<EpisodeMessage, 'type'>[] = [];
  private asks = 0;
  constructor(private readonly frameEvery: number) {}
  frameDue(): boolean {
    return this.asks++ % this.frameEvery === 0;
  }
  publishStep(msg: Omit<StepMessage, 'type'>): void {
    this.steps.push(msg);
  }
  publishFrame(frame: RgbFrame, step: number): void {
    this.frames.push({ frame: { ...frame, data: frame.data.slice() }, step });
  }
  publishEpisode(msg: Omit<EpisodeMessage, 'type'>): void {
    this.episodes.push(msg);
  }
}

describe('api entry points', () => {
  it('the main entry point re-exports every subpath, the same values', () => {
    const subpaths: Record<string, Record<string, unknown>> = { envs, agents, models, data, viewer };
    const mainExports = main as Record<string, unknown>;
    for (const [name, mod] of Object.entries(subpaths)) {
      const missing = Object.keys(mod).filter((k) => mainExports[k] !== mod[k]);
      expect(missing, name).toEqual([]);
    }
    expect(typeof main.tf.tensor).toBe('function');
    expect(main.make).toBe(envs.make);
    expect(main.train).toBe(agents.train);
  });

  it('names the CLI-level train/evaluate plainly and the lower layers apart', () => {
    expect(main.train).not.toBe(main.trainLoop);
    expect(main.evaluate).not.toBe(main.evaluatePolicy);
    expect(main.evaluate).not.toBe(main.evaluateModel);
    expect(main.registeredIds()).toEqual(expect.arrayContaining(['Catch-v0', 'bsuite/Catch-v0']));
  });

  it('viewerHello describes an env for the page', () => {
    const env = main.make('bsuite/Catch-v0');
    expect(main.viewerHello('bsuite/Catch-v0', env)).toEqual({
      mode: 'watch',
      envId: 'bsuite/Catch-v0',
      observationSpace: { type: 'Box', shape: [10, 5], dtype: 'float32' },
      actionSpace: { type: 'Discrete', shape: [], dtype: 'int32', n: 3 },
      actionNames: ['left', 'stay', 'right'],
      fps: 10,
    });
    expect(main.viewerHello('bsuite/Catch-v0', env, 'play').mode).toBe('play');
  });

  it('serveEnvStream publishes steps and frames when due, every episode with its outcome, until unsubscribed', () => {
    const stream = new main.EnvStream(main.make<Float32Array, number>('bsuite/Catch-v0', { renderMode: 'rgb_array' }));
    const server = new RecordingServer(2);
    const sub = main.serveEnvStream(stream, server as unknown as ViewerServer, { envId: 'bsuite/Catch-v0' });
    const returns: number[] = [];
    stream.reset({ seed: 0 });
    let ret = 0;
    for (let t = 0; returns.length < 3; t++) {
      const [, reward, terminated, truncated] = stream.step(t % 3);
      ret += reward;
      if (terminated || truncated) {
        returns.push(ret);
        ret = 0;
        stream.reset();
      }
    }
    expect(server.episodes).toEqual(returns.map((r, i) => ({ index: i, return: r, length: 9, won: r > 0 })));
    // The reset's frame, then every other step (frameDue alternates), each with its step message.
    expect(server.steps.length).toBeGreaterThan(5);
    for (const s of server.steps) {
      expect(s.episodeStep).toBeGreaterThanOrEqual(1);
      expect(s.episodeStep).toBeLessThanOrEqual(9);
      expect(server.frames.some((f) => f.step === s.step)).toBe(true);
    }
    const first = server.steps[0];
    expect(first?.episodeReturn).toBe(first?.reward);
    expect(server.frames[0]?.frame).toMatchObject({ height: 10, width: 5 });
    const counts = [server.steps.length, server.frames.length, server.episodes.length];
    sub.unsubscribe();
    stream.step(0);
    expect([server.steps.length, server.frames.length, server.episodes.length]).toEqual(counts);
    stream.close();
  });

  it('serveEnvStream leaves out the win flag for envs that count none', () => {
    const stream = new main.EnvStream(main.make<Uint8Array, number>('MinAtar/Breakout-v1'));
    const server = new RecordingServer(1);
    const sub = main.serveEnvStream(stream, server as unknown as ViewerServer, { envId: 'MinAtar/Breakout-v1' });
    stream.reset({ seed: 1 });
    for (let done = false; !done;) {
      const [, , terminated, truncated] = stream.step(0);
      done = terminated || truncated;
    }
    expect(server.episodes).toHaveLength(1);
    expect(server.episodes[0]).not.toHaveProperty('won');
    // No render mode: steps are published, frames are not.
    expect(server.steps.length).toBeGreaterThan(0);
    expect(server.frames).toEqual([]);
    sub.unsubscribe();
    stream.close();
  });
});
