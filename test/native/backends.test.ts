import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';
import { patchWasmBackend } from '../../src/backends/wasm-patch.js';
import { nativeAvailable, randomData, relErr, runOn } from './helpers.js';

const have = await nativeAvailable();
await useBackend('wasm'); // loads and patches wasm
const BACKENDS = have ? ['cpu', 'native', 'wasm'] : ['cpu', 'wasm'];

function expectClose(fn: () => tf.Tensor | tf.Tensor[], backends: string[], tol: number): void {
  const ref = runOn('cpu', fn);
  for (const b of backends) {
    if (b === 'cpu') continue;
    const got = runOn(b, fn);
    ref.forEach((r, i) => {
      expect(got[i]?.shape, `${b} output ${i}`).toEqual(r.shape);
      const e = relErr(got[i]?.values ?? [], r.values);
      if (!(e <= tol)) throw new Error(`${b} output ${i}: relative error ${e} > ${tol}`);
    });
  }
}

/** A small conv net as a pure function of its weights, for tf.grads. */
function smallNet(x: tf.Tensor4D, w: tf.Tensor[]): tf.Scalar {
  const [c1, b1, c2, d1, db1] = w as [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor2D, tf.Tensor1D];
  let h = tf.relu(tf.add(tf.conv2d(x, c1, 2, 'same'), b1)) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 2, 'valid');
  h = tf.relu(tf.conv2d(h, c2, 1, 'valid'));
  const flat = tf.reshape(h, [x.shape[0], -1]);
  const q = tf.add(tf.matMul(flat, d1), db1);
  return tf.mean(tf.square(q));
}

describe('native and patched wasm agree with cpu', () => {
  it('wasm patch adds the missing gradient kernels', () => {
    const r = patchWasmBackend();
    expect(r.implemented).toContain('Conv2DBackpropFilter');
    for (const k of [
      'UnsortedSegmentSum',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
    ]) {
      expect(r.routedToCpu).toContain(k);
    }
    expect(r.wrapped).toEqual(['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropInput']);
  });

  it('tf.grads of a small conv net are equal on cpu, native and patched wasm', () => {
    const rng = new Rng(31);
    const shapes = [[3, 3, 3, 8], [8], [2, 2, 8, 6], [4 * 6, 5], [5]];
    const ws = shapes.map((s) =>
      randomData(
        s.reduce((a, b) => a * b, 1),
        rng,
      ),
    );
    const x = randomData(5 * 11 * 11 * 3, rng);
    expectClose(
      () => {
        const wt = ws.map((d, i) => tf.tensor(d, shapes[i]));
        const xt = tf.tensor4d(x, [5, 11, 11, 3]);
        return tf.grads((...all: tf.Tensor[]) => smallNet(all[0] as tf.Tensor4D, all.slice(1)))([xt, ...wt]);
      },
      BACKENDS,
      1e-4,
    );
  });

  it('patched wasm: filter gradients, transposed matmuls, segment sums and depthwise gradients match cpu', () => {
    const rng = new Rng(32);
    for (let t = 0; t < 8; t++) {
      const batch = t % 2 ? 3 : 1;
      const h = 5 + rng.nextInt(9);
      const cin = 1 + rng.nextInt(4);
      const cout = 1 + rng.nextInt(5);
      const f = 1 + rng.nextInt(4);
      const stride = 1 + (t % 3);
      const pad = t % 2 ? 'same' : 'valid';
      const x = randomData(batch * h * h * cin, rng);
      const w = randomData(f * f * cin * cout, rng);
      const dw = randomData(f * f * cin * 2, rng);
      expectClose(
        () => {
          const xt = tf.tensor4d(x, [batch, h, h, cin]);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad))),
          )([xt, tf.tensor4d(w, [f, f, cin, cout])]);
          const gd = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad))),
          )([xt, tf.tensor4d(dw, [f, f, cin, 2])]);
          return [...g, ...gd];
        },
        ['wasm'],
        1e-5,
      );
    }
    const a = randomData(37 * 19, rng);
    const b = randomData(19 * 23, rng);
    const ids = Int32Array.from({ length: 37 }, () => rng.nextInt(6));
    expectClose(
      () => {
        const at = tf.tensor2d(a, [37, 19]);
        const bt = tf.tensor2d(b, [19, 23]);
        return [
          tf.matMul(at, at, true, false),
          tf.matMul(at, tf.transpose(bt), false, true),
          tf.matMul(tf.transpose(at), tf.transpose(bt), true, true),
          tf.fused.matMul({ a: at, b: tf.transpose(bt), transposeB: true, bias: tf.ones([23]), activation: 'relu' }),
          tf.unsortedSegmentSum(at, tf.tensor1d(ids, 'int32'), 6),
          tf.grad((e: tf.Tensor) => tf.sum(tf.square(tf.gather(e, tf.tensor1d(ids, 'int32')))))(at),
        ];
      },
      ['wasm'],
      1e-5,
    );
  });

  it('a conv model trained 5 Adam steps from the same seed ends with the same weights, without leaks', async () => {
    const final: Record<string, Float32Array[]> = {};
    for (const backend of BACKENDS) {
      await useBackend(backend as 'cpu');
      const rng = new Rng(33);
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [12, 12, 2],
            filters: 6,
            kernelSize: 3,
            strides: 2,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 16,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
          }),
          tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }) }),
        ],
      });
      const opt = tf.train.adam(0.01);
      const x = tf.tensor4d(randomData(8 * 12 * 12 * 2, rng), [8, 12, 12, 2]);
      const y = tf.tensor2d(randomData(8 * 3, rng), [8, 3]);
      const step = () =>
        tf.dispose(opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor), true) ?? []);
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) step();
      expect(tf.memory().numTensors, `${backend} leaks`).toBe(before);
      final[backend] = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
      model.dispose();
      opt.dispose();
      tf.dispose([x, y]);
    }
    const ref = final['cpu'] ?? [];
    for (const b of BACKENDS) {
      (final[b] ?? []).forEach((w, i) => {
        const e = relErr(w, ref[i] ?? new Float32Array());
        if (!(e <= 1e-4)) throw new Error(`${b} weight ${i}: relative error ${e}`);
      });
    }
  });
});
