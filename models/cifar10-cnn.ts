/**
 * The book's Chapter 3 CIFAR-10 convolutional networks.
 *
 * Input `[batch, 32, 32, 3]` (RGB scaled to [0, 1]), output `[batch, 10]` softmax.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { dropout as seededDropout } from './dropout.js';
import { SeededInit } from './init.js';
import { checkOneOf, checkPositiveInt, checkShape, ModelArgumentError, invalidValueMessage } from './validate.js';

/** `simple` = keras_CIFAR10_simple.py; `deep` = keras_CIFAR10_V1.py (also used with augmentation). */
export const CIFAR10_CNN_ARCHS = ['simple', 'deep'] as const;
/** One of {@link CIFAR10_CNN_ARCHS}. */
export type Cifar10CnnArch = (typeof CIFAR10_CNN_ARCHS)[number];

/** Options of {@link cifar10Cnn}. */
export interface Cifar10CnnOptions {
  /** Architecture; default `simple`. */
  arch?: Cifar10CnnArch;
  /** Per-example input shape `[h, w, c]`; default `[32, 32, 3]`. */
  inputShape?: readonly number[];
  /** Output classes (10). */
  numClasses?: number;
  /** Seeds the kernel initialisers and the dropout masks. */
  rng?: Rng;
}

/**
 * Builds (uncompiled) a book CIFAR-10 net.
 *
 * `simple`: conv 32 3x3 same relu, max-pool 2, dropout 0.25, flatten, dense 512 relu,
 * dropout 0.5, dense softmax (4,200,842 params at 32x32x3).
 *
 * `deep`: conv 32 same, conv 32 same, pool, dropout 0.25, conv 64 same, conv 64 valid, pool,
 * dropout 0.25, flatten, dense 512, dropout 0.5, dense softmax (1,676,842 params).
 * (The book's `Conv2D(64, 3, 3)` is Keras 1's "64 filters of 3x3", padding valid.)
 *
 * Input `[batch, h, w, c]`, output `[batch, numClasses]`.
 */
export function cifar10Cnn(options: Cifar10CnnOptions = {}): tf.Sequential {
  const arch = checkOneOf('arch', options.arch ?? 'simple', CIFAR10_CNN_ARCHS);
  const inputShape = checkShape('inputShape', options.inputShape ?? [32, 32, 3], 3);
  const minSide = arch === 'deep' ? 8 : 2;
  if ((inputShape[0] ?? 0) < minSide || (inputShape[1] ?? 0) < minSide) {
    throw new ModelArgumentError(invalidValueMessage('inputShape', `height and width >= ${minSide}`, inputShape));
  }
  const numClasses = checkPositiveInt('numClasses', options.numClasses ?? 10);
  // Dropout masks draw from their own stream, forked first (see mnistMlp).
  const dropoutRng = options.rng?.fork();
  const drop = (rate: number): tf.layers.Layer => seededDropout(rate, dropoutRng?.fork());
  const init = new SeededInit(options.rng);
  const conv = (filters: number, padding: 'same' | 'valid', first = false): tf.layers.Layer =>
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      padding,
      activation: 'relu',
      kernelInitializer: init.glorotUniform(),
      ...(first ? { inputShape } : {}),
    });
  const model = tf.sequential({ name: `cifar10_${arch}` });
  if (arch === 'simple') {
    model.add(conv(32, 'same', true));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(drop(0.25));
  } else {
    model.add(conv(32, 'same', true));
    model.add(conv(32, 'same'));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(drop(0.25));
    model.add(conv(64, 'same'));
    model.add(conv(64, 'valid'));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(drop(0.25));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: init.glorotUniform() }));
  model.add(drop(0.5));
  model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init.glorotUniform() }));
  return model;
}
