/**
 * The `native` tfjs backend: tfjs's pure-JS cpu backend with its hot kernels (matmul, conv and
 * their gradients, max pool) replaced by tfgym's C++ addon.
 *
 * The backend class extends `MathBackendCPU`, so tensors live in one place (the cpu backend's
 * typed arrays) and every kernel not overridden here is the cpu one, re-registered for
 * `native`: the addon reads and writes those arrays in place, with no copies. Each override
 * falls back to the cpu kernel for cases it does not cover (other dtypes, NCHW, prelu, ...).
 */
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { shapeSize } from '../../core/spaces.js';
import { installDilatedConvGrad, markDilatedBackpropBackend } from '../dilated-conv-grad.js';
import type { BackendProvider, ProbeResult } from '../provider.js';
import { loadNativeAddon, type NativeAddon } from './addon.js';
import { adoptedBuffers, installNativeOptimizers } from './optimizers.js';
import { installFusedRecurrent, registerRecurrentKernels } from './recurrent.js';

/** Name the backend is registered under in tfjs. */
export const NATIVE_BACKEND_NAME = 'native';

/** The kernels the addon implements (everything else is the cpu backend's). */
export const NATIVE_KERNELS = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MaxPool',
  'MaxPoolGrad',
  // Element-wise ops and bias-gradient sums: with the GEMMs native, the optimizer's update of
  // a 1.2M-weight dense layer in pure JS dominated the Catch DQN step.
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Maximum',
  'Minimum',
  'SquaredDifference',
  'Sqrt',
  'Square',
  'Relu',
  'Step',
  'Neg',
  'Exp',
  'Log',
  'Abs',
  'Rsqrt',
  'Sigmoid',
  'Tanh',
  'Sum',
  // Gather and its gradient: the cpu kernels walk element by element through index arithmetic
  // (gathering one MNIST batch took 6 ms, the epoch's shuffle 2 s) or, for the scatter-add,
  // once over the whole input per segment (an Embedding gradient took minutes).
  'GatherV2',
  'UnsortedSegmentSum',
  // The gather gradient transposes (an identity permutation for axis 0): the cpu kernel walks
  // every element through index arithmetic, 22 ms of the sentiment LSTM's 45 ms step.
  'Transpose',
  // Non-contiguous slices and pads: the cpu kernels map every element through index arithmetic.
  // A causal Conv1D pads its input and the pad's gradient is such a slice: 96 ms per layer of a
  // WaveNet step (2 x 1024 x 64), more than the convolutions themselves.
  'Slice',
  'PadV2',
  // The GAN layers (DCGAN train step on native, 32 x 28 x 28): UpSampling2D is a nearest resize,
  // whose cpu gradient searches a window per input pixel (23 ms a call); BatchNormalization's
  // moments are Means (cast, divide and a transposing sum on cpu: 36 ms a call, the largest
  // kernel of the step); its gradient tiles; LeakyReLU's gradient compares against a scalar
  // through the cpu's per-element broadcast path (12 ms a call).
  'ResizeNearestNeighbor',
  'ResizeNearestNeighborGrad',
  'Mean',
  'Tile',
  'Greater',
] as const;

/** Addon op codes of binary kernels (native/src/elementwise.h). */
const BINARY_OPS: Record<string, number> = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
};
/** Addon op codes of unary kernels (native/src/elementwise.h). */
const UNARY_OPS: Record<string, number> = {
  Sqrt: 0,
  Square: 1,
  Relu: 2,
  Step: 3,
  Neg: 4,
  Exp: 5,
  Log: 6,
  Abs: 7,
  Rsqrt: 8,
  Sigmoid: 9,
  Tanh: 10,
};

/** The cpu backend plus a handle on the addon. */
export class NativeBackend extends MathBackendCPU {
  /** How many calls each override served natively (the rest went to the cpu kernel): tests check it. */
  readonly nativeCalls = new Map<string, number>();

  /** Recycled output arrays of native kernels (see {@link BufferPool}). */
  readonly pool = new BufferPool();

  constructor(readonly addon: NativeAddon) {
    super();
  }

  /**
   * The cpu backend hands out its storage itself; weights updated in place by the fused
   * optimizers (src/native-optimizers.ts) and recycled kernel outputs are copied instead, so an
   * array read from a tensor never changes afterwards, as on `cpu`.
   */
  override readSync(dataId: object): tf.backend_util.BackendValues {
    const v = super.readSync(dataId);
    return v instanceof Float32Array && isPrivate(this, v) ? v.slice() : v;
  }

  /** Returns a disposed native output's array to the pool once no tensor refers to it. */
  override disposeData(dataId: object, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const done = super.disposeData(dataId, force);
    if (values instanceof Float32Array && !this.data.has(dataId)) this.pool.release(values);
    return done;
  }
}

/** Whether an array is storage that must not leave the backend uncopied (it will be rewritten). */
function isPrivate(backend: NativeBackend, v: Float32Array): boolean {
  return adoptedBuffers.has(v.buffer) || backend.pool.owns(v);
}

