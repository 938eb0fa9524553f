/**
 * Wrappers every env may get (Gymnasium's `common`): `TimeLimit` (truncates episodes after a
 * fixed number of steps) and `RecordEpisodeStatistics` (episode return, length and duration in
 * `info.episode`).
 */
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
      throw new RangeError(
        `TimeLimit: maxEpisodeSteps must be a positive integer. Received: ${String(maxEpisodeSteps)}`,
      );
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

/** What `info.episode` holds at the end of an episode: return `r`, length `l`, wall time `t` in seconds. */
export interface EpisodeStatistics {
  r: number;
  l: number;
  t: number;
}

/** Options of {@link RecordEpisodeStatistics}. */
export interface RecordEpisodeStatisticsOptions {
  /**
   * Seconds from an arbitrary origin (injected so tests and replays are deterministic); default `performance.now() /
   * 1000`.
   */
  clock?: () => number;
  /** How many recent episodes `returnQueue`/`lengthQueue` keep (default 100). */
  bufferLength?: number;
}

/**
 * On the step that ends an episode (terminated or truncated) sets `info.episode = {r, l, t}`:
 * the sum of rewards, the number of steps, and the seconds since the reset (rounded to 6
 * decimals as Gymnasium does). Also keeps the last `bufferLength` returns and lengths.
 */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  /** Returns of the most recent episodes, oldest first. */
  readonly returnQueue: number[] = [];
  /** Lengths of the most recent episodes, oldest first. */
  readonly lengthQueue: number[] = [];
  /** Episodes completed so far. */
  episodeCount = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private startTime = 0;
  private readonly clock: () => number;
  private readonly bufferLength: number;

  constructor(env: Env<Obs, Act>, opts: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    this.clock = opts.clock ?? (() => performance.now() / 1000);
    this.bufferLength = opts.bufferLength ?? 100;
    if (!Number.isInteger(this.bufferLength) || this.bufferLength < 1) {
      throw new RangeError(
        `RecordEpisodeStatistics: bufferLength must be a positive integer. Received: ${String(opts.bufferLength)}`,
      );
    }
  }

  override reset(opts?: ResetOptions): [Obs, Info] {
    const out = this.env.reset(opts);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.startTime = this.clock();
    return out;
  }

  override step(action: Act): StepResult<Obs> {
    const out = this.env.step(action);
    this.episodeReturn += out[1];
    this.episodeLength++;
    if (out[2] || out[3]) {
      const t = Math.round((this.clock() - this.startTime) * 1e6) / 1e6;
      const stats: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t };
      out[4].episode = stats;
      this.episodeCount++;
      this.returnQueue.push(stats.r);
      this.lengthQueue.push(stats.l);
      if (this.returnQueue.length > this.bufferLength) {
        this.returnQueue.shift();
        this.lengthQueue.shift();
      }
    }
    return out;
  }
}
