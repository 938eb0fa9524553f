/**
 * RMSprop and Adam with the update rules and defaults of Keras 2.0 (the version the book's
 * scripts were written for), which tfjs' optimizers differ from:
 *
 * - RMSprop. Keras 2.0: `a = rho * a + (1 - rho) * g^2; p -= lr * g / (sqrt(a) + epsilon)`,
 *   epsilon 1e-8. tfjs puts epsilon inside the square root (`sqrt(a + epsilon)`, default 1e-7),
 *   which floors the denominator at sqrt(1e-7) = 3.2e-4 and so damps every weight whose gradient
 *   RMS is below about 1e-3. No choice of tfjs' epsilon reproduces Keras' rule, so
 *   {@link KerasRMSprop} applies it itself.
 * - Adam. Keras 2.0: `lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); p -= lr_t * m / (sqrt(v) +
 *   epsilon)`, epsilon 1e-8. tfjs computes `lr * m_hat / (sqrt(v_hat) + epsilon)`, the same rule
 *   when its epsilon is `epsilon / sqrt(1 - beta2^t)`: {@link KerasAdam} sets that before every
 *   step and runs tfjs' update (so the native backend's fused Adam still applies).
 *
 * - Adadelta. Keras 2.0: `a = rho * a + (1 - rho) * g^2; update = g * sqrt(d + epsilon) /
 *   sqrt(a + epsilon); p -= lr * update; d = rho * d + (1 - rho) * update^2`, lr 1.0, rho 0.95,
 *   epsilon 1e-8. tfjs divides by the accumulator *before* this step's gradient enters it, so
 *   its first step moves every weight by `lr * g` (the full gradient at lr 1.0) where Keras'
 *   moves it by about `sqrt(epsilon / (1 - rho))`: {@link KerasAdadelta} applies Keras' rule
 *   (fused into one pass per weight on the native backend).
 *
 * All stay subclasses of tfjs' classes: slot variables, `getWeights`/`setWeights`, disposal and
 * learning-rate schedules work as for tfjs' own.
 */
import * as tf from '@tensorflow/tfjs';
import {
  adadeltaInternals,
  adamInternals,
  rmsPropInternals,
  tryFusedStep,
} from '../src/backends/optimizer-internals.js';
import { checkNonNegativeFloat, checkPositiveFloat, checkRate } from './validate.js';

type VariableGradients = Parameters<tf.Optimizer['applyGradients']>[0];

/**
 * Keras 2.0's defaults: `RMSprop(lr=0.001, rho=0.9, epsilon=1e-8)`, `Adam(lr=0.001, beta_1=0.9, beta_2=0.999,
 * epsilon=1e-8)`, `Adadelta(lr=1.0, rho=0.95, epsilon=1e-8)`.
 */
export const KERAS2_DEFAULTS = {
  rmsprop: { learningRate: 0.001, rho: 0.9, epsilon: 1e-8 },
  adam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  adadelta: { learningRate: 1.0, rho: 0.95, epsilon: 1e-8 },
} as const;

/** The (name, gradient) pairs of an `applyGradients` argument, in order. */
function gradientList(g: VariableGradients): Array<[string, tf.Tensor | undefined]> {
  return Array.isArray(g) ? g.map((x): [string, tf.Tensor | undefined] => [x.name, x.tensor]) : Object.entries(g);
}

/** Keras 2.0's RMSprop (epsilon outside the square root); no momentum, not centered. */
export class KerasRMSprop extends tf.RMSPropOptimizer {
  constructor(
    learningRate: number = KERAS2_DEFAULTS.rmsprop.learningRate,
    rho: number = KERAS2_DEFAULTS.rmsprop.rho,
    epsilon: number = KERAS2_DEFAULTS.rmsprop.epsilon,
  ) {
    super(
      checkPositiveFloat('learningRate', learningRate),
      checkRate('rho', rho),
      0,
      checkPositiveFloat('epsilon', epsilon),
      false,
    );
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const self = rmsPropInternals(this);
    gradientList(variableGradients).forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined || gradient === undefined) return;
      // tfjs' slot layout (by position, named `<var>/rms`), so getWeights/setWeights are tfjs'.
      const slot = (self.accumulatedMeanSquares[i] ??= {
        originalName: `${name}/rms`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      });
      self.accumulatedMoments[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      tf.tidy(() => {
        const a = tf.add(tf.mul(slot.variable, self.decay), tf.mul(tf.square(gradient), 1 - self.decay));
        slot.variable.assign(a);
        value.assign(tf.sub(value, tf.div(tf.mul(gradient, self.learningRate), tf.add(tf.sqrt(a), self.epsilon))));
      });
    });
    self.incrementIterations();
  }
}

