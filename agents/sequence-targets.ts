/**
 * n-step double-Q targets over replayed sequences (R2D2, Kapturowski et al. 2019, section 2), as
 * a pure function of plain arrays: the learner unrolls its networks over a window of
 * `SequenceReplay` (`T` steps plus the observation after them), copies the Q-values to the CPU,
 * and gets one target per step here. Returns are summed inside the window and stop at the
 * episode's end (no bootstrap after a termination; bootstrap from the kept final observation after
 * a truncation or cut) and at the window's end (bootstrap from the window's extra observation).
 *
 * R2D2's invertible value rescaling is optional: `y = h(r + gamma^n h^-1(Q))` with
 * `h(x) = sign(x) (sqrt(|x| + 1) - 1) + eps x` (Pohlen et al. 2018), which lets one network fit
 * returns of very different scales without reward clipping.
 */
import { at } from '../src/core/spaces.js';
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

/**
 * One target per step, `batch x T` into `out` (0 at padding steps): `sum_k gamma^k r_{t+k}` over
 * up to `nStep` steps, plus `gamma^m Q_target(s_{t+m}, a*)` unless the episode terminated first,
 * with `a* = argmax Q_online(s_{t+m})` (or of `Q_target` without an online net).
 */
export function sequenceTargets(inp: SequenceTargetInputs, out: Float32Array): Float32Array {
  const { steps: T, numActions: A, gamma, nStep } = inp;
  const batch = out.length / T;
  if (!Number.isInteger(batch) || inp.rewards.length !== out.length || inp.qTarget.length !== batch * (T + 1) * A) {
    throw new RangeError(
      `sequenceTargets: expected batch x ${T} rewards and outputs and batch x ${T + 1} x ${A} Q-values. ` +
        `Received: ${inp.rewards.length}, ${out.length} and ${inp.qTarget.length}`,
    );
  }
  if (inp.qOnline !== null && inp.qOnline.length !== inp.qTarget.length) {
    throw new RangeError('sequenceTargets: qOnline must have as many values as qTarget');
  }
  if (!Number.isInteger(nStep) || nStep < 1) throw new RangeError(`sequenceTargets: nStep must be >= 1, got ${nStep}`);
  const rescale = inp.rescale === true;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (at(inp.valid, k) === 0) {
        out[k] = 0;
        continue;
      }
      let ret = 0;
      let disc = 1;
      let bootstrapAt = -1;
      for (let j = t; ; j++) {
        ret += disc * at(inp.rewards, b * T + j);
        disc *= gamma;
        if (at(inp.terminated, b * T + j) !== 0) break;
        // Bootstrap after n rewards, at the window's end, or where the episode was cut off.
        if (j - t + 1 >= nStep || j + 1 >= T || at(inp.valid, b * T + j + 1) === 0) {
          bootstrapAt = j + 1;
          break;
        }
      }
      if (bootstrapAt >= 0) {
        const row = (b * (T + 1) + bootstrapAt) * A;
        const best = argmax(inp.qOnline ?? inp.qTarget, A, row);
        const q = at(inp.qTarget, row + best);
        ret += disc * (rescale ? valueRescaleInverse(q) : q);
      }
      out[k] = rescale ? valueRescale(ret) : ret;
    }
  }
  return out;
}
