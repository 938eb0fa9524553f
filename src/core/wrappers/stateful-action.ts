/** Wrappers over actions that keep state (Gymnasium's `stateful_action`): `StickyAction`. */
import type { Env, Info, ResetOptions, StepResult } from '../env.js';
import { Rng } from '../../rng/rng.js';
import type { AnyTypedArray } from '../spaces.js';
import { Wrapper } from './wrapper.js';

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
      if (kept !== null && kept !== src && kept.constructor === src.constructor && kept.length === src.length)
        kept.set(src);
      else if (kept !== src) this.last = src.slice() as unknown as Act;
    } else {
      this.last = a;
    }
  }
}