/**
 * Output arrays of native kernels, recycled. A fresh multi-megabyte Float32Array costs more
 * than the arithmetic written into it (the kernel page-faults on every new 4 KiB page: ~2 ms
 * for the 4.7 MB dense-layer gradient of the book's Catch net, whose GEMM takes 0.5 ms), so
 * big outputs come from here and go back when their tensor is disposed. Only arrays this pool
 * made are taken back, and they never leave the backend uncopied (`readSync` and the slicing
 * kernels copy them), so recycling one cannot change anything a caller holds.
 */
export class BufferPool {
  /** Smaller arrays are cheap to allocate and are not pooled. */
  static readonly MIN_LENGTH = 1 << 14;
  /** Upper bound on the bytes kept free in the pool. */
  static readonly MAX_FREE_BYTES = 256 * 1024 * 1024;
  /** Backing buffers of the arrays this pool made (a view of one is recognised too). */
  private readonly made = new WeakSet<ArrayBufferLike>();
  private readonly free = new Map<number, Float32Array[]>();
  private freeBytes = 0;

  /** An array of `n` floats with arbitrary contents (the kernel overwrites every element). */
  take(n: number): Float32Array {
    if (n < BufferPool.MIN_LENGTH) return new Float32Array(n);
    const list = this.free.get(n);
    const reused = list?.pop();
    if (reused) {
      this.freeBytes -= reused.byteLength;
      return reused;
    }
    const fresh = new Float32Array(n);
    this.made.add(fresh.buffer);
    return fresh;
  }

  /** Whether `v` is, or is a view into, one of the pool's arrays (in use or free). */
  owns(v: Float32Array): boolean {
    return this.made.has(v.buffer);
  }

  /** Takes back an array whose tensor is gone; ignored unless the pool made it. */
  release(v: Float32Array): void {
    if (!this.owns(v) || v.byteLength !== v.buffer.byteLength) return; // not ours, or a view
    if (this.freeBytes + v.byteLength > BufferPool.MAX_FREE_BYTES) return;
    const list = this.free.get(v.length);
    if (list) list.push(v);
    else this.free.set(v.length, [v]);
    this.freeBytes += v.byteLength;
  }

  /** Bytes currently kept free. */
  get bytesFree(): number {
    return this.freeBytes;
  }
}

/**
 * cpu kernels whose outputs can share their input's storage (a contiguous slice is a
 * `subarray`; complex parts are the arrays themselves): on `native` such an output of private
 * storage (an in-place-updated weight, a recycled kernel output) is copied instead.
 */
const VIEW_KERNELS = new Set([
  'Slice',
  'StridedSlice',
  'SplitV',
  'Unpack',
  'BatchToSpaceND',
  'Complex',
  'Real',
  'Imag',
]);

function copyingViews(kernel: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const result = kernel(args);
    const backend = args.backend as NativeBackend;
    for (const t of Array.isArray(result) ? result : [result]) {
      const d = backend.data.get(t.dataId);
      if (d?.values instanceof Float32Array && isPrivate(backend, d.values)) d.values = d.values.slice();
    }
    return result;
  };
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The Float32Array behind a tensor (undefined when it is not plain float32 data). */
function f32(backend: NativeBackend, t: tf.TensorInfo): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : undefined;
}

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, leakyrelu: 4, sigmoid: 5 };

/** Activation code for the addon, or undefined for those it leaves to the cpu kernel (prelu). */
function activationCode(name: unknown): number | undefined {
  if (name === undefined || name === null) return 0;
  return typeof name === 'string' ? ACTIVATIONS[name] : undefined;
}

/** The addon's 15-int geometry from a tfjs Conv2DInfo. */
export function convGeometry(c: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.outHeight,
    c.outWidth,
    c.outChannels,
    c.filterHeight,
    c.filterWidth,
    c.strideHeight,
    c.strideWidth,
    c.padInfo.top,
    c.padInfo.left,
    c.dilationHeight,
    c.dilationWidth,
  ]);
}

/** Looks up the cpu kernel a native override falls back to. */
function cpuKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`tfjs cpu backend has no ${name} kernel`);
  return k.kernelFunc;
}

/** Wraps an override so that `undefined` from it means "let the cpu kernel do this one". */
function withFallback(
  name: string,
  impl: (args: KernelArgs, backend: NativeBackend) => tf.TensorInfo | undefined,
  fallback: tf.KernelFunc = cpuKernel(name),
): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const r = impl(args, backend);
    if (r === undefined) return fallback(args);
    backend.nativeCalls.set(name, (backend.nativeCalls.get(name) ?? 0) + 1);
    return r;
  };
}

function out(backend: NativeBackend, shape: number[], values: Float32Array): tf.TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

/**
 * BatchMatMul and _FusedMatMul: a [..., m, k] x [..., k, n] with optional transposes; outer
 * dimensions must match or one side must have a single matrix (the cpu kernel handles the rest).
 */
