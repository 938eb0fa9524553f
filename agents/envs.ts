/**
 * Builds the envs an agent trains and evaluates on: `make(id, options)` plus the observation
 * pipeline the config's `preprocess` names, and tells the replay memory about frame stacking.
 *
 * `preprocess: 'book'` is the book's `preprocess_images` (Gulli & Pal ch. 8), defined once in
 * `envs/catch/book.ts` ({@link bookPreprocessing}): grayscale, resized to 80x80 (area;
 * `frameSize` changes the side), 4 frames stacked channels-last (`frameStack` changes the count),
 * first frame repeated, uint8 throughout. The book's division by 255 happens at the network input
 * (uint8 observations are scaled by {@link inputDivisor}), so the replay stores 1-byte pixels.
 */
import '../envs/index.js';
import type { Env } from '../src/core/env.js';
import { make } from '../src/core/registry.js';
import type { StackAxis } from '../src/replay/index.js';
import { inputDivisor, type AnyTypedArray } from '../src/core/spaces.js';
import { FrameStack } from '../src/core/wrappers/stateful-observation.js';
import { bookPreprocessing } from '../envs/catch/book.js';
import type { TypedEnv } from './trainer.js';

/**
 * Observation pipelines: `'none'`; `'book'` (see the module comment); `'stack'`, the last
 * `stackFrames` observations stacked along the last axis as they are ({@link FrameStack}, the first
 * repeated at reset), e.g. a frame-stacked DQN on a memory task (`CartPole-v1` with
 * `maskVelocity`: `[4]` becomes `[4 k]`; MinAtar's `[10, 10, C]` becomes `[10, 10, C k]`).
 */
export type Preprocess = 'none' | 'book' | 'stack';

/** The pipelines, for config enums. */
export const PREPROCESS: readonly Preprocess[] = ['none', 'book', 'stack'];

/** An env ready for an agent, with what the replay memory needs to know. */
export interface AgentEnv {
  readonly env: TypedEnv;
  readonly obsShape: readonly number[];
  readonly obsDtype: TypedEnv['observationSpace']['dtype'];
  readonly numActions: number;
  /**
   * What the network input is divided by: 255 for uint8 pixels in [0, 255], 1 for uint8
   * observations already in [0, 1] (MinAtar's 0/1 cells) and for float observations.
   */
  readonly obsDivisor: number;
  readonly frameStack?: { readonly k: number; readonly axis: StackAxis; readonly channels: number };
}

/**
 * Makes `id` with `options` and applies `preprocess` (`frameSize` only matters for `'book'`,
 * `stackFrames` for `'book'` and `'stack'`); throws RangeError for unsuitable envs.
 */
export function makeAgentEnv(
  id: string,
  options: Record<string, unknown>,
  preprocess: Preprocess,
  frameSize = 80,
  stackFrames = 4,
): AgentEnv {
  let env = make(id, options) as Env<unknown, unknown>;
  // Throws a RangeError for observations that are not uint8 images.
  if (preprocess === 'book')
    env = bookPreprocessing(env as Env<unknown, number>, { frameSize, stack: stackFrames }) as Env<unknown, unknown>;
  else if (preprocess === 'stack') {
    try {
      env = new FrameStack(env as Env<AnyTypedArray, unknown>, stackFrames, 'reset') as Env<unknown, unknown>;
    } catch (e) {
      env.close();
      throw new RangeError(`${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const as = env.actionSpace as { n?: number };
  if (typeof as.n !== 'number')
    throw new RangeError(`${id}: agents need a Discrete action space; it has ${env.actionSpace.toString()}`);
  const sp = env.observationSpace;
  if (sp.shape.length === 0) throw new RangeError(`${id}: agents need array observations; it has ${sp.toString()}`);
  let frameStack: AgentEnv['frameStack'];
  if (env instanceof FrameStack) {
    const last = sp.shape[sp.shape.length - 1] as number;
    frameStack = { k: env.k, axis: 'last', channels: last / env.k };
  }
  return {
    env: env as TypedEnv,
    obsShape: sp.shape,
    obsDtype: sp.dtype,
    numActions: as.n,
    obsDivisor: inputDivisor(sp),
    frameStack,
  };
}

/**
 * {@link makeAgentEnv} with the pipeline a run's resolved agent config names (`preprocess`,
 * `frameSize`, `frameStack`; absent ones take makeAgentEnv's defaults), so training, evaluation
 * and watching build the same env. With `normalizeObservation` the env stays as it is (the
 * training loop and the policies normalize, see `agents/normalize.ts`) and the agent is told it
 * sees float32 observations that need no scaling.
 */
export function makeRunEnv(
  id: string,
  options: Record<string, unknown>,
  config: Readonly<Record<string, unknown>>,
): AgentEnv {
  const num = (k: string): number | undefined => (typeof config[k] === 'number' ? config[k] : undefined);
  const made = makeAgentEnv(
    id,
    options,
    (config['preprocess'] ?? 'none') as Preprocess,
    num('frameSize'),
    num('frameStack'),
  );
  if (config['normalizeObservation'] !== true) return made;
  if (made.frameStack) {
    made.env.close();
    // Each stacked position would get its own statistics, so a frame would not equal itself one step later.
    throw new RangeError(
      `${id}: normalizeObservation needs unstacked observations; it cannot be combined with frame stacking (preprocess ${String(config['preprocess'])})`,
    );
  }
  return { ...made, obsDtype: 'float32', obsDivisor: 1 };
}

/**
 * Whether a run's observations are normalized and, if so, whether their statistics are float32
 * (float32 observations): what a policy on raw observations needs (`normalizingPolicy`).
 */
export function observationNormalization(
  config: Readonly<Record<string, unknown>>,
  env: AgentEnv,
): { readonly float32: boolean } | null {
  return config['normalizeObservation'] === true ? { float32: env.env.observationSpace.dtype === 'float32' } : null;
}

/** Re-exported: the scaling rule lives with the spaces (the DQN agent uses it too). */
export { inputDivisor } from '../src/core/spaces.js';
