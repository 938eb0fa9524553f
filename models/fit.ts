/**
 * Keras-style training: `fit` with callbacks, validation split and seeded shuffling, and
 * `evaluate`. Built on tfjs' `model.fit`, one call per epoch, so that the shuffling comes from
 * an {@link Rng} (tfjs shuffles with an unseeded generator) and an epoch can be transformed
 * (data augmentation) before it is trained on.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/rng/rng.js';
import {
  checkPositiveInt,
  checkRate,
  checkNonNegativeInt,
  ModelArgumentError,
  invalidValueMessage,
} from './validate.js';

/** Metric values by name: `loss`, `acc`, `val_loss`, `val_acc`, `lr`, ... */
export type Logs = Record<string, number>;

/** What callbacks see of the run; set `stopTraining` to end after the current epoch. */
export interface TrainContext {
  readonly model: tf.LayersModel;
  readonly epochs: number;
  readonly batchSize: number;
  /** Training examples per epoch (after the validation split). */
  readonly samples: number;
  /** Batches per epoch. */
  readonly steps: number;
  /** Validation examples (0 when there is no validation). */
  readonly validationSamples: number;
  /** Set by a callback (e.g. EarlyStopping) to stop after this epoch. */
  stopTraining: boolean;
}

/** A training callback; every hook is optional and may be async. Epochs count from 0. */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  /** Called after each batch with that batch's `size` and running epoch means. */
  onBatchEnd?(batch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(logs: Logs, ctx: TrainContext): void | Promise<void>;
}

/** Options of {@link fit}. */
export interface FitOptions {
  /** Number of epochs (default 1). */
  epochs?: number;
  /** Batch size (default 32, as Keras). */
  batchSize?: number;
  /** Fraction of the data, taken from the END as Keras does, held out for validation. */
  validationSplit?: number;
  /** Explicit validation data (wins over `validationSplit`); not disposed by fit. */
  validationData?: readonly [Inputs, tf.Tensor];
  /** Shuffle the training examples before each epoch (default true). */
  shuffle?: boolean;
  /** Drives the shuffling (default `new Rng(0)`, so runs repeat). */
  rng?: Rng;
  /** Callbacks, called in order. */
  callbacks?: readonly Callback[];
  /** Epoch to start counting from (to resume). */
  initialEpoch?: number;
  /**
   * Transforms one epoch's (shuffled) training inputs before training, e.g. augmentation.
   * Returns a new tensor that fit disposes; must not dispose its argument. Single-input models only.
   */
  transformEpoch?: (x: tf.Tensor, epoch: number) => tf.Tensor;
}

/** What {@link fit} returns: metric values per epoch, like Keras' History. */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

/** A model's inputs: one tensor, or one per input of a multi-input model (same first dimension). */
export type Inputs = tf.Tensor | tf.Tensor[];

function firstDim(t: Inputs): number {
  return (Array.isArray(t) ? t[0] : t)?.shape[0] ?? 0;
}

/** `f` applied to every input tensor. */
function mapInputs(x: Inputs, f: (t: tf.Tensor) => tf.Tensor): Inputs {
  return Array.isArray(x) ? x.map(f) : f(x);
}

function disposeInputs(x: Inputs): void {
  tf.dispose(x);
}

/**
 * Trains `model` (compiled) on `x`, `y`; `x` is an array for a multi-input model. Inputs are not
 * disposed; every tensor fit makes is. Validation metrics appear as `val_<name>` in the logs.
 */
