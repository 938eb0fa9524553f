import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10Cnn } from '../../models/cifar10-cnn.js';
import { SeededDropout } from '../../models/dropout.js';
import { SeededInit, tfjsSeed } from '../../models/init.js';
import { buildQNetwork } from '../../models/q-networks.js';
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
    const rates = m.layers
      .filter((l) => l.getClassName() === 'Dropout')
      .map((l) => (l.getConfig() as { rate: number }).rate);
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

  it("VGG16: Keras' VGG16(include_top=True) layer for layer: names, 138,357,544 params, 1000 classes", () => {
    const m = vgg16();
    const blocks = [2, 2, 3, 3, 3].flatMap((convs, b) => [
      ...Array.from({ length: convs }, (_, i) => `block${b + 1}_conv${i + 1}`),
      `block${b + 1}_pool`,
    ]);
    expect(m.layers.map((l) => l.name)).toEqual(['input_1', ...blocks, 'flatten', 'fc1', 'fc2', 'predictions']);
    expect(countParams(m).total).toBe(138357544);
    // Keras' per-layer counts where most of them sit: fc1 is 25088 x 4096 + 4096.
    expect(
      countParams(tf.model({ inputs: m.inputs, outputs: m.getLayer('fc1').output as tf.SymbolicTensor })).total,
    ).toBe(138357544 - (4096 * 4096 + 4096) - (4096 * 1000 + 1000));
    expect(m.outputs[0]?.shape).toEqual([null, 1000]);
    m.dispose();
  });

  it('summary lists layers, shapes and Keras-style totals', () => {
    const m = lenet();
    const s = modelSummary(m);
    expect(s).toMatch(/Total params: 1,256,080/);
    expect(s).toMatch(/\(None, 28, 28, 20\)/);
    m.dispose();
  });
});

describe('seeded initialisers (models/init.ts, the one home) and dropout', () => {
  it('Q-networks draw their initialisers from SeededInit, in layer order', () => {
    const q = buildQNetwork({ inputShape: [6], numActions: 3, hiddenSizes: [5], rng: new Rng(3) });
    const init = new SeededInit(new Rng(3));
    const d = tf.sequential({
      layers: [tf.layers.dense({ units: 5, inputShape: [6], kernelInitializer: init.glorotUniform() })],
    });
    expect(Array.from(q.getWeights()[0]?.dataSync() ?? [])).toEqual(Array.from(d.getWeights()[0]?.dataSync() ?? []));
    q.dispose();
    d.dispose();
  });

  it('a seed of 0 from the Rng becomes 1 (tfjs reads 0 as "unseeded")', () => {
    const zero = { nextSeed: () => 0 } as unknown as Rng;
    const seven = { nextSeed: () => 7 } as unknown as Rng;
    expect(tfjsSeed(zero)).toBe(1);
    expect(tfjsSeed(seven)).toBe(7);
  });

  it('SeededDropout: a fresh mask per training call, the same masks for the same seed, identity at inference', () => {
    const before = tf.memory().numTensors;
    const x = tf.ones([4, 500]);
    const masks = (seed: number): number[][] => {
      const layer = new SeededDropout({ rate: 0.3, rng: new Rng(seed) });
      return [0, 1, 2].map(() =>
        tf.tidy(() => Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync())),
      );
    };
    const [a, b] = [masks(1), masks(1)];
    expect(a).toEqual(b);
    expect(a[1]).not.toEqual(a[0]);
    expect(masks(2)[0]).not.toEqual(a[0]);
    for (const m of a) {
      // Inverted dropout, as Keras: kept units scaled by 1 / (1 - rate); about 30% dropped.
      expect(new Set(m.map((v) => v.toFixed(5)))).toEqual(new Set(['0.00000', (1 / 0.7).toFixed(5)]));
      const dropped = m.filter((v) => v === 0).length / m.length;
      expect(dropped).toBeGreaterThan(0.25);
      expect(dropped).toBeLessThan(0.35);
    }
    const layer = new SeededDropout({ rate: 0.3, rng: new Rng(1) });
    expect(tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()))).toEqual(Array.from(x.dataSync()));
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('models with SeededDropout save as plain Dropout layers and load back', async () => {
    const m = mnistMlp({ variant: 'dropout', rng: new Rng(1) });
    const json = m.toJSON(null, false) as {
      config: { layers: Array<{ class_name: string; config: { rate?: number } }> };
    };
    expect(json.config.layers.filter((l) => l.class_name === 'Dropout').map((l) => l.config.rate)).toEqual([0.3, 0.3]);
    const loaded = await tf.models.modelFromJSON({ modelTopology: json });
    expect(loaded.layers.filter((l) => l.getClassName() === 'Dropout')).toHaveLength(2);
    loaded.dispose();
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
    expect(() => new SeededDropout({ rate: 1 })).toThrow(
      'Received an invalid value for `rate`, expected a float in the range [0, 1). Received: rate=1',
    );
  });
});
