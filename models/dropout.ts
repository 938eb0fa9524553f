/**
 * Dropout whose masks come from an {@link Rng}, so a seeded run drops the same units on every
 * run and backend. tfjs' own `Dropout` layer either draws from an unseeded generator (no
 * `seed`) or, given a `seed`, re-uses that one seed on every call, dropping the same units in
 * every batch. This layer draws a fresh seed from its Rng on every training call instead.
 *
 * It computes what Keras' `Dropout` does (inverted dropout: kept units are scaled by
 * 1 / (1 - rate) while training; identity at inference) and serialises as a plain `Dropout`
 * (same class name and config), so saved models load in any tfjs or Keras program.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { tfjsSeed } from './init.js';
import { checkRate } from './validate.js';

type Kwargs = Parameters<tf.layers.Layer['call']>[1];

/** Options of {@link SeededDropout}. */
export interface SeededDropoutArgs {
  /** Fraction of the units to drop, in [0, 1). */
  rate: number;
  /** Source of the per-call mask seeds; without one the masks are unseeded (tfjs' generator). */
  rng?: Rng;
  /** Layer name (default `dropout_N`, as tfjs names its Dropout layers). */
  name?: string;
}

/** Keras' `Dropout(rate)` with masks drawn from an Rng, one fresh seed per training call. */
export class SeededDropout extends tf.layers.Layer {
  /** Serialised as Keras' and tfjs' `Dropout`, which loads it back as a plain dropout layer. */
  static className = 'Dropout';
  /** Fraction of the units dropped while training. */
  readonly rate: number;
  private readonly rng: Rng | undefined;

  constructor(args: SeededDropoutArgs) {
    super(args.name !== undefined ? { name: args.name } : {});
    this.rate = checkRate('rate', args.rate);
    this.rng = args.rng;
    this.supportsMasking = true;
  }

  /** The stream the masks' seeds come from (a checkpoint saves and restores its state), if any. */
  get randomStream(): Rng | undefined {
    return this.rng;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined) throw new Error('SeededDropout expects one input tensor.');
    // Inference (and rate 0) passes the input through, as Keras and tfjs' Dropout do.
    if (kwargs['training'] !== true || this.rate === 0) return x;
    const seed = this.rng ? tfjsSeed(this.rng) : undefined;
    return tf.dropout(x, this.rate, this.noiseShape(x), seed);
  }

  /** The shape of the mask, broadcast over `x`; undefined: one draw per element. */
  protected noiseShape(_x: tf.Tensor): number[] | undefined {
    return undefined;
  }

  override getConfig(): tf.serialization.ConfigDict {
    // The keys of tfjs' Dropout config: a saved model reloads as a standard Dropout layer.
    return { rate: this.rate, noiseShape: null, seed: null, ...super.getConfig() };
  }
}

/**
 * A {@link SeededDropout} layer: `dropout(0.3, rng)` is Keras' `Dropout(0.3)` with masks from
 * `rng` (give each layer its own Rng, e.g. `rng.fork()`).
 */
export function dropout(rate: number, rng?: Rng): SeededDropout {
  return new SeededDropout(rng ? { rate, rng } : { rate });
}

/**
 * Keras' `SpatialDropout1D(rate)` with masks from an {@link Rng}: drops whole channels of a
 * `[batch, steps, channels]` input (the same embedding dimensions at every time step of a
 * sequence), one fresh mask per training call. tfjs' `spatialDropout1d` has the same
 * unseeded-or-always-the-same-mask problem as its `Dropout`. Serialises as `SpatialDropout1D`.
 */
export class SeededSpatialDropout1D extends SeededDropout {
  /** Serialised as Keras' and tfjs' `SpatialDropout1D`. */
  static override className = 'SpatialDropout1D';

  protected override noiseShape(x: tf.Tensor): number[] {
    if (x.rank !== 3) throw new Error(`SpatialDropout1D expects a [batch, steps, channels] input, got rank ${x.rank}`);
    return [x.shape[0] ?? 1, 1, x.shape[2] ?? 1];
  }
}

/** A {@link SeededSpatialDropout1D} layer: Keras' `SpatialDropout1D(rate)` with masks from `rng`. */
export function spatialDropout1d(rate: number, rng?: Rng): SeededSpatialDropout1D {
  return new SeededSpatialDropout1D(rng ? { rate, rng } : { rate });
}

/**
 * A `dropoutFunc` for tfjs' recurrent layers (`tf.layers.lstm({dropout, recurrentDropout,
 * dropoutFunc})`): their masks otherwise come from tfjs' unseeded generator. Each mask draws a
 * fresh seed from `rng`, so a seeded run drops the same units on every run and backend (the
 * native backend's fused kernels draw their masks through it too).
 */
export function seededDropoutFunc(rng: Rng): (x: tf.Tensor, rate: number) => tf.Tensor {
  return (x, rate) => tf.dropout(x, rate, undefined, tfjsSeed(rng));
}
