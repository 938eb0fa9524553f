/**
 * tfgym: deep reinforcement learning and the networks of *Deep Learning with Keras* on
 * TensorFlow.js in Node.js. This entry point has everything: the env API and the built-in envs
 * (registered on import; `tfgym/envs`), the agents with `train` and `evaluate` (`tfgym/agents`),
 * the model factories (`tfgym/models`), the dataset loaders (`tfgym/data`), the viewer
 * (`tfgym/viewer`), the numpy-exact random generators, the backend switch, and `tf`, the
 * TensorFlow.js namespace tfgym computes with (use it rather than importing `@tensorflow/tfjs`
 * yourself, so that both share one engine and backend).
 *
 * Importing has no other effect: no backend is chosen until you call {@link useBackend} (or pass
 * `backend` to `train`/`evaluate`); until then tfjs picks its default on first use.
 *
 * @example
 * ```ts
 * import { make, train, evaluate, useBackend } from 'tfgym';
 * await useBackend('auto');
 * const run = await train({ agent: 'dqn', env: 'bsuite/Catch-v0', totalSteps: 3000, runDir: 'runs/demo' });
 * const score = await evaluate({ runDir: run.runDir, episodes: 100 });
 * ```
 * @module
 */
export * from './envs.js';
export * from './agents.js';
export * from './models.js';
export * from './data.js';
export * from './viewer.js';
export * from '../src/rng/index.js';
export { Rng, type RngState } from '../src/rng/rng.js';
export {
  AUTO_ORDER,
  BACKEND_CHOICES,
  BackendError,
  describeSelection,
  parseBackendChoice,
  probeAllBackends,
  probeBackend,
  registerBackendProvider,
  requestedBackend,
  resolveBackend,
  useBackend,
  type BackendChoice,
  type BackendProvider,
  type BackendSelection,
  type ConcreteBackend,
  type ProbeResult,
} from '../src/backends/index.js';
export { packageVersion } from '../src/io/package.js';
/** The TensorFlow.js namespace tfgym computes with (one engine, one backend, shared with your code). */
export * as tf from '@tensorflow/tfjs';