function matmulImpl(args: KernelArgs, backend: NativeBackend, fused: boolean): tf.TensorInfo | undefined {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv) return undefined;
  let act = 0;
  let alpha = 0;
  let biasV: Float32Array | null = null;
  if (fused) {
    if (preluActivationWeights) return undefined;
    const code = activationCode(attrs.activation);
    if (code === undefined) return undefined;
    act = code;
    alpha = attrs.leakyreluAlpha ?? 0.2;
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = attrs.transposeA ? (a.shape[ra - 1] as number) : (a.shape[ra - 2] as number);
  const k = attrs.transposeA ? (a.shape[ra - 2] as number) : (a.shape[ra - 1] as number);
  const kb = attrs.transposeB ? (b.shape[rb - 1] as number) : (b.shape[rb - 2] as number);
  const n = attrs.transposeB ? (b.shape[rb - 2] as number) : (b.shape[rb - 1] as number);
  if (k !== kb) return undefined; // the cpu kernel throws the proper error
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = shapeSize(outerA);
  const batchB = shapeSize(outerB);
  let outer: number[];
  if (batchA === batchB && outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i])) outer = outerA;
  else if (batchB === 1)
    outer = outerA.length >= outerB.length ? outerA : [...Array(outerB.length - outerA.length).fill(1), ...outerA];
  else if (batchA === 1)
    outer = outerB.length >= outerA.length ? outerB : [...Array(outerA.length - outerB.length).fill(1), ...outerB];
  else return undefined;
  if (fused && bias) {
    const bv2 = f32(backend, bias);
    const bs = shapeSize(bias.shape);
    const last = bias.shape[bias.shape.length - 1] ?? 1;
    if (!bv2 || !(bs === 1 || (bs === n && last === n))) return undefined;
    biasV = bv2;
  }
  const batch = Math.max(batchA, batchB);
  const c = backend.pool.take(batch * m * n);
  backend.addon.matmul(
    av,
    bv,
    c,
    batch,
    m,
    n,
    k,
    attrs.transposeA,
    attrs.transposeB,
    batchA === 1 ? 0 : m * k,
    batchB === 1 ? 0 : k * n,
    biasV,
    act,
    alpha,
  );
  return out(backend, [...outer, m, n], c);
}

function convInfoFor(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: tf.Conv2DAttrs | tf.FusedConv2DAttrs,
): tf.backend_util.Conv2DInfo | undefined {
  if (attrs.dataFormat === 'NCHW' || xShape.length !== 4 || filterShape.length !== 4) return undefined;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

function conv2dImpl(args: KernelArgs, backend: NativeBackend, fused: boolean): tf.TensorInfo | undefined {
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
  if (!x || !filter) return undefined;
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  if (!xv || !wv) return undefined;
  const info = convInfoFor(x.shape, filter.shape, attrs);
  if (!info) return undefined;
  let act = 0;
  let biasV: Float32Array | null = null;
  if (fused) {
    if (preluActivationWeights) return undefined;
    const code = activationCode(attrs.activation);
    if (code === undefined) return undefined;
    act = code;
    if (bias) {
      const bv = f32(backend, bias);
      const bs = shapeSize(bias.shape);
      if (!bv || !(bs === 1 || (bs === info.outChannels && bias.shape[bias.shape.length - 1] === bs))) return undefined;
      biasV = bv;
    }
  }
  const y = backend.pool.take(shapeSize(info.outShape));
  backend.addon.conv2d(xv, wv, y, convGeometry(info), biasV, act, attrs.leakyreluAlpha ?? 0.2);
  return out(backend, info.outShape, y);
}

/**
 * The `dilations` attribute tfgym's dilated Conv2D gradient (src/backends/dilated-conv-grad.ts)
 * adds to the backprop kernels; tfjs' own attributes have none (its gradient refuses dilation).
 */
function backpropDilations(attrs: object): number | [number, number] {
  return (attrs as { dilations?: number | [number, number] }).dilations ?? 1;
}

/** Whether a backprop call asked for dilations other than 1: the cpu kernel cannot serve those. */
function isDilated(d: number | [number, number]): boolean {
  return typeof d === 'number' ? d !== 1 : d[0] !== 1 || d[1] !== 1;
}

/**
 * Result of a backprop override: the native result, or, when it cannot serve the call, the cpu
 * fallback (undefined) for undilated calls and an error for dilated ones, which the cpu kernel
 * would silently compute as undilated.
 */
function orFallback(r: tf.TensorInfo | undefined, name: string, dilated: boolean): tf.TensorInfo | undefined {
  if (r === undefined && dilated) throw new Error(`${name} on native: dilated gradient needs float32 NHWC inputs`);
  return r;
}

function conv2dBackpropInputImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const dilations = backpropDilations(attrs);
  return orFallback(backpropInputNative(args, backend, dilations), 'Conv2DBackpropInput', isDilated(dilations));
}

