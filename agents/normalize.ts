/**
 * Observation and reward normalization for the training loop, over a batch of N envs stepped in
 * lockstep: Gymnasium 1.x's vector wrappers `gymnasium.wrappers.vector.NormalizeObservation` and
 * `NormalizeReward` (OpenAI Baselines' `VecNormalize`), with the running statistics of
 * `src/core/wrappers/utils.ts`. One set of statistics serves all envs; each batch of observations
 * (or discounted returns) updates it once with its mean, variance and count. With one env every
 * update is the single-env wrapper's (`src/core/wrappers/`), bit for bit.
 *
 * The loop owns them rather than wrapping the envs: the statistics live in the main thread
 * whichever vector env runs the envs (in worker threads too), they go into checkpoints with the
 * loop's state, the returns the loop logs stay the env's own, and an evaluation reads them frozen.
 */
import type { AnyTypedArray } from '../src/core/spaces.js';
import { RunningMeanStd, type RunningMeanStdState } from '../src/core/wrappers/utils.js';
import type { QPolicy } from './evaluate.js';

/** Mean and population variance of rows `rows` of an `n x size` batch (float64). */
function moments(
  batch: ArrayLike<number>,
  size: number,
  rows: readonly number[],
  mean: Float64Array,
  variance: Float64Array,
): void {
  mean.fill(0);
  variance.fill(0);
  for (const r of rows) for (let j = 0; j < size; j++) mean[j] = (mean[j] as number) + (batch[r * size + j] as number);
  for (let j = 0; j < size; j++) mean[j] = (mean[j] as number) / rows.length;
  for (const r of rows) {
    for (let j = 0; j < size; j++) {
      const d = (batch[r * size + j] as number) - (mean[j] as number);
      variance[j] = (variance[j] as number) + d * d;
    }
  }
  for (let j = 0; j < size; j++) variance[j] = (variance[j] as number) / rows.length;
}

/**
 * Normalizes observations to zero mean and unit variance per component: `(obs - mean) /
 * sqrt(var + epsilon)` as float32, the statistics updated first with the observations being
 * normalized (Gymnasium's order). Float32 observations keep float32 statistics, rounded as numpy
 * rounds them (see {@link RunningMeanStd}).
 */
export class ObservationNormalizer {
  readonly rms: RunningMeanStd;
  private readonly batchMean: Float64Array;
  private readonly batchVar: Float64Array;
  private readonly eps: number;
  private readonly f32: boolean;

  /**
   * @param size values per observation
   * @param float32 whether the observations are float32 (statistics rounded to float32)
   */
  constructor(
    readonly size: number,
    float32: boolean,
    readonly epsilon = 1e-8,
  ) {
    this.rms = new RunningMeanStd(size, float32);
    this.f32 = float32;
    this.eps = float32 ? Math.fround(epsilon) : epsilon;
    this.batchMean = new Float64Array(size);
    this.batchVar = new Float64Array(size);
  }

  /**
   * Updates the statistics with rows `rows` of the `n x size` batch `raw` (one update with their
   * moments; a single row is the single-env wrapper's update), then writes those rows normalized
   * into `out` (same layout). Rows not listed are left as they are in `out`.
   */
  updateAndNormalize(raw: ArrayLike<number>, rows: readonly number[], out: Float32Array): void {
    if (rows.length === 0) return;
    if (rows.length === 1) {
      const r = rows[0] as number;
      this.rms.update(subarrayOf(raw, r * this.size, this.size));
    } else {
      moments(raw, this.size, rows, this.batchMean, this.batchVar);
      this.rms.updateFromMoments(this.batchMean, this.batchVar, rows.length);
    }
    for (const r of rows) this.normalizeRow(raw, r, out);
  }

  /** Writes row `r` of `raw` normalized with the current statistics into row `r` of `out`, updating nothing. */
  normalizeRow(raw: ArrayLike<number>, r: number, out: Float32Array): void {
    const m = this.rms.mean;
    const v = this.rms.var;
    const base = r * this.size;
    if (this.f32) {
      const f = Math.fround;
      for (let j = 0; j < this.size; j++) {
        out[base + j] = f((raw[base + j] as number) - (m[j] as number)) / f(Math.sqrt(f((v[j] as number) + this.eps)));
      }
    } else {
      for (let j = 0; j < this.size; j++) {
        out[base + j] = ((raw[base + j] as number) - (m[j] as number)) / Math.sqrt((v[j] as number) + this.eps);
      }
    }
  }

  /** The statistics as plain data (for checkpoints and the best model's `eval.json`). */
  getState(): RunningMeanStdState {
    return this.rms.getState();
  }

