/**
 * `tfgym/envs`: the env API (Gymnasium's, typed), the registry, spaces, wrappers, the vector env,
 * the env checker, `EnvStream`, and the built-in envs, which importing this module registers.
 * Tensor-free: nothing here loads TensorFlow.js.
 *
 * @example
 * ```ts
 * import { make } from 'tfgym/envs';
 * const env = make('bsuite/Catch-v0');
 * const [obs] = env.reset({ seed: 0 });
 * ```
 * @module
 */
import '../envs/index.js';

export { loadBuiltinEnvs } from '../envs/index.js';

// The env API.
export type {
  DType,
  Env,
  EnvMetadata,
  Info,
  RenderMode,
  ResetOptions,
  RgbFrame,
  Space,
  StepResult,
} from '../src/core/env.js';
export { BaseEnv, DEFAULT_SEED, EpisodeOrderError } from '../src/core/env-base.js';
export {
  EnvError,
  Registry,
  countsWins,
  make,
  parseEnvId,
  register,
  registeredIds,
  registry,
  spec,
  type EnvFactory,
  type EnvOptionValue,
  type EnvOptions,
  type EnvSpec,
  type RegisterOptions,
} from '../src/core/registry.js';
export {
  Box,
  Discrete,
  MultiDiscrete,
  allocTyped,
  dtypeOf,
  inputDivisor,
  isTypedArrayOf,
  shapeSize,
  spaceToJSON,
  type AnyTypedArray,
  type JsonNumber,
  type SpaceJSON,
  type TypedArrayOf,
} from '../src/core/spaces.js';
export * from '../src/core/wrappers/index.js';
export {
  AUTORESET_MODES,
  SyncVectorEnv,
  batchSpace,
  type AutoresetMode,
  type VectorEnv,
  type SyncVectorEnvOptions,
  type VectorResetOptions,
  type VectorStepResult,
} from '../src/core/vector-env.js';
export {
  AsyncVectorEnv,
  AsyncVectorEnvError,
  spaceFromJSON,
  type AsyncVectorEnvOptions,
} from '../src/core/async-vector-env.js';
export { EnvCheckError, checkEnv, type CheckEnvOptions, type CheckEnvReport } from '../src/core/env-checker.js';
export {
  EnvStream,
  summarizeEpisodes,
  type EpisodeEvent,
  type EpisodeSummary,
  type ResetEvent,
  type StepEvent,
} from '../src/core/env-stream.js';

// The built-in envs, for direct construction (the registry ids are the usual way in).
export {
  CatchEnv,
  bookCatch,
  catchGame,
  makeCatch,
  type BookCatchEnv,
  type BookCatchOptions,
  type CatchOptions,
} from '../envs/catch/index.js';
export { BsuiteCatchEnv, makeBsuiteCatch, type BsuiteCatchOptions } from '../envs/bsuite-catch/index.js';
export {
  AcrobotEnv,
  CartPoleEnv,
  MountainCarEnv,
  acrobotGame,
  cartpoleGame,
  mountainCarGame,
  type AcrobotOptions,
  type CartPoleOptions,
  type MountainCarOptions,
} from '../envs/classic-control/index.js';
export {
  MINATAR_DEFAULT_OPTIONS,
  MINATAR_GAMES,
  MinAtarEnv,
  MinAtarEnvironment,
  makeMinAtar,
  type MinAtarEnvOptions,
  type MinAtarEnvironmentOptions,
  type MinAtarGame,
  type MinAtarGameName,
  type MinAtarInfo,
  type MinAtarRng,
  type MinAtarStateBase,
} from '../envs/minatar/index.js';