function backpropInputNative(
  args: KernelArgs,
  backend: NativeBackend,
  dilations: number | [number, number],
): tf.TensorInfo | undefined {
  const { dy, filter } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (!dy || !filter) return undefined;
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  if (!dyv || !wv) return undefined;
  const info = convInfoFor(attrs.inputShape, filter.shape, { ...attrs, dilations });
  if (!info || !sameShape(dy.shape, info.outShape)) return undefined;
  const dx = backend.pool.take(shapeSize(attrs.inputShape));
  backend.addon.conv2dBackpropInput(dyv, wv, dx, convGeometry(info));
  return out(backend, [...attrs.inputShape], dx);
}

function conv2dBackpropFilterImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const dilations = backpropDilations(attrs);
  return orFallback(backpropFilterNative(args, backend, dilations), 'Conv2DBackpropFilter', isDilated(dilations));
}

function backpropFilterNative(
  args: KernelArgs,
  backend: NativeBackend,
  dilations: number | [number, number],
): tf.TensorInfo | undefined {
  const { x, dy } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!x || !dy) return undefined;
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  if (!xv || !dyv) return undefined;
  const info = convInfoFor(x.shape, attrs.filterShape, { ...attrs, dilations });
  if (!info || !sameShape(dy.shape, info.outShape)) return undefined;
  const dw = backend.pool.take(shapeSize(attrs.filterShape));
  backend.addon.conv2dBackpropFilter(xv, dyv, dw, convGeometry(info));
  return out(backend, [...attrs.filterShape], dw);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function poolInfoFor(xShape: readonly number[], attrs: tf.MaxPoolAttrs): tf.backend_util.Conv2DInfo | undefined {
  if (xShape.length !== 4) return undefined;
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

function maxPoolImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x) return undefined;
  const xv = f32(backend, x);
  const info = poolInfoFor(x.shape, args.attrs as unknown as tf.MaxPoolAttrs);
  if (!xv || !info) return undefined;
  const y = backend.pool.take(shapeSize(info.outShape));
  backend.addon.maxPool(xv, y, convGeometry(info));
  return out(backend, info.outShape, y);
}

function maxPoolGradImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { dy, input } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!dy || !input) return undefined;
  const dyv = f32(backend, dy);
  const xv = f32(backend, input);
  const info = poolInfoFor(input.shape, args.attrs as unknown as tf.MaxPoolGradAttrs);
  if (!dyv || !xv || !info) return undefined;
  const dx = backend.pool.take(shapeSize(input.shape));
  backend.addon.maxPoolGrad(dyv, xv, dx, convGeometry(info));
  return out(backend, [...input.shape], dx);
}

/** Period with which an operand of shape `s` repeats inside the broadcast shape `out`, if it does. */
function repeatPeriod(s: readonly number[], outShape: readonly number[]): number | undefined {
  const n = shapeSize(s);
  if (n === 1) return 1;
  let i = 0;
  while (i < s.length && s[i] === 1) i++;
  const core = s.slice(i);
  if (core.length > outShape.length) return undefined;
  const tail = outShape.slice(outShape.length - core.length);
  return core.every((d, j) => d === tail[j]) ? n : undefined;
}

function binaryImpl(name: string, args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const op = BINARY_OPS[name];
  if (!a || !b || op === undefined) return undefined;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv) return undefined;
  let outShape: number[];
  try {
    outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  } catch {
    return undefined; // the cpu kernel throws the proper error
  }
  const pa = repeatPeriod(a.shape, outShape);
  const pb = repeatPeriod(b.shape, outShape);
  if (pa === undefined || pb === undefined) return undefined;
  const y = backend.pool.take(shapeSize(outShape));
  if (y.length > 0) backend.addon.binary(op, av, pa, bv, pb, y);
  return out(backend, outShape, y);
}

function unaryImpl(name: string, args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const op = UNARY_OPS[name];
  if (!x || op === undefined) return undefined;
  const xv = f32(backend, x);
  if (!xv) return undefined;
  const y = backend.pool.take(xv.length);
  const alpha = name === 'Step' ? ((args.attrs as { alpha?: number } | undefined)?.alpha ?? 0) : 0;
  if (y.length > 0) backend.addon.unary(op, xv, y, alpha);
  return out(backend, [...x.shape], y);
}

/** Sum over leading axes (a bias gradient) natively; other reductions stay on the cpu kernel. */
function sumImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.SumAttrs;
  if (!x) return undefined;
  const xv = f32(backend, x);
  if (!xv || x.shape.length === 0) return undefined;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
  if (!axes.every((ax, i) => ax === i)) return undefined;
  const rows = shapeSize(x.shape.slice(0, axes.length));
  const rest = x.shape.slice(axes.length);
  const y = backend.pool.take(shapeSize(rest));
  backend.addon.sumRows(xv, y, rows, y.length);
  const shape = attrs.keepDims ? [...axes.map(() => 1), ...rest] : rest;
  return out(backend, shape, y);
}

type TypedValues = Float32Array | Int32Array | Uint8Array;

