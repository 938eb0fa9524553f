/**
 * The book's Chapter 7 regression network (`air-quality-regression.py`), and the column
 * standardisation it trains on (scikit-learn's `StandardScaler`).
 *
 * Input `[batch, 12]` standardised sensor readings; output `[batch, 1]`, the standardised
 * benzene concentration (a linear unit: a regression, trained with mean squared error).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { SeededInit } from './init.js';
import { makeOptimizer } from './optimizers.js';

/**
 * `Input(12) -> Dense(8, relu, glorot_uniform) -> Dense(1, glorot_uniform)`, built with the
 * functional API as the book does, compiled with MSE and Keras 2's Adam.
 */
export function airQualityRegressor(rng: Rng, inputs = 12, hidden = 8): tf.LayersModel {
  const init = new SeededInit(rng);
  const readings = tf.input({ shape: [inputs], name: 'readings' });
  const x = tf.layers
    .dense({ units: hidden, activation: 'relu', kernelInitializer: init.glorotUniform(), name: 'hidden' })
    .apply(readings) as tf.SymbolicTensor;
  const benzene = tf.layers
    .dense({ units: 1, kernelInitializer: init.glorotUniform(), name: 'benzene' })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: readings, outputs: benzene, name: 'air_quality_regression' });
  model.compile({ loss: 'meanSquaredError', optimizer: makeOptimizer('adam') });
  return model;
}

/** Per-column mean and standard deviation of a row-major matrix, as `StandardScaler` fits them. */
export interface Standardizer {
  readonly mean: Float64Array;
  /** Population standard deviation (ddof 0); a constant column gets 1, as scikit-learn does. */
  readonly scale: Float64Array;
}

/** Fits a {@link Standardizer} to `rows x cols` values. */
export function fitStandardizer(values: ArrayLike<number>, rows: number, cols: number): Standardizer {
  const mean = new Float64Array(cols);
  const scale = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] = (mean[c] ?? 0) + (values[r * cols + c] ?? 0);
  for (let c = 0; c < cols; c++) mean[c] = (mean[c] ?? 0) / rows;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const d = (values[r * cols + c] ?? 0) - (mean[c] ?? 0);
      scale[c] = (scale[c] ?? 0) + d * d;
    }
  for (let c = 0; c < cols; c++) {
    const s = Math.sqrt((scale[c] ?? 0) / rows);
    scale[c] = s > 0 ? s : 1;
  }
  return { mean, scale };
}

/** `(x - mean) / scale` per column. */
export function standardize(values: ArrayLike<number>, rows: number, cols: number, s: Standardizer): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      out[r * cols + c] = ((values[r * cols + c] ?? 0) - (s.mean[c] ?? 0)) / (s.scale[c] ?? 1);
  return out;
}
