/**
 * Shared pieces of `tfgym example`: the example descriptor, run options, the result object
 * printed by `--json`, and the train-and-evaluate routine every classifier example uses.
 */
import * as tf from '@tensorflow/tfjs';
import type { TextSink } from '../models/callbacks.js';
import { ProgressLogger } from '../models/callbacks.js';
import { imagesToTensor, oneHotLabels } from '../models/data-tensors.js';
import { evaluate, fit, type Callback, type History } from '../models/fit.js';
import { Rng } from '../src/rng/rng.js';
import type { ImageSplit } from '../src/data/datasets.js';

/** Options common to every example (from the command line). */
export interface ExampleOptions {
  variant: string;
  epochs?: number;
  batchSize?: number;
  dataDir?: string;
  quick: boolean;
  seed: number;
  /** Backend actually running (for the result object). */
  backend: string;
  /** Save the trained model here (tfjs layers format). */
  save?: string;
  /** A saved model to load (cifar10-predict). */
  model?: string;
  /** Weights file (vgg16: a converted Keras model.json). */
  weights?: string;
  /** Image files to classify. */
  images?: string[];
  /** ImageNet labels file (vgg16). */
  labels?: string;
  /** Fraction list for the shrinking-training-set study. */
  fractions?: number[];
  /** Where the Keras-like log goes. */
  log: TextSink;
  /** Download progress (bytes so far, total) when a dataset is fetched into the cache. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Extra training callbacks (the CLI's `--logdir` adds TensorBoard and CSV loggers). */
  callbacks?: Callback[];
}

/** The book's figure(s) for one variant. */
export interface BookFigure {
  chapter: number;
  script: string;
  testAccuracy?: number;
  epochs?: number;
  batchSize?: number;
  optimizer?: string;
  note?: string;
  [k: string]: unknown;
}

/** What an example returns; `--json` prints it as one object. */
export interface ExampleResult {
  example: string;
  variant: string;
  metrics: { testAccuracy?: number; testLoss?: number; [k: string]: unknown };
  book: BookFigure;
  settings: Record<string, unknown>;
  backend: string;
  wallSeconds: number;
}

/** One runnable example. */
export interface ExampleDef {
  name: string;
  chapter: number;
  description: string;
  variants: readonly string[];
  defaultVariant: string;
  /** The book's figure per variant. */
  book: Readonly<Record<string, BookFigure>>;
  run(opts: ExampleOptions): Promise<Omit<ExampleResult, 'backend' | 'wallSeconds'>>;
}

/** Loader options from the example options: the data folder, else download with progress. */
export function dataOptions(o: ExampleOptions): { dataDir?: string; onProgress?: (r: number, t: number | undefined) => void } {
  if (o.dataDir !== undefined) return { dataDir: o.dataDir };
  return o.onProgress ? { onProgress: o.onProgress } : {};
}

/** Quick-mode budget: tiny so smoke tests take seconds on any backend. */
export const QUICK = { train: 160, test: 64, epochs: 1, batchSize: 32 } as const;

/** Formats a fraction as a percentage with two decimals. */
export function pct(x: number | undefined): string {
  return x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`;
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
  rng: Rng;
  log: TextSink;
  callbacks?: Callback[];
  transformEpoch?: (x: tf.Tensor, epoch: number) => tf.Tensor;
  verbose?: boolean;
}

/** Trains with the book's protocol (fit with validation split, then evaluate on the test set). */
export async function trainAndEvaluate(s: TrainSpec): Promise<{ history: History; testLoss: number; testAccuracy: number; trainSeconds: number }> {
  const xTrain = imagesToTensor(s.train.images, s.train.count, s.inputShape);
  const yTrain = oneHotLabels(s.train.labels, s.numClasses);
  const xTest = imagesToTensor(s.test.images, s.test.count, s.inputShape);
  const yTest = oneHotLabels(s.test.labels, s.numClasses);
  try {
    const t0 = performance.now();
    const history = await fit(s.model, xTrain, yTrain, {
      epochs: s.epochs,
      batchSize: s.batchSize,
      validationSplit: s.validationSplit,
      rng: s.rng,
      callbacks: [...(s.verbose === false ? [] : [new ProgressLogger(s.log)]), ...(s.callbacks ?? [])],
      ...(s.transformEpoch ? { transformEpoch: s.transformEpoch } : {}),
    });
    const trainSeconds = (performance.now() - t0) / 1000;
    const logs = evaluate(s.model, xTest, yTest, s.batchSize);
    return { history, testLoss: logs['loss'] ?? NaN, testAccuracy: logs['acc'] ?? logs['accuracy'] ?? NaN, trainSeconds };
  } finally {
    xTrain.dispose();
    yTrain.dispose();
    xTest.dispose();
    yTest.dispose();
  }
}
