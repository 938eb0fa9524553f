/**
 * The benchmark workloads. Each is real work on real tensors; inputs come from a seeded Rng.
 * Add a workload by appending it to {@link WORKLOADS}.
 */
import * as tf from '@tensorflow/tfjs';
import { shapeSize } from '../src/core/spaces.js';
import { Rng } from '../src/rng/rng.js';
import type { Workload } from './harness.js';
import { BOOK_NET_WORKLOADS } from './book-nets.js';
import { COMPUTE_WORKLOADS } from './compute-workloads.js';
import { VECTOR_WORKLOADS, catchStep, catchStepRgb, replaySampleBook } from './env-workloads.js';
import { MINATAR_WORKLOADS } from './minatar-speed.js';

/** Fills a tensor of the given shape with seeded uniform values in [-1, 1). */
export function randomTensor(shape: number[], rng: Rng): tf.Tensor {
  const n = shapeSize(shape);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(-1, 1);
  return tf.tensor(data, shape);
}

/** MLP 784-128-10, one SGD train step on a batch of 128 (softmax cross-entropy). */
export const mlpTrainStep: Workload = {
  name: 'mlp-train',
  description: 'MLP 784-128-10 train step, batch 128, SGD',
  setup() {
    const rng = new Rng(1);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [784],
          units: 128,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
        }),
        tf.layers.dense({
          units: 10,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
        }),
      ],
    });
    const opt = tf.train.sgd(0.01);
    const x = randomTensor([128, 784], rng);
    const labels = new Int32Array(128);
    for (let i = 0; i < 128; i++) labels[i] = rng.nextInt(10);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10));
    return {
      run() {
        const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor), true);
        loss?.dataSync();
        loss?.dispose();
      },
      dispose() {
        model.dispose();
        opt.dispose();
        x.dispose();
        y.dispose();
      },
      flops: 3 * 2 * 128 * (784 * 128 + 128 * 10),
    };
  },
};

/** A small conv forward pass: 8x32x32x3 input, conv 16 3x3 same + relu, conv 32 3x3 stride 2. */
export const convForward: Workload = {
  name: 'conv-forward',
  description: 'conv forward: 8x32x32x3 -> conv16 3x3 -> conv32 3x3/2',
  setup() {
    const rng = new Rng(2);
    const x = randomTensor([8, 32, 32, 3], rng) as tf.Tensor4D;
    const w1 = randomTensor([3, 3, 3, 16], rng) as tf.Tensor4D;
    const w2 = randomTensor([3, 3, 16, 32], rng) as tf.Tensor4D;
    return {
      run() {
        const y = tf.tidy(() => tf.conv2d(tf.relu(tf.conv2d(x, w1, 1, 'same')), w2, 2, 'same'));
        y.dataSync();
        y.dispose();
      },
      dispose() {
        x.dispose();
        w1.dispose();
        w2.dispose();
      },
      flops: 2 * 8 * (32 * 32 * 16 * 27 + 16 * 16 * 32 * 144),
    };
  },
};

/** Every workload, in run order. */
export const WORKLOADS: Workload[] = [
  mlpTrainStep,
  convForward,
  catchStep,
  catchStepRgb,
  replaySampleBook,
  ...VECTOR_WORKLOADS,
  ...MINATAR_WORKLOADS,
  ...COMPUTE_WORKLOADS,
  ...BOOK_NET_WORKLOADS,
];
