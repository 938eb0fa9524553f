/** `TimeLimit`: truncates episodes after a fixed number of steps (Gymnasium's `TimeLimit`). */
import type { Env, Info, ResetOptions, StepResult } from '../env.js';
import { EpisodeGuard, Wrapper } from './wrapper.js';

/**
 * Sets `truncated = true` on the `maxEpisodeSteps`-th step of an episode (unless the env
 * terminated on that same step, `terminated` is kept as is: both may be true, as in Gymnasium).
 * Stepping again without `reset` throws, since the episode has ended even though the inner env
 * does not know it.
 */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  private elapsed = 0;
  private readonly guard = new EpisodeGuard();

  constructor(
    env: Env<Obs, Act>,
    readonly maxEpisodeSteps: number,
  ) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be a positive integer. Received: ${String(maxEpisodeSteps)}`);
    }
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  override reset(opts?: ResetOptions): [Obs, Info] {
    const out = this.env.reset(opts);
    this.elapsed = 0;
    this.guard.onReset();
    return out;
  }

  override step(action: Act): StepResult<Obs> {
    this.guard.beforeStep();
    const out = this.env.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxEpisodeSteps) out[3] = true;
    this.guard.afterStep(out[2], out[3]);
    return out;
  }
}
