/**
 * `BaseEnv`: the reusable shell concrete envs extend. It enforces the episode order
 * (`reset` before `step`, no `step` after the episode ended), validates actions, owns the
 * env's seeded {@link Rng} and dispatches `render()` to the mode chosen at construction.
 * Subclasses implement `resetEpisode`, `stepEpisode` and the render hooks they support.
 */
import type { Env, EnvMetadata, Info, RenderMode, ResetOptions, RgbFrame, Space, StepResult } from './env.js';
import { Rng } from '../rng/rng.js';

/** Message of the error thrown by `step()` after `terminated` or `truncated`, without a `reset()`. */
export const STEP_AFTER_END_MESSAGE = 'Cannot call step() on a finished episode; call reset() first';
/** Message of the error thrown by `step()` before the first `reset()`. */
export const STEP_BEFORE_RESET_MESSAGE = 'Cannot call step() before reset()';

/** Thrown when `step` is called out of order (before the first reset, or after the episode ended). */
export class EpisodeOrderError extends Error {
  override name = 'EpisodeOrderError';
}

/** Seed a never-seeded env uses on its first reset: deterministic by design (no hidden entropy). */
export const DEFAULT_SEED = 0;

/**
 * Base class for envs. `reset({seed})` reseeds `this.rng` (override {@link BaseEnv.seed} to
 * seed another generator, e.g. a numpy-exact one); `reset()` continues the stream. An env that
 * was never seeded behaves as if its first reset had `seed: 0`.
 */
export abstract class BaseEnv<Obs, Act> implements Env<Obs, Act> {
  abstract readonly observationSpace: Space<Obs>;
  abstract readonly actionSpace: Space<Act>;
  abstract readonly metadata: EnvMetadata;
  readonly renderMode: RenderMode | null;
  /** The env's random stream; replaced on every seeded reset. */
  protected rng: Rng = new Rng(DEFAULT_SEED);
  private started = false;
  private finished = false;

  constructor(renderMode: RenderMode | null = null) {
    if (renderMode !== null && renderMode !== 'rgb_array' && renderMode !== 'ansi') {
      throw new RangeError(`renderMode must be 'rgb_array', 'ansi' or null. Received: ${String(renderMode)}`);
    }
    this.renderMode = renderMode;
  }

  /** True until `reset` is called, and again once an episode has terminated or truncated. */
  get needsReset(): boolean {
    return !this.started || this.finished;
  }

  /** Starts a new episode; with `seed`, reseeds first. */
  reset(opts: ResetOptions = {}): [Obs, Info] {
    if (opts.seed !== undefined) {
      if (!Number.isInteger(opts.seed))
        throw new RangeError(`reset: seed must be an integer. Received: ${String(opts.seed)}`);
      this.seed(opts.seed);
    }
    const out = this.resetEpisode(opts.options ?? {});
    this.started = true;
    this.finished = false;
    return out;
  }

  /** Advances one step; throws {@link EpisodeOrderError} out of order and `RangeError` for an invalid action. */
  step(action: Act): StepResult<Obs> {
    if (!this.started) throw new EpisodeOrderError(STEP_BEFORE_RESET_MESSAGE);
    if (this.finished) throw new EpisodeOrderError(STEP_AFTER_END_MESSAGE);
    if (!this.actionSpace.contains(action)) {
      throw new RangeError(`Invalid action ${String(action)} for action space ${this.actionSpace.toString()}`);
    }
    const out = this.stepEpisode(action);
    if (out[2] || out[3]) this.finished = true;
    return out;
  }

  /** Renders in the mode chosen at construction; null when none was chosen. */
  render(): RgbFrame | string | null {
    if (this.renderMode === null) return null;
    if (!this.metadata.renderModes.includes(this.renderMode)) {
      throw new RangeError(
        `Render mode '${this.renderMode}' is not supported; this env supports: ${this.metadata.renderModes.join(', ') || 'none'}`,
      );
    }
    return this.renderMode === 'rgb_array' ? this.renderRgb() : this.renderAnsi();
  }

  /** Frees resources (nothing by default). */
  close(): void {}

  /** The class name (wrappers print stacks as `FrameStack<Resize<CatchEnv>>`). */
  toString(): string {
    return this.constructor.name;
  }

  /** Reseeds the env's randomness; the default replaces `this.rng` with `new Rng(seed)`. */
  protected seed(seed: number): void {
    this.rng = new Rng(seed);
  }

  /** Starts an episode (after any reseeding) and returns the first observation and info. */
  protected abstract resetEpisode(options: Record<string, unknown>): [Obs, Info];

  /** One transition with a valid action, in a started, unfinished episode. */
  protected abstract stepEpisode(action: Act): StepResult<Obs>;

  /** `rgb_array` rendering; override when `metadata.renderModes` includes it. */
  protected renderRgb(): RgbFrame {
    throw new Error(`${this.constructor.name} does not implement rgb_array rendering`);
  }

  /** `ansi` rendering; override when `metadata.renderModes` includes it. */
  protected renderAnsi(): string {
    throw new Error(`${this.constructor.name} does not implement ansi rendering`);
  }
}
