// FrameDrop: each observation (reset ones too) is replaced by zeros with probability p, from a
// seeded stream of its own; everything else is the inner env's.
import { describe, expect, it } from 'vitest';
import '../../../../envs/index.js';
import { BaseEnv } from '../../../../src/core/env-base.js';
import type { EnvMetadata, Info, StepResult } from '../../../../src/core/env.js';
import { checkEnv } from '../../../../src/core/env-checker.js';
import { make } from '../../../../src/core/registry.js';
import { Box, Discrete } from '../../../../src/core/spaces.js';
import { FrameDrop, StickyAction } from '../../../../src/core/wrappers/index.js';
import { Rng } from '../../../../src/rng/rng.js';
import { pixel, ToyEnv } from '../toy-env.js';

/** Whether `obs` is the toy env's frame at step t (else it must be all zeros to pass the drop check). */
function isToyFrame(env: ToyEnv, obs: Uint8Array, t: number): boolean {
  let i = 0;
  for (let y = 0; y < env.h; y++)
    for (let x = 0; x < env.w; x++)
      for (let c = 0; c < env.c; c++) if (obs[i++] !== pixel(t, y, x, c, env.offset)) return false;
  return true;
}

/** The drop pattern of `steps` observations (reset first) after `reset({seed})`. */
function dropPattern(p: number, seed: number, steps: number): boolean[] {
  const env = new FrameDrop(new ToyEnv({ length: steps + 1 }), p);
  env.reset({ seed });
  const out = [env.dropped];
  for (let t = 1; t < steps; t++) {
    env.step(1);
    out.push(env.dropped);
  }
  return out;
}

/** A Box env whose bounds exclude 0. */
class PositiveEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box([1, -3], [5, -2], [2], 'float32');
  readonly actionSpace = new Discrete(2);
  readonly metadata: EnvMetadata = { renderModes: [], renderFps: 1 };
  private readonly obs = new Float32Array([2, -2.5]);
  protected resetEpisode(): [Float32Array, Info] {
    return [this.obs, {}];
  }
  protected stepEpisode(): StepResult<Float32Array> {
    return [this.obs, 1, false, false, {}];
  }
}

describe('FrameDrop', () => {
  it('drops each observation with probability p, to all zeros; kept ones are the inner frames', () => {
    const toy = new ToyEnv({ length: 5000 });
    const env = new FrameDrop(toy, 0.3);
    let [obs] = env.reset({ seed: 4 });
    let dropped = 0;
    const n = 4000;
    for (let t = 0; t < n; t++) {
      if (t > 0) [obs] = env.step(t % 3);
      if (env.dropped) {
        dropped++;
        expect(obs.every((v) => v === 0)).toBe(true);
      } else {
        expect(isToyFrame(toy, obs, t)).toBe(true);
      }
    }
    // Binomial(4000, 0.3): sd 29; 5 sd either side.
    expect(Math.abs(dropped - 0.3 * n)).toBeLessThan(145);
  });

  it('p = 0 passes every observation through; rewards, flags and info are untouched', () => {
    const toy = new ToyEnv({ length: 5 });
    const ref = new ToyEnv({ length: 5 });
    const env = new FrameDrop(toy, 0);
    expect(env.reset({ seed: 1 })).toEqual(ref.reset({ seed: 1 }));
    for (let t = 1; t <= 5; t++) expect(env.step(t % 3)).toEqual(ref.step(t % 3));
  });

  it('the pattern follows the reset seed, differs across seeds, and is not StickyAction’s stream', () => {
    const a = dropPattern(0.5, 7, 300);
    expect(dropPattern(0.5, 7, 300)).toEqual(a);
    expect(dropPattern(0.5, 8, 300)).not.toEqual(a);
    const sticky = new Rng(7).fork();
    expect(a).not.toEqual(a.map(() => sticky.nextFloat() < 0.5));
    // Stacked with StickyAction under one seed, the two draw different numbers.
    const env = new FrameDrop(new StickyAction(new ToyEnv({ length: 400 }), 0.5), 0.5);
    env.reset({ seed: 7 });
    const stacked = [env.dropped];
    for (let t = 1; t < 300; t++) {
      env.step(t % 3);
      stacked.push(env.dropped);
    }
    expect(stacked).toEqual(a);
  });

  it('without a seeded reset, draws from the given rng (one draw per observation)', () => {
    const env = new FrameDrop(new ToyEnv({ length: 50 }), 0.4, new Rng(3));
    const draws = new Rng(3);
    env.reset();
    const got = [env.dropped];
    const want = [draws.nextFloat() < 0.4];
    for (let t = 1; t < 50; t++) {
      env.step(0);
      got.push(env.dropped);
      want.push(draws.nextFloat() < 0.4);
    }
    expect(got).toEqual(want);
  });

  it('keeps a space that holds 0, widens one that does not', () => {
    const toy = new ToyEnv();
    expect(new FrameDrop(toy, 0.5).observationSpace).toBe(toy.observationSpace);
    const env = new FrameDrop(new PositiveEnv(), 0.9);
    const box = env.observationSpace as Box;
    expect(Array.from(box.low)).toEqual([0, -3]);
    expect(Array.from(box.high)).toEqual([5, 0]);
    const report = checkEnv(env, { seed: 0, steps: 50 });
    expect(report.passed).toContain('step');
  });

  it('rejects p outside [0, 1) and non-Box spaces', () => {
    expect(() => new FrameDrop(new ToyEnv(), 1)).toThrow(/p must be in \[0, 1\)/);
    expect(() => new FrameDrop(new ToyEnv(), -0.1)).toThrow(/p must be in/);
    expect(() => new FrameDrop(make<Float32Array, number>('bsuite/Catch-v0'), Number.NaN)).toThrow(/p must be in/);
    const discrete = {
      observationSpace: new Discrete(3),
    } as unknown as ConstructorParameters<typeof FrameDrop<Uint8Array, number>>[0];
    expect(() => new FrameDrop(discrete, 0.5)).toThrow(/FrameDrop needs a Box/);
  });

  it('passes checkEnv on CartPole and on Catch', () => {
    for (const env of [
      new FrameDrop(make<Float32Array, number>('CartPole-v1'), 0.5),
      new FrameDrop(make<Uint8Array, number>('Catch-v0', { size: 40 }), 0.25),
    ]) {
      const report = checkEnv(env, { seed: 2, steps: 200 });
      expect(report.passed).toEqual(expect.arrayContaining(['spaces', 'reset', 'step', 'determinism']));
    }
  });
});
