/**
 * Exploration for discrete actions: the greedy action ({@link argmax}), epsilon-greedy
 * ({@link epsilonGreedy}, Sutton & Barto 2018, section 2.2), and its temporally-extended form.
 *
 * Temporally-extended epsilon-greedy exploration ("εz-greedy", Dabney, Ostrovski & Barreto,
 * "Temporally-Extended ε-Greedy Exploration", ICLR 2021): with probability epsilon the agent
 * picks a uniform random action *and a duration n ~ zeta(mu)*, and repeats that action for n
 * steps (or until the episode ends); otherwise it acts greedily. With mu = 2 most explorations
 * still last one step (61%), but a heavy tail of long runs carries the agent far from where
 * greedy play keeps it, which one-step dithering almost never does (a random walk covers only
 * about sqrt(t) in t steps).
 *
 * The state between steps (the running action and steps left) is plain data, saved in
 * checkpoints so that a resumed run explores exactly as an uninterrupted one.
 */
import { at } from '../src/core/spaces.js';
import type { Rng } from '../src/rng/rng.js';

/**
 * Index of the largest of `n` values starting at `offset` (the first on ties, like numpy's
 * argmax): the greedy action of a row of Q-values.
 */
export function argmax(values: ArrayLike<number>, n: number = values.length, offset = 0): number {
  let best = 0;
  for (let a = 1; a < n; a++) if (at(values, offset + a) > at(values, offset + best)) best = a;
  return best;
}

/**
 * Epsilon-greedy with `rng`: one uniform draw, then a uniform random action (probability
 * `epsilon`) or the argmax of `q()`. Q-values are computed only when needed, and the draws never
 * depend on them, so the random stream is the same whatever the network says.
 */
export function epsilonGreedy(q: () => ArrayLike<number>, numActions: number, epsilon: number, rng: Rng): number {
  if (rng.nextFloat() < epsilon) return rng.nextInt(numActions);
  return argmax(q(), numActions);
}

/** The longest exploratory repeat (the paper caps n at 10,000). */
export const EZ_MAX_DURATION = 10_000;

/** The zeta (discrete power-law) distribution P(n) ∝ n^-mu on 1..max, sampled by inverse CDF. */
export class ZetaSampler {
  /** cdf[i] = P(n <= i + 1). */
  private readonly cdf: Float64Array;

  constructor(
    readonly mu: number,
    readonly max = EZ_MAX_DURATION,
  ) {
    if (!(mu > 1) || !Number.isFinite(mu)) {
      throw new RangeError(`zeta exponent mu must be a finite number > 1. Received: mu=${String(mu)}`);
    }
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`zeta max must be an integer >= 1. Received: max=${String(max)}`);
    }
    this.cdf = new Float64Array(max);
    let total = 0;
    for (let n = 1; n <= max; n++) {
      total += n ** -mu;
      this.cdf[n - 1] = total;
    }
    for (let i = 0; i < max; i++) this.cdf[i] = at(this.cdf, i) / total;
  }

  /** P(n = k) for 1 <= k <= max. */
  probability(k: number): number {
    if (!Number.isInteger(k) || k < 1 || k > this.max) return 0;
    return at(this.cdf, k - 1) - (k > 1 ? at(this.cdf, k - 2) : 0);
  }

  /** One draw (one uniform from `rng`). */
  sample(rng: Rng): number {
    const u = rng.nextFloat();
    // First index whose cdf exceeds u.
    let lo = 0;
    let hi = this.max - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(this.cdf, mid) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  }
}

/** The running exploratory option: `action` for `left` more steps (left 0: none running). */
export interface EzGreedyState {
  readonly action: number;
  readonly left: number;
}

/**
 * εz-greedy action selection with its between-steps state. Every call draws one uniform when no
 * option is running (and two more when it starts one), none while an option runs, so the random
 * stream never depends on the Q-values.
 */
export class EzGreedy {
  private readonly zeta: ZetaSampler;
  private action = 0;
  private left = 0;

  constructor(mu: number, max = EZ_MAX_DURATION) {
    this.zeta = new ZetaSampler(mu, max);
  }

  /** The next action: the running option's, else a new option with probability `epsilon`, else argmax of `q()`. */
  select(q: () => ArrayLike<number>, numActions: number, epsilon: number, rng: Rng): number {
    if (this.left > 0) {
      this.left--;
      return this.action;
    }
    if (rng.nextFloat() < epsilon) {
      this.action = rng.nextInt(numActions);
      this.left = this.zeta.sample(rng) - 1;
      return this.action;
    }
    return argmax(q(), numActions);
  }

  /** Ends the running option (at an episode boundary: options never span episodes). */
  endEpisode(): void {
    this.left = 0;
  }

  getState(): EzGreedyState {
    return { action: this.action, left: this.left };
  }

  setState(s: EzGreedyState): void {
    if (!Number.isInteger(s.action) || s.action < 0 || !Number.isInteger(s.left) || s.left < 0) {
      throw new Error(`invalid εz-greedy state ${JSON.stringify(s)}`);
    }
    this.action = s.action;
    this.left = s.left;
  }
}
