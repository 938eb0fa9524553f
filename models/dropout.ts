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

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined) throw new Error('SeededDropout expects one input tensor.');
    // Inference (and rate 0) passes the input through, as Keras and tfjs' Dropout do.
    if (kwargs['training'] !== true || this.rate === 0) return x;
    const seed = this.rng ? tfjsSeed(this.rng) : undefined;
    return tf.dropout(x, this.rate, undefined, seed);
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
