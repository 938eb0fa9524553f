import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BaseEnv } from '../../../src/core/env-base.js';
import type { EnvMetadata, Info, StepResult } from '../../../src/core/env.js';
import { checkEnv } from '../../../src/core/env-checker.js';
import { createResizer } from '../../../src/image/resize.js';
import { make } from '../../../src/core/registry.js';
import { Box, Discrete } from '../../../src/core/spaces.js';
import { AtariPreprocessing, EpisodicLife, NoopReset } from '../../../src/core/wrappers/atari-preprocessing.js';
import { rgbToGray } from '../../../src/core/wrappers/transform-observation.js';
import '../../../envs/minatar/index.js';

/** Replays a list of gray 210x160 frames: reset shows frames[0], step k shows frames[k]; reports lives. */
class FrameEnv extends BaseEnv<Uint8Array, number> {
  readonly observationSpace = new Box(0, 255, [210, 160, 1], 'uint8');
  readonly actionSpace = new Discrete(2);
  readonly metadata: EnvMetadata = { renderModes: [], renderFps: 30 };
  private t = 0;
  constructor(
    private readonly frames: Uint8Array[],
    private readonly lives: number[] = [],
  ) {
    super();
  }
  protected resetEpisode(): [Uint8Array, Info] {
    this.t = 0;
    return [this.frames[0] as Uint8Array, { lives: this.lives[0] ?? 1 }];
  }
  protected stepEpisode(): StepResult<Uint8Array> {
    this.t++;
    const f = this.frames[this.t % this.frames.length] as Uint8Array;
    return [f, 1, false, false, { lives: this.lives[this.t] ?? 1 }];
  }
}

interface ResizeCase {
  name: string;
  prev: string;
  cur: string;
  resized: string;
}
const decode = (s: string): Uint8Array => new Uint8Array(inflateSync(Buffer.from(s, 'base64')));
const cases = (
  JSON.parse(
    readFileSync(
      new URL('../../../../shared/reference/atari-resize/inter_area_210x160_to_84x84.json', import.meta.url),
      'utf8',
    ),
  ) as {
    cases: ResizeCase[];
  }
).cases;

