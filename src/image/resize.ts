/**
 * Pure uint8 image resizing for HWC images (row-major, channels last), following OpenCV's
 * `cv::resize` so that preprocessing matches what Python pipelines (Gymnasium's
 * `AtariPreprocessing`, the book's `skimage`/`cv2` code) feed their networks.
 *
 * - `'area'` (`INTER_AREA`), when shrinking: area-weighted averages with per-axis weight tables
 *   and float32 accumulation, rounded half to even — bit-exact with OpenCV, including
 *   non-integer factors (tested against `../shared/reference/atari-resize/`). When both factors
 *   are integers OpenCV takes its block-average path: the integer sum times `1/area` in float32,
 *   rounded half to even, except 2x2 blocks which its SIMD code rounds half up (`(s + 2) >> 2`);
 *   we do the same. When enlarging on any axis, OpenCV's `INTER_AREA` is a bilinear resize with
 *   "area" coefficients; so is ours (same fixed-point arithmetic as `'bilinear'`).
 *   Every path is checked bit for bit against opencv-python in `test/fixtures/resize-cv2.json`.
 * - `'bilinear'` (`INTER_LINEAR`): half-pixel centres, edge pixels replicated, 11-bit fixed-point
 *   coefficients and the rounding of OpenCV's vector kernel (`((a >> 4) * b0 >> 16) + ... + 2 >> 2`),
 *   which is what opencv-python 4.14 and 5.0 produce on x86-64 for every pixel (its scalar
 *   reference formula, `(v + 2^21) >> 22`, differs by 1 on some pixels and is never used there).
 * - `'nearest'` (`INTER_NEAREST`): source index `floor(d * (1 / (D / S)))`, clamped.
 *
 * {@link createResizer} precomputes tables and scratch buffers once, so resizing every frame
 * allocates nothing.
 */

/** Interpolation methods, named as in the wrappers' API. */
export type Interpolation = 'area' | 'bilinear' | 'nearest';

/**
 * One entry of an `INTER_AREA` weight table: output index `d` draws on source index `s` with weight `w` (a float32).
 */
export interface AreaTableEntry {
  readonly d: number;
  readonly s: number;
  readonly w: number;
}

/**
 * OpenCV's `computeResizeAreaTab` for shrinking an axis of length `srcLen` to `dstLen`
 * (entries in accumulation order; weights rounded to float32).
 */
export function areaTable(srcLen: number, dstLen: number): AreaTableEntry[] {
  const scale = 1 / (dstLen / srcLen);
  const out: AreaTableEntry[] = [];
  for (let d = 0; d < dstLen; d++) {
    const f1 = d * scale;
    const f2 = f1 + scale;
    const cell = Math.min(scale, srcLen - f1);
    let s2 = Math.floor(f2);
    let s1 = Math.ceil(f1);
    s2 = Math.min(s2, srcLen - 1);
    s1 = Math.min(s1, s2);
    if (s1 - f1 > 1e-3) out.push({ d, s: s1 - 1, w: Math.fround((s1 - f1) / cell) });
    for (let s = s1; s < s2; s++) out.push({ d, s, w: Math.fround(1 / cell) });
    if (f2 - s2 > 1e-3) out.push({ d, s: s2, w: Math.fround(Math.min(Math.min(f2 - s2, 1), cell) / cell) });
  }
  return out;
}

/** Rounds to the nearest integer, ties to even (C's `lrint`, OpenCV's `cvRound`), then clamps to [0, 255]. */
export function roundU8(v: number): number {
  let r = Math.round(v);
  // Math.round sends ties up; move exact .5 cases that landed on an odd number back down.
  if (r - v === 0.5 && (r & 1) !== 0) r -= 1;
  return r <= 0 ? 0 : r > 255 ? 255 : r;
}

/** A prepared resize from one fixed size to another: `(src, dst) => dst`. */
export type Resizer = (src: Uint8Array, dst: Uint8Array) => Uint8Array;

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/**
 * Prepares a resize of `srcH x srcW x channels` uint8 images to `dstH x dstW x channels`.
 * Tables and scratch buffers are allocated here once; the returned function allocates nothing.
 */