/** A tensor's flat values when they are a typed array (not strings or complex parts). */
function typedValues(backend: NativeBackend, t: tf.TensorInfo): TypedValues | undefined {
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array ? v : undefined;
}

/** An empty array of the same kind as `like`: from the pool for float32. */
function allocLike(backend: NativeBackend, like: TypedValues, n: number): TypedValues {
  if (like instanceof Float32Array) return backend.pool.take(n);
  return like instanceof Int32Array ? new Int32Array(n) : new Uint8Array(n);
}

/**
 * GatherV2 without batch dimensions: each output block is a contiguous run of the input
 * (everything after the gathered axis), copied with `set`. Out-of-range indices go to the cpu
 * kernel, which throws tfjs' error.
 */
function gatherImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x, indices } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.GatherV2Attrs;
  if (!x || !indices || (attrs.batchDims ?? 0) !== 0) return undefined;
  const xv = typedValues(backend, x);
  const iv = backend.data.get(indices.dataId)?.values;
  if (!xv || !(iv instanceof Int32Array || iv instanceof Float32Array)) return undefined;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] ?? 0;
  const axisDim = x.shape[axis] ?? 0;
  for (let i = 0; i < iv.length; i++) {
    const k = iv[i] ?? -1;
    if (!(k >= 0 && k < axisDim && Number.isInteger(k))) return undefined;
  }
  const outer = shapeSize(x.shape.slice(0, axis));
  const inner = shapeSize(x.shape.slice(axis + 1));
  const nIdx = iv.length;
  const y = allocLike(backend, xv, outer * nIdx * inner);
  for (let o = 0; o < outer; o++) {
    const src = o * axisDim * inner;
    const dst = o * nIdx * inner;
    for (let i = 0; i < nIdx; i++) {
      const from = src + (iv[i] ?? 0) * inner;
      if (inner === 1) y[dst + i] = xv[from] ?? 0;
      else y.set(xv.subarray(from, from + inner), dst + i * inner);
    }
  }
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  return backend.makeTensorInfo(shape, x.dtype, y);
}

/**
 * UnsortedSegmentSum in one pass over the input (O(N*D)); ids outside [0, numSegments) are
 * dropped, as in TensorFlow and the cpu kernel.
 */
function segmentSumImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x, segmentIds } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (!x || !segmentIds || (x.dtype !== 'float32' && x.dtype !== 'int32')) return undefined;
  const xv = typedValues(backend, x);
  const ids = backend.data.get(segmentIds.dataId)?.values;
  if (!xv || !(ids instanceof Int32Array || ids instanceof Float32Array)) return undefined;
  // One id per row of x, as tfjs' op defines it; anything else gets the cpu kernel's error.
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0] || x.shape.length < 1) return undefined;
  const inner = shapeSize(x.shape.slice(1));
  const y = allocLike(backend, xv, numSegments * inner);
  y.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i] ?? -1;
    if (!(s >= 0 && s < numSegments)) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) y[dst + j] = (y[dst + j] ?? 0) + (xv[src + j] ?? 0);
  }
  return backend.makeTensorInfo([numSegments, ...x.shape.slice(1)], x.dtype, y);
}

/** Transpose as strided copies: an odometer over the output's outer dimensions, a tight inner loop. */
function transposeImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { perm } = args.attrs as unknown as tf.TransposeAttrs;
  if (!x) return undefined;
  const xv = typedValues(backend, x);
  const rank = x.shape.length;
  if (!xv || perm.length !== rank) return undefined;
  const outShape = perm.map((p) => x.shape[p] ?? 0);
  const y = allocLike(backend, xv, xv.length);
  if (perm.every((p, i) => p === i) || xv.length === 0) {
    y.set(xv);
    return backend.makeTensorInfo(outShape, x.dtype, y);
  }
  const xStrides: number[] = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) xStrides[d] = (xStrides[d + 1] ?? 1) * (x.shape[d + 1] ?? 1);
  // Stride in x of a step along each output dimension.
  const step = perm.map((p) => xStrides[p] ?? 0);
  const inner = outShape[rank - 1] ?? 1;
  const innerStep = step[rank - 1] ?? 1;
  const idx = new Array<number>(rank).fill(0);
  let base = 0;
  let o = 0;
  for (let r = xv.length / inner; r > 0; r--) {
    for (let k = 0; k < inner; k++) y[o++] = xv[base + k * innerStep] ?? 0;
    for (let d = rank - 2; d >= 0; d--) {
      base += step[d] ?? 0;
      if (++idx[d]! < (outShape[d] ?? 0)) break;
      base -= (step[d] ?? 0) * (outShape[d] ?? 0);
      idx[d] = 0;
    }
  }
  return backend.makeTensorInfo(outShape, x.dtype, y);
}

/**
 * Copies the box `size` at `srcBegin` of a row-major `src` (shape `srcShape`) to `dstBegin` of
 * `dst` (shape `dstShape`): trailing dimensions both arrays hold whole merge into one contiguous
 * run, so each run is one `set` and only the outer dimensions step through an odometer.
 */
