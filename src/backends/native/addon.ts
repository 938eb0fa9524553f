/**
 * Loads tfgym's C++ addon (`native/`, built by node-gyp during `npm install`) and explains why
 * not when it cannot: the install writes `native/build/status.json` with the build's outcome.
 *
 * `TFGYM_NATIVE_DISABLE=1` hides the addon (the fallback path, exercised in tests).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's functions. Every kernel writes into a preallocated output array. */
export interface NativeAddon {
  /** C[b] = op(A[b]) op(B[b]) (+ bias, activation) for b < batch; a stride of 0 broadcasts that operand. */
  matmul(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    strideA: number,
    strideB: number,
    bias: Float32Array | null,
    activation: number,
    alpha: number,
  ): void;
  /** NHWC conv, HWIO filter; geom as {@link convGeometry}. */
  conv2d(
    x: Float32Array,
    w: Float32Array,
    y: Float32Array,
    geom: Int32Array,
    bias: Float32Array | null,
    activation: number,
    alpha: number,
  ): void;
  /** Gradient of conv2d with respect to its input. */
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geom: Int32Array): void;
  /** Gradient of conv2d with respect to its filter. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void;
  /** NHWC max pool (dilation 1). */
  maxPool(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  /** Max-pool gradient, routed to each window's first maximum. */
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, geom: Int32Array): void;
  /** Average pooling (in-bounds pixels of each window), NHWC; geometry as maxPool. */
  avgPool(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  /** Its gradient as tfjs's cpu kernel computes it (covering windows' dy / window size). */
  avgPoolGrad(dy: Float32Array, dx: Float32Array, geom: Int32Array): void;
  /**
   * NHWC nearest-neighbour resize; geom = [batch, inH, inW, channels, outH, outW, alignCorners,
   * halfPixelCenters] (flags 0/1), source pixels picked as tfjs's cpu kernel picks them.
   */
  resizeNearest(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  /** Gradient of {@link resizeNearest}: each dy pixel added to the pixel it was copied from. */
  resizeNearestGrad(dy: Float32Array, dx: Float32Array, geom: Int32Array): void;
  /** out[i] = a[i % periodA] op b[i % periodB]; op codes as BINARY_OPS in native/backend.ts. */
  /**
   * out[i] = a[idxA(i)] op b[idxB(i)] with idx(i) = ((i / (inner * mid)) * inner + i % inner) %
   * period (broadcast layouts as repeatPattern in native/backend.ts); op codes as BINARY_OPS.
   */
  binary(
    op: number,
    a: Float32Array,
    periodA: number,
    b: Float32Array,
    periodB: number,
    out: Float32Array,
    midA?: number,
    midB?: number,
    innerA?: number,
    innerB?: number,
  ): void;
  /** Comparisons into 0/1, broadcast as `binary`; op codes as COMPARE_OPS. */
  compare(
    op: number,
    a: Float32Array,
    periodA: number,
    midA: number,
    b: Float32Array,
    periodB: number,
    midB: number,
    out: Uint8Array,
    innerA?: number,
    innerB?: number,
  ): void;
  /** out[i] = cond[i] ? t[i] : e[i]. */
  select(cond: Uint8Array, t: Float32Array, e: Float32Array, out: Float32Array): void;
  /** Softmax over each row of x [rows, cols] (tfjs's cpu arithmetic). */
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** out[i] = op(x[i]); op codes as UNARY_OPS in native/backend.ts; alpha is Step's value for x <= 0. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  /** out[c] = sum over r of x[r * cols + c] (double accumulation, like the cpu backend). */
  sumRows(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** `outer` consecutive {@link NativeAddon.sumRows} blocks of `[rows, cols]` in one call. */
  sumBlocks(x: Float32Array, out: Float32Array, outer: number, rows: number, cols: number): void;
  /** dx[i] = y[i] > 0 ? dx[i] : 0 in place (ReLU's gradient through its output y; NaN gives 0). */
  reluMask(dx: Float32Array, y: Float32Array): void;
  /** The sum of x[i]^2, accumulated in double. */
  sumSquares(x: Float32Array): number;
  /**
   * Fused recurrent layer forward over a sequence (native/src/recurrent.h): cell 0 LSTM, 1 GRU
   * (Keras 2), 2 GRU (reset after), 3 SimpleRNN; h (and c for the LSTM) hold the initial states and
   * receive the final ones; activation codes as in src/backends/native/recurrent.ts.
   */
  rnnForward(
    xw: Float32Array,
    recurrentKernel: Float32Array,
    recurrentBias: Float32Array | null,
    h: Float32Array,
    c: Float32Array | null,
    mask: Float32Array | null,
    recurrentMask: Float32Array | null,
    seq: Float32Array,
    cache: Float32Array,
    hprev: Float32Array,
    cell: number,
    batch: number,
    steps: number,
    units: number,
    goBackwards: boolean,
    activation: number,
    recurrentActivation: number,
  ): void;
  /**
   * Fused recurrent backpropagation through time: dh (and dc) in: dhT (dcT), out: dh0 (dc0); writes
   * dz, dR and (reset-after GRU) drbias.
   */
  rnnBackward(
    recurrentKernel: Float32Array,
    cache: Float32Array,
    hprev: Float32Array,
    c0: Float32Array | null,
    mask: Float32Array | null,
    recurrentMask: Float32Array | null,
    dseq: Float32Array,
    dh: Float32Array,
    dc: Float32Array | null,
    dz: Float32Array,
    dR: Float32Array,
    drbias: Float32Array | null,
    cell: number,
    batch: number,
    steps: number,
    units: number,
    goBackwards: boolean,
    activation: number,
    recurrentActivation: number,
  ): void;
  /**
   * One optimizer step in place over w and the rule's slots: rule 0 sgd, 1 adam, 2 rmsprop,
   * 3 centered rmsprop, 4 momentum, 5 Nesterov momentum, 6 adadelta (tfjs), 7 adadelta (Keras
   * 2.0); slots and float32 coefficients as in native/src/elementwise.h.
   */
  optimizerUpdate(
    rule: number,
    w: Float32Array,
    g: Float32Array,
    s0: Float32Array | null,
    s1: Float32Array | null,
    s2: Float32Array | null,
    coefs: Float32Array,
  ): void;
  /** Sets the thread count (calling thread included; <= 0 restores the default); returns it. */
  setThreads(n: number): number;
  /** The thread count in use. */
  threads(): number;
  /** The GEMM micro-kernel in use: "avx512", "avx2+fma" or "portable". */
  kernel(): string;
  /** Forces (or stops forcing) the portable micro-kernel; returns the kernel now in use. */
  forcePortable(on: boolean): string;
  /**
   * Uses at most the named micro-kernel ("portable" or "avx2+fma"; "" restores the best the CPU
   * has), so tests compare the paths on one machine; returns the kernel now in use.
   */
  forceKernel(name: string): string;
}

/** Every function of {@link NativeAddon}: a build from older sources lacks some and is refused. */
const ADDON_FUNCTIONS: ReadonlyArray<keyof NativeAddon> = [
  'matmul',
  'conv2d',
  'conv2dBackpropInput',
  'conv2dBackpropFilter',
  'maxPool',
  'maxPoolGrad',
  'avgPool',
  'avgPoolGrad',
  'resizeNearest',
  'resizeNearestGrad',
  'binary',
  'unary',
  'sumRows',
  'sumBlocks',
  'softmax',
  'compare',
  'select',
  'rnnForward',
  'rnnBackward',
  'optimizerUpdate',
  'setThreads',
  'threads',
  'kernel',
  'forcePortable',
  'forceKernel',
];

/** Outcome of loading the addon. */
export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

/** The folder holding tfgym's `native/binding.gyp` (from src/ under vitest or dist/src/ when built). */
export function nativeDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'native', 'binding.gyp'))) return join(dir, 'native');
    dir = dirname(dir);
  }
  return undefined;
}