/**
 * Keras 2.0's Adam (bias correction folded into the step size, epsilon added to sqrt(v)), with
 * Keras' optional time-based `decay`: step k (0-based) uses `lr / (1 + decay * k)` (the book's
 * GANs: `Adam(1e-4, decay=1e-4)`). With a decay, the rate is set from the initial one before
 * every step, so a learning-rate setter's value lasts one step only.
 */
export class KerasAdam extends tf.AdamOptimizer {
  /** Keras' epsilon; tfjs' `epsilon` field is rescaled from it before each step. */
  readonly kerasEpsilon: number;
  /** Keras' `decay` (0: a constant rate). */
  readonly decay: number;
  /** The rate at step 0, which `decay` divides. */
  readonly initialLearningRate: number;

  constructor(
    learningRate: number = KERAS2_DEFAULTS.adam.learningRate,
    beta1: number = KERAS2_DEFAULTS.adam.beta1,
    beta2: number = KERAS2_DEFAULTS.adam.beta2,
    epsilon: number = KERAS2_DEFAULTS.adam.epsilon,
    decay = 0,
  ) {
    super(
      checkPositiveFloat('learningRate', learningRate),
      checkRate('beta1', beta1),
      checkRate('beta2', beta2),
      checkPositiveFloat('epsilon', epsilon),
    );
    this.kerasEpsilon = epsilon;
    this.decay = checkNonNegativeFloat('decay', decay);
    this.initialLearningRate = learningRate;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const self = adamInternals(this);
    // Keras 2.0: lr *= 1 / (1 + decay * iterations), iterations counted before this step.
    if (this.decay > 0) self.learningRate = this.initialLearningRate / (1 + this.decay * this.iterations);
    // Step t (1-based) of this call: lr * m_hat / (sqrt(v_hat) + eps / sqrt(1 - beta2^t)) is
    // exactly Keras 2.0's lr_t * m / (sqrt(v) + eps).
    const t = this.iterations + 1;
    self.epsilon = this.kerasEpsilon / Math.sqrt(1 - Math.pow(self.beta2, t));
    super.applyGradients(variableGradients);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      epsilon: this.kerasEpsilon,
      ...(this.decay > 0 ? { learningRate: this.initialLearningRate, decay: this.decay } : {}),
    };
  }
}

/** Keras 2.0's Adadelta (Zeiler 2012; the accumulator updated before it divides the step). */
export class KerasAdadelta extends tf.AdadeltaOptimizer {
  constructor(
    learningRate: number = KERAS2_DEFAULTS.adadelta.learningRate,
    rho: number = KERAS2_DEFAULTS.adadelta.rho,
    epsilon: number = KERAS2_DEFAULTS.adadelta.epsilon,
  ) {
    super(
      checkPositiveFloat('learningRate', learningRate),
      checkRate('rho', rho),
      checkPositiveFloat('epsilon', epsilon),
    );
  }

  override applyGradients(variableGradients: VariableGradients): void {
    if (tryFusedStep('keras-adadelta', this, variableGradients)) return;
    const self = adadeltaInternals(this);
    gradientList(variableGradients).forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) return;
      // tfjs' slot layout (by position, `<var>/accum_grad` and `<var>/accum_var`), made for every
      // variable with or without a gradient, so getWeights/setWeights are tfjs'.
      const a = (self.accumulatedGrads[i] ??= {
        originalName: `${name}/accum_grad`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      }).variable;
      const d = (self.accumulatedUpdates[i] ??= {
        originalName: `${name}/accum_var`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      }).variable;
      if (gradient === undefined) return;
      tf.tidy(() => {
        // Float32 ops in the order of the native backend's fused rule, so both give the same bits.
        const newA = tf.add(tf.mul(a, self.rho), tf.mul(tf.square(gradient), 1 - self.rho));
        const update = tf.div(tf.mul(gradient, tf.sqrt(tf.add(d, self.epsilon))), tf.sqrt(tf.add(newA, self.epsilon)));
        const newD = tf.add(tf.mul(d, self.rho), tf.mul(tf.square(update), 1 - self.rho));
        a.assign(newA);
        d.assign(newD);
        value.assign(tf.add(tf.mul(update, -self.learningRate), value));
      });
    });
    self.incrementIterations();
  }
}
