/**
 * Helpers of the stateful wrappers (Gymnasium 1.x's `gymnasium/wrappers/utils.py`): `RunningMeanStd`,
 * the running mean and variance that `NormalizeObservation` and `NormalizeReward` keep.
 */

/** A {@link RunningMeanStd}'s statistics as plain JSON data (what checkpoints hold). */
export interface RunningMeanStdState {
  mean: number[];
  var: number[];
  count: number;
}

const identity = (x: number): number => x;

/**
 * Running mean, variance and count of a stream of vectors, updated with the parallel algorithm of
 * Chan et al. (Gymnasium's `RunningMeanStd` and `update_mean_var_count_from_moments`; Welford's
 * update is its batch-of-one case). It starts as Gymnasium's does: mean 0, variance 1 and a count
 * of `epsilon` (1e-4), so the first update already weighs the sample almost fully.
 *
 * With `float32`, every operation is rounded to float32 as numpy computes it when the statistics
 * are float32 arrays (Gymnasium 1.x's `NormalizeObservation` keeps them in the observation
 * space's float32; Python scalars such as the count are cast to float32 inside each operation):
 * the results are then bit-identical to Gymnasium's. Otherwise everything is float64.
 */
export class RunningMeanStd {
  /** Mean of each component. */
  readonly mean: Float64Array;
  /** Population variance of each component. */
  readonly var: Float64Array;
  /** Number of samples seen, plus the initial `epsilon` (a float64 in Gymnasium too). */
  count: number;
  private readonly r: (x: number) => number;

  constructor(
    readonly size: number,
    readonly float32 = false,
    epsilon = 1e-4,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`RunningMeanStd: size must be a positive integer. Received: ${String(size)}`);
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
    this.r = float32 ? Math.fround : identity;
  }

  /** Adds one sample (Gymnasium's `update(np.array([x]))`: a batch of one, batch variance 0). */
  update(x: ArrayLike<number>): void {
    this.updateFromMoments(x, null, 1);
  }

  /**
   * Merges a batch given by its mean, population variance (null: all zeros) and count, as
   * Gymnasium's `update_mean_var_count_from_moments`, in the same operation order so that float32
   * rounding matches numpy's.
   */
  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number> | null, batchCount: number): void {
    if (batchMean.length !== this.size || (batchVar !== null && batchVar.length !== this.size)) {
      throw new RangeError(`RunningMeanStd: expected ${this.size} components. Received: ${batchMean.length}`);
    }
    const r = this.r;
    const total = this.count + batchCount;
    // numpy casts the Python-float counts to the arrays' dtype inside each float32 operation.
    const tc = r(total);
    const c = r(this.count);
    const bc = r(batchCount);
    for (let i = 0; i < this.size; i++) {
      const m = this.mean[i] as number;
      const delta = r((batchMean[i] as number) - m);
      this.mean[i] = r(m + r(r(delta * bc) / tc));
      const ma = r((this.var[i] as number) * c);
      const mb = batchVar === null ? 0 : r((batchVar[i] as number) * bc);
      const m2 = r(r(ma + mb) + r(r(r(r(delta * delta) * c) * bc) / tc));
      this.var[i] = r(m2 / tc);
    }
    this.count = total;
  }

  /** The statistics as plain data. */
  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /** Restores {@link RunningMeanStd.getState}; throws when the sizes differ or a value is not finite. */
  setState(s: RunningMeanStdState, what = 'RunningMeanStd'): void {
    const ok = (v: unknown): v is number[] =>
      Array.isArray(v) && v.length === this.size && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (s === null || typeof s !== 'object' || !ok(s.mean) || !ok(s.var)) {
      throw new RangeError(`${what}: state must hold mean and var arrays of ${this.size} finite numbers`);
    }
    if (typeof s.count !== 'number' || !(s.count > 0) || !Number.isFinite(s.count)) {
      throw new RangeError(`${what}: state count must be a positive finite number. Received: ${String(s.count)}`);
    }
    if (s.var.some((v) => v < 0)) throw new RangeError(`${what}: state variances must not be negative`);
    this.mean.set(s.mean);
    this.var.set(s.var);
    this.count = s.count;
  }
}
