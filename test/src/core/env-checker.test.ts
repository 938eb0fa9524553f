import { describe, expect, it } from 'vitest';
import { EnvCheckError, checkEnv, dataEqual } from '../../../src/core/env-checker.js';
import { BaseEnv, STEP_AFTER_END_MESSAGE, STEP_BEFORE_RESET_MESSAGE } from '../../../src/core/env-base.js';
import { Box, Discrete } from '../../../src/core/spaces.js';
import type { Env, EnvMetadata, Info, RgbFrame, Space, StepResult } from '../../../src/core/env.js';
import { TimeLimit } from '../../../src/core/wrappers/common.js';
import { FrameStack } from '../../../src/core/wrappers/stateful-observation.js';
import { ToyEnv } from './toy-env.js';

/** A toy env that forgets to reseed: `reset({seed})` leaves its Rng stream running on. */
class Unseeded extends ToyEnv {
  protected override seed(): void {}
}

/** Declares Box(0, 100) but emits pixels up to 255. */
class OutOfSpace extends ToyEnv {
  override readonly observationSpace = new Box(0, 100, [2, 3, 3], 'uint8');
}

/** Not a BaseEnv: lets step() run after the episode ended. */
class NoEndGuard implements Env<number, number> {
  readonly observationSpace = new Discrete(10);
  readonly actionSpace = new Discrete(2);
  readonly metadata: EnvMetadata = { renderModes: [], renderFps: 1 };
  readonly renderMode = null;
  private t = 0;
  reset(): [number, Info] {
    this.t = 0;
    return [0, {}];
  }
  step(): StepResult<number> {
    this.t = Math.min(this.t + 1, 9);
    return [this.t, 1, this.t >= 3, false, {}];
  }
  render(): null {
    return null;
  }
  close(): void {}
}

/** Renders a frame smaller than declared. */
class BadRender extends ToyEnv {
  protected override renderRgb(): RgbFrame {
    return { data: new Uint8Array(3), height: 1, width: 1 };
  }
}

/** Returns NaN rewards. */
class NaNReward extends ToyEnv {
  protected override stepEpisode(a: number): StepResult<Uint8Array> {
    const out = super.stepEpisode(a);
    out[1] = NaN;
    return out;
  }
}

/** A space with a zero dimension (built by hand, since Box refuses it). */
class BadSpaceEnv extends ToyEnv {
  override readonly actionSpace = Object.assign(Object.create(Discrete.prototype) as Discrete, {
    n: 3,
    start: 0,
    shape: [0],
    dtype: 'int32',
  });
}

/** Returns a 4-tuple from step. */
class ShortStep extends ToyEnv {
  protected override stepEpisode(a: number): StepResult<Uint8Array> {
    return super.stepEpisode(a).slice(0, 4) as unknown as StepResult<Uint8Array>;
  }
}