/** Why the build did not produce an addon, from status.json (undefined when it says nothing useful). */
function buildStatusReason(dir: string): string | undefined {
  try {
    const s = JSON.parse(readFileSync(join(dir, 'build', 'status.json'), 'utf8')) as { ok?: boolean; reason?: string };
    if (s.ok === false && s.reason) return s.reason;
  } catch {
    // no status: the install script never ran
  }
  return undefined;
}

let cached: AddonLoad | undefined;

/** Loads the addon once per process; never throws. */
export function loadNativeAddon(): AddonLoad {
  if (cached) return cached;
  cached = tryLoad();
  return cached;
}

/** The buffer pool's default bound on free bytes: 1 GiB (see BufferPool in backend.ts). */
export const DEFAULT_POOL_BYTES = 1024 * 1024 * 1024;

/**
 * The pool's free-byte bound from `TFGYM_NATIVE_POOL_MB` (a whole number of MiB, 0 = no pooling of
 * freed arrays): 1 GiB when unset, null when the value is not such a number (the addon loader then
 * refuses the backend with that reason, see tryLoad).
 */
export function poolBytesFromEnv(value: string | undefined): number | null {
  if (value === undefined || value === '') return DEFAULT_POOL_BYTES;
  const mb = Number(value);
  return Number.isInteger(mb) && mb >= 0 ? mb * 1024 * 1024 : null;
}

function tryLoad(): AddonLoad {
  const disable = process.env['TFGYM_NATIVE_DISABLE'];
  if (disable !== undefined && disable !== '' && disable !== '0') {
    return { ok: false, reason: 'disabled by TFGYM_NATIVE_DISABLE' };
  }
  const poolMb = process.env['TFGYM_NATIVE_POOL_MB'];
  if (poolBytesFromEnv(poolMb) === null) {
    return {
      ok: false,
      reason: `TFGYM_NATIVE_POOL_MB must be a whole number of MiB >= 0, got ${JSON.stringify(poolMb)}`,
    };
  }
  const dir = nativeDir();
  if (!dir) return { ok: false, reason: 'native/ folder not found in the package' };
  const path = join(dir, 'build', 'Release', 'tfgym_native.node');
  if (!existsSync(path)) {
    const why = buildStatusReason(dir);
    return {
      ok: false,
      reason: why ?? 'addon not built (run `node native/build.mjs`, needs python3, make and a C++ compiler)',
    };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon.matmul !== 'function') return { ok: false, reason: `${path} is not tfgym's addon` };
    const missing = ADDON_FUNCTIONS.filter((f) => typeof addon[f] !== 'function');
    if (missing.length > 0) {
      return {
        ok: false,
        reason: `${path} is out of date (no ${missing.join(', ')}): rebuild with \`node native/build.mjs\``,
      };
    }
    return { ok: true, addon, path };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      reason: `addon failed to load (rebuild with \`node native/build.mjs\`): ${msg.split('\n')[0] ?? msg}`,
    };
  }
}
