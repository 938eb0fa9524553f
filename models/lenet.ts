/**
 * The book's Chapter 3 LeNet (`keras_LeNet.py`): conv 20 5x5 same + relu, max-pool 2x2,
 * conv 50 5x5 same + relu, max-pool 2x2, dense 500 relu, dense softmax.
 *
 * Input `[batch, 28, 28, 1]` (channels last), output `[batch, 10]`; 1,256,080 parameters for
 * MNIST.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { SeededInit } from './init.js';
import { checkPositiveInt, checkShape, ModelArgumentError, invalidValueMessage } from './validate.js';

/** Options of {@link lenet}. */
export interface LeNetOptions {
  /** Per-example input shape `[height, width, channels]`; default `[28, 28, 1]`. */
  inputShape?: readonly number[];
  /** Output classes (10). */
  numClasses?: number;
  /** Seeds the kernel initialisers. */
  rng?: Rng;
}

/**
 * The book's training settings (`keras_LeNet.py`; its figure is in `results/book.json`): 20 epochs, Adam, batch 128,
 * validation split 0.2.
 */
export const LENET_BOOK = { epochs: 20, batchSize: 128, optimizer: 'adam', validationSplit: 0.2 } as const;

/**
 * Builds (uncompiled) LeNet.
 * Input `[batch, h, w, c]` (default 28x28x1); output `[batch, numClasses]` softmax.
 */
export function lenet(options: LeNetOptions = {}): tf.Sequential {
  const inputShape = checkShape('inputShape', options.inputShape ?? [28, 28, 1], 3);
  if ((inputShape[0] ?? 0) < 4 || (inputShape[1] ?? 0) < 4) {
    throw new ModelArgumentError(
      invalidValueMessage('inputShape', 'height and width >= 4 (two 2x2 poolings)', inputShape),
    );
  }
  const numClasses = checkPositiveInt('numClasses', options.numClasses ?? 10);
  const init = new SeededInit(options.rng);
  const model = tf.sequential({ name: 'lenet' });
  model.add(
    tf.layers.conv2d({
      inputShape,
      filters: 20,
      kernelSize: 5,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init.glorotUniform(),
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(
    tf.layers.conv2d({
      filters: 50,
      kernelSize: 5,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init.glorotUniform(),
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 500, activation: 'relu', kernelInitializer: init.glorotUniform() }));
  model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init.glorotUniform() }));
  return model;
}
