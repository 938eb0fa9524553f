/**
 * Keras-like model summary as a string (tfjs' own `model.summary()` prints straight to the
 * console; this returns text so the caller picks the sink and tests can read it).
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeSize } from '../src/core/spaces.js';

/** Parameter counts of a model. */
export interface ParamCounts {
  total: number;
  trainable: number;
  nonTrainable: number;
}

/**
 * Elements of a weight of `shape`. Layer shapes allow unknown (null) dimensions; a weight's are
 * all known, and a null would count as 1.
 */
export function weightSize(shape: readonly (number | null)[]): number {
  return shapeSize(shape.map((d) => d ?? 1));
}

/** Counts total / trainable / non-trainable parameters. */
export function countParams(model: tf.LayersModel): ParamCounts {
  let trainable = 0;
  let nonTrainable = 0;
  for (const w of model.trainableWeights) trainable += weightSize(w.shape);
  for (const w of model.nonTrainableWeights) nonTrainable += weightSize(w.shape);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

function fmtShape(shape: unknown): string {
  if (Array.isArray(shape) && shape.length > 0 && Array.isArray(shape[0])) {
    return (shape as unknown[]).map(fmtShape).join(', ');
  }
  if (!Array.isArray(shape)) return String(shape);
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** Thousands separators, as Keras prints parameter totals. */
export function withCommas(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * The summary table: one row per layer with its name and class, output shape and parameter
 * count, then the totals, formatted like Keras 2's `model.summary()`.
 */
export function modelSummary(model: tf.LayersModel, width = 80): string {
  const cols = [Math.floor(width * 0.5), Math.floor(width * 0.3)];
  // A cell always keeps one space before the next column, even when it overflows.
  const cell = (s: string, w: number): string => (s.length >= w ? `${s} ` : s.padEnd(w));
  const row = (a: string, b: string, c: string): string =>
    `${cell(a, cols[0] ?? 0)}${cell(b, cols[1] ?? 0)}${c}`.trimEnd();
  const lines: string[] = [];
  lines.push(`Model: "${model.name}"`);
  lines.push('_'.repeat(width));
  lines.push(row('Layer (type)', 'Output Shape', 'Param #'));
  lines.push('='.repeat(width));
  model.layers.forEach((layer, i) => {
    lines.push(
      row(`${layer.name} (${layer.getClassName()})`, fmtShape(layer.outputShape), withCommas(layer.countParams())),
    );
    lines.push(i === model.layers.length - 1 ? '='.repeat(width) : '_'.repeat(width));
  });
  const p = countParams(model);
  lines.push(`Total params: ${withCommas(p.total)}`);
  lines.push(`Trainable params: ${withCommas(p.trainable)}`);
  lines.push(`Non-trainable params: ${withCommas(p.nonTrainable)}`);
  lines.push('_'.repeat(width));
  return lines.join('\n');
}