  /** Restores {@link ObservationNormalizer.getState}; throws a RangeError when it does not fit. */
  setState(s: RunningMeanStdState): void {
    this.rms.setState(s, 'observation normalizer');
  }
}

/** A view of `size` values of `a` from `start` (typed arrays share memory; plain arrays are copied). */
function subarrayOf(a: ArrayLike<number>, start: number, size: number): ArrayLike<number> {
  if (ArrayBuffer.isView(a)) return (a as AnyTypedArray).subarray(start, start + size);
  return Array.prototype.slice.call(a, start, start + size) as number[];
}

/** What {@link RewardNormalizer.getState} returns, as plain JSON data. */
export interface RewardNormalizerState extends RunningMeanStdState {
  /** Each env's discounted-return accumulator. */
  returns: number[];
}

/**
 * Scales rewards by the running standard deviation of the discounted return: each env keeps
 * `G = G * gamma * (1 - terminated) + reward`, the batch of the N returns updates one float64
 * {@link RunningMeanStd}, and each reward becomes `reward / sqrt(var + epsilon)` (the mean is not
 * subtracted: Baselines issue #538). As in Gymnasium, truncation and reset do not clear `G`.
 */
export class RewardNormalizer {
  readonly rms = new RunningMeanStd(1);
  /** The discounted return of each env. */
  readonly returns: Float64Array;
  private readonly m = new Float64Array(1);
  private readonly v = new Float64Array(1);

  constructor(
    readonly numEnvs: number,
    readonly gamma: number,
    readonly epsilon = 1e-8,
  ) {
    this.returns = new Float64Array(numEnvs);
  }

  /** Updates with one vector step's rewards and terminations; writes the scaled rewards into `out`. */
  update(rewards: ArrayLike<number>, terminated: ArrayLike<number>, out: Float64Array): void {
    const n = this.numEnvs;
    const g = this.returns;
    for (let i = 0; i < n; i++) g[i] = (g[i] as number) * this.gamma * (terminated[i] ? 0 : 1) + (rewards[i] as number);
    if (n === 1) this.rms.update(g);
    else {
      moments(
        g,
        1,
        Array.from({ length: n }, (_, i) => i),
        this.m,
        this.v,
      );
      this.rms.updateFromMoments(this.m, this.v, n);
    }
    const scale = Math.sqrt((this.rms.var[0] as number) + this.epsilon);
    for (let i = 0; i < n; i++) out[i] = (rewards[i] as number) / scale;
  }

  /** The statistics and the accumulators as plain data (for checkpoints). */
  getState(): RewardNormalizerState {
    return { ...this.rms.getState(), returns: Array.from(this.returns) };
  }

  /** Restores {@link RewardNormalizer.getState}; throws a RangeError when it does not fit. */
  setState(s: RewardNormalizerState): void {
    const ok =
      s !== null &&
      typeof s === 'object' &&
      Array.isArray(s.returns) &&
      s.returns.length === this.numEnvs &&
      s.returns.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!ok) throw new RangeError(`reward normalizer: state must hold ${this.numEnvs} finite discounted returns`);
    this.rms.setState({ mean: s.mean, var: s.var, count: s.count }, 'reward normalizer');
    this.returns.set(s.returns);
  }
}

/**
 * `policy` on raw observations: each is normalized with the frozen statistics `stats` first (as
 * the agent saw observations in training), for evaluations and for playing a trained run.
 * @param float32 whether the env's observations are float32 (as in training: the statistics' rounding)
 */
export function normalizingPolicy(policy: QPolicy, stats: RunningMeanStdState, float32: boolean): QPolicy {
  const norm = new ObservationNormalizer(stats.mean.length, float32);
  norm.setState(stats);
  const out = new Float32Array(norm.size);
  const normalized = (obs: AnyTypedArray): Float32Array => {
    if (obs.length !== norm.size) {
      throw new RangeError(`normalizing policy: expected observations of ${norm.size} values. Received: ${obs.length}`);
    }
    norm.normalizeRow(obs, 0, out);
    return out;
  };
  const dist = policy.returnDistributions?.bind(policy);
  return {
    numActions: policy.numActions,
    alwaysRandom: policy.alwaysRandom,
    reset: () => policy.reset?.(),
    qValues: (obs: AnyTypedArray): ArrayLike<number> => policy.qValues(normalized(obs)),
    ...(dist === undefined ? {} : { returnDistributions: (obs: AnyTypedArray) => dist(normalized(obs)) }),
  };
}
