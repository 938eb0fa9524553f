/**
 * Taped Dense layers on native (src/backends/native/dense.ts): a ReLU or linear `fused.matMul`
 * under a gradient tape runs as one kernel with per-input gradients. Against tfjs's own unfused
 * path on native (the same arithmetic: equal values) and against `cpu` (float tolerance).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fusedDenseCalls } from '../../src/backends/native/dense.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData, relErr } from './helpers.js';

const have = await nativeAvailable();
const itNative = have ? it : it.skip;

afterEach(() => {
  delete process.env['TFGYM_FUSED_DENSE'];
});

/** Loss value, gradients of every weight and of the input, of a small MLP on `backend`. */
function step(backend: string, fused: boolean, batch = 9): Float32Array[] {
  tf.setBackend(backend);
  process.env['TFGYM_FUSED_DENSE'] = fused ? '1' : '0';
  const rng = new Rng(3);
  const init = (shape: number[]): tf.Tensor =>
    tf.tensor(
      randomData(
        shape.reduce((a, b) => a * b, 1),
        rng,
      ),
      shape,
    );
  return tf.tidy(() => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [7], units: 11, activation: 'relu' }),
        tf.layers.dense({ units: 6, activation: 'relu', useBias: false }),
        tf.layers.dense({ units: 5, activation: 'linear' }),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    model.setWeights(model.getWeights().map((w) => init(w.shape)));
    const x = init([batch, 7]);
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => i % 4),
        'int32',
      ),
      4,
    );
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const f = (): tf.Scalar => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x) as tf.Tensor));
    const { value, grads } = tf.variableGrads(f, vars);
    const [dx] = tf.grads((input: tf.Tensor) =>
      tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(input) as tf.Tensor)),
    )([x]);
    const out = [value, ...vars.map((v) => grads[v.name] as tf.Tensor), dx as tf.Tensor].map((t) =>
      Float32Array.from(t.dataSync()),
    );
    model.dispose();
    return out;
  });
}

describe('fused Dense under a gradient tape on native', () => {
  itNative('equals tfjs unfused on native exactly and cpu within float tolerance, runs fused, leaks nothing', () => {
    const before = tf.memory().numTensors;
    const calls = { ...fusedDenseCalls };
    const fused = step('native', true);
    expect(fusedDenseCalls.relu - calls.relu).toBeGreaterThanOrEqual(4);
    expect(fusedDenseCalls.linear - calls.linear).toBeGreaterThanOrEqual(4);
    const mid = { ...fusedDenseCalls };
    const unfused = step('native', false);
    expect(fusedDenseCalls).toEqual(mid);
    const cpu = step('cpu', true);
    expect(fused.length).toBe(unfused.length);
    fused.forEach((v, i) => {
      const u = unfused[i] as Float32Array;
      // The ReLU mask writes +0 where tfjs's dy * step(y) can give -0: equal as numbers.
      expect(
        v.every((e, j) => e === u[j]),
        `output ${i}`,
      ).toBe(true);
      expect(relErr(v, cpu[i] as Float32Array), `output ${i} vs cpu`).toBeLessThan(1e-5);
    });
    tf.setBackend('native');
    expect(tf.memory().numTensors).toBe(before);
  });

  itNative('a gradient of a gradient through a fused ReLU layer equals the unfused one', () => {
    const second = (fused: boolean): Float32Array => {
      process.env['TFGYM_FUSED_DENSE'] = fused ? '1' : '0';
      return tf.tidy(() => {
        const rng = new Rng(4);
        const w = tf.tensor(randomData(5 * 3, rng), [5, 3]);
        const x = tf.tensor(randomData(4 * 5, rng), [4, 5]);
        // d/dx of sum((d/dx sum(relu(x w)^2))^2): the inner gradient runs the ReLU mask kernel.
        const inner = (v: tf.Tensor): tf.Tensor =>
          tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.fused.matMul({ a: u, b: w, activation: 'relu' }))))(v);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(inner(v))))(x);
        return Float32Array.from(g.dataSync());
      });
    };
    tf.setBackend('native');
    const calls = fusedDenseCalls.relu;
    const fused = second(true);
    expect(fusedDenseCalls.relu).toBeGreaterThan(calls);
    expect(relErr(fused, second(false))).toBeLessThan(1e-6);
  });

  itNative('leaves other calls to tfjs: no tape, other activations', () => {
    tf.setBackend('native');
    const calls = { ...fusedDenseCalls };
    tf.tidy(() => {
      const rng = new Rng(1);
      const dense = tf.layers.dense({ units: 3, activation: 'relu' });
      const x2 = tf.tensor(randomData(4 * 5, rng), [4, 5]);
      dense.apply(x2); // inference: no tape
      const elu = tf.layers.dense({ units: 3, activation: 'elu' });
      tf.grad((x: tf.Tensor) => tf.sum(elu.apply(x) as tf.Tensor))(x2);
    });
    expect(fusedDenseCalls).toEqual(calls);
  });
});
