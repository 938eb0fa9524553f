/** Wrappers over rewards and actions: `ClipReward`, `StickyAction`, `MaxAndSkip`, `TransformObservation`. */
import type { Env, Info, ResetOptions, Space, StepResult } from '../env.js';
import { Rng } from '../rng.js';
import { allocTyped, type AnyTypedArray } from '../spaces.js';
import { requireBox } from './image-wrappers.js';
import { ObservationWrapper, RewardWrapper, Wrapper } from './wrapper.js';

/** Replaces each reward by its sign: +1, 0 or -1 (DQN's reward clipping). */
export class ClipReward<Obs, Act> extends RewardWrapper<Obs, Act> {
  reward(r: number): number {
    return r > 0 ? 1 : r < 0 ? -1 : 0;
  }
}

/**
 * With probability `p`, executes the previous action instead of the chosen one (Gymnasium's
 * `StickyAction`, ALE's "sticky actions"); the first step of an episode is never sticky.
 * Its randomness: the `rng` given, or `new Rng(0)`; `reset({seed})` replaces it with a stream
 * derived from the seed (`new Rng(seed).fork()`, so it does not mirror the env's own `Rng(seed)`).
 */
export class StickyAction<Obs, Act> extends Wrapper<Obs, Act> {
  private rng: Rng;
  private last: Act | null = null;

  constructor(
    env: Env<Obs, Act>,
    readonly p: number,
    rng?: Rng,
  ) {
    super(env);
    if (!(p >= 0 && p < 1)) throw new RangeError(`StickyAction: p must be in [0, 1). Received: ${String(p)}`);
    this.rng = rng ?? new Rng(0);
  }

  override reset(opts?: ResetOptions): [Obs, Info] {
    if (opts?.seed !== undefined) this.rng = new Rng(opts.seed).fork();
    this.last = null;
    return this.env.reset(opts);
  }

  override step(action: Act): StepResult<Obs> {
    // Draw every step (even when it cannot stick) so the stream position depends only on the step count.
    const u = this.rng.nextFloat();
    const a = this.last !== null && u < this.p ? this.last : action;
    this.remember(a);
    return this.env.step(this.last as Act);
  }

  /** Keeps the executed action; typed-array actions are copied, since callers may reuse theirs. */
  private remember(a: Act): void {
    if (ArrayBuffer.isView(a)) {
      const src = a as unknown as AnyTypedArray;
      const kept = this.last as unknown as AnyTypedArray | null;
      if (kept !== null && kept !== src && kept.constructor === src.constructor && kept.length === src.length) kept.set(src);
      else if (kept !== src) this.last = src.slice() as unknown as Act;
    } else {
      this.last = a;
    }
  }
}

/**
 * Repeats each action `skip` times, summing the rewards and stopping early when the episode
 * ends; the observation is the elementwise max of the last two frames of those repeats (it
 * removes Atari sprite flicker), or the only frame when the episode ended on the first repeat.
 * `info` is the last inner step's.
 */
export class MaxAndSkip<T extends AnyTypedArray, Act> extends Wrapper<T, Act> {
  private readonly a: T;
  private readonly b: T;

  constructor(
    env: Env<T, Act>,
    readonly skip = 4,
  ) {
    super(env);
    if (!Number.isInteger(skip) || skip < 1) throw new RangeError(`MaxAndSkip: skip must be a positive integer. Received: ${String(skip)}`);
    const box = requireBox(env.observationSpace, 'MaxAndSkip');
    this.a = allocTyped(box.dtype, box.size) as T;
    this.b = allocTyped(box.dtype, box.size) as T;
  }

  override step(action: Act): StepResult<T> {
    let total = 0;
    let terminated = false;
    let truncated = false;
    let info: Info = {};
    let seen = 0;
    for (let i = 0; i < this.skip; i++) {
      const [obs, r, term, trunc, inf] = this.env.step(action);
      total += r;
      info = inf;
      // Keep the two most recent frames: a holds the previous one, b the latest.
      if (seen > 0) this.a.set(this.b);
      this.b.set(obs);
      seen++;
      terminated = term;
      truncated = trunc;
      if (term || trunc) break;
    }
    const out = this.b;
    if (seen > 1) {
      for (let i = 0; i < out.length; i++) {
        const x = this.a[i] as number;
        if (x > (out[i] as number)) out[i] = x;
      }
    }
    return [out, total, terminated, truncated, info];
  }
}

/** Maps observations through `fn`, declaring the resulting space (Gymnasium's `TransformObservation`). */
export class TransformObservation<Obs, Act, InnerObs> extends ObservationWrapper<Obs, Act, InnerObs> {
  constructor(
    env: Env<InnerObs, Act>,
    private readonly fn: (obs: InnerObs) => Obs,
    private readonly space: Space<Obs>,
  ) {
    super(env);
  }

  override get observationSpace(): Space<Obs> {
    return this.space;
  }

  observation(obs: InnerObs): Obs {
    return this.fn(obs);
  }
}
