import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { lrnReference } from '../../examples/ch7/custom-layers.js';
import { EuclideanDistance, LocalResponseNormalization, testLayer } from '../../models/layers.js';
import { Rng } from '../../src/rng/rng.js';

function randn(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal(0, scale)),
    shape,
  );
}

describe('LocalResponseNormalization (the book: n 5, alpha 0.0005, beta 0.75, k 2)', () => {
  it('matches a hand computation on a 1-pixel, 2-channel input', () => {
    // one pixel: the 5x5 average is the pixel itself; sum over channels 3^2 + 4^2 = 25
    const layer = new LocalResponseNormalization();
    const y = layer.apply(tf.tensor4d([3, 4], [1, 1, 1, 2])) as tf.Tensor;
    const denom = Math.pow(2 + 0.0005 * 25, 0.75);
    const out = Array.from(y.dataSync());
    expect(out[0]).toBeCloseTo(3 / denom, 6);
    expect(out[1]).toBeCloseTo(4 / denom, 6);
  });

  it('matches the loop reference (average over in-image pixels only) on a 6x5x3 input', () => {
    const x = randn(new Rng(3), [1, 6, 5, 3], 20);
    const y = new LocalResponseNormalization({ n: 3, alpha: 0.01, beta: 0.75, k: 2 }).apply(x) as tf.Tensor;
    const want = lrnReference(x.dataSync() as Float32Array, 6, 5, 3, { n: 3, alpha: 0.01, beta: 0.75, k: 2 });
    const got = y.dataSync();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i] ?? NaN, 4);
  });

  it('has finite gradients that match finite differences', () => {
    const layer = new LocalResponseNormalization({ n: 3, alpha: 0.05, beta: 0.75, k: 2 });
    const x0 = randn(new Rng(5), [1, 3, 3, 2], 2);
    const w = randn(new Rng(6), [1, 3, 3, 2]);
    const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w));
    const g = tf.grad(f)(x0).dataSync();
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    const base = x0.dataSync();
    const h = 1e-2;
    for (let i = 0; i < base.length; i++) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] = (plus[i] ?? 0) + h;
      minus[i] = (minus[i] ?? 0) - h;
      const num =
        ((f(tf.tensor(plus, x0.shape)).dataSync()[0] ?? 0) - (f(tf.tensor(minus, x0.shape)).dataSync()[0] ?? 0)) /
        (2 * h);
      expect(g[i]).toBeCloseTo(num, 2);
    }
  });

  it('config round trip and the test_layer harness', () => {
    const layer = new LocalResponseNormalization({ n: 3, alpha: 0.001, beta: 0.5, k: 1, name: 'my_lrn' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ n: 3, alpha: 0.001, beta: 0.5, k: 1, name: 'my_lrn' });
    const copy = LocalResponseNormalization.fromConfig(LocalResponseNormalization, config);
    expect(copy.getConfig()).toEqual(config);
    const x = randn(new Rng(8), [4, 4, 3], 10);
    const y = testLayer(layer, x);
    const want = lrnReference(x.dataSync() as Float32Array, 4, 4, 3, layer);
    expect(y.shape).toEqual([4, 4, 3]);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? NaN, 4));
    // Dropout passes values through when predicting; Reshape reshapes
    const flat = randn(new Rng(9), [6]);
    expect(Array.from(testLayer(tf.layers.dropout({ rate: 0.5 }), flat).dataSync())).toEqual(
      Array.from(flat.dataSync()),
    );
    expect(testLayer(tf.layers.reshape({ targetShape: [2, 3] }), flat).shape).toEqual([2, 3]);
  });
});

describe('EuclideanDistance and save/load of the custom layers', () => {
  it('computes the distance; gradients finite where the vectors differ', () => {
    const d = new EuclideanDistance().apply([
      tf.tensor2d([
        [0, 0],
        [1, 1],
      ]),
      tf.tensor2d([
        [3, 4],
        [1, 2],
      ]),
    ]) as tf.Tensor;
    expect(d.shape).toEqual([2, 1]);
    expect(Array.from(d.dataSync())).toEqual([5, 1]);
    const layer = new EuclideanDistance();
    const b = tf.tensor2d([[3, 4]]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(layer.apply([a, b]) as tf.Tensor))(tf.tensor2d([[0, 0]]));
    const gv = Array.from(g.dataSync());
    expect(gv[0]).toBeCloseTo(-0.6, 6);
    expect(gv[1]).toBeCloseTo(-0.8, 6);
  });

  it('a model with both layers saves and loads (registered classes), same predictions', async () => {
    const left = tf.input({ shape: [3] });
    const right = tf.input({ shape: [3] });
    const img = tf.input({ shape: [4, 4, 2] });
    const model = tf.model({
      inputs: [left, right, img],
      outputs: [
        new EuclideanDistance().apply([left, right]) as tf.SymbolicTensor,
        new LocalResponseNormalization({ n: 3 }).apply(img) as tf.SymbolicTensor,
      ],
    });
    let art: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        art = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!art) throw new Error('not saved');
    expect(JSON.stringify(art.modelTopology)).toContain('"class_name":"LocalResponseNormalization"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(art));
    const lrn = loaded.layers.find((l) => l instanceof LocalResponseNormalization);
    expect(lrn?.getConfig()).toMatchObject({ n: 3, alpha: 0.0005, beta: 0.75, k: 2 });
    const rng = new Rng(11);
    const xs = [randn(rng, [2, 3]), randn(rng, [2, 3]), randn(rng, [2, 4, 4, 2], 5)];
    const a = model.predict(xs) as tf.Tensor[];
    const b = loaded.predict(xs) as tf.Tensor[];
    a.forEach((t, i) => expect(Array.from(b[i]?.dataSync() ?? [])).toEqual(Array.from(t.dataSync())));
  });
});
