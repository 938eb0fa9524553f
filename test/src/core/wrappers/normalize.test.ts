// NormalizeObservation / NormalizeReward against sequences computed with numpy from Gymnasium 1.x's
// formulas (RunningMeanStd, update_mean_var_count_from_moments), MaskVelocity and FlattenObservation.
import { describe, expect, it } from 'vitest';
import '../../../../envs/index.js';
import { make } from '../../../../src/core/registry.js';
import { checkEnv } from '../../../../src/core/env-checker.js';
import { BaseEnv } from '../../../../src/core/env-base.js';
import type { EnvMetadata, Info, StepResult } from '../../../../src/core/env.js';
import { Box, Discrete, MultiDiscrete } from '../../../../src/core/spaces.js';
import {
  FlattenObservation,
  MaskVelocity,
  NormalizeObservation,
  NormalizeReward,
  RunningMeanStd,
} from '../../../../src/core/wrappers/index.js';
import type { AnyTypedArray } from '../../../../src/core/spaces.js';

// numpy 2.x, float32 statistics (Gymnasium 1.x's NormalizeObservation on a float32 Box).
const OBS_IN = [
  [0.0, 0.0, 1.0],
  [2.5244128704071045, 0.10000000149011612, 0.949999988079071],
  [2.7278923988342285, 0.20000000298023224, 0.800000011920929],
  [0.42336001992225647, 0.30000001192092896, 0.550000011920929],
  [-2.2704074382781982, 0.4000000059604645, 0.20000000298023224],
  [-2.876772880554199, 0.5, -0.25],
  [-0.8382465243339539, 0.6000000238418579, -0.800000011920929],
  [1.9709597826004028, 0.699999988079071, -1.4500000476837158],
];
const OBS_OUT = [
  [0.0, 0.0, 0.007072594948112965],
  [1.0000343322753906, 0.9901954531669617, -0.9282652139663696],
  [0.7875432968139648, 1.221724271774292, -1.3666839599609375],
  [-0.8169240951538086, 1.3403209447860718, -1.5702533721923828],
  // The shortest round-trip decimals of these float32 values (ESLint's precision check misjudges them).
  // eslint-disable-next-line no-loss-of-precision
  [-1.6087722778320312, 1.4135208129882812, -1.694838047027588],
  [-1.3879892826080322, 1.463442325592041, -1.7797226905822754],
  [-0.39620259404182434, 1.4997401237487793, -1.8414409160614014],
  [0.8862942457199097, 1.527349591255188, -1.8883883953094482],
];
const OBS_MEAN = [0.20764723420143127, 0.34999561309814453, 0.12499842047691345];
const OBS_VAR = [3.9582455158233643, 0.052513375878334045, 0.6956290006637573];
// float64 return statistics, gamma 0.99, epsilon 1e-8.
const REWARDS = [1.0, 0.5, -2.0, 3.0, 1.0, 0.0, 2.5, -1.0, 1.0, 4.0];
const TERMS = [false, false, true, false, false, false, false, true, false, false];
const REW_OUT = [
  70.71421321062337, 2.038703149832766, -1.2964136780171385, 2.163599485936807, 0.7134870994410943, 0.0,
  1.4098312716092702, -0.542732757938125, 0.5643403778264635, 2.0960160490089574,
];

/** Replays scripted float32 observations, rewards and terminations (episode = the whole script unless terminated). */
class Scripted extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box(-10, 10, [3], 'float32');
  readonly actionSpace = new Discrete(2);
  readonly metadata: EnvMetadata = { renderModes: [], renderFps: 1 };
  t = 0;
  constructor(
    private readonly obs: number[][],
    private readonly rewards: number[] = [],
    private readonly terms: boolean[] = [],
  ) {
    super();
  }
  private at(t: number): Float32Array {
    return Float32Array.from(this.obs[t % this.obs.length] as number[]);
  }
  protected resetEpisode(): [Float32Array, Info] {
    return [this.at(this.t), {}];
  }
  protected stepEpisode(): StepResult<Float32Array> {
    this.t++;
    const i = this.t - 1;
    return [this.at(this.t), this.rewards[i] ?? 0, this.terms[i] ?? false, false, {}];
  }
}

