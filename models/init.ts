/**
 * Seeded weight initialisers. tfjs initialisers take an optional integer `seed`; without one
 * they draw from an unseeded global generator, so a model would differ on every run. Factories
 * take an {@link Rng} and give every layer its own seed from it (in layer order), which makes
 * the same Rng seed build the same weights on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';

/** A tfjs-layers initialiser (the class is not exported under a public name). */
export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Layer initialisers drawn from one Rng; `undefined` rng leaves tfjs' unseeded default. */
export class SeededInit {
  constructor(private readonly rng: Rng | undefined) {}

  /** Keras' default kernel initialiser (Glorot / Xavier uniform). */
  glorotUniform(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.rng?.nextSeed() });
  }

  /** He normal (truncated), for ReLU torsos. */
  heNormal(): Initializer {
    return tf.initializers.heNormal({ seed: this.rng?.nextSeed() });
  }

  /** He uniform (PyTorch-like default for conv/linear layers). */
  heUniform(): Initializer {
    return tf.initializers.heUniform({ seed: this.rng?.nextSeed() });
  }

  /** Variance scaling with explicit arguments. */
  varianceScaling(
    scale: number,
    mode: 'fanIn' | 'fanOut' | 'fanAvg',
    distribution: 'normal' | 'uniform' | 'truncatedNormal',
  ): Initializer {
    return tf.initializers.varianceScaling({ scale, mode, distribution, seed: this.rng?.nextSeed() });
  }

  /** Keras' default bias initialiser. */
  zeros(): Initializer {
    return tf.initializers.zeros();
  }
}