export function createResizer(
  srcH: number,
  srcW: number,
  channels: number,
  dstH: number,
  dstW: number,
  interpolation: Interpolation,
): Resizer {
  for (const [name, v] of [
    ['srcH', srcH],
    ['srcW', srcW],
    ['channels', channels],
    ['dstH', dstH],
    ['dstW', dstW],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`resize: ${name} must be a positive integer. Received: ${String(v)}`);
  }
  if (interpolation !== 'area' && interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new RangeError(
      `resize: interpolation must be 'area', 'bilinear' or 'nearest'. Received: ${String(interpolation)}`,
    );
  }
  const srcLen = srcH * srcW * channels;
  const dstLen = dstH * dstW * channels;
  const check = (src: Uint8Array, dst: Uint8Array): void => {
    if (src.length !== srcLen)
      throw new RangeError(
        `resize: src must have ${srcLen} bytes (${srcH}x${srcW}x${channels}). Received: ${src.length}`,
      );
    if (dst.length !== dstLen)
      throw new RangeError(
        `resize: dst must have ${dstLen} bytes (${dstH}x${dstW}x${channels}). Received: ${dst.length}`,
      );
  };
  let impl: Resizer;
  if (srcH === dstH && srcW === dstW) {
    impl = (src, dst) => {
      dst.set(src);
      return dst;
    };
  } else if (interpolation === 'nearest') {
    impl = nearest(srcH, srcW, channels, dstH, dstW);
  } else if (interpolation === 'area' && srcW >= dstW && srcH >= dstH) {
    const sx = srcW / dstW;
    const sy = srcH / dstH;
    impl =
      Number.isInteger(sx) && Number.isInteger(sy)
        ? areaFast(srcW, channels, dstH, dstW, sx, sy)
        : areaGeneral(srcW, channels, srcH, dstH, dstW);
  } else {
    impl = linear(srcH, srcW, channels, dstH, dstW, interpolation === 'area');
  }
  return (src, dst) => {
    check(src, dst);
    return impl(src, dst);
  };
}

/** One-off resize (builds the tables each call; use {@link createResizer} in loops). */
export function resizeU8(
  src: Uint8Array,
  srcH: number,
  srcW: number,
  channels: number,
  dstH: number,
  dstW: number,
  interpolation: Interpolation,
  dst: Uint8Array = new Uint8Array(dstH * dstW * channels),
): Uint8Array {
  return createResizer(srcH, srcW, channels, dstH, dstW, interpolation)(src, dst);
}

function nearest(srcH: number, srcW: number, cn: number, dstH: number, dstW: number): Resizer {
  // OpenCV computes ifx = 1 / (dstW / srcW) in double and floors x * ifx.
  const ifx = 1 / (dstW / srcW);
  const ify = 1 / (dstH / srcH);
  const xofs = new Int32Array(dstW);
  for (let x = 0; x < dstW; x++) xofs[x] = Math.min(Math.floor(x * ifx), srcW - 1) * cn;
  const yofs = new Int32Array(dstH);
  for (let y = 0; y < dstH; y++) yofs[y] = Math.min(Math.floor(y * ify), srcH - 1) * srcW * cn;
  return (src, dst) => {
    let o = 0;
    for (let y = 0; y < dstH; y++) {
      const row = yofs[y] as number;
      for (let x = 0; x < dstW; x++) {
        const s = row + (xofs[x] as number);
        for (let c = 0; c < cn; c++) dst[o++] = src[s + c] as number;
      }
    }
    return dst;
  };
}

