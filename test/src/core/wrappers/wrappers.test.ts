import { describe, expect, it } from 'vitest';
import { Box, Discrete } from '../../../../src/core/spaces.js';
import { Rng } from '../../../../src/rng/rng.js';
import {
  ClipReward,
  FrameStack,
  GrayScale,
  MaxAndSkip,
  RecordEpisodeStatistics,
  Resize,
  ScaleObservation,
  StickyAction,
  TimeLimit,
  TransformObservation,
  Wrapper,
  rgbToGray,
} from '../../../../src/core/wrappers/index.js';
import { STEP_AFTER_END_MESSAGE } from '../../../../src/core/env-base.js';
import { REWARDS, ToyEnv, pixel } from '../toy-env.js';

/** The toy frame at step t as a fresh array (H, W, C order). */
function toyFrame(env: ToyEnv, t: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < env.h; y++)
    for (let x = 0; x < env.w; x++) for (let c = 0; c < env.c; c++) out.push(pixel(t, y, x, c, env.offset));
  return out;
}

describe('Wrapper base', () => {
  it('forwards spaces, metadata, render, close and finds the unwrapped env', () => {
    const inner = new ToyEnv({ renderMode: 'ansi' });
    const w = new Wrapper(new Wrapper(inner));
    expect(w.observationSpace).toBe(inner.observationSpace);
    expect(w.actionSpace).toBe(inner.actionSpace);
    expect(w.metadata).toBe(inner.metadata);
    expect(w.renderMode).toBe('ansi');
    expect(w.unwrapped).toBe(inner);
    w.reset({ seed: 1 });
    w.step(2);
    expect(w.render()).toBe('t=1');
    expect(String(w)).toBe('Wrapper<Wrapper<ToyEnv>>');
    expect(String(new FrameStack(new TimeLimit(new ToyEnv(), 3), 2))).toBe('FrameStack<TimeLimit<ToyEnv>>');
  });
});

describe('TimeLimit', () => {
  it.each([
    [1, [true]],
    [3, [false, false, true]],
    [5, [false, false, false, false, true]], // the env terminates on step 5 too: both flags are set, as in Gymnasium
  ])('maxEpisodeSteps=%i sets truncated on the last step', (limit, truncs) => {
    const env = new TimeLimit(new ToyEnv({ length: 5 }), limit);
    env.reset({ seed: 0 });
    const got: boolean[] = [];
    for (let i = 0; i < truncs.length; i++) {
      const [, , term, trunc] = env.step(0);
      got.push(trunc);
      if (i === 4) expect(term).toBe(true);
    }
    expect(got).toEqual(truncs);
    expect(() => env.step(0)).toThrow(STEP_AFTER_END_MESSAGE);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect(() => env.step(0)).not.toThrow();
  });

  it('rejects bad limits', () => {
    expect(() => new TimeLimit(new ToyEnv(), 0)).toThrow(/positive integer/);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('puts {r, l, t} in info at episode end only, with the injected clock', () => {
    let now = 100;
    const env = new RecordEpisodeStatistics(new ToyEnv({ length: 3 }), { clock: () => now, bufferLength: 2 });
    const actions = [2, 0, 1];
    for (let ep = 0; ep < 3; ep++) {
      env.reset({ seed: ep });
      let expectedReturn = 0;
      for (let i = 0; i < 3; i++) {
        now += 0.25 + ep;
        const [, r, term, , info] = env.step(actions[i]!);
        expectedReturn += REWARDS[i]! * (actions[i]! + 1);
        expect(r).toBe(REWARDS[i]! * (actions[i]! + 1));
        if (i < 2) expect(info.episode).toBeUndefined();
        else {
          expect(term).toBe(true);
          expect(info.episode).toEqual({ r: expectedReturn, l: 3, t: 3 * (0.25 + ep) });
        }
      }
    }
    // 1.5*3 - 2*1 + 0*2 = 2.5 every episode; only the last 2 kept.
    expect(env.returnQueue).toEqual([2.5, 2.5]);
    expect(env.lengthQueue).toEqual([3, 3]);
    expect(env.episodeCount).toBe(3);
  });

  it('also reports on truncation', () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new ToyEnv({ length: 10 }), 2), { clock: () => 0 });
    env.reset();
    env.step(0);
    expect(env.step(1)[4].episode).toEqual({ r: 1.5 - 4, l: 2, t: 0 });
  });
});

