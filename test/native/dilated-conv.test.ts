/**
 * Gradients of dilated convolutions (src/backends/dilated-conv-grad.ts) on cpu and native: against
 * an independent reference (the same convolution written with a zero-inserted filter and
 * dilation 1, whose gradient is tfjs' stock one), bit-equality with the stock gradient at
 * dilation 1, and dilated Conv1D / Conv2D layers that train without leaking tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { installDilatedConvGrad } from '../../src/backends/dilated-conv-grad.js';
import type { NativeBackend } from '../../src/backends/native/backend.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData, relErr, runOn } from './helpers.js';

const have = await nativeAvailable();
const BACKENDS = have ? ['cpu', 'native'] : ['cpu'];

type Pad = 'same' | 'valid';

/** The filter with dh-1 zero rows and dw-1 zero columns between taps: dilation made explicit. */
function zeroInserted(w: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  const [kh = 0, kw = 0, ci = 0, co = 0] = w.shape;
  const spread = tf.pad(tf.reshape(w, [kh, 1, kw, 1, ci, co]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(tf.reshape(spread, [kh * dh, kw * dw, ci, co]), 0, [
    (kh - 1) * dh + 1,
    (kw - 1) * dw + 1,
    ci,
    co,
  ]) as tf.Tensor4D;
}

interface Case {
  x: Float32Array;
  w: Float32Array;
  r: Float32Array;
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  yShape: number[];
  dil: [number, number];
  pad: Pad;
}

function makeCase(rng: Rng, dil: [number, number], pad: Pad, n: number, h: number, wd: number): Case {
  const ci = 1 + rng.nextInt(4);
  const co = 1 + rng.nextInt(4);
  const kh = 1 + rng.nextInt(3);
  const kw = 2 + rng.nextInt(2);
  const xShape: [number, number, number, number] = [n, h, wd, ci];
  const wShape: [number, number, number, number] = [kh, kw, ci, co];
  const yShape = tf.backend_util.computeConv2DInfo(xShape, wShape, 1, dil, pad).outShape;
  return {
    x: randomData(n * h * wd * ci, rng),
    w: randomData(kh * kw * ci * co, rng),
    r: randomData(
      yShape.reduce((a, b) => a * b, 1),
      rng,
    ),
    xShape,
    wShape,
    yShape,
    dil,
    pad,
  };
}

/** dx and dfilter of sum(conv(x, w) * r), by the dilated gradient or through a zero-inserted filter. */
function grads(c: Case, explicit: boolean): tf.Tensor[] {
  const r = tf.tensor(c.r, c.yShape);
  const f = (x: tf.Tensor, w: tf.Tensor): tf.Scalar => {
    const y = explicit
      ? tf.conv2d(x as tf.Tensor4D, zeroInserted(w as tf.Tensor4D, c.dil[0], c.dil[1]), 1, c.pad)
      : tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, c.pad, 'NHWC', c.dil);
    return tf.sum(tf.mul(y, r));
  };
  return tf.grads(f)([tf.tensor(c.x, c.xShape), tf.tensor(c.w, c.wShape)]);
}

describe('dilated conv2d gradient', () => {
  beforeAll(() => installDilatedConvGrad());

  for (const backend of BACKENDS) {
    it(`matches the zero-inserted-filter reference on ${backend}`, () => {
      const rng = new Rng(41);
      let t = 0;
      for (const dil of [
        [1, 2],
        [2, 3],
        [3, 1],
        [2, 2],
      ] as Array<[number, number]>) {
        for (const pad of ['valid', 'same'] as const) {
          const c = makeCase(rng, dil, pad, 1 + (t % 3), 7 + rng.nextInt(6), 9 + rng.nextInt(6));
          t++;
          const ref = runOn('cpu', () => grads(c, true));
          const got = runOn(backend, () => grads(c, false));
          got.forEach((g, i) => {
            expect(g.shape).toEqual(ref[i]?.shape);
            const e = relErr(g.values, ref[i]?.values ?? []);
            if (!(e <= 1e-5)) throw new Error(`${backend} dil ${dil} ${pad} grad ${i}: relative error ${e}`);
          });
        }
      }
      if (backend === 'native') {
        // The dilated gradients ran in the C++ kernels, not in the cpu fallback.
        tf.setBackend('native');
        const calls = (tf.backend() as NativeBackend).nativeCalls;
        expect(calls.get('Conv2DBackpropInput') ?? 0).toBeGreaterThan(0);
        expect(calls.get('Conv2DBackpropFilter') ?? 0).toBeGreaterThan(0);
      }
    });

    it(`equals the stock gradient exactly with dilation 1 on ${backend}`, () => {
      const rng = new Rng(42);
      for (const pad of ['valid', 'same'] as const) {
        const c = makeCase(rng, [1, 1], pad, 2, 8, 11);
        const got = runOn(backend, () => grads(c, false));
        const stock = runOn(backend, () => {
          const dy = tf.tensor(c.r, c.yShape);
          const common = { strides: [1, 1], pad, dataFormat: 'NHWC' };
          return [
            tf.engine().runKernel(
              'Conv2DBackpropInput',
              { dy, filter: tf.tensor(c.w, c.wShape) },
              {
                ...common,
                inputShape: c.xShape,
              },
            ) as tf.Tensor,
            tf.engine().runKernel(
              'Conv2DBackpropFilter',
              { x: tf.tensor(c.x, c.xShape), dy },
              {
                ...common,
                filterShape: c.wShape,
              },
            ) as tf.Tensor,
          ];
        });
        expect(got.map((g) => Array.from(g.values))).toEqual(stock.map((g) => Array.from(g.values)));
      }
    });
  }

  it('handles NCHW on cpu (space-to-batch path with transposes)', () => {
    const rng = new Rng(43);
    const c = makeCase(rng, [2, 3], 'same', 2, 9, 10);
    const ref = runOn('cpu', () => grads(c, false));
    const got = runOn('cpu', () => {
      const xNchw = tf.transpose(tf.tensor(c.x, c.xShape), [0, 3, 1, 2]);
      const r = tf.transpose(tf.tensor(c.r, c.yShape), [0, 3, 1, 2]);
      const f = (x: tf.Tensor, w: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NCHW', c.dil), r));
      const [dx, dw] = tf.grads(f)([xNchw, tf.tensor(c.w, c.wShape)]);
      return [tf.transpose(dx as tf.Tensor, [0, 2, 3, 1]), dw as tf.Tensor];
    });
    got.forEach((g, i) => expect(relErr(g.values, ref[i]?.values ?? [])).toBeLessThanOrEqual(1e-5));
  });
});

/** A tiny WaveNet-ish model: causal dilated Conv1Ds, then a dense read-out. */
function waveModel(seed: number): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const m = tf.sequential();
  m.add(
    tf.layers.conv1d({
      inputShape: [24, 2],
      filters: 6,
      kernelSize: 2,
      dilationRate: 4,
      padding: 'causal',
      activation: 'tanh',
      kernelInitializer: init(1),
    }),
  );
  m.add(tf.layers.conv1d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', kernelInitializer: init(2) }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 1, kernelInitializer: init(3) }));
  return m;
}

/** A dilated Conv2D with bias and linear activation: tfjs would take the fused kernel's gradient. */
function conv2dModel(seed: number): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [9, 8, 2],
      filters: 3,
      kernelSize: 2,
      dilationRate: [2, 3],
      padding: 'same',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
  );
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

describe('dilated conv layers train', () => {
  beforeAll(() => installDilatedConvGrad());

  it('causal Conv1D keeps the length and sees only the past (Keras semantics)', () => {
    tf.setBackend('cpu');
    const layer = tf.layers.conv1d({
      filters: 3,
      kernelSize: 3,
      dilationRate: 2,
      padding: 'causal',
      biasInitializer: 'ones',
    });
    tf.tidy(() => {
      const rng = new Rng(8);
      const x = tf.tensor(randomData(2 * 11 * 2, rng), [2, 11, 2]);
      const y = layer.apply(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 11, 3]);
      expect(layer.computeOutputShape([null, 11, 2])).toEqual([null, 11, 3]);
      const [kernel, bias] = layer.getWeights() as [tf.Tensor3D, tf.Tensor1D];
      const ref = tf.add(
        tf.conv1d(
          tf.pad(x, [
            [0, 0],
            [4, 0],
            [0, 0],
          ]) as tf.Tensor3D,
          kernel,
          1,
          'valid',
          'NWC',
          2,
        ),
        bias,
      );
      expect(relErr(y.dataSync(), ref.dataSync())).toBeLessThanOrEqual(1e-6);
      // Changing step 6 leaves steps 0..5 alone.
      const x2 = tf.add(
        x,
        tf
          .oneHot(tf.tensor1d([6], 'int32'), 11)
          .reshape([1, 11, 1])
          .mul(tf.scalar(5)),
      );
      const y2 = layer.apply(x2) as tf.Tensor;
      const head = (t: tf.Tensor) => tf.slice(t, [0, 0, 0], [2, 6, 3]).dataSync();
      expect(Array.from(head(y2))).toEqual(Array.from(head(y)));
      expect(relErr(y2.dataSync(), y.dataSync())).toBeGreaterThan(0);
    });
    layer.dispose();
  });

  for (const backend of BACKENDS) {
    for (const [name, build, xShape] of [
      ['Conv1D causal, dilation 4', waveModel, [16, 24, 2]],
      ['Conv2D linear + bias, dilation [2, 3]', conv2dModel, [8, 9, 8, 2]],
    ] as const) {
      it(`${name} on ${backend}: loss decreases, no tensor growth`, async () => {
        tf.setBackend(backend);
        const rng = new Rng(7);
        const n = xShape.reduce((a, b) => a * b, 1);
        const xs = tf.tensor(randomData(n, rng), [...xShape]);
        const ys = tf.tensor(randomData(xShape[0], rng), [xShape[0], 1]);
        const model = build(3);
        model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
        const losses: number[] = [];
        losses.push((await model.trainOnBatch(xs, ys)) as number);
        const before = tf.memory().numTensors;
        for (let i = 0; i < 15; i++) losses.push((await model.trainOnBatch(xs, ys)) as number);
        expect(tf.memory().numTensors).toBe(before);
        expect(losses.every(Number.isFinite)).toBe(true);
        expect(losses[losses.length - 1]).toBeLessThan((losses[0] ?? 0) * 0.8);
        model.dispose();
        tf.dispose([xs, ys]);
      });
    }
  }
});
