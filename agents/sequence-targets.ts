/**
 * n-step double-Q targets over replayed sequences (R2D2, Kapturowski et al. 2019, section 2), as
 * a pure function of plain arrays: the learner unrolls its networks over a window of
 * `SequenceReplay` (`T` steps plus the observation after them), copies the Q-values to the CPU,
 * and gets one target per step here. Returns are summed inside the window and stop at the
 * episode's end (no bootstrap after a termination; bootstrap from the kept final observation after
 * a truncation or cut) and at the window's end (bootstrap from the window's extra observation).
 *
 * C51's distributional targets over the same returns are {@link sequenceCategoricalTargets}.
 *
 * R2D2's invertible value rescaling is optional: `y = h(r + gamma^n h^-1(Q))` with
 * `h(x) = sign(x) (sqrt(|x| + 1) - 1) + eps x` (Pohlen et al. 2018), which lets one network fit
 * returns of very different scales without reward clipping.
 */
import { at } from '../src/core/spaces.js';
import { argmaxMean, projectDistribution, type CategoricalSupport } from './distributional.js';
import { argmax } from './exploration.js';

/** R2D2's (and Pohlen et al.'s) epsilon of the value rescaling. */
export const RESCALE_EPSILON = 1e-3;

/** `h(x) = sign(x) (sqrt(|x| + 1) - 1) + eps x`. */
export function valueRescale(x: number, eps = RESCALE_EPSILON): number {
  return Math.sign(x) * (Math.sqrt(Math.abs(x) + 1) - 1) + eps * x;
}

/** The inverse of {@link valueRescale} (closed form, Pohlen et al. 2018, proposition A.2). */
export function valueRescaleInverse(y: number, eps = RESCALE_EPSILON): number {
  const s = Math.sqrt(1 + 4 * eps * (Math.abs(y) + 1 + eps));
  return Math.sign(y) * (((s - 1) / (2 * eps)) ** 2 - 1);
}

/** Inputs of {@link sequenceTargets}: a `SequenceBatch`'s arrays plus the networks' Q-values. */
export interface SequenceTargetInputs {
  /** Steps per sequence T. */
  readonly steps: number;
  readonly numActions: number;
  /** `batch x T` rewards, `terminated` and `valid` (as `SequenceReplay` returns them). */
  readonly rewards: ArrayLike<number>;
  readonly terminated: ArrayLike<number>;
  readonly valid: ArrayLike<number>;
  /** Target network's Q at every observation of the window, `batch x (T + 1) x numActions`. */
  readonly qTarget: ArrayLike<number>;
  /** Online network's Q there (double DQN: it selects the bootstrap action), or null. */
  readonly qOnline: ArrayLike<number> | null;
  readonly gamma: number;
  /** n of the n-step returns (R2D2: 5). */
  readonly nStep: number;
  /** Apply R2D2's value rescaling (default false). */
  readonly rescale?: boolean;
}

/** The n-step return of one step of a sequence (see {@link nStepReturn}). */
interface NStepReturn {
  /** `sum_k gamma^k r_{t+k}` over the summed steps. */
  readonly ret: number;
  /** `gamma^m` for the m summed steps: the bootstrap's discount. */
  readonly discount: number;
  /** The step whose observation bootstraps the return, or -1 when the episode terminated first. */
  readonly bootstrapAt: number;
}

/**
 * Step t of sequence b: rewards summed over up to `nStep` steps, stopping at a termination (no
 * bootstrap), at the window's end or where the episode was cut off (bootstrap there).
 */
function nStepReturn(
  inp: Pick<SequenceTargetInputs, 'steps' | 'rewards' | 'terminated' | 'valid' | 'gamma' | 'nStep'>,
  b: number,
  t: number,
): NStepReturn {
  const { steps: T, gamma, nStep } = inp;
  let ret = 0;
  let disc = 1;
  for (let j = t; ; j++) {
    ret += disc * at(inp.rewards, b * T + j);
    disc *= gamma;
    if (at(inp.terminated, b * T + j) !== 0) return { ret, discount: disc, bootstrapAt: -1 };
    // Bootstrap after n rewards, at the window's end, or where the episode was cut off.
    if (j - t + 1 >= nStep || j + 1 >= T || at(inp.valid, b * T + j + 1) === 0) {
      return { ret, discount: disc, bootstrapAt: j + 1 };
    }
  }
}

