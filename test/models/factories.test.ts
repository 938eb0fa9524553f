import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10Cnn } from '../../models/cifar10-cnn.js';
import { lenet } from '../../models/lenet.js';
import { mnistMlp, MNIST_MLP_VARIANTS } from '../../models/mnist-mlp.js';
import { countParams, modelSummary } from '../../models/summary.js';
import { ModelArgumentError } from '../../models/validate.js';
import { vgg16 } from '../../models/vgg16.js';
import { Rng } from '../../src/rng/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Builds, checks the output shape on a batch of 2 and the parameter count, and leaks nothing. */
function contract(model: tf.LayersModel, input: number[], output: number[], params: number): void {
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => model.predict(tf.zeros([2, ...input])) as tf.Tensor);
  expect(y.shape).toEqual([2, ...output]);
  y.dispose();
  expect(countParams(model).total).toBe(params);
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
}

describe('model factories: shapes and parameter counts', () => {
  it('MNIST MLPs: V1 7,850 params, V2-V4 118,282', () => {
    for (const variant of MNIST_MLP_VARIANTS) {
      contract(mnistMlp({ variant }), [784], [10], variant === 'simple' ? 7850 : 118282);
    }
  });

  it('dropout variants have dropout 0.3 layers, the others none', () => {
    const m = mnistMlp({ variant: 'dropout' });
    const rates = m.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => (l.getConfig() as { rate: number }).rate);
    expect(rates).toEqual([0.3, 0.3]);
    expect(mnistMlp({ variant: 'hidden' }).layers.some((l) => l.getClassName() === 'Dropout')).toBe(false);
  });

  it('LeNet: 1,256,080 params, 28x28x1 -> 10', () => {
    contract(lenet(), [28, 28, 1], [10], 1256080);
  });

  it('CIFAR-10 simple 4,200,842 and deep 1,676,842 params', () => {
    contract(cifar10Cnn({ arch: 'simple' }), [32, 32, 3], [10], 4200842);
    contract(cifar10Cnn({ arch: 'deep' }), [32, 32, 3], [10], 1676842);
  });

  it('same Rng seed -> same weights; different seed -> different', () => {
    const w = (seed: number) => {
      const m = mnistMlp({ variant: 'hidden', rng: new Rng(seed) });
      const v = Array.from(m.getWeights()[0]?.dataSync() ?? []).slice(0, 20);
      m.dispose();
      return v;
    };
    expect(w(1)).toEqual(w(1));
    expect(w(1)).not.toEqual(w(2));
  });

  it('summary lists layers, shapes and Keras-style totals', () => {
    const m = lenet();
    const s = modelSummary(m);
    expect(s).toMatch(/Total params: 1,256,080/);
    expect(s).toMatch(/\(None, 28, 28, 20\)/);
    m.dispose();
  });
});

describe('argument checks with Keras-style messages', () => {
  it('rejects bad values naming the argument and the value', () => {
    expect(() => mnistMlp({ hiddenUnits: 0, variant: 'hidden' })).toThrow(
      'Received an invalid value for `hiddenUnits`, expected a positive integer. Received: hiddenUnits=0',
    );
    expect(() => mnistMlp({ dropout: 1 })).toThrow(/`dropout`.*Received: dropout=1/);
    expect(() => lenet({ inputShape: [28, 28] })).toThrow(ModelArgumentError);
    expect(() => cifar10Cnn({ arch: 'huge' as 'deep' })).toThrow(/Received: arch='huge'/);
    expect(() => vgg16({ inputShape: [100, 100, 3] })).toThrow(/includeTop/);
    expect(() => mnistMlp({ variant: 'v9' as 'simple' })).toThrow(/one of 'simple', 'hidden'/);
  });
});