function copyBox(
  src: TypedValues,
  srcShape: readonly number[],
  srcBegin: readonly number[],
  dst: TypedValues,
  dstShape: readonly number[],
  dstBegin: readonly number[],
  size: readonly number[],
): void {
  const rank = size.length;
  if (rank === 0) {
    dst[0] = src[0] ?? 0;
    return;
  }
  if (size.some((d) => d === 0)) return;
  let inner = 1;
  let d = rank - 1;
  while (d > 0 && size[d] === srcShape[d] && size[d] === dstShape[d]) inner *= size[d--] ?? 1;
  // The innermost partial dimension is still one run: everything below it is whole.
  inner *= size[d] ?? 1;
  const outer = d; // dimensions 0 .. outer-1 step through the odometer
  const sStride = new Array<number>(rank).fill(1);
  const dStride = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) {
    sStride[i] = (sStride[i + 1] ?? 1) * (srcShape[i + 1] ?? 1);
    dStride[i] = (dStride[i + 1] ?? 1) * (dstShape[i + 1] ?? 1);
  }
  let so = 0;
  let dOff = 0;
  for (let i = 0; i < rank; i++) {
    so += (srcBegin[i] ?? 0) * (sStride[i] ?? 0);
    dOff += (dstBegin[i] ?? 0) * (dStride[i] ?? 0);
  }
  const idx = new Array<number>(outer).fill(0);
  const runs = shapeSize(size.slice(0, outer));
  for (let r = 0; r < runs; r++) {
    // Short runs: a loop beats creating a subarray per run.
    if (inner < 16) for (let k = 0; k < inner; k++) dst[dOff + k] = src[so + k] ?? 0;
    else dst.set(src.subarray(so, so + inner), dOff);
    for (let j = outer - 1; j >= 0; j--) {
      so += sStride[j] ?? 0;
      dOff += dStride[j] ?? 0;
      if (++idx[j]! < (size[j] ?? 0)) break;
      so -= (sStride[j] ?? 0) * (size[j] ?? 0);
      dOff -= (dStride[j] ?? 0) * (size[j] ?? 0);
      idx[j] = 0;
    }
  }
}

/** Slice by runs; contiguous slices stay with the cpu kernel, whose result is a view (no copy). */
function sliceImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
  if (!x) return undefined;
  const xv = typedValues(backend, x);
  if (!xv) return undefined;
  const [b, z] = tf.slice_util.parseSliceParams(x, begin, size);
  if (!b || !z || b.length !== x.shape.length || z.length !== b.length) return undefined;
  if (b.some((v, i) => v < 0 || (z[i] ?? 0) < 0 || v + (z[i] ?? 0) > (x.shape[i] ?? 0))) return undefined;
  if (tf.slice_util.isSliceContinous(x.shape, b, z)) return undefined;
  const y = allocLike(backend, xv, shapeSize(z));
  copyBox(xv, x.shape, b, y, z, new Array<number>(z.length).fill(0), z);
  return backend.makeTensorInfo(z, x.dtype, y);
}

/** Constant pad: fill, then copy x in by runs. */
function padImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
  if (!x) return undefined;
  const xv = typedValues(backend, x);
  if (!xv || paddings.length !== x.shape.length) return undefined;
  if (paddings.some(([a, b]) => !(a >= 0 && b >= 0))) return undefined;
  const outShape = paddings.map(([a, b], i) => a + (x.shape[i] ?? 0) + b);
  const y = allocLike(backend, xv, shapeSize(outShape));
  y.fill(constantValue);
  copyBox(
    xv,
    x.shape,
    new Array<number>(x.shape.length).fill(0),
    y,
    outShape,
    paddings.map(([a]) => a),
    x.shape,
  );
  return backend.makeTensorInfo(outShape, x.dtype, y);
}

/** The addon's 8-int resize geometry (see NativeAddon.resizeNearest). */
function resizeGeometry(
  images: readonly number[],
  outH: number,
  outW: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const [b = 0, h = 0, w = 0, c = 0] = images;
  return Int32Array.from([b, h, w, c, outH, outW, alignCorners ? 1 : 0, halfPixelCenters ? 1 : 0]);
}

function resizeNearestImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { images } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { alignCorners, halfPixelCenters, size } = args.attrs as unknown as tf.ResizeNearestNeighborAttrs;
  if (!images || images.shape.length !== 4) return undefined;
  const xv = f32(backend, images);
  const [outH = 0, outW = 0] = size;
  const [b = 0, h = 0, w = 0, c = 0] = images.shape;
  if (!xv || !(outH > 0 && outW > 0 && h > 0 && w > 0)) return undefined;
  const y = backend.pool.take(b * outH * outW * c);
  if (y.length > 0) {
    backend.addon.resizeNearest(xv, y, resizeGeometry(images.shape, outH, outW, alignCorners, halfPixelCenters));
  }
  return out(backend, [b, outH, outW, c], y);
}

