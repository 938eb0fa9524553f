/** What the DRQN test files share: a small config, the masked-velocity CartPole, weights as arrays. */
import type * as tf from '@tensorflow/tfjs';
import { make } from '../../src/core/registry.js';
import '../../envs/index.js';
import type { DrqnConfig } from '../../agents/drqn-config.js';
import type { TypedEnv } from '../../agents/trainer.js';

/** A small config that trains within a few hundred steps on the cpu backend. */
export const TINY_DRQN: Readonly<Partial<DrqnConfig>> = {
  hiddenSizes: [8],
  recurrentUnits: 6,
  seqLength: 4,
  burnIn: 2,
  overlap: 1,
  bufferSize: 300,
  batchSize: 4,
  learningStarts: 30,
  trainFrequency: 2,
  targetUpdateInterval: 10,
  learningRate: 1e-3,
  nStep: 2,
  explorationFraction: 0.5,
};

/** CartPole-v1 without its velocities: a memory task. */
export const maskedCartPole = (): TypedEnv => make('CartPole-v1', { maskVelocity: true }) as TypedEnv;

/** Every weight of `m` as plain numbers (for exact comparisons). */
export function weightsOf(m: tf.LayersModel): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}
