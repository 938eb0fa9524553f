/**
 * The book's Chapter 1 MNIST multilayer perceptrons (`keras_MINST_V1.py` .. `V4.py`).
 *
 * Input `[batch, 784]` (28x28 pixels scaled to [0, 1], flattened); output `[batch, 10]`
 * class probabilities (softmax).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { dropout as seededDropout } from './dropout.js';
import { SeededInit } from './init.js';
import { makeOptimizer, type OptimizerName } from './optimizers.js';
import { checkOneOf, checkPositiveInt, checkRate } from './validate.js';

/** The book's variants: V1 simple, V2 hidden, V3 dropout, V4 with RMSprop or Adam. */
export const MNIST_MLP_VARIANTS = ['simple', 'hidden', 'dropout', 'rmsprop', 'adam'] as const;
/** One of {@link MNIST_MLP_VARIANTS}. */
export type MnistMlpVariant = (typeof MNIST_MLP_VARIANTS)[number];

/**
 * The book's architecture and training settings per variant (its figures are in
 * `results/book.json`): V1 `keras_MINST_V1.py`, V2 `V2.py`, V3 `V3.py`, V4 `V4.py` with RMSprop
 * and, in the book's text, with Adam. Every variant trains with batch 128 and validation split 0.2.
 */
export const MNIST_MLP_BOOK: Readonly<
  Record<MnistMlpVariant, { hiddenLayers: number; dropout: number; optimizer: OptimizerName; epochs: number }>
> = {
  simple: { hiddenLayers: 0, dropout: 0, optimizer: 'sgd', epochs: 200 },
  hidden: { hiddenLayers: 2, dropout: 0, optimizer: 'sgd', epochs: 20 },
  dropout: { hiddenLayers: 2, dropout: 0.3, optimizer: 'sgd', epochs: 250 },
  rmsprop: { hiddenLayers: 2, dropout: 0.3, optimizer: 'rmsprop', epochs: 20 },
  adam: { hiddenLayers: 2, dropout: 0.3, optimizer: 'adam', epochs: 20 },
};

/** Options of {@link mnistMlp}. */
export interface MnistMlpOptions {
  /** Book variant; sets the defaults of the other fields. Default `simple`. */
  variant?: MnistMlpVariant;
  /** Input features (784 for MNIST). */
  inputSize?: number;
  /** Number of hidden ReLU layers (0 for V1). */
  hiddenLayers?: number;
  /** Units per hidden layer (book: 128). */
  hiddenUnits?: number;
  /** Dropout rate after each hidden layer (book V3/V4: 0.3). */
  dropout?: number;
  /** Output classes (10). */
  numClasses?: number;
  /** Seeds the kernel initialisers and the dropout masks; unseeded if absent. */
  rng?: Rng;
}

/**
 * Builds (uncompiled) the MLP of a book variant.
 * Input `[batch, inputSize]`, output `[batch, numClasses]` softmax.
 * V1 `simple`: 784 -> 10 softmax (7,850 params). V2-V4: 784 -> 128 relu -> 128 relu -> 10
 * softmax (118,282 params), with dropout 0.3 after each hidden layer in V3/V4.
 */
export function mnistMlp(options: MnistMlpOptions = {}): tf.Sequential {
  const variant = checkOneOf('variant', options.variant ?? 'simple', MNIST_MLP_VARIANTS);
  const book = MNIST_MLP_BOOK[variant];
  const inputSize = checkPositiveInt('inputSize', options.inputSize ?? 784);
  const hiddenLayers = options.hiddenLayers ?? book.hiddenLayers;
  if (!Number.isInteger(hiddenLayers) || hiddenLayers < 0) checkPositiveInt('hiddenLayers', hiddenLayers);
  const units = checkPositiveInt('hiddenUnits', options.hiddenUnits ?? 128);
  const dropout = checkRate('dropout', options.dropout ?? book.dropout);
  const numClasses = checkPositiveInt('numClasses', options.numClasses ?? 10);
  // Dropout masks draw from their own stream, forked first, so the kernels' seeds do not depend
  // on how many dropout layers there are.
  const dropoutRng = options.rng?.fork();
  const init = new SeededInit(options.rng);
  const model = tf.sequential({ name: `mnist_mlp_${variant}` });
  for (let i = 0; i < hiddenLayers; i++) {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: init.glorotUniform(),
        ...(i === 0 ? { inputShape: [inputSize] } : {}),
      }),
    );
    // A fresh mask per batch from the run's seed (tfjs' seeded Dropout repeats one mask).
    if (dropout > 0) model.add(seededDropout(dropout, dropoutRng?.fork()));
  }
  model.add(
    tf.layers.dense({
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: init.glorotUniform(),
      ...(hiddenLayers === 0 ? { inputShape: [inputSize] } : {}),
    }),
  );
  return model;
}

/**
 * Compiles a classifier as the book does: categorical cross-entropy, accuracy metric.
 * @param optimizer a name (Keras defaults) or a tfjs optimizer
 */
export function compileClassifier(model: tf.LayersModel, optimizer: OptimizerName | tf.Optimizer): void {
  model.compile({
    optimizer: typeof optimizer === 'string' ? makeOptimizer(optimizer) : optimizer,
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
}