function areaFast(srcW: number, cn: number, dstH: number, dstW: number, sx: number, sy: number): Resizer {
  const area = sx * sy;
  const scale = Math.fround(1 / area);
  const halfUp = sx === 2 && sy === 2;
  const rowStride = srcW * cn;
  // Column sums of the sy source rows of one output row, then block sums along x: sequential reads.
  const colSum = new Int32Array(rowStride);
  return (src, dst) => {
    let o = 0;
    for (let y = 0; y < dstH; y++) {
      const base = y * sy * rowStride;
      colSum.fill(0);
      for (let r = 0; r < sy; r++) {
        const rb = base + r * rowStride;
        for (let i = 0; i < rowStride; i++) colSum[i] = (colSum[i] as number) + (src[rb + i] as number);
      }
      for (let x = 0; x < dstW; x++) {
        for (let c = 0; c < cn; c++) {
          let sum = 0;
          let i = x * sx * cn + c;
          for (let k = 0; k < sx; k++, i += cn) sum += colSum[i] as number;
          dst[o++] = halfUp ? (sum + 2) >> 2 : roundU8(Math.fround(sum * scale));
        }
      }
    }
    return dst;
  };
}

function areaGeneral(srcW: number, cn: number, srcH: number, dstH: number, dstW: number): Resizer {
  const xt = areaTable(srcW, dstW);
  const yt = areaTable(srcH, dstH);
  const xd = Int32Array.from(xt, (e) => e.d * cn);
  const xs = Int32Array.from(xt, (e) => e.s * cn);
  const xw = Float32Array.from(xt, (e) => e.w);
  const yd = Int32Array.from(yt, (e) => e.d);
  const ys = Int32Array.from(yt, (e) => e.s);
  const yw = Float32Array.from(yt, (e) => e.w);
  const width = dstW * cn;
  const buf = new Float32Array(width);
  const sum = new Float32Array(width);
  const f = Math.fround;
  const store = (dst: Uint8Array, dy: number): void => {
    const o = dy * width;
    for (let i = 0; i < width; i++) dst[o + i] = roundU8(sum[i] as number);
  };
  const nx = xd.length;
  return (src, dst) => {
    let prevDy = -1;
    let prevSy = -1;
    for (let j = 0; j < yd.length; j++) {
      const dy = yd[j] as number;
      const beta = yw[j] as number;
      const sy = ys[j] as number;
      // A source row shared by two output rows has the same horizontal pass: reuse it (as OpenCV does).
      if (sy !== prevSy) {
        prevSy = sy;
        const row = sy * srcW * cn;
        buf.fill(0);
        // Horizontal pass: every product and sum rounded to float32 (Float32Array stores round).
        if (cn === 1) {
          for (let k = 0; k < nx; k++) {
            const di = xd[k] as number;
            buf[di] = (buf[di] as number) + f((src[row + (xs[k] as number)] as number) * (xw[k] as number));
          }
        } else {
          for (let k = 0; k < nx; k++) {
            const di = xd[k] as number;
            const si = row + (xs[k] as number);
            const alpha = xw[k] as number;
            for (let c = 0; c < cn; c++) buf[di + c] = (buf[di + c] as number) + f((src[si + c] as number) * alpha);
          }
        }
      }
      if (dy !== prevDy) {
        if (prevDy >= 0) store(dst, prevDy);
        for (let i = 0; i < width; i++) sum[i] = beta * (buf[i] as number);
        prevDy = dy;
      } else {
        for (let i = 0; i < width; i++) sum[i] = (sum[i] as number) + f(beta * (buf[i] as number));
      }
    }
    if (prevDy >= 0) store(dst, prevDy);
    return dst;
  };
}

/** Saturating cast of a double to int16 after rounding half to even (OpenCV's `saturate_cast<short>(float)`). */
function toShort(v: number): number {
  let r = Math.round(v);
  if (r - v === 0.5 && (r & 1) !== 0) r -= 1;
  return Math.max(-32768, Math.min(32767, r));
}

/**
 * OpenCV's source index and float32 fraction for destination index `d` (bilinear: pixel centres
 * aligned; area mode: INTER_AREA's enlarging rule). Shared by the column and the row tables.
 */
