/**
 * Seeded weight initialisers: the one place in tfgym where layers get their initial weights
 * (the book's networks and the Q-networks alike). tfjs initialisers take an optional integer
 * `seed`; without one they draw from an unseeded global generator, so a model would differ on
 * every run. Factories take an {@link Rng} and give every initialiser its own seed from it, in
 * layer order, which makes the same Rng seed build the same weights on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';

/** A tfjs-layers initialiser (the class is not exported under a public name). */
export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/**
 * A seed for a tfjs random op, drawn from `rng`. tfjs' normal generators read a seed of 0 as
 * "no seed" and fall back to an unseeded draw, so 0 is mapped to 1: every draw stays seeded.
 */
export function tfjsSeed(rng: Rng): number {
  const s = rng.nextSeed();
  return s === 0 ? 1 : s;
}

/** Layer initialisers drawn from one Rng; an `undefined` rng leaves tfjs' unseeded default. */
export class SeededInit {
  constructor(private readonly rng: Rng | undefined) {}

  private seed(): number | undefined {
    return this.rng ? tfjsSeed(this.rng) : undefined;
  }

  /** Keras' default kernel initialiser (`glorot_uniform`: uniform in +-sqrt(6 / (fanIn + fanOut))). */
  glorotUniform(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.seed() });
  }

  /** He normal (truncated), for ReLU torsos. */
  heNormal(): Initializer {
    return tf.initializers.heNormal({ seed: this.seed() });
  }

  /** He uniform (PyTorch-like default for conv/linear layers). */
  heUniform(): Initializer {
    return tf.initializers.heUniform({ seed: this.seed() });
  }

  /** Keras' `RandomNormal(mean, stddev)`; Keras 2's `"normal"` string is mean 0, stddev 0.05. */
  randomNormal(mean = 0, stddev = 0.05): Initializer {
    return tf.initializers.randomNormal({ mean, stddev, seed: this.seed() });
  }

  /** Variance scaling with explicit arguments. */
  varianceScaling(
    scale: number,
    mode: 'fanIn' | 'fanOut' | 'fanAvg',
    distribution: 'normal' | 'uniform' | 'truncatedNormal',
  ): Initializer {
    return tf.initializers.varianceScaling({ scale, mode, distribution, seed: this.seed() });
  }

  /**
   * Keras' default recurrent-kernel initialiser (`orthogonal`, gain 1). tfjs warns on every
   * matrix over 2,000 elements that the QR may be slow; a recurrent kernel of 64 x 256 takes
   * milliseconds, so the warning is raised out of reach.
   */
  orthogonal(): Initializer {
    const init = tf.initializers.orthogonal({ seed: this.seed() });
    (init as unknown as { ELEMENTS_WARN_SLOW: number }).ELEMENTS_WARN_SLOW = Number.MAX_SAFE_INTEGER;
    return init;
  }

  /** Keras' `RandomUniform(minval, maxval)`; Keras 2's `Embedding` default is -0.05 .. 0.05. */
  randomUniform(minval = -0.05, maxval = 0.05): Initializer {
    return tf.initializers.randomUniform({ minval, maxval, seed: this.seed() });
  }

  /** Keras' default bias initialiser; draws no seed (nothing random). */
  zeros(): Initializer {
    return tf.initializers.zeros();
  }
}
