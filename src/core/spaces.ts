/**
 * Gymnasium-style spaces: `Discrete`, `Box` and `MultiDiscrete`.
 *
 * Observations and multi-dimensional actions are typed arrays in C (row-major) order whose
 * element type is the space's `dtype`; `Discrete` elements are plain integers. Every space can
 * describe itself for humans (`toString()`) and for machines (`toJSON()`, used by the CLI).
 */
import type { DType, Space } from './env.js';
import type { Rng } from '../rng/rng.js';

/** The typed array that holds elements of a given dtype. */
export type TypedArrayOf<D extends DType> = D extends 'uint8'
  ? Uint8Array
  : D extends 'int32'
    ? Int32Array
    : D extends 'float32'
      ? Float32Array
      : Float64Array;

/** Any typed array a space may produce. */
export type AnyTypedArray = Uint8Array | Int32Array | Float32Array | Float64Array;

/**
 * Machine-readable description of a space (what `toJSON()` returns). Infinite bounds are the
 * strings `"inf"` / `"-inf"` since JSON has no infinities.
 */
export type SpaceJSON =
  | { type: 'Discrete'; n: number; start: number; shape: number[]; dtype: DType }
  | {
      type: 'Box';
      low: JsonNumber | JsonNumber[];
      high: JsonNumber | JsonNumber[];
      shape: number[];
      dtype: DType;
    }
  | { type: 'MultiDiscrete'; nvec: number[]; start: number[]; shape: number[]; dtype: DType };

/** A number as JSON can carry it: finite, or `"inf"` / `"-inf"`. */
export type JsonNumber = number | 'inf' | '-inf';

const DTYPES: readonly DType[] = ['uint8', 'int32', 'float32', 'float64'];

/** Number of elements of an array of the given shape (1 for `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * `xs[i]` for an index the caller knows to be in range, checked: throws a RangeError when it is
 * not, where a cast (`xs[i] as number`, needed under `noUncheckedIndexedAccess`) would let
 * `undefined` through as a number.
 */
export function at<T>(xs: ArrayLike<T>, i: number): T {
  if (!(Number.isInteger(i) && i >= 0 && i < xs.length)) {
    throw new RangeError(`index ${i} is outside [0, ${xs.length})`);
  }
  return xs[i] as T;
}

/** A new zero-filled typed array of `dtype` with `length` elements. */
export function allocTyped<D extends DType>(dtype: D, length: number): TypedArrayOf<D> {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(length) as TypedArrayOf<D>;
    case 'int32':
      return new Int32Array(length) as TypedArrayOf<D>;
    case 'float32':
      return new Float32Array(length) as TypedArrayOf<D>;
    default:
      return new Float64Array(length) as TypedArrayOf<D>;
  }
}

/** Whether `x` is a typed array of exactly the class that holds `dtype`. */
export function isTypedArrayOf<D extends DType>(x: unknown, dtype: D): x is TypedArrayOf<D> {
  switch (dtype) {
    case 'uint8':
      return x instanceof Uint8Array;
    case 'int32':
      return x instanceof Int32Array;
    case 'float32':
      return x instanceof Float32Array;
    default:
      return x instanceof Float64Array;
  }
}

/** The dtype of a typed array, or null when it is not one tfgym uses. */
export function dtypeOf(x: unknown): DType | null {
  if (x instanceof Uint8Array) return 'uint8';
  if (x instanceof Int32Array) return 'int32';
  if (x instanceof Float32Array) return 'float32';
  if (x instanceof Float64Array) return 'float64';
  return null;
}

function checkShape(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`${what}: shape must be an array of positive integers. Received: ${JSON.stringify(shape)}`);
  }
}

/**
 * The shortest decimal that reads back as the same float32 (so a float32 bound of -1.2 prints as
 * -1.2, not -1.2000000476837158); other dtypes print as they are.
 */