describe('FrameStack', () => {
  it.each([
    ['reset', 1],
    ['reset', 3],
    ['zero', 2],
    ['zero', 4],
  ] as const)('padding=%s k=%i stacks channels-last, oldest first', (padding, k) => {
    const toy = new ToyEnv({ height: 2, width: 2, channels: 3 });
    const env = new FrameStack(toy, k, padding);
    expect(env.observationSpace.shape).toEqual([2, 2, 3 * k]);
    expect(env.observationSpace.toString()).toBe(`Box(0, 255, [2, 2, ${3 * k}], uint8)`);
    const expectStack = (obs: Uint8Array, t: number): void => {
      // Frame j (oldest first) is the toy frame at step t - (k - 1 - j), or padding before step 0.
      const frames = Array.from({ length: k }, (_, j) => {
        const ft = t - (k - 1 - j);
        if (ft >= 0) return toyFrame(toy, ft);
        return padding === 'reset' ? toyFrame(toy, 0) : new Array<number>(12).fill(0);
      });
      const expected: number[] = [];
      for (let p = 0; p < 4; p++)
        for (let j = 0; j < k; j++) for (let c = 0; c < 3; c++) expected.push(frames[j]![p * 3 + c]!);
      expect(Array.from(obs)).toEqual(expected);
      expect(env.observationSpace.contains(obs)).toBe(true);
    };
    const [o0] = env.reset({ seed: 5 });
    expectStack(o0, 0);
    for (let t = 1; t <= 5; t++) expectStack(env.step(1)[0], t);
    // A second episode restarts the padding.
    expectStack(env.reset()[0], 0);
    expectStack(env.step(0)[0], 1);
  });

  it('reuses one output buffer and validates args', () => {
    const env = new FrameStack(new ToyEnv(), 2);
    const [a] = env.reset();
    const [b] = env.step(0);
    expect(a).toBe(b);
    expect(() => new FrameStack(new ToyEnv(), 0)).toThrow(/k must be a positive integer/);
    expect(() => new FrameStack(new ToyEnv(), 2, 'edge' as 'zero')).toThrow(/padding must be/);
  });
});

describe('GrayScale', () => {
  it('matches cv2.cvtColor(COLOR_RGB2GRAY) on reference colours', () => {
    // Values from opencv-python 5.0: cv2.cvtColor(np.array([cols], np.uint8), cv2.COLOR_RGB2GRAY).
    const cols = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 255],
      [0, 0, 0],
      [12, 200, 77],
      [128, 128, 128],
      [1, 2, 3],
      [250, 5, 130],
      [37, 99, 201],
    ];
    const cv2 = [76, 150, 29, 255, 0, 130, 128, 2, 93, 92];
    expect(cols.map(([r, g, b]) => rgbToGray(r!, g!, b!))).toEqual(cv2);
  });

  it.each([true, false])('keepDim=%s converts every pixel of the toy frame', (keepDim) => {
    const toy = new ToyEnv({ height: 3, width: 2 });
    const env = new GrayScale(toy, { keepDim });
    expect(env.observationSpace.shape).toEqual(keepDim ? [3, 2, 1] : [3, 2]);
    const [obs] = env.reset({ seed: 2 });
    const f = toyFrame(toy, 0);
    expect(Array.from(obs)).toEqual(
      Array.from({ length: 6 }, (_, i) => rgbToGray(f[3 * i]!, f[3 * i + 1]!, f[3 * i + 2]!)),
    );
    expect(env.observationSpace.contains(obs)).toBe(true);
  });

  it('rejects non-RGB observations', () => {
    expect(() => new GrayScale(new ToyEnv({ channels: 1 }))).toThrow(/\[H, W, 3\]/);
  });
});

describe('Resize', () => {
  it.each(['area', 'bilinear', 'nearest'] as const)('%s keeps channels and declares the new shape', (interp) => {
    const env = new Resize(new ToyEnv({ height: 4, width: 6, channels: 3 }), 2, 3, interp);
    expect(env.observationSpace.shape).toEqual([2, 3, 3]);
    const [obs] = env.reset({ seed: 1 });
    expect(obs.length).toBe(18);
    expect(env.observationSpace.contains(obs)).toBe(true);
  });

  it('area 2x2 averages blocks of the toy frame (ties up)', () => {
    const toy = new ToyEnv({ height: 2, width: 2, channels: 1 });
    const env = new Resize(toy, 1, 1, 'area');
    const [obs] = env.reset({ seed: 3 });
    const f = toyFrame(toy, 0);
    expect(obs[0]).toBe((f[0]! + f[1]! + f[2]! + f[3]! + 2) >> 2);
  });

  it('nearest halving picks every other pixel', () => {
    const toy = new ToyEnv({ height: 4, width: 4, channels: 1 });
    const env = new Resize(toy, 2, 2, 'nearest');
    const [obs] = env.reset({ seed: 3 });
    const f = toyFrame(toy, 0);
    expect(Array.from(obs)).toEqual([f[0], f[2], f[8], f[10]]);
  });
});

describe('ScaleObservation', () => {
  it('divides by 255 into float32', () => {
    const toy = new ToyEnv();
    const env = new ScaleObservation(toy);
    const [obs] = env.reset({ seed: 8 });
    expect(obs).toBeInstanceOf(Float32Array);
    expect(Array.from(obs)).toEqual(toyFrame(toy, 0).map((v) => Math.fround(v / 255)));
    expect(env.observationSpace.toString()).toBe('Box(0, 1, [2, 3, 3], float32)');
    expect(env.observationSpace.contains(obs)).toBe(true);
  });
});

describe('ClipReward', () => {
  it.each([0, 1, 2])('action %i: rewards become their signs', (a) => {
    const env = new ClipReward(new ToyEnv());
    env.reset();
    const got = REWARDS.map(() => env.step(a)[1]);
    expect(got).toEqual([1, -1, 0, 1, -1]);
  });
});

