/**
 * The steps every classifier example of the book repeats: load MNIST or CIFAR-10 (trimmed in
 * `--quick` mode), train with `fit` and a validation split, evaluate on the test set, print
 * Keras' closing lines and collect the metrics.
 */
import * as tf from '@tensorflow/tfjs';
import { ProgressLogger, type TextSink } from '../models/callbacks.js';
import { imagesToTensor, oneHotLabels } from '../models/data-tensors.js';
import { evaluate, fit, type Callback, type History, type Inputs } from '../models/fit.js';
import { loadCifar10, loadMnist, takeSplit, type ImageDataset, type ImageSplit } from '../src/data/datasets.js';
import type { Rng } from '../src/rng/rng.js';
import { QUICK, type ExampleMetrics, type ExampleOptions } from './example.js';

/** Loader options from the example options: the data folder, else download with progress. */
function dataOptions(o: ExampleOptions): { dataDir?: string; onProgress?: (r: number, t: number | undefined) => void } {
  if (o.dataDir !== undefined) return { dataDir: o.dataDir };
  return o.onProgress ? { onProgress: o.onProgress } : {};
}

function trimmed(o: ExampleOptions, d: ImageDataset, train: number, test: number): ImageDataset {
  o.log.write(`${d.train.count} train samples\n${d.test.count} test samples\n`);
  if (!o.quick) return d;
  return { ...d, train: takeSplit(d.train, train), test: takeSplit(d.test, test) };
}

/** MNIST, as `mnist.load_data()` gives it (first {@link QUICK} images in quick mode). */
export async function mnistData(o: ExampleOptions): Promise<ImageDataset> {
  return trimmed(o, await loadMnist(dataOptions(o)), QUICK.train, QUICK.test);
}

/** Conv nets on the pure-JS backend are slow: the CIFAR quick budget is smaller still. */
export const CIFAR_QUICK = { train: 40, test: 32, batchSize: 32 } as const;

/** CIFAR-10, as `cifar10.load_data()` gives it (every `data_batch_N.bin` present). */
export async function cifarData(o: ExampleOptions): Promise<ImageDataset> {
  return trimmed(o, await loadCifar10(dataOptions(o)), CIFAR_QUICK.train, CIFAR_QUICK.test);
}

/** Everything {@link trainAndEvaluate} needs. */
export interface TrainSpec {
  model: tf.LayersModel;
  train: ImageSplit;
  test: ImageSplit;
  /** Per-example input shape, e.g. `[784]` or `[28, 28, 1]`. */
  inputShape: readonly number[];
  epochs: number;
  batchSize: number;
  validationSplit: number;
  numClasses: number;
  /** Shuffles the training examples each epoch. */
  rng: Rng;
  log: TextSink;
  callbacks?: Callback[];
  /** Transforms each epoch's training images (augmentation); see `FitOptions.transformEpoch`. */
  transformEpoch?: (x: tf.Tensor, epoch: number) => tf.Tensor;
  /** False: no progress log (inner runs). */
  verbose?: boolean;
}

/** What one training run measured. */
export interface TrainResult {
  history: History;
  testLoss: number;
  testAccuracy: number;
  trainSeconds: number;
}

/** What {@link fitAndEvaluate} needs besides the model and the tensors. */
export interface FitSpec {
  epochs: number;
  batchSize: number;
  /** Hold out the last fraction of the training data for validation (Keras' `validation_split`). */
  validationSplit?: number;
  /** Or validate on these tensors (the text examples validate on their test split, as the book's do). */
  validationData?: [Inputs, tf.Tensor];
  /** Shuffles the training examples each epoch. */
  rng: Rng;
  log: TextSink;
  callbacks?: Callback[];
  /** Transforms each epoch's training inputs (augmentation); see `FitOptions.transformEpoch`. */
  transformEpoch?: (x: tf.Tensor, epoch: number) => tf.Tensor;
  /** False: no progress log (inner runs). */
  verbose?: boolean;
}

/**
 * `model.fit(X, Y, ...)` with the progress log, then `model.evaluate(X_test, Y_test)`: the loss and
 * accuracy of the test tensors and the training wall time. The caller owns the tensors.
 */
export async function fitAndEvaluate(
  model: tf.LayersModel,
  xTrain: Inputs,
  yTrain: tf.Tensor,
  xTest: Inputs,
  yTest: tf.Tensor,
  s: FitSpec,
): Promise<TrainResult> {
  const t0 = performance.now();
  const history = await fit(model, xTrain, yTrain, {
    epochs: s.epochs,
    batchSize: s.batchSize,
    ...(s.validationSplit !== undefined ? { validationSplit: s.validationSplit } : {}),
    ...(s.validationData ? { validationData: s.validationData } : {}),
    rng: s.rng,
    callbacks: [...(s.verbose === false ? [] : [new ProgressLogger(s.log)]), ...(s.callbacks ?? [])],
    ...(s.transformEpoch ? { transformEpoch: s.transformEpoch } : {}),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const logs = evaluate(model, xTest, yTest, s.batchSize);
  return {
    history,
    testLoss: logs['loss'] ?? NaN,
    testAccuracy: logs['acc'] ?? logs['accuracy'] ?? NaN,
    trainSeconds,
  };
}

/**
 * The book's protocol: `model.fit(X, Y, validation_split=...)` (last examples held out, shuffled
 * each epoch), then `model.evaluate(X_test, Y_test)`. Pixels are scaled to [0, 1] (`X /= 255`),
 * labels one-hot (`to_categorical`). No tensors are left behind.
 */
export async function trainAndEvaluate(s: TrainSpec): Promise<TrainResult> {
  const xTrain = imagesToTensor(s.train.images, s.train.count, s.inputShape);
  const yTrain = oneHotLabels(s.train.labels, s.numClasses);
  const xTest = imagesToTensor(s.test.images, s.test.count, s.inputShape);
  const yTest = oneHotLabels(s.test.labels, s.numClasses);
  try {
    return await fitAndEvaluate(s.model, xTrain, yTrain, xTest, yTest, s);
  } finally {
    xTrain.dispose();
    yTrain.dispose();
    xTest.dispose();
    yTest.dispose();
  }
}

/** Keras' closing lines: `Test score: ...` and `Test accuracy: ...`. */
export function printTestScore(log: TextSink, r: TrainResult): void {
  log.write(`\nTest score: ${r.testLoss.toFixed(4)}\nTest accuracy: ${r.testAccuracy.toFixed(4)}\n`);
}

function last(h: History, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = h.history[k];
    const x = v?.[v.length - 1];
    if (x !== undefined) return x;
  }
  return undefined;
}

/** The metrics of a run: test accuracy and loss, and the last epoch's train and validation ones. */
export function classifierMetrics(r: TrainResult): ExampleMetrics {
  const m: ExampleMetrics = { testAccuracy: r.testAccuracy, testLoss: r.testLoss };
  const add = (name: keyof ExampleMetrics & string, v: number | undefined): void => {
    if (v !== undefined) m[name] = v;
  };
  add('valAccuracy', last(r.history, 'val_acc', 'val_accuracy'));
  add('valLoss', last(r.history, 'val_loss'));
  add('trainAccuracy', last(r.history, 'acc', 'accuracy'));
  add('trainLoss', last(r.history, 'loss'));
  m['trainSeconds'] = Math.round(r.trainSeconds * 10) / 10;
  return m;
}