describe('checkEnv', () => {
  it('passes a correct env (all checks) and a wrapped one', () => {
    expect(checkEnv(new ToyEnv({ renderMode: 'rgb_array' }))).toEqual({
      passed: ['spaces', 'metadata', 'reset', 'step', 'determinism', 'step-after-end', 'render'],
      skipped: [],
    });
    const r = checkEnv(new FrameStack(new TimeLimit(new ToyEnv({ length: 50, renderMode: 'ansi' }), 7), 3));
    expect(r.passed).toContain('render');
    expect(r.passed).toContain('step-after-end');
  });

  it('reports what it could not check', () => {
    const r = checkEnv(new ToyEnv({ length: 100000 }), { steps: 20 });
    expect(r.skipped).toEqual([
      { check: 'step-after-end', reason: 'no episode ended within 200 random steps' },
      { check: 'render', reason: 'renderMode is null' },
    ]);
  });

  it.each([
    ['determinism', () => new Unseeded(), /two runs with seed 0 and the same actions differ/],
    [
      'reset',
      () => new OutOfSpace(),
      /reset\(\) observation Uint8Array\(18\) .* is not in Box\(0, 100, \[2, 3, 3\], uint8\)/,
    ],
    ['step-after-end', () => new NoEndGuard(), /did not throw/],
    ['render', () => new BadRender({ renderMode: 'rgb_array' }), /1x1x3 but metadata.renderShape is \[2, 3, 3\]/],
    ['step', () => new NaNReward(), /reward must be a finite number/],
    ['spaces', () => new BadSpaceEnv(), /actionSpace.shape must be an array of positive integers/],
    ['step', () => new ShortStep(), /must return \[obs, reward, terminated, truncated, info\]/],
  ] as const)('catches a broken env: %s', (check, makeEnv, msg) => {
    let err: unknown;
    try {
      checkEnv(makeEnv() as Env<unknown, unknown>);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvCheckError);
    expect((err as EnvCheckError).check).toBe(check);
    expect((err as Error).message).toMatch(new RegExp(`^checkEnv: ${check} failed: `));
    expect((err as Error).message).toMatch(msg);
  });

  it('dataEqual compares typed arrays by class, NaN equal, objects deeply', () => {
    expect(dataEqual(Float32Array.of(NaN, 1), Float32Array.of(NaN, 1))).toBe(true);
    expect(dataEqual(Float32Array.of(1), Float64Array.of(1))).toBe(false);
    expect(dataEqual({ a: [1, { b: Uint8Array.of(2) }] }, { a: [1, { b: Uint8Array.of(2) }] })).toBe(true);
    expect(dataEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });
});

describe('BaseEnv', () => {
  it('enforces episode order with clear errors', () => {
    const env = new ToyEnv({ length: 2 });
    expect(() => env.step(0)).toThrow(STEP_BEFORE_RESET_MESSAGE);
    expect(env.needsReset).toBe(true);
    env.reset();
    expect(env.needsReset).toBe(false);
    env.step(0);
    expect(env.step(0)[2]).toBe(true);
    expect(env.needsReset).toBe(true);
    expect(() => env.step(0)).toThrow('Cannot call step() on a finished episode; call reset() first');
    expect(STEP_AFTER_END_MESSAGE).toBe('Cannot call step() on a finished episode; call reset() first');
    env.reset();
    expect(() => env.step(0)).not.toThrow();
  });

  it('rejects invalid actions, naming the space', () => {
    const env = new ToyEnv();
    env.reset();
    expect(() => env.step(3)).toThrow('Invalid action 3 for action space Discrete(3)');
  });

  it('seeds: same seed same offset, unseeded reset continues the stream, never-seeded acts as seed 0', () => {
    const a = new ToyEnv();
    const b = new ToyEnv();
    a.reset({ seed: 5 });
    b.reset({ seed: 5 });
    expect(a.offset).toBe(b.offset);
    const first = a.offset;
    a.reset();
    const second = a.offset;
    a.reset({ seed: 5 });
    expect(a.offset).toBe(first);
    a.reset();
    expect(a.offset).toBe(second);
    const c = new ToyEnv();
    const d = new ToyEnv();
    c.reset();
    d.reset({ seed: 0 });
    expect(c.offset).toBe(d.offset);
    expect(() => a.reset({ seed: 1.5 })).toThrow(/seed must be an integer/);
  });

  it('renders in the chosen mode only', () => {
    const env = new ToyEnv({ renderMode: 'ansi' });
    env.reset();
    expect(env.render()).toBe('t=0');
    expect(new ToyEnv().render()).toBe(null);
    class NoRender extends BaseEnv<number, number> {
      readonly observationSpace: Space<number> = new Discrete(2);
      readonly actionSpace: Space<number> = new Discrete(2);
      readonly metadata: EnvMetadata = { renderModes: ['ansi'], renderFps: 1 };
      protected resetEpisode(): [number, Info] {
        return [0, {}];
      }
      protected stepEpisode(): StepResult<number> {
        return [0, 0, true, false, {}];
      }
    }
    expect(() => new NoRender('rgb_array').render()).toThrow(
      "Render mode 'rgb_array' is not supported; this env supports: ansi",
    );
    expect(() => new NoRender('ansi').render()).toThrow(/does not implement ansi rendering/);
    expect(() => new NoRender('human' as 'ansi')).toThrow(/renderMode must be/);
  });
});
