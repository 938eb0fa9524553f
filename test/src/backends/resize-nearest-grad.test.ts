/**
 * The gradient of `resizeNearestNeighbor` (UpSampling2D) on cpu: tfjs 4.22's kernel is wrong for
 * batches above one; the installed gradient is the exact adjoint there, as on the other backends.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/backends/index.js';
import { resizeNearestAdjoint } from '../../../src/backends/resize-nearest-grad.js';
import { Rng } from '../../../src/rng/rng.js';

beforeAll(async () => {
  await useBackend('cpu');
});

/** dL/dx of L = sum(resize(x) * dy), with dy seeded. */
function gradient(x: tf.Tensor4D, size: [number, number], align = false, half = false): Float32Array {
  return tf.tidy(() => {
    const rng = new Rng(9);
    const [b, , , c] = x.shape;
    const dy = tf.tensor4d(
      Float32Array.from({ length: b * size[0] * size[1] * c }, () => rng.uniform(-1, 1)),
      [b, size[0], size[1], c],
    );
    const g = tf.grad((v: tf.Tensor) =>
      tf.sum(tf.mul(tf.image.resizeNearestNeighbor(v as tf.Tensor4D, size, align, half), dy)),
    );
    return g(x).dataSync() as Float32Array;
  });
}

describe('resizeNearestNeighbor gradient on cpu', () => {
  it('UpSampling2D x2 on a batch of 3: each input pixel gets the sum of its 2x2 block', () => {
    const x = tf.zeros([3, 4, 5, 2]) as tf.Tensor4D;
    const rng = new Rng(9);
    const dy = Float32Array.from({ length: 3 * 8 * 10 * 2 }, () => rng.uniform(-1, 1));
    const ref = tf.tidy(() => tf.sum(tf.reshape(tf.tensor(dy), [3, 4, 2, 5, 2, 2]), [2, 4]).dataSync());
    const got = gradient(x, [8, 10]);
    got.forEach((v, i) => expect(v).toBeCloseTo(ref[i] ?? NaN, 5));
    x.dispose();
  });

  it('is the adjoint of the forward for odd sizes, alignCorners and halfPixelCenters (<x, R^T y> = <R x, y>)', () => {
    const rng = new Rng(4);
    for (const [h, w, oh, ow, align, half] of [
      [3, 5, 7, 4, false, false],
      [4, 4, 9, 6, true, false],
      [5, 3, 8, 8, false, true],
    ] as const) {
      const x = tf.tensor4d(
        Float32Array.from({ length: 2 * h * w }, () => rng.uniform(-1, 1)),
        [2, h, w, 1],
      );
      const y = tf.tensor4d(
        Float32Array.from({ length: 2 * oh * ow }, () => rng.uniform(-1, 1)),
        [2, oh, ow, 1],
      );
      const lhs = tf.tidy(
        () =>
          tf.sum(tf.mul(x, resizeNearestAdjoint(x, y, { alignCorners: align, halfPixelCenters: half }))).dataSync()[0],
      );
      const rhs = tf.tidy(
        () => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x, [oh, ow], align, half), y)).dataSync()[0],
      );
      expect(lhs).toBeCloseTo(rhs ?? NaN, 4);
      tf.dispose([x, y]);
    }
  });

  it('leaves no tensor behind', () => {
    const x = tf.ones([2, 3, 3, 1]) as tf.Tensor4D;
    gradient(x, [6, 6]);
    const before = tf.memory().numTensors;
    gradient(x, [6, 6]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
