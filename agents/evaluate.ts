/**
 * Evaluation: play N episodes with a fixed epsilon on a separate env, seeds `seed + i`, an Rng of
 * its own for exploration. The same seeds every time make evaluations comparable across training.
 */
import { epsilonGreedy } from './exploration.js';
import { Rng } from '../src/rng/rng.js';
import type { Env } from '../src/core/env.js';
import type { AnyTypedArray } from '../src/core/spaces.js';
import type { ReturnDistributions } from './distributional.js';

/** Anything that maps observations to action values. */
export interface QPolicy {
  readonly numActions: number;
  qValues(obs: AnyTypedArray): ArrayLike<number>;
  /**
   * A distributional (C51) policy's return distributions for `obs` with their means (what
   * `qValues` returns), from one forward pass, for the viewer; absent or null otherwise.
   */
  returnDistributions?(obs: AnyTypedArray): ReturnDistributions | null;
  /** True for a policy that always acts uniformly at random (the random agent): evaluation uses epsilon 1. */
  readonly alwaysRandom?: boolean;
  /**
   * Called before every episode, for policies with state between steps: a recurrent policy
   * zeroes its recurrent state (its `qValues` carries it from step to step).
   */
  reset?(): void;
}

/** Options of {@link evaluate}. */
export interface EvalOptions {
  readonly episodes: number;
  readonly epsilon: number;
  /** Episode i resets with seed `seed + i`; exploration draws from `new Rng(seed)`. */
  readonly seed: number;
  /** Count episodes with a positive return as wins (Catch: +1 caught, -1 missed). */
  readonly countWins: boolean;
  /** Safety cap on steps per episode (default 100,000). */
  readonly maxSteps?: number;
}

/** Outcome of an evaluation. */
export interface EvalResult {
  readonly episodes: number;
  readonly meanReturn: number;
  readonly stdReturn: number;
  /** Episodes with a positive return, or null when not counted. */
  readonly wins: number | null;
  readonly returns: number[];
}

/** Mean and population standard deviation. */
export function meanStd(xs: readonly number[]): [number, number] {
  if (xs.length === 0) return [NaN, NaN];
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) * (b - m), 0) / xs.length;
  return [m, Math.sqrt(v)];
}

/** Plays `episodes` episodes epsilon-greedily on `env`. */
export function evaluate(policy: QPolicy, env: Env<unknown, number>, o: EvalOptions): EvalResult {
  const rng = new Rng(o.seed);
  const returns: number[] = [];
  const maxSteps = o.maxSteps ?? 100_000;
  const epsilon = policy.alwaysRandom ? 1 : o.epsilon;
  for (let i = 0; i < o.episodes; i++) {
    let [obs] = env.reset({ seed: o.seed + i });
    policy.reset?.();
    let ret = 0;
    for (let t = 0; t < maxSteps; t++) {
      const a = epsilonGreedy(() => policy.qValues(obs as AnyTypedArray), policy.numActions, epsilon, rng);
      const r = env.step(a);
      ret += r[1];
      obs = r[0];
      if (r[2] || r[3]) break;
    }
    returns.push(ret);
  }
  const [meanReturn, stdReturn] = meanStd(returns);
  const wins = o.countWins ? returns.filter((r) => r > 0).length : null;
  return { episodes: o.episodes, meanReturn, stdReturn, wins, returns };
}
