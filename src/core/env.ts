/**
 * The Gymnasium-style environment contract, typed for TypeScript.
 *
 * Semantics follow Gymnasium: `reset({seed})` seeds the env's RNG, `reset()` without a seed
 * continues the stream; `step` returns `terminated` (a true end of the MDP: do not bootstrap)
 * separately from `truncated` (a time limit or similar: bootstrap). `checkEnv` in
 * `src/env-checker.ts` is the executable definition of this contract.
 *
 * This module is types only and never imports tfjs (nor does anything in `envs/`).
 */
import type { Rng } from '../rng/rng.js';

/** Element types an observation or action may have. */
export type DType = 'uint8' | 'int32' | 'float32' | 'float64';

/** Free-form per-step information, as in Gymnasium's `info` dict. */
export type Info = Record<string, unknown>;

/** A set of valid values (Gymnasium's `Space`). */
export interface Space<T> {
  /** Shape of one element (`[]` for a scalar like `Discrete`). */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** A uniformly random element, drawn from `rng`. */
  sample(rng: Rng): T;
  /** Whether `x` is an element of this space. */
  contains(x: unknown): boolean;
  /** A short human-readable description, e.g. `Discrete(3)` or `Box(0, 255, [80, 80, 4], uint8)`. */
  toString(): string;
}

/** Render modes, fixed when the env is made. */
export type RenderMode = 'rgb_array' | 'ansi';

/** An RGB frame: `data` has `height * width * 3` bytes in row-major (H, W, C) order. */
export interface RgbFrame {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/** Static facts about an env. */
export interface EnvMetadata {
  readonly renderModes: readonly RenderMode[];
  /** Frames per second to show it at (viewer, human play). */
  readonly renderFps: number;
  /** Names of the discrete actions, when the action space is discrete. */
  readonly actionNames?: readonly string[];
  /** Shape `[height, width, 3]` of `rgb_array` frames, when fixed; `checkEnv` verifies it. */
  readonly renderShape?: readonly [height: number, width: number, channels: 3];
}

/** Arguments of `reset`. */
export interface ResetOptions {
  /** Seeds the env's RNG; omitted, the RNG stream continues. */
  seed?: number;
  /** Env-specific options. */
  options?: Record<string, unknown>;
}

/** `[obs, reward, terminated, truncated, info]`, as Gymnasium's `step`. */
export type StepResult<Obs> = [obs: Obs, reward: number, terminated: boolean, truncated: boolean, info: Info];

/** The environment interface. */
export interface Env<Obs, Act> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  readonly metadata: EnvMetadata;
  /** Render mode chosen at construction, if any. */
  readonly renderMode: RenderMode | null;
  /** Starts a new episode. */
  reset(opts?: ResetOptions): [Obs, Info];
  /**
   * Advances one step. Throws if the episode has ended and `reset` was not called.
   * The returned tuple belongs to the caller (a fresh array each call: wrappers rewrite it in
   * place); the observation in it may be a buffer the env reuses on its next step.
   */
  step(action: Act): StepResult<Obs>;
  /** Renders the current state in the mode chosen at construction. */
  render(): RgbFrame | string | null;
  /** Frees resources. */
  close(): void;
}
