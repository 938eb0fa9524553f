/**
 * The book's optimizers with Keras 2 defaults, and a learning-rate setter that works for every
 * tfjs optimizer (only SGD has a public `setLearningRate`; the others read a protected field on
 * each step, which a schedule has to update).
 */
import * as tf from '@tensorflow/tfjs';
import { learningRateOf, modelOwnsOptimizer, setLearningRateField } from '../src/backends/optimizer-internals.js';
import { KerasAdadelta, KerasAdam, KerasRMSprop } from './keras-optimizers.js';
import { checkOneOf, checkPositiveFloat } from './validate.js';

/** Optimizer names used by the book's examples. */
export const OPTIMIZER_NAMES = ['sgd', 'rmsprop', 'adam', 'adadelta'] as const;
/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Keras 2 default learning rates: SGD 0.01, RMSprop 0.001, Adam 0.001, Adadelta 1.0. */
export const DEFAULT_LEARNING_RATES: Readonly<Record<OptimizerName, number>> = {
  sgd: 0.01,
  rmsprop: 0.001,
  adam: 0.001,
  adadelta: 1.0,
};

/**
 * A fresh optimizer as `keras.optimizers.<Name>()` would build it.
 * @param name sgd | rmsprop | adam | adadelta
 * @param learningRate defaults to Keras' value for that optimizer
 */
export function makeOptimizer(name: string, learningRate?: number): tf.Optimizer {
  const n = checkOneOf('optimizer', name, OPTIMIZER_NAMES);
  const lr = checkPositiveFloat('learningRate', learningRate ?? DEFAULT_LEARNING_RATES[n]);
  switch (n) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'rmsprop':
      // Keras 2.0's RMSprop (rho 0.9, epsilon 1e-8 outside the square root): see keras-optimizers.ts.
      return new KerasRMSprop(lr);
    case 'adam':
      // Keras 2.0's Adam (0.9, 0.999, epsilon 1e-8 on the uncorrected sqrt(v)).
      return new KerasAdam(lr);
    case 'adadelta':
      // Keras 2.0's Adadelta (rho 0.95, epsilon 1e-8, the new accumulator in the step).
      return new KerasAdadelta(lr);
  }
}

/** The current learning rate of a tfjs optimizer, or undefined if it has none. */
export function getLearningRate(opt: tf.Optimizer): number | undefined {
  return learningRateOf(opt);
}

/** Sets the learning rate of any tfjs optimizer that has one (SGD, momentum, RMSprop, Adam, ...). */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  checkPositiveFloat('learningRate', lr);
  // Not `instanceof tf.SGDOptimizer`: tfjs' optimizers share a duck-typed Symbol.hasInstance
  // under which every optimizer is an SGDOptimizer.
  const sgd = opt as Partial<Pick<tf.SGDOptimizer, 'setLearningRate'>>;
  if (typeof sgd.setLearningRate === 'function') {
    // SGD (and momentum) cache the rate in a scalar tensor; the setter replaces (and disposes) it.
    sgd.setLearningRate(lr);
    return;
  }
  setLearningRateField(opt, lr);
}

/**
 * Disposes an optimizer completely. tfjs' `MomentumOptimizer.dispose` frees its momentum and
 * accumulators but not the learning-rate scalar of its `SGDOptimizer` base (one tensor each).
 */
export function disposeOptimizer(opt: tf.Optimizer): void {
  opt.dispose();
  // By class name: tfjs' duck-typed Symbol.hasInstance makes every optimizer an SGDOptimizer.
  if ((opt.constructor as { className?: string }).className === 'Momentum') tf.SGDOptimizer.prototype.dispose.call(opt);
}

/**
 * Disposes a model and its optimizer's state. `model.dispose()` alone keeps an optimizer that
 * was passed to `compile` as an object (tfjs treats it as the caller's), with its slot variables.
 */
export function disposeModelAndOptimizer(model: tf.LayersModel): void {
  const opt = model.optimizer as tf.Optimizer | undefined;
  // tfjs disposes the optimizer itself only when it built it from a name.
  const owned = modelOwnsOptimizer(model);
  model.dispose();
  if (opt && !owned) disposeOptimizer(opt);
}
