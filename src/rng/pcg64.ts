/**
 * numpy's `PCG64` bit generator and the `Generator` methods tfgym needs, bit-exact
 * (`shared/reference/numpy-rng/README.md` §4.5-4.6). `defaultRng(seed)` equals
 * `numpy.random.default_rng(seed)`.
 *
 * 128-bit arithmetic uses BigInt: exactness matters more than speed here, and these draws
 * happen at episode resets, not per pixel.
 */
import { SeedSequence, type BigSeed } from './seed-sequence.js';

const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
const MULT = 0x2360ed051fc65da44385df649fccf645n;
const TWO_POW_32 = 4294967296;
const INV_TWO_POW_53 = 1 / 9007199254740992;

/** Serialisable state of a {@link PCG64} (numpy's `bit_generator.state`, 128-bit values as decimal strings). */
export interface Pcg64State {
  readonly kind: 'PCG64';
  /** 128-bit LCG state, decimal. */
  readonly state: string;
  /** 128-bit odd increment, decimal. */
  readonly inc: string;
  /** 1 when a 32-bit half is cached for the next 32-bit draw. */
  readonly hasUint32: 0 | 1;
  /** The cached half (numpy leaves the stale value here when the cache is empty). */
  readonly uinteger: number;
}

/** numpy's PCG64 (XSL-RR 128/64) bit generator with its 32-bit half cache. */
export class PCG64 {
  private state = 0n;
  private inc = 1n;
  private hasUint32: 0 | 1 = 0;
  private uinteger = 0;

  /** Seeds from `SeedSequence(seed)`, like `numpy.random.PCG64(seed)`. */
  constructor(seed: BigSeed | SeedSequence) {
    const ss = seed instanceof SeedSequence ? seed : new SeedSequence(seed);
    const s = ss.generateState64(4);
    const initstate = ((s[0] as bigint) << 64n) | (s[1] as bigint);
    const initseq = ((s[2] as bigint) << 64n) | (s[3] as bigint);
    this.inc = ((initseq << 1n) | 1n) & MASK128;
    this.state = 0n;
    this.state = (this.state * MULT + this.inc) & MASK128;
    this.state = (this.state + initstate) & MASK128;
    this.state = (this.state * MULT + this.inc) & MASK128;
  }

  /** The next raw 64-bit output (advance, then XSL-RR on the new state). */
  next64(): bigint {
    const st = (this.state * MULT + this.inc) & MASK128;
    this.state = st;
    const x = ((st >> 64n) ^ st) & MASK64;
    const rot = st >> 122n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  }

  /** The next 32-bit output: the cached high half if any, else the low half of a fresh next64. */
  next32(): number {
    if (this.hasUint32) {
      this.hasUint32 = 0;
      return this.uinteger;
    }
    const v = this.next64();
    this.uinteger = Number(v >> 32n);
    this.hasUint32 = 1;
    return Number(v & 0xffffffffn);
  }

  /** A double in [0, 1): `(next64 >> 11) * 2^-53`. */
  nextDouble(): number {
    return Number(this.next64() >> 11n) * INV_TWO_POW_53;
  }

  /** A snapshot of the full state (plain JSON-serialisable). */
  getState(): Pcg64State {
    return { kind: 'PCG64', state: this.state.toString(), inc: this.inc.toString(), hasUint32: this.hasUint32, uinteger: this.uinteger };
  }

  /** Restores a snapshot from {@link getState}. */
  setState(s: Pcg64State): void {
    const dec = /^\d+$/;
    if (
      s === null ||
      typeof s !== 'object' ||
      s.kind !== 'PCG64' ||
      typeof s.state !== 'string' ||
      typeof s.inc !== 'string' ||
      !dec.test(s.state) ||
      !dec.test(s.inc) ||
      (s.hasUint32 !== 0 && s.hasUint32 !== 1) ||
      !Number.isInteger(s.uinteger) ||
      s.uinteger < 0 ||
      s.uinteger >= TWO_POW_32
    ) {
      throw new TypeError('Invalid PCG64 state: expected {kind: "PCG64", state, inc (decimal strings), hasUint32: 0|1, uinteger}.');
    }
    this.state = BigInt(s.state) & MASK128;
    this.inc = BigInt(s.inc) & MASK128;
    this.hasUint32 = s.hasUint32;
    this.uinteger = s.uinteger;
  }
}

/** `floor(a * b / 2^32)` and `(a * b) mod 2^32` for unsigned 32-bit a, b, exactly (no BigInt). */
function mul32(a: number, b: number): [hi: number, lo: number] {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const t = aL * b; // < 2^48, exact
  const u = aH * b; // < 2^48, exact; product = u * 2^16 + t
  const hi = Math.floor(u / 65536) + Math.floor(((u % 65536) * 65536 + t) / TWO_POW_32);
  return [hi, Math.imul(a, b) >>> 0];
}

/** numpy `Generator` over a {@link PCG64}: `random`, `integers`, `uniform`. */
export class Generator {
  constructor(readonly bitGenerator: PCG64) {}

  /** numpy `Generator.random()`: a double in [0, 1) with 53 bits. */
  random(): number {
    return this.bitGenerator.nextDouble();
  }

  /** numpy `Generator.uniform(low, high)`: `low + (high - low) * random()`, in that order. */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.bitGenerator.nextDouble();
  }

  /**
   * numpy `Generator.integers(low, high)` (high exclusive, default int64); `integers(n)` means
   * `integers(0, n)`. Ranges below 2^32 use Lemire's method on 32-bit draws (sharing the
   * 32-bit cache), larger ones the 64-bit variant (bounds must be safe integers).
   */
  integers(low: number, high?: number): number {
    let lo = low;
    let hi = high;
    if (hi === undefined) {
      hi = lo;
      lo = 0;
    }
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi <= lo) {
      throw new RangeError(`integers expects integers low < high. Received: low=${String(lo)}, high=${String(hi)}`);
    }
    const rng = hi - lo - 1;
    if (rng === 0) return lo;
    const bg = this.bitGenerator;
    if (rng < 0xffffffff) {
      const excl = rng + 1;
      let [mHi, left] = mul32(bg.next32(), excl);
      if (left < excl) {
        const threshold = (TWO_POW_32 - excl) % excl;
        while (left < threshold) [mHi, left] = mul32(bg.next32(), excl);
      }
      return lo + mHi;
    }
    if (rng === 0xffffffff) return lo + bg.next32();
    const excl = BigInt(rng) + 1n;
    let m = bg.next64() * excl;
    let left = m & MASK64;
    if (left < excl) {
      const threshold = ((1n << 64n) - excl) % excl;
      while (left < threshold) {
        m = bg.next64() * excl;
        left = m & MASK64;
      }
    }
    return lo + Number(m >> 64n);
  }

  /** numpy `uniform(low, high, size=k)`: `k` consecutive {@link uniform} values. */
  uniformArray(low: number, high: number, k: number): Float64Array {
    const out = new Float64Array(k);
    for (let i = 0; i < k; i++) out[i] = this.uniform(low, high);
    return out;
  }

  /** The bit generator's state (see {@link PCG64.getState}). */
  getState(): Pcg64State {
    return this.bitGenerator.getState();
  }

  /** Restores the bit generator's state. */
  setState(s: Pcg64State): void {
    this.bitGenerator.setState(s);
  }
}

/** `numpy.random.default_rng(seed)`: `Generator(PCG64(SeedSequence(seed)))`. */
export function defaultRng(seed: BigSeed): Generator {
  return new Generator(new PCG64(seed));
}
