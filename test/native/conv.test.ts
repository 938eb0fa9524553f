/**
 * Taped Conv2D layers on native (src/backends/native/conv.ts): a linear `fused.conv2d` under a
 * gradient tape runs as one kernel with per-input gradients. Against tfjs's own custom gradient
 * on native (the same kernels: equal values), against `cpu` (float tolerance), and the point of
 * it: gradients nobody asked for are not computed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { tapedConvCalls } from '../../src/backends/native/conv.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData, relErr } from './helpers.js';

const have = await nativeAvailable();
const itNative = have ? it : it.skip;

afterEach(() => {
  delete process.env['TFGYM_FUSED_CONV'];
});

/** Two small conv nets chained as a GAN chains them: `first` feeds `second`. */
function nets(rng: Rng): { first: tf.Sequential; second: tf.Sequential } {
  const first = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [9, 8, 3], filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' }),
      tf.layers.conv2d({ filters: 4, kernelSize: [2, 3], strides: 2, useBias: false }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
    ],
  });
  const second = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [4, 3, 4], filters: 6, kernelSize: 2, padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  for (const m of [first, second])
    m.setWeights(
      m.getWeights().map((w) =>
        tf.tensor(
          randomData(
            w.shape.reduce((a, b) => a * b, 1),
            rng,
          ),
          w.shape,
        ),
      ),
    );
  return { first, second };
}

/** Loss, the gradients of every weight of both nets and of the input, on `backend`. */
function step(backend: string, taped: boolean): Float32Array[] {
  tf.setBackend(backend);
  process.env['TFGYM_FUSED_CONV'] = taped ? '1' : '0';
  return tf.tidy(() => {
    const rng = new Rng(5);
    const { first, second } = nets(rng);
    const x = tf.tensor(randomData(7 * 9 * 8 * 3, rng), [7, 9, 8, 3]);
    const loss = (input: tf.Tensor): tf.Scalar => tf.mean(second.apply(first.apply(input)) as tf.Tensor);
    const vars = [...first.trainableWeights, ...second.trainableWeights].map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => loss(x), vars);
    const [dx] = tf.grads((input: tf.Tensor) => loss(input))([x]);
    const out = [value, ...vars.map((v) => grads[v.name] as tf.Tensor), dx as tf.Tensor].map((t) =>
      Float32Array.from(t.dataSync()),
    );
    first.dispose();
    second.dispose();
    return out;
  });
}

describe('taped Conv2D under a gradient tape on native', () => {
  itNative('equals tfjs custom gradient on native exactly and cpu within float tolerance, leaks nothing', () => {
    tf.setBackend('native');
    const before = tf.memory().numTensors;
    const calls = tapedConvCalls.linear;
    const taped = step('native', true);
    // first: the tanh and the bias-free layer (tfjs fuses neither activation); second: the linear
    // one. The ReLU layer runs tfjs's unfused path under a tape. Twice: variableGrads and grads.
    expect(tapedConvCalls.linear - calls).toBe(6);
    const mid = tapedConvCalls.linear;
    const stock = step('native', false);
    expect(tapedConvCalls.linear).toBe(mid);
    const cpu = step('cpu', true);
    expect(taped.length).toBe(stock.length);
    taped.forEach((v, i) => {
      const s = stock[i] as Float32Array;
      expect(
        v.every((e, j) => e === s[j]),
        `output ${i}`,
      ).toBe(true);
      expect(relErr(v, cpu[i] as Float32Array), `output ${i} vs cpu`).toBeLessThan(1e-5);
    });
    tf.setBackend('native');
    expect(tf.memory().numTensors).toBe(before);
  });

  itNative('computes only the gradients asked for: none of a frozen net, no input gradient', async () => {
    tf.setBackend('native');
    const kernels = async (taped: boolean): Promise<string[]> => {
      process.env['TFGYM_FUSED_CONV'] = taped ? '1' : '0';
      const rng = new Rng(6);
      const { first, second } = nets(rng);
      const x = tf.tensor(randomData(2 * 9 * 8 * 3, rng), [2, 9, 8, 3]);
      // The generator's step of a GAN: only the first net's weights, through the second.
      const vars = first.trainableWeights.map((w) => w.read() as tf.Variable);
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(second.apply(first.apply(x)) as tf.Tensor) as tf.Scalar,
          vars,
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      tf.dispose([x]);
      first.dispose();
      second.dispose();
      return info.kernels.map((k) => k.name);
    };
    const count = (names: string[], k: string): number => names.filter((n) => n === k).length;
    const taped = await kernels(true);
    const stock = await kernels(false);
    // Filters: the first net's two (the stock custom gradient adds the second net's linear layer).
    expect(count(taped, 'Conv2DBackpropFilter')).toBe(2);
    expect(count(stock, 'Conv2DBackpropFilter')).toBe(3);
    // Inputs: the three layers between the loss and the first net's first layer, not the image's.
    expect(count(taped, 'Conv2DBackpropInput')).toBe(3);
    expect(count(stock, 'Conv2DBackpropInput')).toBe(4);
  });

  itNative('leaves other calls to tfjs: no tape, dilations, a fused activation', () => {
    tf.setBackend('native');
    const calls = tapedConvCalls.linear;
    tf.tidy(() => {
      const rng = new Rng(7);
      const x = tf.tensor(randomData(2 * 6 * 6 * 2, rng), [2, 6, 6, 2]);
      tf.layers.conv2d({ filters: 3, kernelSize: 3 }).apply(x); // inference: no tape
      const dilated = tf.layers.conv2d({ filters: 3, kernelSize: 2, dilationRate: 2 });
      const relu = tf.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu' });
      tf.grad((v: tf.Tensor) => tf.sum(dilated.apply(v) as tf.Tensor))(x);
      tf.grad((v: tf.Tensor) => tf.sum(relu.apply(v) as tf.Tensor))(x);
    });
    expect(tapedConvCalls.linear).toBe(calls);
  });
});
