/**
 * The book's optimizers as Keras 2.0 defines them (`models/keras-optimizers.ts`), against a
 * float64 transcription of Keras 2.0's update rules, on cpu and (when built) native.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends/index.js';
import { KERAS2_DEFAULTS, KerasAdam, KerasRMSprop } from '../../models/keras-optimizers.js';
import { getLearningRate, makeOptimizer, setLearningRate } from '../../models/optimizers.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable } from '../native/helpers.js';

const STEPS = 6;
/** Gradient scales from 1 down to 1e-8: Keras' and tfjs' epsilons matter only at the small end. */
const SCALES = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];

/**
 * Gradients per step: each element keeps its scale and sign, times a seeded factor in [0.5, 1.5)
 * (one sign per element, so the updates add up and the comparison is not lost in cancellation).
 */
function gradients(seed: number): number[][] {
  const rng = new Rng(seed);
  const signs = SCALES.map(() => (rng.bernoulli(0.5) ? 1 : -1));
  return Array.from({ length: STEPS }, () => SCALES.map((s, i) => s * (signs[i] ?? 1) * rng.uniform(0.5, 1.5)));
}

/** Keras 2.0 RMSprop: a = rho a + (1 - rho) g^2; p -= lr g / (sqrt(a) + eps). */
function kerasRmsprop(grads: number[][], lr = 0.001, rho = 0.9, eps = 1e-8): number[] {
  const p = SCALES.map(() => 0);
  const a = SCALES.map(() => 0);
  for (const g of grads) {
    g.forEach((gi, i) => {
      a[i] = rho * (a[i] ?? 0) + (1 - rho) * gi * gi;
      p[i] = (p[i] ?? 0) - (lr * gi) / (Math.sqrt(a[i] ?? 0) + eps);
    });
  }
  return p;
}

/** Keras 2.0 Adam: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); p -= lr_t m / (sqrt(v) + eps). */
function kerasAdam(grads: number[][], lr = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-8, decay = 0): number[] {
  const p = SCALES.map(() => 0);
  const m = SCALES.map(() => 0);
  const v = SCALES.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    // decay > 0: lr *= 1 / (1 + decay * iterations), iterations = k before this step.
    const lrT = ((lr / (1 + decay * k)) * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    g.forEach((gi, i) => {
      m[i] = b1 * (m[i] ?? 0) + (1 - b1) * gi;
      v[i] = b2 * (v[i] ?? 0) + (1 - b2) * gi * gi;
      p[i] = (p[i] ?? 0) - (lrT * (m[i] ?? 0)) / (Math.sqrt(v[i] ?? 0) + eps);
    });
  });
  return p;
}

/**
 * Keras 2.0 Adadelta: a = rho a + (1 - rho) g^2; u = g sqrt(d + eps) / sqrt(a + eps); p -= lr u;
 * d = rho d + (1 - rho) u^2.
 */
function kerasAdadelta(grads: number[][], lr = 1.0, rho = 0.95, eps = 1e-8): number[] {
  const p = SCALES.map(() => 0);
  const a = SCALES.map(() => 0);
  const d = SCALES.map(() => 0);
  for (const g of grads) {
    g.forEach((gi, i) => {
      a[i] = rho * (a[i] ?? 0) + (1 - rho) * gi * gi;
      const u = (gi * Math.sqrt((d[i] ?? 0) + eps)) / Math.sqrt((a[i] ?? 0) + eps);
      p[i] = (p[i] ?? 0) - lr * u;
      d[i] = rho * (d[i] ?? 0) + (1 - rho) * u * u;
    });
  }
  return p;
}

let counter = 0;
/** Runs `opt` over the gradients on a zero-initialised variable; returns the final values. */
function run(opt: tf.Optimizer, grads: number[][]): number[] {
  const v = tf.tidy(() => tf.variable(tf.zeros([SCALES.length]), true, `keras-opt-test-${counter++}`));
  for (const g of grads) {
    const t = tf.tensor1d(g);
    opt.applyGradients({ [v.name]: t });
    t.dispose();
  }
  const out = Array.from(v.dataSync());
  v.dispose();
  opt.dispose();
  return out;
}

/** Largest relative difference, element by element (each element has its own scale). */
function worstRelative(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? NaN)) / Math.abs(b[i] ?? NaN)));
}

const backends = ['cpu', ...((await nativeAvailable()) ? ['native'] : [])];
afterAll(async () => {
  await useBackend('cpu');
});

