/**
 * Chapter 6, `econs_stateful.py` (with `STATELESS = True` for the stateless model): predict a
 * customer's next 15-minute electricity consumption from the previous 20 with an LSTM.
 *
 * `LD_250.npy` (customer MT_251 of the UCI ElectricityLoadDiagrams20112014; the shipped file
 * holds its first 1,000 values, the book's all 140,256) is min-max scaled to [0, 1] and cut into
 * windows of 20 values, each labelled with the value that follows; the first 70% of the series
 * trains, the rest tests. LSTM 10 -> Dense 1, MSE, Adam, batch 96 (one day), 5 epochs, never
 * shuffled. Stateless: an ordinary LSTM. Stateful (`--stateful`): the LSTM carries its states
 * from batch to batch (`batch_input_shape = (96, 20, 1)`, data cut to multiples of 96), trained
 * one epoch per `fit` with `reset_states()` after each. Reports the test MSE and RMSE (on the
 * [0, 1] scale, as the book prints them, and in kW), next to the RMSE of repeating the last value.
 */
import * as tf from '@tensorflow/tfjs';
import { ProgressLogger } from '../../models/callbacks.js';
import { evaluate, fit, type History } from '../../models/fit.js';
import { SeededInit } from '../../models/init.js';
import { disposeModelAndOptimizer, makeOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { Rng } from '../../src/rng/rng.js';
import { readNpy } from '../../src/text/index.js';
import { checkVariant, ExampleArgumentError, type ExampleDef } from '../example.js';
import { ch6DataFile, fmt, recurrent } from './common.js';

const NUM_TIMESTEPS = 20;
const HIDDEN_SIZE = 10;
const BATCH_SIZE = 96; // 24 hours of 15-minute intervals
const NUM_EPOCHS = 5;
const TRAIN_FRACTION = 0.7;
const VARIANTS = ['stateless', 'stateful'] as const;
/** Quick mode: two batches of training windows and one of test windows. */
const QUICK_BATCHES = { train: 2, test: 1 } as const;

/** sklearn's `MinMaxScaler(feature_range=(0, 1))` on one column: `(x - min) / (max - min)`. */
export function minMaxScale(values: ArrayLike<number>): { scaled: Float64Array; min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // A constant series scales to zeros, as sklearn does (it divides by 1 where the range is 0).
  const range = max - min || 1;
  const scaled = Float64Array.from(values, (v) => (v - min) / range);
  return { scaled, min, max };
}

/** Windows of a series and the value after each. */
export interface SeriesWindows {
  /** Row-major `[count, steps]`. */
  readonly x: Float32Array;
  /** The value right after each window. */
  readonly y: Float32Array;
  readonly count: number;
  readonly steps: number;
}

/**
 * Window `i` is `series[i .. i + steps)` and its label `series[i + steps]`, for every `i` with
 * a label: `series.length - steps` windows.
 *
 * The book's loop stops one window earlier and labels window `i` with `series[i + steps + 1]`
 * (skipping a value), and leaves its last 21 rows of `X` and `Y` at zero (they are allocated for
 * every value of the series), which end up in the test set; tfgym predicts the next value and
 * keeps only real windows.
 */
export function seriesWindows(series: ArrayLike<number>, steps: number): SeriesWindows {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const count = Math.max(0, series.length - steps);
  const x = new Float32Array(count * steps);
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    for (let t = 0; t < steps; t++) x[i * steps + t] = series[i + t] ?? NaN;
    y[i] = series[i + steps] ?? NaN;
  }
  return { x, y, count, steps };
}

/** Root mean squared error of `pred` against `truth`. */
export function rmse(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += ((truth[i] ?? 0) - (pred[i] ?? 0)) ** 2;
  return Math.sqrt(s / Math.max(truth.length, 1));
}