/**
 * The exact adjoint of the forward resize (each dy pixel added to the pixel it was copied from),
 * halfPixelCenters included. Differs from tfjs's cpu kernel where that one is wrong: with batch
 * > 1 it reads every image's dy at the input's batch stride, and it ignores halfPixelCenters.
 */
function resizeNearestGradImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { images, dy } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { alignCorners, halfPixelCenters } = args.attrs as unknown as tf.ResizeNearestNeighborGradAttrs;
  if (!images || !dy || images.shape.length !== 4 || dy.shape.length !== 4) return undefined;
  const dyv = f32(backend, dy);
  const [b = 0, h = 0, w = 0, c = 0] = images.shape;
  const [db, outH = 0, outW = 0, dc] = dy.shape;
  if (!dyv || db !== b || dc !== c || !(outH > 0 && outW > 0 && h > 0 && w > 0)) return undefined;
  const dx = backend.pool.take(shapeSize(images.shape));
  if (dx.length > 0) {
    backend.addon.resizeNearestGrad(dyv, dx, resizeGeometry(images.shape, outH, outW, alignCorners, halfPixelCenters));
  }
  return out(backend, [...images.shape], dx);
}

/** Mean over leading axes (BatchNormalization's moments) as a native row sum; others go to cpu. */
function meanImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.MeanAttrs;
  if (!x) return undefined;
  const xv = f32(backend, x);
  if (!xv || x.shape.length === 0) return undefined;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
  if (!axes.every((ax, i) => ax === i)) return undefined;
  const rows = shapeSize(x.shape.slice(0, axes.length));
  const rest = x.shape.slice(axes.length);
  const y = backend.pool.take(shapeSize(rest));
  backend.addon.sumRows(xv, y, rows, y.length);
  const inv = 1 / rows;
  for (let i = 0; i < y.length; i++) y[i] = (y[i] ?? 0) * inv;
  const shape = attrs.keepDims ? [...axes.map(() => 1), ...rest] : rest;
  return out(backend, shape, y);
}

/** A new array of the same kind as `like` (scratch that never becomes a tensor). */
function scratchLike(like: TypedValues, n: number): TypedValues {
  if (like instanceof Float32Array) return new Float32Array(n);
  return like instanceof Int32Array ? new Int32Array(n) : new Uint8Array(n);
}

/**
 * Tile one axis at a time, innermost first: along axis d every block (that axis and everything
 * inside it) is written reps[d] times in a row, as whole-block `set`s.
 */
function tileImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  if (!x) return undefined;
  const xv = typedValues(backend, x);
  const rank = x.shape.length;
  if (!xv || reps.length !== rank || !reps.every((r) => Number.isInteger(r) && r >= 0)) return undefined;
  const outShape = x.shape.map((d, i) => d * (reps[i] ?? 1));
  const y = allocLike(backend, xv, shapeSize(outShape));
  const axes = reps.map((r, i) => (r > 1 ? i : -1)).filter((i) => i >= 0);
  if (y.length === 0 || axes.length === 0) {
    if (y.length > 0) y.set(xv);
    return backend.makeTensorInfo(outShape, x.dtype, y);
  }
  let cur: TypedValues = xv;
  const shape = [...x.shape];
  for (let a = axes.length - 1; a >= 0; a--) {
    const d = axes[a] ?? 0;
    const r = reps[d] ?? 1;
    const block = shapeSize(shape.slice(d));
    const outer = shapeSize(shape.slice(0, d));
    const next = a === 0 ? y : scratchLike(xv, outer * block * r);
    for (let o = 0; o < outer; o++) {
      const src = cur.subarray(o * block, (o + 1) * block);
      for (let k = 0; k < r; k++) next.set(src, (o * r + k) * block);
    }
    shape[d] = (shape[d] ?? 0) * r;
    cur = next;
  }
  return backend.makeTensorInfo(outShape, x.dtype, y);
}

/** a > b for same-shape operands or one that repeats (a scalar, a bias row); bool output. */
function greaterImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!a || !b || a.dtype === 'string' || b.dtype === 'string') return undefined;
  const av = typedValues(backend, a);
  const bv = typedValues(backend, b);
  if (!av || !bv) return undefined;
  let outShape: number[];
  try {
    outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  } catch {
    return undefined; // the cpu kernel throws the proper error
  }
  const pa = repeatPeriod(a.shape, outShape);
  const pb = repeatPeriod(b.shape, outShape);
  if (pa === undefined || pb === undefined) return undefined;
  const n = shapeSize(outShape);
  const y = new Uint8Array(n);
  if (pb === 1 && pa === n) {
    const s = bv[0] ?? 0;
    for (let i = 0; i < n; i++) y[i] = (av[i] ?? 0) > s ? 1 : 0;
  } else if (pb === 1) {
    const s = bv[0] ?? 0;
    for (let i = 0; i < n; i++) y[i] = (av[i % pa] ?? 0) > s ? 1 : 0;
  } else if (pa === 1) {
    const s = av[0] ?? 0;
    for (let i = 0; i < n; i++) y[i] = s > (bv[i % pb] ?? 0) ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) y[i] = (av[i % pa] ?? 0) > (bv[i % pb] ?? 0) ? 1 : 0;
  }
  return backend.makeTensorInfo(outShape, 'bool', y);
}