describe('RunningMeanStd', () => {
  it('matches a direct mean/variance (with the epsilon prior count) in float64', () => {
    const rms = new RunningMeanStd(1, false, 0);
    // With an initial count of 0 the parallel update is exact Welford: population mean and variance.
    const xs = [3, -1, 4, 1, 5, 9, 2, 6];
    for (const x of xs) rms.update([x]);
    const mean = xs.reduce((a, b) => a + b) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(rms.mean[0]).toBeCloseTo(mean, 12);
    expect(rms.var[0]).toBeCloseTo(v, 12);
    expect(rms.count).toBe(8);
    const merged = new RunningMeanStd(1, false, 0);
    merged.updateFromMoments([xs.slice(0, 4).reduce((a, b) => a + b) / 4], [3.6875], 4);
    merged.updateFromMoments([xs.slice(4).reduce((a, b) => a + b) / 4], [6.25], 4);
    expect(merged.mean[0]).toBeCloseTo(mean, 12);
    expect(merged.var[0]).toBeCloseTo(v, 12);
  });
});

describe('NormalizeObservation', () => {
  it("equals Gymnasium's float32 outputs and statistics bit for bit", () => {
    const env = new NormalizeObservation(new Scripted(OBS_IN));
    expect(env.observationSpace.toString()).toBe('Box(-inf, inf, [3], float32)');
    const got: number[][] = [Array.from(env.reset({ seed: 0 })[0])];
    for (let t = 1; t < OBS_IN.length; t++) got.push(Array.from(env.step(0)[0]));
    expect(got).toEqual(OBS_OUT);
    const s = env.getState();
    expect(s.mean).toEqual(OBS_MEAN);
    expect(s.var).toEqual(OBS_VAR);
    expect(s.count).toBeCloseTo(8.0001, 12);
  });

  it('freezes with updateRunningMean = false and round-trips its state', () => {
    const a = new NormalizeObservation(new Scripted(OBS_IN));
    a.reset({ seed: 0 });
    for (let t = 1; t < 4; t++) a.step(0);
    const saved = JSON.parse(JSON.stringify(a.getState())) as ReturnType<typeof a.getState>;
    const b = new NormalizeObservation(new Scripted(OBS_IN.slice(4)));
    b.setState(saved);
    b.reset({ seed: 0 });
    const rest = [Array.from(a.step(0)[0])];
    // b saw OBS_IN[4] at reset: it continues exactly where a would be.
    const bOut = [Array.from(b.step(0)[0])];
    a.step(0);
    expect(Array.from(a.step(0)[0])).toEqual(OBS_OUT[6]);
    expect(rest[0]).toEqual(OBS_OUT[4]);
    expect(bOut[0]).toEqual(OBS_OUT[5]);
    a.updateRunningMean = false;
    const before = a.getState();
    a.step(0);
    expect(a.getState()).toEqual(before);
    expect(() => b.setState({ mean: [0], var: [1], count: 1 })).toThrow(/3 finite numbers/);
  });

  it('passes checkEnv on CartPole-v1 with frozen statistics', () => {
    const env = new NormalizeObservation(make<Float32Array, number>('CartPole-v1'));
    env.updateRunningMean = false;
    expect(checkEnv(env as never).passed).toContain('determinism');
  });
});

describe('NormalizeReward', () => {
  it("equals Gymnasium's outputs, clearing the accumulator on termination", () => {
    const env = new NormalizeReward(new Scripted(OBS_IN, REWARDS, TERMS));
    env.reset({ seed: 0 });
    const got: number[] = [];
    for (let t = 0; t < REWARDS.length; t++) {
      const out = env.step(0);
      got.push(out[1]);
      // Gymnasium steps on after terminated here; our episode order needs a reset, which keeps the accumulator.
      if (out[2]) env.reset();
    }
    for (let t = 0; t < REW_OUT.length; t++) expect(got[t]).toBeCloseTo(REW_OUT[t] as number, 12);
    const s = env.getState();
    expect(s.mean[0]).toBeCloseTo(1.299907698923011, 12);
    expect(s.var[0]).toBeCloseTo(3.641923123252873, 12);
    expect(s.count).toBeCloseTo(10.0001, 12);
    expect(s.discountedReward).toBeCloseTo(4.0099, 12);
  });

  it('round-trips its state and passes checkEnv when frozen', () => {
    const a = new NormalizeReward(new Scripted(OBS_IN, REWARDS, TERMS));
    a.reset({ seed: 0 });
    for (let t = 0; t < 2; t++) a.step(0);
    const b = new NormalizeReward(new Scripted(OBS_IN, REWARDS.slice(2), TERMS.slice(2)));
    b.setState(JSON.parse(JSON.stringify(a.getState())) as ReturnType<typeof a.getState>);
    b.reset({ seed: 0 });
    expect(b.step(0)[1]).toBe(a.step(0)[1]);
    expect(b.getState()).toEqual(a.getState());
    expect(() => b.setState({ mean: [0], var: [1], count: 1, discountedReward: Number.NaN })).toThrow(/finite/);
    const env = new NormalizeReward(make<Float32Array, number>('MountainCar-v0'));
    env.updateRunningMean = false;
    expect(checkEnv(env as never).passed).toContain('determinism');
  });
});

