/**
 * Seeded, forkable, serialisable pseudo-random numbers for everything random in tfgym.
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018): 128 bits of state, 32-bit
 * operations only (fast in JS, no BigInt), period 2^128 - 1. Seeds are expanded with
 * splitmix32 so that nearby seeds (0, 1, 2, ...) give unrelated streams.
 *
 * Where parity with Python matters (bsuite, MinAtar), use the numpy-exact generators in
 * `src/rng/` instead; this one is for tfgym's own randomness.
 */

/** Serialisable state of an {@link Rng}: enough to resume a stream exactly. */
export interface RngState {
  /** Generator name, checked on restore. */
  readonly kind: 'xoshiro128**';
  /** The four 32-bit state words (unsigned). */
  readonly s: readonly [number, number, number, number];
  /** The cached second Box-Muller deviate, if one is pending. */
  readonly spare: number | null;
}

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_53 = 1 / 9007199254740992;

/** splitmix32 step: returns [nextState, output]. Used only to expand seeds. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

/** Seeded PRNG (xoshiro128**). Construct with {@link Rng.fromSeed} or `new Rng(seed)`. */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /**
   * @param seed any finite integer (negative and values above 2^32 are folded in);
   *   the same seed always gives the same stream.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
      throw new RangeError(`Rng seed must be a finite integer. Received: seed=${String(seed)}`);
    }
    // Fold the high part of large seeds in so 2^32 + k and k differ.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let st = lo ^ Math.imul(hi, 0x9e3779b1);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [n, out] = splitmix32(st);
      st = n;
      words.push(out);
    }
    this.setWords(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
  }

  /** Same as `new Rng(seed)`. */
  static fromSeed(seed: number): Rng {
    return new Rng(seed);
  }

  /** An Rng restored from a state saved by {@link Rng.getState}. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  private setWords(a: number, b: number, c: number, d: number): void {
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    // The all-zero state is the one fixed point of xoshiro; never enter it.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits (two 32-bit draws). */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * INV_TWO_POW_53;
  }

  /**
   * Unbiased uniform integer in [0, n) for 1 <= n <= 2^32, by rejection: draws falling in
   * the incomplete last block of size 2^32 mod n are redrawn, so every value has exactly
   * the same probability (plain `u % n` would favour small values).
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`nextInt expects an integer n in [1, 2^32]. Received: n=${String(n)}`);
    }
    if (n === TWO_POW_32) return this.nextUint32();
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const u = this.nextUint32();
      if (u < limit) return u % n;
    }
  }

  /** Uniform integer in [lo, hi) (hi exclusive), unbiased. */
  intBetween(lo: number, hi: number): number {
    return lo + this.nextInt(hi - lo);
  }

  /** Uniform float in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.nextFloat();
  }

  /** Standard normal deviate (Marsaglia polar method; the second deviate is cached in the state). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.nextFloat() - 1;
      v = 2 * this.nextFloat() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return mean + std * u * m;
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.nextFloat() < p;
  }

  /** A 31-bit non-negative integer seed, e.g. for tfjs initialisers (`seed` argument). */
  nextSeed(): number {
    return this.nextUint32() >>> 1;
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = arr[i] as T;
      arr[i] = arr[j] as T;
      arr[j] = tmp;
    }
    return arr;
  }

  /**
   * An independent child stream. The child is seeded from four draws of this stream mixed
   * through splitmix32, so parent and child (and siblings) do not overlap in practice;
   * forking advances the parent deterministically.
   */
  fork(): Rng {
    const child = new Rng(0);
    let st = this.nextUint32() ^ 0x6a09e667;
    const w: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [n, out] = splitmix32(st ^ this.nextUint32());
      st = n;
      w.push(out);
    }
    child.setWords(w[0] ?? 0, w[1] ?? 0, w[2] ?? 0, w[3] ?? 0);
    return child;
  }

  /** A snapshot of the full state (plain JSON-serialisable object). */
  getState(): RngState {
    return { kind: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  /** Restores a snapshot from {@link Rng.getState}; the stream continues exactly from there. */
  setState(state: RngState): void {
    if (
      state === null ||
      typeof state !== 'object' ||
      state.kind !== 'xoshiro128**' ||
      !Array.isArray(state.s) ||
      state.s.length !== 4 ||
      !state.s.every((x) => Number.isInteger(x) && x >= 0 && x < TWO_POW_32)
    ) {
      throw new TypeError('Invalid Rng state: expected {kind: "xoshiro128**", s: [4 uint32], spare}.');
    }
    // No generator ever passes through the all-zero state (it is xoshiro's fixed point): damage.
    if (state.s.every((x) => x === 0)) throw new TypeError('Invalid Rng state: all four words are 0.');
    this.setWords(state.s[0], state.s[1], state.s[2], state.s[3]);
    this.spare = typeof state.spare === 'number' ? state.spare : null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