export async function fit(model: tf.LayersModel, x: Inputs, y: tf.Tensor, options: FitOptions = {}): Promise<History> {
  const epochs = checkPositiveInt('epochs', options.epochs ?? 1);
  const batchSize = checkPositiveInt('batchSize', options.batchSize ?? 32);
  const split = checkRate('validationSplit', options.validationSplit ?? 0);
  const initialEpoch = checkNonNegativeInt('initialEpoch', options.initialEpoch ?? 0);
  const n = firstDim(x);
  if (n !== firstDim(y)) {
    throw new ModelArgumentError(invalidValueMessage('y', `as many examples as x (${n})`, `${firstDim(y)} examples`));
  }
  if (Array.isArray(x)) {
    const other = x.find((t) => firstDim(t) !== n);
    if (other)
      throw new ModelArgumentError(
        invalidValueMessage('x', `inputs of ${n} examples each`, `${firstDim(other)} examples`),
      );
    if (options.transformEpoch)
      throw new ModelArgumentError(invalidValueMessage('transformEpoch', 'a single-input model', `${x.length} inputs`));
  }
  const rng = options.rng ?? new Rng(0);
  const shuffle = options.shuffle ?? true;
  const callbacks = options.callbacks ?? [];

  // Keras' validation_split takes the last examples, before any shuffling.
  const nTrain = options.validationData ? n : n - Math.floor(n * split);
  if (nTrain < 1)
    throw new ModelArgumentError(
      invalidValueMessage('validationSplit', 'a split leaving at least one training example', split),
    );
  const owned: Inputs[] = [];
  let xTrain = x;
  let yTrain = y;
  let val: [Inputs, tf.Tensor] | undefined;
  if (options.validationData) {
    val = [options.validationData[0], options.validationData[1]];
  } else if (nTrain < n) {
    xTrain = mapInputs(x, (t) => tf.slice(t, 0, nTrain));
    yTrain = tf.slice(y, 0, nTrain);
    const xVal = mapInputs(x, (t) => tf.slice(t, nTrain));
    const yVal = tf.slice(y, nTrain);
    owned.push(xTrain, yTrain, xVal, yVal);
    val = [xVal, yVal];
  }

  const ctx: TrainContext = {
    model,
    epochs,
    batchSize,
    samples: nTrain,
    steps: Math.ceil(nTrain / batchSize),
    validationSamples: val ? firstDim(val[0]) : 0,
    stopTraining: false,
  };
  const history: History = { epoch: [], history: {} };
  const wantsBatches = callbacks.some((c) => c.onBatchEnd);
  let lastLogs: Logs = {};
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
    for (let epoch = initialEpoch; epoch < epochs && !ctx.stopTraining; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
      let xs = xTrain;
      let ys = yTrain;
      if (shuffle) {
        const order = Array.from({ length: nTrain }, (_, i) => i);
        rng.shuffle(order);
        const idx = tf.tensor1d(order, 'int32');
        xs = mapInputs(xTrain, (t) => tf.gather(t, idx));
        ys = tf.gather(yTrain, idx);
        idx.dispose();
      }
      if (options.transformEpoch && !Array.isArray(xs)) {
        const t = options.transformEpoch(xs, epoch);
        if (xs !== xTrain) xs.dispose();
        xs = t;
      }
      // Running means over the epoch for the progress bar (tfjs reports per-batch values).
      const sums: Logs = {};
      let seen = 0;
      const batchCallbacks = wantsBatches
        ? {
            onBatchEnd: async (batch: number, logs?: tf.Logs) => {
              const size = typeof logs?.['size'] === 'number' ? logs['size'] : batchSize;
              seen += size;
              const means: Logs = { size };
              for (const [k, v] of Object.entries(logs ?? {})) {
                if (k === 'batch' || k === 'size' || typeof v !== 'number') continue;
                sums[k] = (sums[k] ?? 0) + v * size;
                means[k] = (sums[k] ?? 0) / seen;
              }
              for (const cb of callbacks) await cb.onBatchEnd?.(batch, means, ctx);
            },
          }
        : undefined;
      const h = await model.fit(xs, ys, {
        epochs: 1,
        batchSize,
        shuffle: false,
        verbose: 0,
        validationData: val,
        callbacks: batchCallbacks,
      });
      if (xs !== xTrain) disposeInputs(xs);
      if (ys !== yTrain) ys.dispose();
      const logs: Logs = {};
      for (const [k, values] of Object.entries(h.history)) {
        const v = values[0];
        logs[k] = typeof v === 'number' ? v : ((v as tf.Tensor).dataSync()[0] ?? NaN);
      }
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
      lastLogs = logs;
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(lastLogs, ctx);
  } finally {
    for (const t of owned) disposeInputs(t);
  }
  return history;
}

/** Loss and metrics on a test set: `{loss, acc}` (names as in the fit logs). */
export function evaluate(model: tf.LayersModel, x: Inputs, y: tf.Tensor, batchSize = 32): Logs {
  checkPositiveInt('batchSize', batchSize);
  const out = model.evaluate(x, y, { batchSize, verbose: 0 });
  const scalars = Array.isArray(out) ? out : [out];
  const names =
    model.metricsNames.length === scalars.length
      ? model.metricsNames
      : scalars.map((_, i) => (i === 0 ? 'loss' : `metric_${i}`));
  const logs: Logs = {};
  scalars.forEach((s, i) => {
    logs[names[i] ?? `metric_${i}`] = s.dataSync()[0] ?? NaN;
    s.dispose();
  });
  return logs;
}

/** Argmax class of every example, predicted in batches; no tensors left behind. */
export function predictClasses(model: tf.LayersModel, x: Inputs, batchSize = 32): Int32Array {
  const t = tf.tidy(() => {
    const p = model.predict(x, { batchSize });
    return tf.argMax(Array.isArray(p) ? (p[0] as tf.Tensor) : p, -1);
  });
  const out = Int32Array.from(t.dataSync());
  t.dispose();
  return out;
}

/** Class indices from one-hot rows (or passes class indices through). */
export function labelsOf(y: tf.Tensor): Int32Array {
  const t = tf.tidy(() => (y.rank === 2 ? tf.argMax(y, -1) : tf.cast(y, 'int32')));
  const out = Int32Array.from(t.dataSync());
  t.dispose();
  return out;
}
