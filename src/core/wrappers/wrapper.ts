/**
 * Wrapper base classes. A wrapper is an {@link Env} around another env that changes one thing
 * and forwards everything else, so wrappers compose: `new FrameStack(new Resize(env, 84, 84), 4)`.
 *
 * Buffer lifetime: wrappers that transform observations write into a buffer they own and reuse
 * it on every call, and rewrite the step tuple they get from the inner env in place, so a
 * wrapper adds no allocation per step. An observation returned by
 * `reset`/`step` is therefore valid only until the next `reset`/`step` of the same wrapper;
 * copy it (`obs.slice()`) to keep it.
 */
import type { Env, EnvMetadata, Info, RenderMode, ResetOptions, RgbFrame, Space, StepResult } from '../env.js';
import { Box } from '../spaces.js';
import { EpisodeOrderError, STEP_AFTER_END_MESSAGE, STEP_BEFORE_RESET_MESSAGE } from '../env-base.js';

/**
 * Forwards everything to the inner env. `Obs`/`Act` are what this wrapper exposes,
 * `InnerObs`/`InnerAct` what the wrapped env uses; a subclass that changes a type overrides
 * the matching accessor and method (the base casts, which is sound only when the types agree).
 */
export class Wrapper<Obs, Act, InnerObs = Obs, InnerAct = Act> implements Env<Obs, Act> {
  constructor(readonly env: Env<InnerObs, InnerAct>) {}

  /** The inner env's observation space (override when the observation changes). */
  get observationSpace(): Space<Obs> {
    return this.env.observationSpace as unknown as Space<Obs>;
  }

  /** The inner env's action space (override when the action changes). */
  get actionSpace(): Space<Act> {
    return this.env.actionSpace as unknown as Space<Act>;
  }

  /** The inner env's metadata. */
  get metadata(): EnvMetadata {
    return this.env.metadata;
  }

  /** The inner env's render mode. */
  get renderMode(): RenderMode | null {
    return this.env.renderMode;
  }

  /** The innermost env (the one that is not a wrapper). */
  get unwrapped(): Env<unknown, unknown> {
    let e: Env<unknown, unknown> = this.env as Env<unknown, unknown>;
    while (e instanceof Wrapper) e = (e as Wrapper<unknown, unknown>).env as Env<unknown, unknown>;
    return e;
  }

  /** Forwards `reset`. */
  reset(opts?: ResetOptions): [Obs, Info] {
    return this.env.reset(opts) as unknown as [Obs, Info];
  }

  /** Forwards `step`. */
  step(action: Act): StepResult<Obs> {
    return this.env.step(action as unknown as InnerAct) as unknown as StepResult<Obs>;
  }

  /** Forwards `render`. */
  render(): RgbFrame | string | null {
    return this.env.render();
  }

  /** Forwards `close`. */
  close(): void {
    this.env.close();
  }

  /** `Name<inner>`, as Gymnasium prints wrapper stacks. */
  toString(): string {
    return `${this.constructor.name}<${String(this.env)}>`;
  }
}

/** A wrapper that maps every observation through {@link ObservationWrapper.observation}. */
export abstract class ObservationWrapper<Obs, Act, InnerObs> extends Wrapper<Obs, Act, InnerObs, Act> {
  abstract override get observationSpace(): Space<Obs>;

  /** Maps one inner observation (may write into and return a reused buffer). */
  abstract observation(obs: InnerObs): Obs;

  override reset(opts?: ResetOptions): [Obs, Info] {
    const [obs, info] = this.env.reset(opts);
    return [this.observation(obs), info];
  }

  override step(action: Act): StepResult<Obs> {
    // Rewrite the inner env's fresh tuple in place rather than allocating another one per step.
    const out = this.env.step(action) as unknown as StepResult<unknown>;
    out[0] = this.observation(out[0] as InnerObs);
    return out as StepResult<Obs>;
  }
}

/** A wrapper that maps every reward through {@link RewardWrapper.reward}. */
export abstract class RewardWrapper<Obs, Act> extends Wrapper<Obs, Act> {
  /** Maps one reward. */
  abstract reward(r: number): number;

  override step(action: Act): StepResult<Obs> {
    const out = this.env.step(action);
    out[1] = this.reward(out[1]);
    return out;
  }
}

/**
 * Tracks the episode order at the wrapper level, for wrappers that can end an episode the
 * inner env does not know has ended (e.g. `TimeLimit`): stepping past that end throws the same
 * error `BaseEnv` throws.
 */
export class EpisodeGuard {
  private started = false;
  private finished = false;

  /** Call at reset. */
  onReset(): void {
    this.started = true;
    this.finished = false;
  }

  /** Call before stepping the inner env; throws when out of order. */
  beforeStep(): void {
    if (!this.started) throw new EpisodeOrderError(STEP_BEFORE_RESET_MESSAGE);
    if (this.finished) throw new EpisodeOrderError(STEP_AFTER_END_MESSAGE);
  }

  /** Call after a step with its end flags. */
  afterStep(terminated: boolean, truncated: boolean): void {
    if (terminated || truncated) this.finished = true;
  }
}

/** The inner observation space as a `Box`, or a clear error naming the wrapper. */
export function requireBox(space: Space<unknown>, wrapper: string, dtype?: string): Box {
  if (!(space instanceof Box))
    throw new TypeError(`${wrapper} needs a Box observation space. Received: ${space.toString()}`);
  if (dtype !== undefined && space.dtype !== dtype) {
    throw new TypeError(`${wrapper} needs ${dtype} observations. Received: ${space.toString()}`);
  }
  return space;
}