/** The batch size of `out` (`batch x T x perStep` values); throws unless every input fits it. */
function sequenceBatchSize(
  inp: SequenceTargetInputs | SequenceCategoricalInputs,
  out: Float32Array,
  perStep: number,
  perObs: number,
  values: ArrayLike<number>,
  what: string,
): number {
  const { steps: T, nStep } = inp;
  const batch = out.length / (T * perStep);
  if (!Number.isInteger(batch) || inp.rewards.length !== batch * T || values.length !== batch * (T + 1) * perObs) {
    throw new RangeError(
      `${what}: expected batch x ${T} rewards, batch x ${T} x ${perStep} outputs and batch x ${T + 1} x ${perObs} ` +
        `Q-values. Received: ${inp.rewards.length}, ${out.length} and ${values.length}`,
    );
  }
  if (inp.qOnline !== null && inp.qOnline.length !== batch * (T + 1) * inp.numActions) {
    throw new RangeError(`${what}: qOnline must have batch x ${T + 1} x ${inp.numActions} values`);
  }
  if (!Number.isInteger(nStep) || nStep < 1) throw new RangeError(`${what}: nStep must be >= 1, got ${nStep}`);
  return batch;
}

/**
 * One target per step, `batch x T` into `out` (0 at padding steps): `sum_k gamma^k r_{t+k}` over
 * up to `nStep` steps, plus `gamma^m Q_target(s_{t+m}, a*)` unless the episode terminated first,
 * with `a* = argmax Q_online(s_{t+m})` (or of `Q_target` without an online net).
 */
export function sequenceTargets(inp: SequenceTargetInputs, out: Float32Array): Float32Array {
  const { steps: T, numActions: A } = inp;
  const batch = sequenceBatchSize(inp, out, 1, A, inp.qTarget, 'sequenceTargets');
  const rescale = inp.rescale === true;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (at(inp.valid, k) === 0) {
        out[k] = 0;
        continue;
      }
      const n = nStepReturn(inp, b, t);
      let ret = n.ret;
      if (n.bootstrapAt >= 0) {
        const row = (b * (T + 1) + n.bootstrapAt) * A;
        const best = argmax(inp.qOnline ?? inp.qTarget, A, row);
        const q = at(inp.qTarget, row + best);
        ret += n.discount * (rescale ? valueRescaleInverse(q) : q);
      }
      out[k] = rescale ? valueRescale(ret) : ret;
    }
  }
  return out;
}

/** Inputs of {@link sequenceCategoricalTargets}: a `SequenceBatch`'s arrays plus the networks' outputs. */
export interface SequenceCategoricalInputs extends Omit<SequenceTargetInputs, 'qTarget' | 'rescale'> {
  /**
   * Target network's return distributions (softmax outputs) at every observation of the window,
   * `batch x (T + 1) x numActions x numAtoms`.
   */
  readonly probsTarget: ArrayLike<number>;
  /** C51's atoms. */
  readonly support: CategoricalSupport;
}

/**
 * C51's targets over replayed sequences (Bellemare et al. 2017 with R2D2's sequences): for every
 * real step the projection of `R_t + gamma^m Z_target(s_{t+m}, a*)` onto the atoms, `R_t` and m
 * the n-step return of {@link sequenceTargets}, `a*` the argmax of the online network's means
 * (double DQN) or of the target distribution's; a point mass at the clipped return where the
 * episode terminated first. `batch x T x numAtoms` into `out`, zeros at padding steps.
 */
export function sequenceCategoricalTargets(inp: SequenceCategoricalInputs, out: Float32Array): Float32Array {
  const { steps: T, numActions: A, support } = inp;
  const N = support.numAtoms;
  const batch = sequenceBatchSize(inp, out, N, A * N, inp.probsTarget, 'sequenceCategoricalTargets');
  const means = new Float64Array(A);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (at(inp.valid, k) === 0) {
        out.fill(0, k * N, (k + 1) * N);
        continue;
      }
      const n = nStepReturn(inp, b, t);
      const obs = b * (T + 1) + n.bootstrapAt;
      let row = 0;
      if (n.bootstrapAt >= 0) {
        const best =
          inp.qOnline !== null
            ? argmax(inp.qOnline, A, obs * A)
            : argmaxMean(inp.probsTarget, obs * A * N, A, support, means);
        row = (obs * A + best) * N;
      }
      projectDistribution(support, n.ret, n.discount, n.bootstrapAt < 0, inp.probsTarget, row, out, k * N);
    }
  }
  return out;
}
