/**
 * numpy's float32 `sin`/`cos` (the `np.sin(np.float32(x))` that Gymnasium's Acrobot applies to
 * its float32 reset state), bit for bit.
 *
 * On CPUs with fused multiply-add (x86-64 with AVX2/FMA3 or AVX-512, aarch64) numpy does not call
 * libm for float32 sine and cosine: its SIMD kernel (`loops_trigonometric.dispatch.cpp`,
 * `simd_sincos_f32`) reduces the argument by Cody-Waite with pi/2 split into three float32 parts,
 * then evaluates minimax polynomials in float32 with FMAs. The results are within 1.49 ulp but
 * not always correctly rounded, so `Math.fround(Math.cos(x))` differs from numpy for about 1 in
 * 1,000 inputs. The algorithm and its constants are numpy's; the code here is written anew.
 * Arguments outside the kernel's range (|x| > 71476.0625 for cos, 117435.992 for sin) go to libm
 * in numpy; here they are `Math.fround(Math.cos(x))`, which may differ in the last bit.
 */

const view = new DataView(new ArrayBuffer(8));

/** `m * 2^e` for a hexadecimal significand `m` given as digits `1.xxxxxx` (exact). */
function hexFloat(sign: 1 | -1, digits: string, exp: number): number {
  const [int = '1', frac = ''] = digits.split('.');
  return (sign * parseInt(int + frac, 16) * 2 ** exp) / 16 ** frac.length;
}

const TWO_OVER_PI = hexFloat(1, '1.45f306', -1);
const PIO2_HIGH = hexFloat(-1, '1.921fb0', 0);
const PIO2_MED = hexFloat(-1, '1.5110b4', -22);
const PIO2_LOW = hexFloat(-1, '1.846988', -48);
const RINT_MAGIC = hexFloat(1, '1.800000', 23);
const COS_C8 = hexFloat(1, '1.98e616', -16);
const COS_C6 = hexFloat(-1, '1.6c06dc', -10);
const COS_C4 = hexFloat(1, '1.55553c', -5);
const SIN_C9 = hexFloat(1, '1.7d3bbc', -19);
const SIN_C7 = hexFloat(-1, '1.a06bba', -13);
const SIN_C5 = hexFloat(1, '1.11119a', -7);
const SIN_C3 = hexFloat(-1, '1.555556', -3);
const COS_RANGE = 71476.0625;
const SIN_RANGE = Math.fround(117435.992);

/**
 * float32 fused multiply-add `round32(a * b + c)` for float32 `a`, `b`, `c`, with one rounding.
 *
 * `a * b` is exact in a double (24 + 24 bits); the double sum is rounded to odd (using the exact
 * error of the addition) so that the final rounding to float32 is the correct one.
 */
export function fmaf32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const t = s - p;
  const err = p - (s - t) + (c - t);
  if (err === 0 || !Number.isFinite(s)) return Math.fround(s);
  view.setFloat64(0, s);
  const bits = view.getBigUint64(0);
  if ((bits & 1n) === 0n) {
    // Round to odd: step one ulp towards the exact value (s is not 0 here, err is).
    view.setBigUint64(0, err > 0 === s > 0 ? bits + 1n : bits - 1n);
  }
  return Math.fround(view.getFloat64(0));
}

function sincos(xIn: number, cos: boolean): number {
  const x = Math.fround(xIn);
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) > (cos ? COS_RANGE : SIN_RANGE)) return Math.fround(cos ? Math.cos(x) : Math.sin(x));
  // Nearest multiple of pi/2 (rounded with the 1.5 * 2^23 trick), then x - q * pi/2 in three FMAs.
  // numpy's build contracts the multiply and the magic add into one FMA.
  const q = Math.fround(fmaf32(x, TWO_OVER_PI, RINT_MAGIC) - RINT_MAGIC);
  let r = fmaf32(q, PIO2_HIGH, x);
  r = fmaf32(q, PIO2_MED, r);
  r = fmaf32(q, PIO2_LOW, r);
  const r2 = Math.fround(r * r);
  let quadrant = q | 0;
  if (cos) quadrant += 1;
  let v: number;
  if ((quadrant & 1) === 0) {
    let s = fmaf32(SIN_C9, r2, SIN_C7);
    s = fmaf32(s, r2, SIN_C5);
    s = fmaf32(s, r2, SIN_C3);
    s = fmaf32(s, r2, 0);
    v = fmaf32(s, r, r);
  } else {
    let c = fmaf32(COS_C8, r2, COS_C6);
    c = fmaf32(c, r2, COS_C4);
    c = fmaf32(c, r2, -0.5);
    v = fmaf32(c, r2, 1);
  }
  return (quadrant & 2) === 2 ? 0 - v : v;
}

/** numpy's `np.cos` of a float32 (the argument is first rounded to float32), as a float32 value. */
export function cosf32(x: number): number {
  return sincos(x, true);
}

/** numpy's `np.sin` of a float32 (the argument is first rounded to float32), as a float32 value. */
export function sinf32(x: number): number {
  return sincos(x, false);
}