function shortest(dtype: DType, x: number): number {
  if (dtype !== 'float32' || !Number.isFinite(x)) return x;
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

function jsonNum(dtype: DType, x: number): JsonNumber {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return shortest(dtype, x);
}

function fmtNum(dtype: DType, x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(shortest(dtype, x));
}

/** Range of values each integer dtype can hold (for bound validation). */
function dtypeRange(dtype: DType): [number, number] {
  if (dtype === 'uint8') return [0, 255];
  if (dtype === 'int32') return [-2147483648, 2147483647];
  return [-Infinity, Infinity];
}

/** Rounds a double to what the dtype stores (float32 bounds are compared in float32). */
function castTo(dtype: DType, x: number): number {
  return dtype === 'float32' ? Math.fround(x) : x;
}

/**
 * `{start, start+1, ..., start+n-1}`: one of `n` choices, as a plain integer (Gymnasium's
 * `Discrete`). Shape `[]`, dtype `int32`.
 */
export class Discrete implements Space<number> {
  readonly shape: readonly number[] = [];
  readonly dtype: DType = 'int32';

  /**
   * @param n number of choices, a positive integer
   * @param start the smallest element (default 0)
   */
  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Discrete: n must be a positive integer. Received: n=${String(n)}`);
    }
    if (!Number.isInteger(start)) {
      throw new RangeError(`Discrete: start must be an integer. Received: start=${String(start)}`);
    }
  }

  /** Uniform over the `n` elements. */
  sample(rng: Rng): number {
    return this.start + rng.nextInt(this.n);
  }

  /** True for integers in `[start, start + n)`. */
  contains(x: unknown): boolean {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  /** `Discrete(n)` or `Discrete(n, start=s)`. */
  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }

  /** JSON description. */
  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start, shape: [], dtype: this.dtype };
  }
}

/**
 * A (possibly unbounded) box in R^shape: typed arrays of `dtype` with `low[i] <= x[i] <= high[i]`
 * (Gymnasium's `Box`). Bounds are a scalar (broadcast) or an array of `shapeSize(shape)`
 * values in C order. Integer dtypes need finite integer bounds within the dtype's range.
 */
export class Box<D extends DType = DType> implements Space<TypedArrayOf<D>> {
  readonly shape: readonly number[];
  readonly dtype: D;
  /** Lower bounds, one per element, already cast to the dtype's precision. */
  readonly low: Float64Array;
  /** Upper bounds, one per element, already cast to the dtype's precision. */
  readonly high: Float64Array;
  /** Number of elements. */
  readonly size: number;
  private readonly uniformBounds: boolean;
  private readonly fullRange: boolean;

  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape: readonly number[], dtype: D) {
    checkShape(shape, 'Box');
    if (!DTYPES.includes(dtype)) {
      throw new RangeError(`Box: dtype must be one of ${DTYPES.join(', ')}. Received: ${String(dtype)}`);
    }
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = shapeSize(shape);
    this.low = this.expand(low, 'low');
    this.high = this.expand(high, 'high');
    const [minV, maxV] = dtypeRange(dtype);
    const isInt = dtype === 'uint8' || dtype === 'int32';
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i] as number;
      const hi = this.high[i] as number;
      if (Number.isNaN(lo) || Number.isNaN(hi)) throw new RangeError('Box: bounds must not be NaN.');
      if (lo > hi) throw new RangeError(`Box: low must be <= high. Received: low=${lo} > high=${hi} at index ${i}`);
      if (isInt && (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < minV || hi > maxV)) {
        throw new RangeError(
          `Box: ${dtype} bounds must be integers in [${minV}, ${maxV}]. Received: low=${lo}, high=${hi} at index ${i}`,
        );
      }
    }
    let uniform = true;
    for (let i = 1; i < this.size && uniform; i++) {
      uniform = this.low[i] === this.low[0] && this.high[i] === this.high[0];
    }
    this.uniformBounds = uniform;
    const [dmin, dmax] = dtypeRange(dtype);
    this.fullRange = isInt && uniform && this.low[0] === dmin && this.high[0] === dmax;
  }

  private expand(b: number | ArrayLike<number>, name: string): Float64Array {
    const out = new Float64Array(this.size);
    if (typeof b === 'number') {
      out.fill(castTo(this.dtype, b));
      return out;
    }
    if (b === null || typeof b !== 'object' || b.length !== this.size) {
      const got = b !== null && typeof b === 'object' ? `length ${String(b.length)}` : String(b);
      const shape = this.shape.join(', ');
      throw new RangeError(
        `Box: ${name} must be a number or have ${this.size} elements (shape [${shape}]). Received: ${got}`,
      );
    }
    for (let i = 0; i < this.size; i++) out[i] = castTo(this.dtype, Number(b[i]));
    return out;
  }

  /** Whether every bound is finite (both sides). */
  isBounded(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    }
    return true;
  }

  /**
   * A random element, as Gymnasium samples: integers uniform in `[low, high]` (both included);
   * floats uniform in `[low, high)` when bounded on both sides, `low + Exp(1)` / `high - Exp(1)`
   * when bounded on one side, standard normal when unbounded.
   */
  sample(rng: Rng): TypedArrayOf<D> {
    return this.sampleInto(rng, allocTyped(this.dtype, this.size));
  }

  /** Like {@link Box.sample} but writes into `out` (no allocation) and returns it. */
  sampleInto(rng: Rng, out: TypedArrayOf<D>): TypedArrayOf<D> {
    const isInt = this.dtype === 'uint8' || this.dtype === 'int32';
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i] as number;
      const hi = this.high[i] as number;
      let v: number;
      if (isInt) {
        v = lo + rng.nextInt(hi - lo + 1);
      } else if (Number.isFinite(lo) && Number.isFinite(hi)) {
        v = rng.uniform(lo, hi);
      } else if (Number.isFinite(lo)) {
        v = lo - Math.log1p(-rng.nextFloat());
      } else if (Number.isFinite(hi)) {
        v = hi + Math.log1p(-rng.nextFloat());
      } else {
        v = rng.normal();
      }
      // float32 rounding may push a value just past a bound; clip so samples are always contained.
      v = castTo(this.dtype, v);
      out[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return out;
  }

  /** True for a typed array of this dtype's class, of the right length, every value within bounds (NaN never is). */
  contains(x: unknown): boolean {
    if (!isTypedArrayOf(x, this.dtype) || x.length !== this.size) return false;
    // Bounds equal to the dtype's whole range hold every value: skip the scan (large uint8 frames).
    if (this.fullRange) return true;
    const lo = this.low;
    const hi = this.high;
    for (let i = 0; i < this.size; i++) {
      const v = x[i] as number;
      // Written so that NaN fails both comparisons and is rejected.
      if (!(v >= (lo[i] as number) && v <= (hi[i] as number))) return false;
    }
    return true;
  }

  /** `Box(low, high, [shape], dtype)`; non-uniform bounds are shown as their min and max. */
  toString(): string {
    const f = (x: number): string => fmtNum(this.dtype, x);
    if (this.uniformBounds) {
      return `Box(${f(at(this.low, 0))}, ${f(at(this.high, 0))}, [${this.shape.join(', ')}], ${this.dtype})`;
    }
    const low = Array.from(this.low, f).join(', ');
    const high = Array.from(this.high, f).join(', ');
    return `Box(low=[${low}], high=[${high}], [${this.shape.join(', ')}], ${this.dtype})`;
  }

  /** JSON description: scalar bounds when uniform, else arrays in C order. */
  toJSON(): SpaceJSON {
    const j = (x: number): JsonNumber => jsonNum(this.dtype, x);
    return {
      type: 'Box',
      low: this.uniformBounds ? j(this.low[0] as number) : Array.from(this.low, j),
      high: this.uniformBounds ? j(this.high[0] as number) : Array.from(this.high, j),
      shape: [...this.shape],
      dtype: this.dtype,
    };
  }
}

/**
 * A vector of independent discrete choices (Gymnasium's `MultiDiscrete`): an `Int32Array` `x`
 * of length `nvec.length` with `start[i] <= x[i] < start[i] + nvec[i]`.
 */
export class MultiDiscrete implements Space<Int32Array> {
  readonly shape: readonly number[];
  readonly dtype: DType = 'int32';
  readonly nvec: readonly number[];
  readonly start: readonly number[];

  /**
   * @param nvec number of choices per component (positive integers)
   * @param start smallest value per component (default all 0)
   */
  constructor(nvec: readonly number[], start?: readonly number[]) {
    if (!Array.isArray(nvec) || nvec.length === 0 || !nvec.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new RangeError(
        `MultiDiscrete: nvec must be a non-empty array of positive integers. Received: ${JSON.stringify(nvec)}`,
      );
    }
    const st = start ?? nvec.map(() => 0);
    if (!Array.isArray(st) || st.length !== nvec.length || !st.every((s) => Number.isInteger(s))) {
      throw new RangeError(`MultiDiscrete: start must be ${nvec.length} integers. Received: ${JSON.stringify(start)}`);
    }
    this.nvec = Object.freeze([...nvec]);
    this.start = Object.freeze([...st]);
    this.shape = Object.freeze([nvec.length]);
  }

  /** Each component uniform over its choices. */
  sample(rng: Rng): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = (this.start[i] as number) + rng.nextInt(this.nvec[i] as number);
    return out;
  }

  /** True for an `Int32Array` of the right length with every component in range. */
  contains(x: unknown): boolean {
    if (!(x instanceof Int32Array) || x.length !== this.nvec.length) return false;
    for (let i = 0; i < x.length; i++) {
      const s = this.start[i] as number;
      const v = x[i] as number;
      if (v < s || v >= s + (this.nvec[i] as number)) return false;
    }
    return true;
  }

  /** `MultiDiscrete([3, 4])`, with `start=[...]` when not all zero. */
  toString(): string {
    const s = this.start.some((v) => v !== 0) ? `, start=[${this.start.join(', ')}]` : '';
    return `MultiDiscrete([${this.nvec.join(', ')}]${s})`;
  }

  /** JSON description. */
  toJSON(): SpaceJSON {
    const { nvec, start, shape, dtype } = this;
    return { type: 'MultiDiscrete', nvec: [...nvec], start: [...start], shape: [...shape], dtype };
  }
}

/** The JSON description of any space: its `toJSON()` when it has one, else shape/dtype/toString. */
export function spaceToJSON(space: Space<unknown>): SpaceJSON | { type: string; shape: number[]; dtype: DType } {
  const withJson = space as Space<unknown> & { toJSON?: () => SpaceJSON };
  if (typeof withJson.toJSON === 'function') return withJson.toJSON();
  return { type: space.toString(), shape: [...space.shape], dtype: space.dtype };
}

/**
 * What a network divides observations of `space` by: the largest upper bound of a uint8 box when
 * it exceeds 1 (255 for pixels; 255 when the bounds are unknown), else 1 (MinAtar's 0/1 cells,
 * float observations).
 */
export function inputDivisor(space: { dtype: string }): number {
  if (space.dtype !== 'uint8') return 1;
  const high = (space as { high?: ArrayLike<number> }).high;
  let max = 255;
  if (high !== undefined && high.length > 0) {
    max = 0;
    for (let i = 0; i < high.length; i++) max = Math.max(max, high[i] as number);
  }
  return max > 1 ? max : 1;
}