/** `tfgym example electricity-lstm`. */
export const electricityLstmExample: ExampleDef = {
  name: 'electricity-lstm',
  chapter: 6,
  script: 'econs_stateful.py',
  description: 'electricity consumption forecasting: stateless or stateful (--stateful) LSTM 10 on LD_250.npy',
  variants: VARIANTS,
  defaultVariant: 'stateless',
  defaults(variant) {
    checkVariant('electricity-lstm', variant, VARIANTS);
    return { epochs: NUM_EPOCHS, batchSize: BATCH_SIZE, optimizer: 'adam', trainFraction: TRAIN_FRACTION };
  },
  async run(o) {
    const variant = checkVariant('electricity-lstm', o.variant, VARIANTS);
    const stateful = variant === 'stateful';
    const epochs = o.epochs ?? (o.quick ? 1 : NUM_EPOCHS);
    const batchSize = o.batchSize ?? BATCH_SIZE;
    const rng = new Rng(o.seed);

    // the series, scaled to [0, 1]
    const file = ch6DataFile(o, 'electricity-lstm', 'electricity-ld2011-2014', 'LD_250.npy');
    const npy = readNpy(file);
    if (npy.shape.length !== 1 && !(npy.shape.length === 2 && npy.shape[1] === 1))
      throw new ExampleArgumentError(`${file}: expected one column of values, got shape (${npy.shape.join(', ')})`);
    const raw = Array.from(npy.data as ArrayLike<number | bigint>, Number);
    const { scaled, min, max } = minMaxScale(raw);
    o.log.write(`${raw.length} values, ${min.toFixed(2)} .. ${max.toFixed(2)} kW, scaled to [0, 1]\n`);

    // windows of NUM_TIMESTEPS -> the next value; the first 70% of the series trains
    const w = seriesWindows(scaled, NUM_TIMESTEPS);
    const sp = Math.min(w.count, Math.floor(TRAIN_FRACTION * raw.length));
    let nTrain = sp;
    let nTest = w.count - sp;
    if (stateful) {
      // A stateful layer has a fixed batch: both sets are cut to whole batches.
      nTrain = Math.floor(nTrain / batchSize) * batchSize;
      nTest = Math.floor(nTest / batchSize) * batchSize;
    }
    if (o.quick) {
      nTrain = Math.min(nTrain, QUICK_BATCHES.train * batchSize);
      nTest = Math.min(nTest, QUICK_BATCHES.test * batchSize);
    }
    if (nTrain < 1 || nTest < 1)
      throw new ExampleArgumentError(
        `${file}: ${raw.length} values are too few for windows of ${NUM_TIMESTEPS}${stateful ? ` and whole batches of ${batchSize}` : ''}`,
      );
    const rows = (from: number, n: number): [tf.Tensor3D, tf.Tensor2D] => [
      tf.tensor3d(w.x.subarray(from * NUM_TIMESTEPS, (from + n) * NUM_TIMESTEPS), [n, NUM_TIMESTEPS, 1]),
      tf.tensor2d(w.y.subarray(from, from + n), [n, 1]),
    ];
    const [xTrain, yTrain] = rows(0, nTrain);
    const [xTest, yTest] = rows(sp, nTest);
    o.log.write(`train [${nTrain}, ${NUM_TIMESTEPS}, 1], test [${nTest}, ${NUM_TIMESTEPS}, 1]\n`);

    // the model
    const init = new SeededInit(rng.fork());
    const model = tf.sequential({ name: `econs_${variant}` });
    model.add(
      recurrent(
        'lstm',
        stateful
          ? { units: HIDDEN_SIZE, stateful: true, batchInputShape: [batchSize, NUM_TIMESTEPS, 1] }
          : { units: HIDDEN_SIZE, inputShape: [NUM_TIMESTEPS, 1] },
        init,
        rng.fork(),
      ),
    );
    model.add(tf.layers.dense({ units: 1, kernelInitializer: init.glorotUniform() }));
    try {
      o.log.write(`${modelSummary(model)}\n`);
      model.compile({ optimizer: makeOptimizer('adam'), loss: 'meanSquaredError', metrics: ['mse'] });
      const callbacks = [new ProgressLogger(o.log), ...(o.callbacks ?? [])];
      const common = { batchSize, validationData: [xTest, yTest] as const, shuffle: false, rng, callbacks };
      const t0 = performance.now();
      let history: History;
      if (!stateful) {
        history = await fit(model, xTrain, yTrain, { ...common, epochs });
      } else {
        // one epoch per fit, then forget the states: the next epoch starts from the series' start
        history = { epoch: [], history: {} };
        for (let i = 0; i < epochs; i++) {
          o.log.write(`Epoch ${i + 1}/${epochs}\n`);
          const h = await fit(model, xTrain, yTrain, { ...common, epochs: 1 });
          history.epoch.push(i);
          for (const [k, v] of Object.entries(h.history)) (history.history[k] ??= []).push(...v);
          model.resetStates();
        }
      }
      const trainSeconds = (performance.now() - t0) / 1000;

      // score, _ = model.evaluate(Xtest, Ytest); rmse = sqrt(score)
      const mse = evaluate(model, xTest, yTest, batchSize)['loss'] ?? NaN;
      const testRmse = Math.sqrt(mse);
      // The naive forecast, "the next value is the last one", gives the RMSE a yardstick.
      const lastValues = Float32Array.from(
        { length: nTest },
        (_, i) => w.x[(sp + i) * NUM_TIMESTEPS + NUM_TIMESTEPS - 1] ?? 0,
      );
      const persistence = rmse(w.y.subarray(sp, sp + nTest), lastValues);
      const kw = max - min;
      o.log.write(
        `\nMSE: ${mse.toFixed(3)}, RMSE: ${testRmse.toFixed(3)} (scaled to [0, 1]); RMSE ${fmt(testRmse * kw, 2)} kW\n` +
          `1 - RMSE: ${(100 * (1 - testRmse)).toFixed(1)}% (the book's accuracy-like percentage reads as this, if at all)\n` +
          `repeating the last value: RMSE ${persistence.toFixed(3)} (${fmt(persistence * kw, 2)} kW)\n`,
      );
      return {
        example: 'electricity-lstm',
        variant,
        metrics: {
          testMse: mse,
          testRmse,
          testRmseKw: testRmse * kw,
          oneMinusRmse: 1 - testRmse,
          persistenceRmse: persistence,
          trainLoss: history.history['loss']?.at(-1),
          valLoss: history.history['val_loss']?.at(-1),
          trainSeconds: Math.round(trainSeconds * 10) / 10,
        },
        settings: {
          epochs,
          batchSize,
          optimizer: 'adam',
          trainFraction: TRAIN_FRACTION,
          timesteps: NUM_TIMESTEPS,
          stateful,
          seriesLength: raw.length,
          trainSamples: nTrain,
          testSamples: nTest,
        },
        history: history.history,
      };
    } finally {
      // tfjs' dispose leaves a stateful layer's state tensors behind.
      const lstm = model.layers[0] as unknown as { states_: tf.Tensor[] | null };
      if (stateful && lstm.states_) tf.dispose(lstm.states_);
      disposeModelAndOptimizer(model);
      tf.dispose([xTrain, yTrain, xTest, yTest]);
    }
  },
};
