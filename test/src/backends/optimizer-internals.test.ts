import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adamAccBeta,
  adamInternals,
  learningRateOf,
  modelOwnsOptimizer,
  rmsPropInternals,
  setAdamAccBeta,
  setLearningRateField,
} from '../../../src/backends/optimizer-internals.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One Adam or RMSprop step on f(w) = sum(w^2) from w = [1, -2]. */
function step(opt: tf.Optimizer, w: tf.Variable): void {
  tf.tidy(() => {
    opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
  });
}

describe('optimizer internals', () => {
  it("reads tfjs' hyperparameter fields as constructed", () => {
    const adam = tf.train.adam(0.01, 0.8, 0.9, 1e-5);
    const a = adamInternals(adam);
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon]).toEqual([0.01, 0.8, 0.9, 1e-5]);
    const rms = tf.train.rmsprop(0.002, 0.95, 0.5, 1e-3, true);
    const r = rmsPropInternals(rms);
    expect([r.learningRate, r.decay, r.momentum, r.epsilon, r.centered]).toEqual([0.002, 0.95, 0.5, 1e-3, true]);
    adam.dispose();
    rms.dispose();
  });

  it('the learning-rate field: read and set on Adam and RMSprop (the next step uses it)', () => {
    const w1 = tf.variable(tf.tensor1d([1, -2]), true, 'lr-w1');
    const w2 = tf.variable(tf.tensor1d([1, -2]), true, 'lr-w2');
    const slow = tf.train.rmsprop(0.001);
    const fast = tf.train.rmsprop(0.001);
    expect(learningRateOf(fast)).toBe(0.001);
    setLearningRateField(fast, 0.1);
    expect(learningRateOf(fast)).toBe(0.1);
    step(slow, w1);
    step(fast, w2);
    // RMSprop's first step moves each weight by about lr / sqrt(1 - decay), so 100 times further.
    const moved = (w: tf.Variable) => Math.abs((w.dataSync()[0] ?? NaN) - 1);
    expect(moved(w2) / moved(w1)).toBeCloseTo(100, 3);
    for (const x of [w1, w2, slow, fast]) x.dispose();
  });

  it("Adam's running beta powers: beta^(t+1) after t steps, restored exactly; null for other optimizers", () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'acc-w');
    const adam = tf.train.adam(0.01, 0.8, 0.9);
    expect(adamAccBeta(adam)).toEqual([Math.fround(0.8), Math.fround(0.9)]);
    for (let t = 0; t < 3; t++) step(adam, w);
    const [b1, b2] = adamAccBeta(adam) ?? [NaN, NaN];
    expect(b1).toBeCloseTo(0.8 ** 4, 6);
    expect(b2).toBeCloseTo(0.9 ** 4, 6);
    const fresh = tf.train.adam(0.01, 0.8, 0.9);
    setAdamAccBeta(fresh, [b1, b2]);
    expect(adamAccBeta(fresh)).toEqual([b1, b2]);
    // tfjs' instanceof on optimizers is duck-typed; RMSprop and SGD still have no beta powers.
    const rms = tf.train.rmsprop(0.01);
    expect(rms instanceof tf.AdamOptimizer).toBe(true);
    expect(adamAccBeta(rms)).toBeNull();
    expect(adamAccBeta(tf.train.sgd(0.1))).toBeNull();
    const before = tf.memory().numTensors;
    setAdamAccBeta(rms, [0.5, 0.5]);
    expect(tf.memory().numTensors).toBe(before);
    for (const x of [w, adam, fresh, rms]) x.dispose();
  });

  it('model ownership of the optimizer: built from a name (owned) or passed in (not)', () => {
    const build = () => tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const byName = build();
    byName.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const given = build();
    const opt = tf.train.sgd(0.1);
    given.compile({ optimizer: opt, loss: 'meanSquaredError' });
    expect(modelOwnsOptimizer(byName)).toBe(true);
    expect(modelOwnsOptimizer(given)).toBe(false);
    byName.dispose();
    given.dispose();
    opt.dispose();
  });
});