const OVERRIDES: Record<
  (typeof NATIVE_KERNELS)[number],
  (args: KernelArgs, backend: NativeBackend) => tf.TensorInfo | undefined
> = {
  BatchMatMul: (a, b) => matmulImpl(a, b, false),
  _FusedMatMul: (a, b) => matmulImpl(a, b, true),
  Conv2D: (a, b) => conv2dImpl(a, b, false),
  FusedConv2D: (a, b) => conv2dImpl(a, b, true),
  Conv2DBackpropInput: conv2dBackpropInputImpl,
  Conv2DBackpropFilter: conv2dBackpropFilterImpl,
  MaxPool: maxPoolImpl,
  MaxPoolGrad: maxPoolGradImpl,
  Sum: sumImpl,
  GatherV2: gatherImpl,
  UnsortedSegmentSum: segmentSumImpl,
  Transpose: transposeImpl,
  Slice: sliceImpl,
  PadV2: padImpl,
  ResizeNearestNeighbor: resizeNearestImpl,
  ResizeNearestNeighborGrad: resizeNearestGradImpl,
  Mean: meanImpl,
  Tile: tileImpl,
  Greater: greaterImpl,
  ...(Object.fromEntries(
    Object.keys(BINARY_OPS).map((k) => [k, (a: KernelArgs, b: NativeBackend) => binaryImpl(k, a, b)]),
  ) as Record<
    'Add' | 'Sub' | 'Multiply' | 'RealDiv' | 'Maximum' | 'Minimum' | 'SquaredDifference',
    (a: KernelArgs, b: NativeBackend) => tf.TensorInfo | undefined
  >),
  ...(Object.fromEntries(
    Object.keys(UNARY_OPS).map((k) => [k, (a: KernelArgs, b: NativeBackend) => unaryImpl(k, a, b)]),
  ) as Record<
    'Sqrt' | 'Square' | 'Relu' | 'Step' | 'Neg' | 'Exp' | 'Log' | 'Abs' | 'Rsqrt' | 'Sigmoid' | 'Tanh',
    (a: KernelArgs, b: NativeBackend) => tf.TensorInfo | undefined
  >),
};

let registered = false;

/**
 * Registers the `native` backend and its kernels with tfjs (once). Every cpu kernel is
 * registered for `native` too, so anything not accelerated behaves exactly as on `cpu`.
 */
export function registerNativeBackend(addon: NativeAddon): void {
  if (registered) return;
  for (const k of tf.getKernelsForBackend('cpu')) {
    const override = (
      OVERRIDES as Record<string, ((a: KernelArgs, b: NativeBackend) => tf.TensorInfo | undefined) | undefined>
    )[k.kernelName];
    const plain = VIEW_KERNELS.has(k.kernelName) ? copyingViews(k.kernelFunc) : k.kernelFunc;
    tf.registerKernel({
      ...k,
      backendName: NATIVE_BACKEND_NAME,
      kernelFunc: override ? withFallback(k.kernelName, override, plain) : plain,
    });
  }
  registerRecurrentKernels(NATIVE_BACKEND_NAME);
  // The C++ backprop kernels take the dilation in their patch offsets (conv.cc), so dilated
  // gradients on native run there rather than through space-to-batch.
  markDilatedBackpropBackend(NATIVE_BACKEND_NAME);
  installDilatedConvGrad();
  installFusedRecurrent(() => tf.getBackend() === NATIVE_BACKEND_NAME);
  installNativeOptimizers(() =>
    tf.getBackend() === NATIVE_BACKEND_NAME ? (tf.backend() as NativeBackend) : undefined,
  );
  // Priority 0: tfjs's own default choice (when nobody calls setBackend) is left unchanged.
  tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(addon), 0);
  registered = true;
}

/** The addon, when it loaded (for thread control in benchmarks and tests). */
export function nativeAddon(): NativeAddon | undefined {
  const r = loadNativeAddon();
  return r.ok ? r.addon : undefined;
}

/** The backend provider for `native` used by src/backends/index.ts. */
export const nativeProvider: BackendProvider = {
  name: 'native',
  tfName: NATIVE_BACKEND_NAME,
  probe(): Promise<ProbeResult> {
    const r = loadNativeAddon();
    if (!r.ok) return Promise.resolve({ available: false, reason: r.reason });
    try {
      registerNativeBackend(r.addon);
    } catch (e) {
      return Promise.resolve({
        available: false,
        reason: `registration failed: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
    const threads = r.addon.threads();
    return Promise.resolve({
      available: true,
      detail: `tfgym C++ kernels, ${r.addon.kernel()}, ${threads} thread${threads === 1 ? '' : 's'}`,
    });
  },
};
