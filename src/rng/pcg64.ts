/**
 * numpy's `PCG64` bit generator and the `Generator` methods tfgym needs, bit-exact
 * (`shared/reference/numpy-rng/README.md` §4.5-4.6). `defaultRng(seed)` equals
 * `numpy.random.default_rng(seed)`.
 *
 * The per-draw 128-bit LCG step uses exact 16-bit limb arithmetic in doubles; BigInt is used
 * only for seeding, state (de)serialisation and ranges of 2^32 or more.
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

/** The multiplier as 16-bit limbs, least significant first. */
const MULT16 = toLimbs(MULT);

/** A 128-bit value as eight 16-bit limbs (least significant first). */
function toLimbs(v: bigint): Float64Array {
  const out = new Float64Array(8);
  for (let k = 0; k < 8; k++) out[k] = Number((v >> BigInt(16 * k)) & 0xffffn);
  return out;
}

function fromLimbs(l: Float64Array): bigint {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 16n) | BigInt(l[k] as number);
  return v;
}

/**
 * numpy's PCG64 (XSL-RR 128/64) bit generator with its 32-bit half cache.
 *
 * The 128-bit LCG step runs on 16-bit limbs in doubles (every partial sum stays below 2^53, so
 * it is exact) rather than BigInt, which allocates on every operation and is ~10x slower.
 */
export class PCG64 {
  private readonly s = new Float64Array(8);
  private readonly inc = new Float64Array(8);
  private hasUint32: 0 | 1 = 0;
  private uinteger = 0;
  /** High and low 32-bit words of the last {@link step} output. */
  private outHi = 0;
  private outLo = 0;

  /** Seeds from `SeedSequence(seed)`, like `numpy.random.PCG64(seed)`. */
  constructor(seed: BigSeed | SeedSequence) {
    const ss = seed instanceof SeedSequence ? seed : new SeedSequence(seed);
    const w = ss.generateState64(4);
    const initstate = ((w[0] as bigint) << 64n) | (w[1] as bigint);
    const initseq = ((w[2] as bigint) << 64n) | (w[3] as bigint);
    const inc = ((initseq << 1n) | 1n) & MASK128;
    let st = inc; // state = 0 * MULT + inc
    st = (st + initstate) & MASK128;
    st = (st * MULT + inc) & MASK128;
    this.s.set(toLimbs(st));
    this.inc.set(toLimbs(inc));
  }

  /** Advances `state = state * MULT + inc` and leaves the XSL-RR output of the new state in outHi/outLo. */
  private step(): void {
    const s = this.s;
    const c = this.inc;
    const m = MULT16;
    const a0 = s[0] as number,
      a1 = s[1] as number,
      a2 = s[2] as number,
      a3 = s[3] as number;
    const a4 = s[4] as number,
      a5 = s[5] as number,
      a6 = s[6] as number,
      a7 = s[7] as number;
    const m0 = m[0] as number,
      m1 = m[1] as number,
      m2 = m[2] as number,
      m3 = m[3] as number;
    const m4 = m[4] as number,
      m5 = m[5] as number,
      m6 = m[6] as number,
      m7 = m[7] as number;
    // Limb k of state * MULT + inc: sum of a_i * m_(k-i), plus the increment and the carry.
    let acc = (c[0] as number) + a0 * m0;
    let carry = Math.floor(acc / 65536);
    s[0] = acc - carry * 65536;
    acc = carry + (c[1] as number) + a0 * m1 + a1 * m0;
    carry = Math.floor(acc / 65536);
    s[1] = acc - carry * 65536;
    acc = carry + (c[2] as number) + a0 * m2 + a1 * m1 + a2 * m0;
    carry = Math.floor(acc / 65536);
    s[2] = acc - carry * 65536;
    acc = carry + (c[3] as number) + a0 * m3 + a1 * m2 + a2 * m1 + a3 * m0;
    carry = Math.floor(acc / 65536);
    s[3] = acc - carry * 65536;
    acc = carry + (c[4] as number) + a0 * m4 + a1 * m3 + a2 * m2 + a3 * m1 + a4 * m0;
    carry = Math.floor(acc / 65536);
    s[4] = acc - carry * 65536;
    acc = carry + (c[5] as number) + a0 * m5 + a1 * m4 + a2 * m3 + a3 * m2 + a4 * m1 + a5 * m0;
    carry = Math.floor(acc / 65536);
    s[5] = acc - carry * 65536;
    acc = carry + (c[6] as number) + a0 * m6 + a1 * m5 + a2 * m4 + a3 * m3 + a4 * m2 + a5 * m1 + a6 * m0;
    carry = Math.floor(acc / 65536);
    s[6] = acc - carry * 65536;
    acc = carry + (c[7] as number) + a0 * m7 + a1 * m6 + a2 * m5 + a3 * m4 + a4 * m3 + a5 * m2 + a6 * m1 + a7 * m0;
    carry = Math.floor(acc / 65536);
    s[7] = acc - carry * 65536;
    const w0 = (s[0] as number) + (s[1] as number) * 65536;
    const w1 = (s[2] as number) + (s[3] as number) * 65536;
    const w2 = (s[4] as number) + (s[5] as number) * 65536;
    const w3 = (s[6] as number) + (s[7] as number) * 65536;
    const xl = (w0 ^ w2) >>> 0;
    const xh = (w1 ^ w3) >>> 0;
    const rot = (s[7] as number) >>> 10; // top 6 bits of the state
    if (rot === 0) {
      this.outHi = xh;
      this.outLo = xl;
    } else if (rot < 32) {
      this.outLo = ((xl >>> rot) | (xh << (32 - rot))) >>> 0;
      this.outHi = ((xh >>> rot) | (xl << (32 - rot))) >>> 0;
    } else if (rot === 32) {
      this.outHi = xl;
      this.outLo = xh;
    } else {
      const q = rot - 32;
      this.outLo = ((xh >>> q) | (xl << (32 - q))) >>> 0;
      this.outHi = ((xl >>> q) | (xh << (32 - q))) >>> 0;
    }
  }

  /** The next raw 64-bit output (advance, then XSL-RR on the new state). */
  next64(): bigint {
    this.step();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** The next 32-bit output: the cached high half if any, else the low half of a fresh 64-bit output. */
  next32(): number {
    if (this.hasUint32) {
      this.hasUint32 = 0;
      return this.uinteger;
    }
    this.step();
    this.uinteger = this.outHi;
    this.hasUint32 = 1;
    return this.outLo;
  }

  /** A double in [0, 1): `(next64 >> 11) * 2^-53`. */
  nextDouble(): number {
    this.step();
    // (hi * 2^32 + lo) >> 11 = hi * 2^21 + (lo >>> 11), exact below 2^53.
    return (this.outHi * 2097152 + (this.outLo >>> 11)) * INV_TWO_POW_53;
  }

  /** A snapshot of the full state (plain JSON-serialisable). */
  getState(): Pcg64State {
    return {
      kind: 'PCG64',
      state: fromLimbs(this.s).toString(),
      inc: fromLimbs(this.inc).toString(),
      hasUint32: this.hasUint32,
      uinteger: this.uinteger,
    };
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
      throw new TypeError(
        'Invalid PCG64 state: expected {kind: "PCG64", state, inc (decimal strings), hasUint32: 0|1, uinteger}.',
      );
    }
    this.s.set(toLimbs(BigInt(s.state) & MASK128));
    this.inc.set(toLimbs(BigInt(s.inc) & MASK128));
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
