/**
 * numpy's legacy `RandomState` (MT19937), bit-exact.
 *
 * Python environments we compare against (bsuite, MinAtar) draw from
 * `numpy.random.RandomState(seed)`; reproducing that stream word for word is what makes
 * "same seed => same trajectory as the Python reference" testable. The algorithms are described
 * in `shared/reference/numpy-rng/README.md` (§4.1-4.3) and checked against its fixtures.
 */

const N = 624;
const M = 397;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** Serialisable state of a {@link RandomState} (numpy's `get_state()` minus the gaussian cache). */
export interface RandomStateState {
  /** Generator name, checked on restore. */
  readonly kind: 'MT19937';
  /** The 624 unsigned 32-bit words of the table (numpy's `key`). */
  readonly key: readonly number[];
  /** Position in the table, 0..624 (numpy's `pos`). */
  readonly pos: number;
}

/**
 * numpy's legacy `RandomState(seed)` for an integer seed in [0, 2^32): MT19937 seeded with
 * `init_genrand`, with numpy's `rand()` and legacy `randint()` (masked rejection).
 */
export class RandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /** @param seed integer in [0, 2^32), as accepted by `np.random.RandomState(seed)`. */
  constructor(seed: number) {
    this.seed(seed);
  }

  /** Re-seeds in place, like numpy's `RandomState.seed(seed)` with an integer. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
      throw new RangeError(`RandomState seed must be an integer in [0, 2^32). Received: seed=${String(seed)}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let k = 1; k < N; k++) {
      const prev = mt[k - 1] as number;
      mt[k] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + k) >>> 0;
    }
    this.pos = N;
  }

  /** Regenerates the whole table in place (the standard MT19937 "twist"). */
  private twist(): void {
    const mt = this.mt;
    // Three index ranges instead of `% N` in the loop (2-3x faster per word; same words):
    // k + M < N, then k + M wraps to k + M - N, then the last word pairs with mt[0].
    let k = 0;
    for (; k < N - M; k++) {
      const y = ((mt[k] as number) & 0x80000000) | ((mt[k + 1] as number) & 0x7fffffff);
      mt[k] = ((mt[k + M] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    for (; k < N - 1; k++) {
      const y = ((mt[k] as number) & 0x80000000) | ((mt[k + 1] as number) & 0x7fffffff);
      mt[k] = ((mt[k + M - N] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    const y = ((mt[N - 1] as number) & 0x80000000) | ((mt[0] as number) & 0x7fffffff);
    mt[N - 1] = ((mt[M - 1] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    this.pos = 0;
  }

  /** The next raw 32-bit MT19937 output (unsigned), consuming it. */
  randomUint32(): number {
    if (this.pos >= N) this.twist();
    return temper(this.mt[this.pos++] as number);
  }

  /**
   * The raw word {@link randomUint32} would return next, without consuming it. Tests use it to
   * check that two implementations consumed exactly the same number of draws.
   */
  peekUint32(): number {
    let y: number;
    if (this.pos < N) {
      y = this.mt[this.pos] as number;
    } else {
      // The first word of the next twist depends only on mt[0], mt[1] and mt[M] (none of them
      // regenerated yet at k = 0), so it can be computed without mutating the state.
      const mt = this.mt;
      const t = ((mt[0] as number) & 0x80000000) | ((mt[1] as number) & 0x7fffffff);
      y = ((mt[M] as number) ^ (t >>> 1) ^ (t & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    return temper(y);
  }

  /** numpy `rand()` / `random_sample()`: a double in [0, 1) with 53 random bits from two words. */
  rand(): number {
    const a = this.randomUint32() >>> 5;
    const b = this.randomUint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** numpy `rand(k)`: `k` consecutive {@link rand} values. */
  randArray(k: number): Float64Array {
    const out = new Float64Array(k);
    for (let i = 0; i < k; i++) out[i] = this.rand();
    return out;
  }

  /**
   * numpy legacy `randint(low, high)` (high exclusive); `randint(n)` means `randint(0, n)`.
   * Draws with numpy's masked rejection: a range of one value consumes nothing, ranges up to
   * 2^32 use one word per candidate, larger ranges (up to 2^53 here) two words per candidate.
   */
  randint(low: number, high?: number): number {
    let lo = low;
    let hi = high;
    if (hi === undefined) {
      hi = lo;
      lo = 0;
    }
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi <= lo) {
      throw new RangeError(`randint expects integers low < high. Received: low=${String(lo)}, high=${String(hi)}`);
    }
    const rng = hi - lo - 1;
    if (rng > TWO_POW_53 - 1) throw new RangeError(`randint range above 2^53 is not supported. Received: ${rng + 1}`);
    if (rng === 0) return lo;
    if (rng <= 0xffffffff) {
      const mask = maskFor32(rng);
      for (;;) {
        const v = (this.randomUint32() & mask) >>> 0;
        if (v <= rng) return lo + v;
      }
    }
    // 64-bit path: candidate = (first << 32 | second) & mask. With mask < 2^53 the high word's
    // mask has fewer than 21 bits and the result stays an exact double.
    const hiBits = Math.floor(rng / TWO_POW_32);
    const maskHi = maskFor32(hiBits);
    for (;;) {
      const first = this.randomUint32();
      const second = this.randomUint32();
      const v = ((first & maskHi) >>> 0) * TWO_POW_32 + second;
      if (v <= rng) return lo + v;
    }
  }

  /** numpy `randint(low, high, size=k)`: `k` consecutive {@link randint} values. */
  randintArray(low: number, high: number, k: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < k; i++) out.push(this.randint(low, high));
    return out;
  }

  /** A snapshot of the full state (plain JSON-serialisable). */
  getState(): RandomStateState {
    return { kind: 'MT19937', key: Array.from(this.mt), pos: this.pos };
  }

  /** Restores a snapshot from {@link getState}; the stream continues exactly from there. */
  setState(state: RandomStateState): void {
    if (
      state === null ||
      typeof state !== 'object' ||
      state.kind !== 'MT19937' ||
      !Array.isArray(state.key) ||
      state.key.length !== N ||
      !state.key.every((x) => Number.isInteger(x) && x >= 0 && x < TWO_POW_32) ||
      !Number.isInteger(state.pos) ||
      state.pos < 0 ||
      state.pos > N
    ) {
      throw new TypeError('Invalid RandomState state: expected {kind: "MT19937", key: [624 uint32], pos: 0..624}.');
    }
    this.mt.set(state.key);
    this.pos = state.pos;
  }

  /** An independent copy with the same state. */
  clone(): RandomState {
    const r = new RandomState(0);
    r.setState(this.getState());
    return r;
  }
}

/** The smallest 2^m - 1 >= x, for 0 <= x < 2^32 (fill every bit below the highest set bit). */
function maskFor32(x: number): number {
  let m = x >>> 0;
  m |= m >>> 1;
  m |= m >>> 2;
  m |= m >>> 4;
  m |= m >>> 8;
  m |= m >>> 16;
  return m >>> 0;
}

/** MT19937 output tempering. */
function temper(x: number): number {
  let y = x;
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y >>> 0;
}