describe('MaskVelocity', () => {
  it.each([
    ['CartPole-v1', [1, 3]],
    ['MountainCar-v0', [1]],
    ['Acrobot-v1', [4, 5]],
  ])("zeroes %s's velocity components (RL Zoo) and passes checkEnv", (id, idx) => {
    const inner = make<Float32Array, number>(id);
    const env = new MaskVelocity(make<Float32Array, number>(id), id);
    const [raw] = inner.reset({ seed: 3 });
    const [masked] = env.reset({ seed: 3 });
    const expected = Array.from(raw, (v, i) => (idx.includes(i) ? 0 : v));
    expect(Array.from(masked)).toEqual(expected);
    for (let t = 0; t < 20; t++) {
      const a = t % 2;
      const [o] = inner.step(a);
      const [m] = env.step(a);
      expect(Array.from(m)).toEqual(Array.from(o, (v, i) => (idx.includes(i) ? 0 : v)));
    }
    expect(env.observationSpace.toString()).toBe(inner.observationSpace.toString());
    expect(checkEnv(new MaskVelocity(make<Float32Array, number>(id), id) as never).passed).toContain('determinism');
  });

  it('refuses envs it knows no velocities of', () => {
    expect(() => new MaskVelocity(make<AnyTypedArray, number>('bsuite/Catch-v0'), 'bsuite/Catch-v0')).toThrow(
      /not implemented for 'bsuite\/Catch-v0'.*CartPole-v1/,
    );
  });
});

describe('FlattenObservation', () => {
  it('flattens Box observations without copying and one-hots discrete ones', () => {
    const catchEnv = make<Uint8Array, number>('bsuite/Catch-v0');
    const flat = new FlattenObservation(make<Uint8Array, number>('bsuite/Catch-v0'));
    const shape = catchEnv.observationSpace.shape;
    expect(flat.observationSpace.shape).toEqual([shape.reduce((a, b) => a * b, 1)]);
    expect(flat.observationSpace.dtype).toBe(catchEnv.observationSpace.dtype);
    expect(Array.from(flat.reset({ seed: 1 })[0])).toEqual(Array.from(catchEnv.reset({ seed: 1 })[0]));
    expect(checkEnv(flat as never).passed).toContain('determinism');

    class D extends BaseEnv<number, number> {
      readonly observationSpace = new Discrete(4, 1);
      readonly actionSpace = new Discrete(2);
      readonly metadata: EnvMetadata = { renderModes: [], renderFps: 1 };
      protected resetEpisode(): [number, Info] {
        return [3, {}];
      }
      protected stepEpisode(a: number): StepResult<number> {
        return [1 + a, 0, true, false, {}];
      }
    }
    const d = new FlattenObservation(new D());
    expect(d.observationSpace.toString()).toBe('Box(0, 1, [4], int32)');
    expect(Array.from(d.reset()[0])).toEqual([0, 0, 1, 0]);
    expect(Array.from(d.step(1)[0])).toEqual([0, 1, 0, 0]);

    class M extends BaseEnv<Int32Array, number> {
      readonly observationSpace = new MultiDiscrete([2, 3]);
      readonly actionSpace = new Discrete(2);
      readonly metadata: EnvMetadata = { renderModes: [], renderFps: 1 };
      protected resetEpisode(): [Int32Array, Info] {
        return [Int32Array.of(1, 2), {}];
      }
      protected stepEpisode(): StepResult<Int32Array> {
        return [Int32Array.of(0, 1), 0, true, false, {}];
      }
    }
    const m = new FlattenObservation(new M());
    expect(m.observationSpace.shape).toEqual([5]);
    expect(Array.from(m.reset()[0])).toEqual([0, 1, 0, 0, 1]);
    expect(Array.from(m.step(0)[0])).toEqual([1, 0, 0, 1, 0]);
  });
});