describe('AtariPreprocessing', () => {
  it('max-pools the last two frames and area-resizes them bit-exactly (all 26 OpenCV cases)', () => {
    for (const c of cases) {
      const blank = new Uint8Array(210 * 160);
      // frameSkip 2: one agent step sees prev then cur.
      const env = new AtariPreprocessing(new FrameEnv([blank, decode(c.prev), decode(c.cur)]), {
        noopMax: 0,
        frameSkip: 2,
        frameStack: 1,
      });
      expect(env.observationSpace.toString()).toBe('Box(0, 255, [84, 84, 1], uint8)');
      env.reset({ seed: 0 });
      const [obs, r] = env.step(0);
      expect(r).toBe(2);
      expect(Buffer.from(obs as Uint8Array).equals(Buffer.from(decode(c.resized))), c.name).toBe(true);
    }
  });

  it('composes noop reset, gray, max-and-skip, 84x84 area resize and a 4-frame stack on MinAtar pixels', () => {
    const env = new AtariPreprocessing(make<Uint8Array, number>('MinAtar/Breakout-pixels-v1'));
    expect(env.observationSpace.toString()).toBe('Box(0, 255, [84, 84, 4], uint8)');
    expect(env.stages.map((s) => s.constructor.name)).toEqual([
      'NoopReset',
      'GrayScale',
      'MaxAndSkip',
      'Resize',
      'FrameStack',
    ]);
    const [o0] = env.reset({ seed: 5 });
    expect(env.observationSpace.contains(o0)).toBe(true);
    const noop = env.stages[0] as NoopReset<Uint8Array, number>;
    expect(noop.lastNoops).toBeGreaterThanOrEqual(1);
    expect(noop.lastNoops).toBeLessThanOrEqual(30);

    // Rebuild the newest frame by hand from a twin env driven through the same steps.
    const twin = make<Uint8Array, number>('MinAtar/Breakout-pixels-v1');
    twin.reset({ seed: 5 });
    for (let i = 0; i < noop.lastNoops; i++) if (twin.step(0)[2]) twin.reset();
    const resize = createResizer(160, 160, 1, 84, 84, 'area');
    const gray = (rgb: Uint8Array): Uint8Array => {
      const g = new Uint8Array(160 * 160);
      for (let i = 0; i < g.length; i++)
        g[i] = rgbToGray(rgb[3 * i] as number, rgb[3 * i + 1] as number, rgb[3 * i + 2] as number);
      return g;
    };
    const actions = [2, 1, 2, 0, 1];
    for (const a of actions) {
      const [obs, , term] = env.step(a);
      let prev: Uint8Array = new Uint8Array(0);
      let cur: Uint8Array = new Uint8Array(0);
      let ended = false;
      for (let k = 0; k < 4 && !ended; k++) {
        const [f, , t] = twin.step(a);
        prev = cur;
        cur = gray(f);
        ended = t;
      }
      const pooled = cur.slice();
      if (prev.length)
        for (let i = 0; i < pooled.length; i++) pooled[i] = Math.max(pooled[i] as number, prev[i] as number);
      const expected = resize(pooled, new Uint8Array(84 * 84));
      const newest = new Uint8Array(84 * 84);
      for (let i = 0; i < newest.length; i++) newest[i] = (obs as Uint8Array)[i * 4 + 3] as number;
      expect(Buffer.from(newest).equals(Buffer.from(expected))).toBe(true);
      expect(term).toBe(ended);
      if (term) break;
    }
  });

  it('draws the no-op count from its own seeded stream: same seed, same start; the env stream is untouched', () => {
    const counts = (seed: number): number[] => {
      const env = new AtariPreprocessing(make<Uint8Array, number>('MinAtar/Freeway-pixels-v1'));
      const noop = env.stages[0] as NoopReset<Uint8Array, number>;
      const out: number[] = [];
      env.reset({ seed });
      out.push(noop.lastNoops);
      for (let i = 0; i < 4; i++) {
        env.reset();
        out.push(noop.lastNoops);
      }
      return out;
    };
    expect(counts(3)).toEqual(counts(3));
    expect(counts(3)).not.toEqual(counts(4));
    expect(new Set(counts(3)).size).toBeGreaterThan(1);
  });

  it('scales to float32 and can end episodes on a life loss', () => {
    const f = new Uint8Array(210 * 160).fill(255);
    const scaled = new AtariPreprocessing(new FrameEnv([f]), { noopMax: 0, scaleObs: true, frameStack: 2 });
    expect(scaled.observationSpace.toString()).toMatch(/^Box\(0, 1, \[84, 84, 2\], float32\)$/);
    const [o] = scaled.reset({ seed: 0 });
    expect(o).toBeInstanceOf(Float32Array);
    expect((o as Float32Array)[0]).toBe(1);

    const lives = [3, 3, 3, 3, 3, 3, 2, 2, 2];
    const env = new AtariPreprocessing(new FrameEnv([f], lives), {
      noopMax: 0,
      terminalOnLifeLoss: true,
      frameStack: 1,
    });
    expect(env.stages.some((s) => s instanceof EpisodicLife)).toBe(true);
    env.reset({ seed: 0 });
    expect(env.step(0)[2]).toBe(false); // frames 1-4: 3 lives
    expect(env.step(0)[2]).toBe(true); // frame 6: 2 lives
  });

  it('rejects non-image observations and bad options', () => {
    expect(() => new AtariPreprocessing(make<Uint8Array, number>('MinAtar/Breakout-v1'))).toThrow(TypeError);
    expect(
      () => new AtariPreprocessing(make<Uint8Array, number>('MinAtar/Breakout-pixels-v1'), { frameSkip: 0 }),
    ).toThrow(RangeError);
  });

  it('passes checkEnv on every MinAtar pixels id', () => {
    for (const t of ['Asterix', 'Breakout', 'Freeway', 'Seaquest', 'SpaceInvaders']) {
      const env = new AtariPreprocessing(make<Uint8Array, number>(`MinAtar/${t}-pixels-v1`, { cellSize: 8 }));
      expect(checkEnv(env, { steps: 40 }).passed).toEqual(
        expect.arrayContaining(['spaces', 'reset', 'step', 'determinism']),
      );
    }
  });
});
