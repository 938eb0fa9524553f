/**
 * TimeDistributed on native (one reshaped call of a row-wise layer) against tfjs' step loop on cpu:
 * outputs and gradients; a layer that is not row-wise keeps the loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { reshapedCalls } from '../../src/backends/native/wrappers.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData, relErr, runOn } from './helpers.js';

const have = await nativeAvailable();
const itNative = have ? it : it.skip;

beforeAll(async () => {
  if (have) {
    const { useBackend } = await import('../../src/backends/index.js');
    await useBackend('native');
  }
});

const layers: tf.layers.Layer[] = [];
afterAll(() => {
  for (const l of layers) l.dispose();
});

describe('TimeDistributed on native', () => {
  itNative('Dense + softmax over [B, T, C]: same outputs and gradients as the step loop, in one call', () => {
    const layer = tf.layers.timeDistributed({
      layer: tf.layers.dense({
        units: 5,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
    });
    layer.apply(tf.input({ batchShape: [3, 7, 4] }));
    layers.push(layer);
    const x = randomData(3 * 7 * 4, new Rng(2));
    const w = randomData(3 * 7 * 5, new Rng(3));
    const fn = (): tf.Tensor[] => {
      const xt = tf.tensor3d(x, [3, 7, 4]);
      const loss = (xi: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(layer.apply(xi) as tf.Tensor, tf.tensor3d(w, [3, 7, 5])));
      const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => loss(xt), vars);
      return [layer.apply(xt) as tf.Tensor, tf.grad(loss)(xt), ...vars.map((v) => grads[v.name] as tf.Tensor)];
    };
    const ref = runOn('cpu', fn);
    const before = reshapedCalls.timeDistributed;
    const got = runOn('native', fn);
    expect(reshapedCalls.timeDistributed).toBeGreaterThan(before);
    ref.forEach((r, i) => {
      expect(got[i]?.shape).toEqual(r.shape);
      expect(relErr(got[i]?.values ?? [], r.values), `output ${i}`).toBeLessThan(1e-5);
    });
  });

  itNative('a layer that is not row-wise (BatchNormalization) keeps the step loop', () => {
    const layer = tf.layers.timeDistributed({ layer: tf.layers.batchNormalization({}) });
    layer.apply(tf.input({ batchShape: [2, 3, 4] }));
    layers.push(layer);
    const before = reshapedCalls.timeDistributed;
    tf.tidy(() => layer.apply(tf.ones([2, 3, 4])) as tf.Tensor);
    expect(reshapedCalls.timeDistributed).toBe(before);
  });
});