describe('StickyAction', () => {
  it.each([0, 0.25, 0.75])('p=%d repeats the previous action when the seeded draw is below p', (p) => {
    const toy = new ToyEnv({ length: 1000 });
    const env = new StickyAction(toy, p);
    env.reset({ seed: 11 });
    const draws = new Rng(11).fork();
    const chosen = Array.from({ length: 200 }, (_, i) => (i * 7) % 3);
    const expected: number[] = [];
    let last: number | null = null;
    for (const a of chosen) {
      env.step(a);
      const u = draws.nextFloat();
      const e: number = last !== null && u < p ? last : a;
      expected.push(e);
      last = e;
    }
    expect(toy.actions).toEqual(expected);
    if (p === 0) expect(toy.actions).toEqual(chosen);
    else expect(toy.actions).not.toEqual(chosen);
  });

  it('keeps its own copy of typed-array actions the caller reuses', () => {
    const seen: number[][] = [];
    const inner = {
      observationSpace: new Discrete(1),
      actionSpace: new Discrete(1),
      metadata: { renderModes: [], renderFps: 1 },
      renderMode: null,
      reset: (): [number, Record<string, unknown>] => [0, {}],
      step: (a: Int32Array): [number, number, boolean, boolean, Record<string, unknown>] => {
        seen.push(Array.from(a));
        return [0, 0, false, false, {}];
      },
      render: () => null,
      close: () => undefined,
    };
    const env = new StickyAction(
      inner as unknown as import('../../../../src/core/env.js').Env<number, Int32Array>,
      0.5,
      new Rng(2),
    );
    env.reset();
    const buf = new Int32Array(2);
    const draws = new Rng(2);
    const expected: number[][] = [];
    let last: number[] | null = null;
    for (let i = 1; i <= 40; i++) {
      buf[0] = i;
      buf[1] = -i;
      env.step(buf);
      const u = draws.nextFloat();
      const e: number[] = last !== null && u < 0.5 ? last : [i, -i];
      expected.push(e);
      last = e;
    }
    expect(seen).toEqual(expected);
  });

  it('never sticks on the first step of an episode; rejects p outside [0, 1)', () => {
    const toy = new ToyEnv({ length: 2 });
    const env = new StickyAction(toy, 0.99, new Rng(1));
    env.reset();
    env.step(2);
    env.step(0);
    env.reset();
    env.step(1);
    expect(toy.actions).toEqual([2, 2, 1]);
    expect(() => new StickyAction(toy, 1)).toThrow(/p must be in \[0, 1\)/);
  });
});

describe('MaxAndSkip', () => {
  it.each([1, 2, 3])('skip=%i sums rewards and maxes the last two frames', (skip) => {
    const toy = new ToyEnv({ length: 7, channels: 1 });
    const env = new MaxAndSkip(toy, skip);
    env.reset({ seed: 4 });
    let t = 0;
    for (;;) {
      const [obs, r, term] = env.step(1);
      const n = Math.min(skip, 7 - t);
      let er = 0;
      for (let i = 1; i <= n; i++) er += REWARDS[(t + i - 1) % 5]! * 2;
      const last = toyFrame(toy, t + n);
      const prev = n > 1 ? toyFrame(toy, t + n - 1) : last;
      expect(r).toBeCloseTo(er, 12);
      expect(Array.from(obs)).toEqual(last.map((v, i) => Math.max(v, prev[i]!)));
      t += n;
      expect(term).toBe(t >= 7);
      if (term) break;
    }
    expect(toy.actions).toEqual(new Array<number>(7).fill(1));
  });
});

describe('TransformObservation', () => {
  it('maps observations and declares the new space', () => {
    const space = new Box(0, 255 * 18, [1], 'float64');
    const env = new TransformObservation(
      new ToyEnv(),
      (o: Uint8Array) => Float64Array.of(o.reduce((a, b) => a + b, 0)),
      space,
    );
    expect(env.observationSpace).toBe(space);
    const [obs] = env.reset({ seed: 0 });
    expect(obs[0]).toBe(toyFrame(env.unwrapped as ToyEnv, 0).reduce((a, b) => a + b, 0));
    expect(env.actionSpace).toBeInstanceOf(Discrete);
  });
});

describe('composition', () => {
  it('the book stack: Resize -> GrayScale -> FrameStack -> Scale keeps shapes consistent', () => {
    const env = new ScaleObservation(
      new FrameStack(new GrayScale(new Resize(new ToyEnv({ height: 8, width: 8 }), 4, 4)), 4),
    );
    expect(env.observationSpace.shape).toEqual([4, 4, 4]);
    const [obs] = env.reset({ seed: 0 });
    expect(env.observationSpace.contains(obs)).toBe(true);
    // Padding 'reset': the four channels are equal at the start.
    for (let p = 0; p < 16; p++) for (let j = 1; j < 4; j++) expect(obs[p * 4 + j]).toBe(obs[p * 4]);
  });
});
