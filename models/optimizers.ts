/**
 * The book's optimizers with Keras 2 defaults, and a learning-rate setter that works for every
 * tfjs optimizer (only SGD has a public `setLearningRate`; the others read a protected field on
 * each step, which a schedule has to update).
 */
import * as tf from '@tensorflow/tfjs';
import { checkOneOf, checkPositiveFloat } from './validate.js';

/** Optimizer names used by the book's examples. */
export const OPTIMIZER_NAMES = ['sgd', 'rmsprop', 'adam'] as const;
/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Keras 2 default learning rates: SGD 0.01, RMSprop 0.001, Adam 0.001. */
export const DEFAULT_LEARNING_RATES: Readonly<Record<OptimizerName, number>> = { sgd: 0.01, rmsprop: 0.001, adam: 0.001 };

/**
 * A fresh optimizer as `keras.optimizers.<Name>()` would build it.
 * @param name sgd | rmsprop | adam
 * @param learningRate defaults to Keras' value for that optimizer
 */
export function makeOptimizer(name: string, learningRate?: number): tf.Optimizer {
  const n = checkOneOf('optimizer', name, OPTIMIZER_NAMES);
  const lr = checkPositiveFloat('learningRate', learningRate ?? DEFAULT_LEARNING_RATES[n]);
  switch (n) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'rmsprop':
      // Keras: rho=0.9, epsilon=1e-7 (K.epsilon()), no momentum.
      return tf.train.rmsprop(lr, 0.9, 0, 1e-7);
    case 'adam':
      return tf.train.adam(lr, 0.9, 0.999, 1e-7);
  }
}

interface HasLearningRate {
  learningRate: number;
}

/** The current learning rate of a tfjs optimizer, or undefined if it has none. */
export function getLearningRate(opt: tf.Optimizer): number | undefined {
  const lr = (opt as unknown as Partial<HasLearningRate>).learningRate;
  return typeof lr === 'number' ? lr : undefined;
}

/** Sets the learning rate of any tfjs optimizer that has one (SGD, momentum, RMSprop, Adam, ...). */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  checkPositiveFloat('learningRate', lr);
  if (opt instanceof tf.SGDOptimizer) {
    // SGD caches the rate in a scalar tensor; its setter replaces (and disposes) it.
    opt.setLearningRate(lr);
    return;
  }
  (opt as unknown as HasLearningRate).learningRate = lr;
}

/**
 * Disposes a model and its optimizer's state. `model.dispose()` alone keeps an optimizer that
 * was passed to `compile` as an object (tfjs treats it as the caller's), with its slot variables.
 */
export function disposeModelAndOptimizer(model: tf.LayersModel): void {
  const opt = model.optimizer as tf.Optimizer | undefined;
  // tfjs disposes the optimizer itself only when it built it from a name.
  const owned = (model as unknown as { isOptimizerOwned?: boolean }).isOptimizerOwned === true;
  model.dispose();
  if (opt && !owned) opt.dispose();
}
