/**
 * numpy's `SeedSequence` for a non-negative integer seed (no spawn key), bit-exact.
 *
 * `numpy.random.default_rng(seed)` turns the seed into generator state through this hash, so
 * matching `Generator(PCG64)` streams starts here (`shared/reference/numpy-rng/README.md` §4.4).
 */

const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const POOL_SIZE = 4;

/** A seed numpy accepts as an integer: a non-negative safe integer, a bigint, or a decimal string. */
export type BigSeed = number | bigint | string;

/** The seed as a non-negative bigint; throws a RangeError otherwise. */
export function toBigSeed(seed: BigSeed): bigint {
  let b: bigint;
  if (typeof seed === 'bigint') b = seed;
  else if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Seed must be a safe integer. Received: ${String(seed)}`);
    b = BigInt(seed);
  } else {
    if (!/^\d+$/.test(seed)) throw new RangeError(`Seed string must be a decimal integer. Received: "${seed}"`);
    b = BigInt(seed);
  }
  if (b < 0n) throw new RangeError(`Seed must be non-negative. Received: ${b.toString()}`);
  return b;
}

/** The seed in base 2^32, least significant word first; 0 gives `[0]`. */
export function entropyWords(seed: BigSeed): number[] {
  let b = toBigSeed(seed);
  const words: number[] = [];
  do {
    words.push(Number(b & 0xffffffffn));
    b >>= 32n;
  } while (b > 0n);
  return words;
}

function mix(x: number, y: number): number {
  const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
  return (r ^ (r >>> 16)) >>> 0;
}

/** numpy `SeedSequence(seed)`: an entropy pool of four 32-bit words. */
export class SeedSequence {
  /** The mixed entropy pool (numpy's `SeedSequence.pool`). */
  readonly pool: Uint32Array;
  /** The seed's entropy words (least significant first). */
  readonly entropy: readonly number[];

  constructor(seed: BigSeed) {
    this.entropy = entropyWords(seed);
    const pool = new Uint32Array(POOL_SIZE);
    // The running hash constant is shared by every hashmix of the pool construction.
    let hc = INIT_A;
    const hashmix = (value: number): number => {
      let v = (value ^ hc) >>> 0;
      hc = Math.imul(hc, MULT_A) >>> 0;
      v = Math.imul(v, hc) >>> 0;
      return (v ^ (v >>> 16)) >>> 0;
    };
    for (let j = 0; j < POOL_SIZE; j++) pool[j] = hashmix(this.entropy[j] ?? 0);
    for (let src = 0; src < POOL_SIZE; src++) {
      for (let dst = 0; dst < POOL_SIZE; dst++) {
        if (src !== dst) pool[dst] = mix(pool[dst] as number, hashmix(pool[src] as number));
      }
    }
    for (let k = POOL_SIZE; k < this.entropy.length; k++) {
      for (let dst = 0; dst < POOL_SIZE; dst++)
        pool[dst] = mix(pool[dst] as number, hashmix(this.entropy[k] as number));
    }
    this.pool = pool;
  }

  /** numpy `generate_state(n, uint32)`. */
  generateState(n: number): Uint32Array {
    const out = new Uint32Array(n);
    let hc = INIT_B;
    for (let k = 0; k < n; k++) {
      let v = ((this.pool[k % POOL_SIZE] as number) ^ hc) >>> 0;
      hc = Math.imul(hc, MULT_B) >>> 0;
      v = Math.imul(v, hc) >>> 0;
      out[k] = (v ^ (v >>> 16)) >>> 0;
    }
    return out;
  }

  /** numpy `generate_state(n, uint64)`: 2n 32-bit words paired little-endian. */
  generateState64(n: number): bigint[] {
    const w = this.generateState(2 * n);
    const out: bigint[] = [];
    for (let j = 0; j < n; j++) out.push(BigInt(w[2 * j] as number) | (BigInt(w[2 * j + 1] as number) << 32n));
    return out;
  }
}