describe.each(backends)('Keras 2.0 optimizers on %s', (backend) => {
  it('makeOptimizer("rmsprop") follows Keras 2.0 RMSprop at every gradient scale; tfjs\' own rule does not', async () => {
    await useBackend(backend as 'cpu');
    const grads = gradients(1);
    const ref = kerasRmsprop(grads);
    expect(worstRelative(run(makeOptimizer('rmsprop'), grads), ref)).toBeLessThan(1e-4);
    // tfjs' rule (epsilon inside the square root) with Keras' epsilon: far off for small gradients.
    expect(worstRelative(run(tf.train.rmsprop(0.001, 0.9, 0, 1e-8), grads), ref)).toBeGreaterThan(0.1);
  });

  it('makeOptimizer("adam") follows Keras 2.0 Adam at every gradient scale; tfjs\' epsilon placement does not', async () => {
    await useBackend(backend as 'cpu');
    const grads = gradients(2);
    const ref = kerasAdam(grads);
    expect(worstRelative(run(makeOptimizer('adam'), grads), ref)).toBeLessThan(1e-4);
    expect(worstRelative(run(tf.train.adam(0.001, 0.9, 0.999, 1e-8), grads), ref)).toBeGreaterThan(0.1);
  });

  it('makeOptimizer("adadelta") follows Keras 2.0 Adadelta at every gradient scale; tfjs\' own rule does not', async () => {
    await useBackend(backend as 'cpu');
    const grads = gradients(3);
    const ref = kerasAdadelta(grads);
    expect(worstRelative(run(makeOptimizer('adadelta'), grads), ref)).toBeLessThan(1e-4);
    // tfjs divides by the accumulator before this step's gradient enters it: its first step is lr * g.
    expect(worstRelative(run(tf.train.adadelta(1.0, 0.95, 1e-8), grads), ref)).toBeGreaterThan(0.1);
  });

  it("KerasAdam's decay follows Keras 2.0 (lr / (1 + decay * iterations)); without it the steps differ", async () => {
    await useBackend(backend as 'cpu');
    const grads = gradients(3);
    // The book's GANs: Adam(1e-4, decay=1e-4) and Adam(1e-3, decay=1e-4); a large decay shows over six steps.
    const ref = kerasAdam(grads, 1e-3, 0.9, 0.999, 1e-8, 0.5);
    expect(worstRelative(run(new KerasAdam(1e-3, 0.9, 0.999, 1e-8, 0.5), grads), ref)).toBeLessThan(1e-4);
    expect(worstRelative(run(new KerasAdam(1e-3), grads), ref)).toBeGreaterThan(0.1);
  });
});

describe('Keras 2.0 optimizer objects', () => {
  it('have Keras 2.0 defaults, schedulable learning rates, tfjs slot names, and leak nothing', async () => {
    await useBackend('cpu');
    expect(KERAS2_DEFAULTS.rmsprop).toEqual({ learningRate: 0.001, rho: 0.9, epsilon: 1e-8 });
    const before = tf.memory().numTensors;
    for (const opt of [new KerasRMSprop(), new KerasAdam()]) {
      expect(getLearningRate(opt)).toBe(0.001);
      setLearningRate(opt, 0.01);
      expect(getLearningRate(opt)).toBe(0.01);
      const v = tf.tidy(() => tf.variable(tf.ones([3]), true, `keras-opt-slots-${counter++}`));
      const g = tf.ones([3]);
      opt.applyGradients([{ name: v.name, tensor: g }]);
      g.dispose();
      const weights = await opt.getWeights();
      // The iteration count comes as a fresh scalar; the slots are the optimizer's own variables.
      weights[0]?.tensor.dispose();
      const names = weights.map((w) => w.name);
      expect(names[0]).toBe('iter');
      expect(names.slice(1)).toEqual(
        opt.constructor === KerasRMSprop ? [`${v.name}/rms`, `${v.name}/momentum`] : [`${v.name}/m`, `${v.name}/v`],
      );
      // The step used the scheduled rate: |update| = lr * |g| / (|g| + ~eps) ~ 0.01 (Adam, RMSprop at t=1: 0.01 /
      // sqrt(0.1)).
      const moved = 1 - (v.dataSync()[0] ?? NaN);
      expect(moved).toBeCloseTo(opt.constructor === KerasRMSprop ? 0.01 / Math.sqrt(0.1) : 0.01, 6);
      v.dispose();
      opt.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(new KerasAdam(0.002).getConfig()).toMatchObject({
      learningRate: 0.002,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    });
    expect(new KerasAdam(1e-4, 0.9, 0.999, 1e-8, 1e-4).getConfig()).toMatchObject({ learningRate: 1e-4, decay: 1e-4 });
    expect(() => new KerasAdam(1e-4, 0.9, 0.999, 1e-8, -1)).toThrow(/`decay`, expected .*Received: decay=-1/);
  });
});