function sourceCoord(d: number, scale: number, inv: number, areaMode: boolean): [number, number] {
  if (!areaMode) {
    const f = Math.fround((d + 0.5) * scale - 0.5);
    const s = Math.floor(f);
    return [s, Math.fround(f - s)];
  }
  const s = Math.floor(d * scale);
  const f = Math.fround(d + 1 - (s + 1) * inv);
  return [s, f <= 0 ? 0 : Math.fround(f - Math.floor(f))];
}

/** Per-axis linear coefficients as OpenCV computes them (area mode for INTER_AREA enlarging). */
function linearAxis(
  srcLen: number,
  dstLen: number,
  areaMode: boolean,
): { ofs: Int32Array; a0: Int32Array; a1: Int32Array } {
  const inv = dstLen / srcLen;
  const scale = 1 / inv;
  const ofs = new Int32Array(dstLen);
  const a0 = new Int32Array(dstLen);
  const a1 = new Int32Array(dstLen);
  for (let d = 0; d < dstLen; d++) {
    let [s, fr] = sourceCoord(d, scale, inv, areaMode);
    // Edge pixels are replicated: outside the source, use the edge pixel with weight 1.
    if (s < 0) {
      s = 0;
      fr = 0;
    }
    if (s >= srcLen - 1) {
      s = srcLen - 1;
      fr = 0;
    }
    ofs[d] = s;
    a0[d] = toShort(Math.fround(1 - fr) * COEF_SCALE);
    a1[d] = toShort(fr * COEF_SCALE);
  }
  return { ofs, a0, a1 };
}

function linear(srcH: number, srcW: number, cn: number, dstH: number, dstW: number, areaMode: boolean): Resizer {
  const xa = linearAxis(srcW, dstW, areaMode);
  // Rows: OpenCV keeps the raw row index and fraction and clamps the two rows it reads.
  const inv = dstH / srcH;
  const scale = 1 / inv;
  const y0 = new Int32Array(dstH);
  const y1 = new Int32Array(dstH);
  const b0 = new Int32Array(dstH);
  const b1 = new Int32Array(dstH);
  for (let d = 0; d < dstH; d++) {
    const [s, fr] = sourceCoord(d, scale, inv, areaMode);
    y0[d] = Math.min(Math.max(s, 0), srcH - 1);
    y1[d] = Math.min(Math.max(s + 1, 0), srcH - 1);
    b0[d] = toShort(Math.fround(1 - fr) * COEF_SCALE);
    b1[d] = toShort(fr * COEF_SCALE);
  }
  const width = dstW * cn;
  const rowA = new Int32Array(width);
  const rowB = new Int32Array(width);
  const hpass = (src: Uint8Array, sy: number, out: Int32Array): void => {
    const base = sy * srcW * cn;
    let o = 0;
    for (let x = 0; x < dstW; x++) {
      const s = base + (xa.ofs[x] as number) * cn;
      const a0 = xa.a0[x] as number;
      const a1 = xa.a1[x] as number;
      const last = (xa.ofs[x] as number) >= srcW - 1;
      for (let c = 0; c < cn; c++) {
        out[o++] = last
          ? (src[s + c] as number) * COEF_SCALE
          : (src[s + c] as number) * a0 + (src[s + c + cn] as number) * a1;
      }
    }
  };
  return (src, dst) => {
    for (let y = 0; y < dstH; y++) {
      hpass(src, y0[y] as number, rowA);
      hpass(src, y1[y] as number, rowB);
      const c0 = b0[y] as number;
      const c1 = b1[y] as number;
      const o = y * width;
      for (let i = 0; i < width; i++) {
        // OpenCV's vector kernel (VResizeLinearVec_32s8u): drop 4 bits, int16 multiply-high by
        // each coefficient, add, then round-shift by 2. All intermediates fit in int32.
        const v = (((((rowA[i] as number) >> 4) * c0) >> 16) + ((((rowB[i] as number) >> 4) * c1) >> 16) + 2) >> 2;
        dst[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    return dst;
  };
}
