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
   * milliseconds, so the warning is raised out of reach. Above {@link ORTHOGONAL_FAST_ABOVE}
   * elements tfjs' QR (hundreds of small ops per column) takes tens of seconds (45 s for the
   * 512 x 2,048 kernel of an LSTM 512): there the QR of the same seeded normal matrix is done
   * in float64 ({@link orthogonalFromNormal}, a second), which gives tfjs' Q up to float32 rounding.
   */
  orthogonal(): Initializer {
    const seed = this.seed();
    const init = tf.initializers.orthogonal({ seed });
    (init as unknown as { ELEMENTS_WARN_SLOW: number }).ELEMENTS_WARN_SLOW = Number.MAX_SAFE_INTEGER;
    const stock = init.apply.bind(init);
    // Patched on the instance, so the initialiser still serialises as Keras' `Orthogonal`.
    init.apply = (shape: number[], dtype?: tf.DataType): tf.Tensor => {
      const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const cols = shape[shape.length - 1] ?? 1;
      if (shape.length < 2 || rows * cols <= ORTHOGONAL_FAST_ABOVE) return stock(shape, dtype);
      // the matrix tfjs draws: normal [max, min], float32, this seed
      const normal = tf.tidy(() =>
        tf.randomNormal([Math.max(rows, cols), Math.min(rows, cols)], 0, 1, 'float32', seed).dataSync(),
      );
      const q = orthogonalFromNormal(normal, Math.max(rows, cols), Math.min(rows, cols), rows < cols);
      // a rank-deficient draw (probability 0) is left to tfjs' QR
      return q ? tf.tensor(q, shape, dtype ?? 'float32') : stock(shape, dtype);
    };
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

/**
 * Weight matrices above this many elements get their orthogonal initial values from
 * {@link orthogonalFromNormal} rather than tfjs' QR. Every recurrent kernel of the book's
 * Chapter 6 models has at most 16,384 elements (64 x 256, 128 x 128), so their initial weights
 * stay tfjs' own, bit for bit.
 */
export const ORTHOGONAL_FAST_ABOVE = 16384;

/**
 * What tfjs' (and Keras') `Orthogonal` makes of a normal matrix `a` (`[m, n]` row-major,
 * m >= n): the thin Q of its QR factorisation with the signs that make R's diagonal positive (the
 * unique such Q, whatever the algorithm), transposed to `[n, m]` when `transpose` (a kernel with
 * fewer rows than columns). Returns float32, row-major, or undefined if `a` is rank-deficient.
 *
 * Cholesky QR in float64: `R = chol(A^T A)` (upper, positive diagonal), `Q = A R^-1`. Its error
 * grows with the square of A's condition number, which for a Gaussian matrix of m >= n is about
 * `(sqrt(m) + sqrt(n)) / (sqrt(m) - sqrt(n))` (3 for 2,048 x 512; larger only for nearly square
 * ones, where float64 still leaves far more digits than the float32 result keeps).
 */
export function orthogonalFromNormal(
  a: ArrayLike<number>,
  m: number,
  n: number,
  transpose: boolean,
): Float32Array | undefined {
  if (m < n) throw new RangeError(`orthogonalFromNormal: expected rows >= cols, got ${m} x ${n}`);
  const x = Float64Array.from(a);
  // G = A^T A, upper triangle, one row of A at a time (contiguous inner loops)
  const g = new Float64Array(n * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < n; p++) {
      const ap = x[row + p] as number;
      if (ap === 0) continue;
      const gp = p * n;
      for (let q = p; q < n; q++) g[gp + q] = (g[gp + q] as number) + ap * (x[row + q] as number);
    }
  }
  // G = L L^T with L = R^T lower triangular, stored row-major (row j holds R's column j)
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k <= j; k++) {
      let sum = g[k * n + j] as number;
      for (let p = 0; p < k; p++) sum -= (l[j * n + p] as number) * (l[k * n + p] as number);
      if (k === j) {
        if (!(sum > 0)) return undefined;
        l[j * n + j] = Math.sqrt(sum);
      } else {
        l[j * n + k] = sum / (l[k * n + k] as number);
      }
    }
  }
  // each row q of Q solves q R = a, i.e. q[j] = (a[j] - q[:j] . L[j, :j]) / L[j, j]
  const out = new Float32Array(m * n);
  const q = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const lj = j * n;
      let sum = x[row + j] as number;
      for (let p = 0; p < j; p++) sum -= (q[p] as number) * (l[lj + p] as number);
      q[j] = sum / (l[lj + j] as number);
    }
    for (let j = 0; j < n; j++) {
      if (transpose) out[j * m + i] = q[j] as number;
      else out[row + j] = q[j] as number;
    }
  }
  return out;
}
