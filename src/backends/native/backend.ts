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
import { DEFAULT_POOL_BYTES, loadNativeAddon, poolBytesFromEnv, type NativeAddon } from './addon.js';
import { adoptedBuffers, installNativeOptimizers } from './optimizers.js';
import { installFusedRecurrent, registerRecurrentKernels } from './recurrent.js';
import { installFastTimeDistributed } from './wrappers.js';
import { installNativeGradients } from './gradients.js';
import { installTapedConv, registerConvKernels } from './conv.js';
import { installFusedDense, registerDenseKernels } from './dense.js';
import { f32 } from './host.js';

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
  'AvgPool',
  'AvgPoolGrad',
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
  // The activations of the book's GANs and their gradients' comparisons and selects (the cpu
  // kernels go through generic broadcasting code: 25-50 ns an element on a DCGAN's activations).
  'LeakyRelu',
  'Elu',
  'Softplus',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Equal',
  'NotEqual',
  'Select',
  'Sum',
  // Global pooling and the losses' means over an axis block (the cpu Mean runs two extra kernels).
  'Max',
  'Mean',
  // Gather and its gradient: the cpu kernels walk element by element through index arithmetic
  // (gathering one MNIST batch took 6 ms, the epoch's shuffle 2 s) or, for the scatter-add,
  // once over the whole input per segment (an Embedding gradient took minutes).
  'GatherV2',
  'UnsortedSegmentSum',
  // The gather gradient transposes (an identity permutation for axis 0): the cpu kernel walks
  // every element through index arithmetic, 22 ms of the sentiment LSTM's 45 ms step.
  'Transpose',
  // bool/int32 -> float32 into float storage (else the next native kernel falls back).
  'Cast',
  // The softmax of a tagger's [B * T, C] outputs: the cpu kernel's chain of four kernels in JS.
  'Softmax',
  // RepeatVector's forward, and the copies of slices, splits (gates, heads), reversals
  // (Bidirectional, goBackwards) and padding (causal convolutions): the cpu kernels map every
  // element through index arithmetic, 0.4-0.7 us each (a Bidirectional tagger's reverse: 0.3 s).
  'Tile',
  'Slice',
  'SplitV',
  'Reverse',
  'PadV2',
  // The GAN layers (DCGAN train step on native, 32 x 28 x 28): UpSampling2D is a nearest resize,
  // whose cpu gradient searches a window per input pixel (23 ms a call).
  'ResizeNearestNeighbor',
  'ResizeNearestNeighborGrad',
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
  LeakyRelu: 11,
  Elu: 12,
  Softplus: 13,
};
/** Addon op codes of comparisons (native/src/elementwise.h). */
const COMPARE_OPS: Record<string, number> = {
  Greater: 0,
  GreaterEqual: 1,
  Less: 2,
  LessEqual: 3,
  Equal: 4,
  NotEqual: 5,
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
  /**
   * Default bound on the bytes kept free: 1 GiB, or `TFGYM_NATIVE_POOL_MB`. A WaveNet step keeps
   * ~600 MB of activations for its gradient; with 256 MB the pool dropped what it could not hold
   * and the next step allocated 344 MB afresh (zeroed, then collected), a quarter of its time.
   * The pool never holds more than a step once had in use.
   */
  static readonly MAX_FREE_BYTES = poolBytesFromEnv(process.env['TFGYM_NATIVE_POOL_MB']) ?? DEFAULT_POOL_BYTES;

  /** @param maxFreeBytes upper bound on the bytes kept free (default {@link BufferPool.MAX_FREE_BYTES}) */
  constructor(private readonly maxFreeBytes = BufferPool.MAX_FREE_BYTES) {}
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
    if (this.freeBytes + v.byteLength > this.maxFreeBytes) return;
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
  impl: (args: KernelArgs, backend: NativeBackend) => tf.TensorInfo | tf.TensorInfo[] | undefined,
  fallback: tf.KernelFunc = VIEW_KERNELS.has(name) ? copyingViews(cpuKernel(name)) : cpuKernel(name),
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

function avgPoolImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x) return undefined;
  const xv = f32(backend, x);
  const info = poolInfoFor(x.shape, args.attrs as unknown as tf.MaxPoolAttrs);
  if (!xv || !info) return undefined;
  const y = backend.pool.take(shapeSize(info.outShape));
  if (y.length > 0) backend.addon.avgPool(xv, y, convGeometry(info));
  return out(backend, info.outShape, y);
}

function avgPoolGradImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { dy, input } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!dy || !input) return undefined;
  const dyv = f32(backend, dy);
  const info = poolInfoFor(input.shape, args.attrs as unknown as tf.MaxPoolAttrs);
  if (!dyv || !info) return undefined;
  const dx = backend.pool.take(shapeSize(input.shape));
  if (dx.length > 0) backend.addon.avgPoolGrad(dyv, dx, convGeometry(info));
  return out(backend, [...input.shape], dx);
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

/**
 * How an operand of shape `s` is laid out inside the broadcast shape `out`, if it is a shape the
 * native kernels walk: output element i reads `((i / (inner * mid)) * inner + i % inner) % period`.
 * That covers a scalar, a full operand, trailing dimensions (a bias: leading axes broadcast) and one
 * block of broadcast axes between kept ones (`[B, T, 1]` or `[B, 1, C]` against `[B, T, C]`).
 */
function repeatPattern(s: readonly number[], outShape: readonly number[]): Layout | undefined {
  const n = shapeSize(s);
  if (n === 1) return { period: 1, inner: 1, mid: 1 };
  const padded = [...new Array<number>(Math.max(0, outShape.length - s.length)).fill(1), ...s];
  let i = padded.length - 1;
  let inner = 1;
  for (; i >= 0 && padded[i] === outShape[i]; i--) inner *= outShape[i] ?? 1;
  let mid = 1;
  for (; i >= 0 && padded[i] === 1; i--) mid *= outShape[i] ?? 1;
  // A broadcast block that reaches the front is the period's wrap-around, not a block.
  if (i < 0 || mid === 1) return { period: n, inner: 1, mid: 1 };
  let j = i;
  while (j >= 0 && padded[j] === outShape[j]) j--;
  while (j >= 0 && padded[j] === 1) j--;
  return j >= 0 ? undefined : { period: n, inner, mid };
}

type Layout = { period: number; inner: number; mid: number };

/**
 * The float32 operands a and b of a binary kernel with their broadcast layouts and the output
 * shape, when the native kernels can walk them (else undefined: the cpu kernel runs, and throws
 * tfjs' error on shapes that do not broadcast).
 */
function broadcastOperands(
  args: KernelArgs,
  backend: NativeBackend,
): { av: Float32Array; bv: Float32Array; pa: Layout; pb: Layout; outShape: number[] } | undefined {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!a || !b) return undefined;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv) return undefined;
  let outShape: number[];
  try {
    outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  } catch {
    return undefined;
  }
  const pa = repeatPattern(a.shape, outShape);
  const pb = repeatPattern(b.shape, outShape);
  return pa && pb ? { av, bv, pa, pb, outShape } : undefined;
}

function binaryImpl(name: string, args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const op = BINARY_OPS[name];
  const o = op === undefined ? undefined : broadcastOperands(args, backend);
  if (op === undefined || !o) return undefined;
  const y = backend.pool.take(shapeSize(o.outShape));
  if (y.length > 0)
    backend.addon.binary(op, o.av, o.pa.period, o.bv, o.pb.period, y, o.pa.mid, o.pb.mid, o.pa.inner, o.pb.inner);
  return out(backend, o.outShape, y);
}

/** Comparisons of float32 operands (broadcast as binaryImpl does) into bool. */
function compareImpl(name: string, args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const op = COMPARE_OPS[name];
  const o = op === undefined ? undefined : broadcastOperands(args, backend);
  if (op === undefined || !o) return undefined;
  const y = new Uint8Array(shapeSize(o.outShape));
  if (y.length > 0)
    backend.addon.compare(op, o.av, o.pa.period, o.pa.mid, o.bv, o.pb.period, o.pb.mid, y, o.pa.inner, o.pb.inner);
  return backend.makeTensorInfo(o.outShape, 'bool', y);
}

/** Select (where) with a bool condition and float32 branches of one shape. */
function selectImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { condition, t, e } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!condition || !t || !e) return undefined;
  const cv = backend.data.get(condition.dataId)?.values;
  const tv = f32(backend, t);
  const ev = f32(backend, e);
  if (!(cv instanceof Uint8Array) || !tv || !ev) return undefined;
  if (cv.length !== tv.length || tv.length !== ev.length) return undefined;
  const y = backend.pool.take(tv.length);
  if (y.length > 0) backend.addon.select(cv, tv, ev, y);
  return out(backend, [...t.shape], y);
}

/**
 * Cast of bool or int32 to float32 into real float storage (the cpu kernel may keep the integer
 * array under a float32 tensor, which every native kernel after it then hands back to JS: a
 * max-pool gradient's `dy * cast(equal(x, max))` took 26 ms in the cpu Multiply).
 */
function castImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  if (!x || dtype !== 'float32' || (x.dtype !== 'bool' && x.dtype !== 'int32')) return undefined;
  const xv = typedValues(backend, x);
  if (!xv) return undefined;
  const y = backend.pool.take(xv.length);
  for (let i = 0; i < xv.length; i++) y[i] = xv[i] as number;
  return out(backend, [...x.shape], y);
}

/** Softmax over the last axis natively (the only axis tfjs' op takes). */
function softmaxImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { logits } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!logits || logits.shape.length === 0) return undefined;
  const dim = (args.attrs as { dim?: number } | undefined)?.dim ?? -1;
  if (dim !== -1 && dim !== logits.shape.length - 1) return undefined;
  const xv = f32(backend, logits);
  if (!xv) return undefined;
  const cols = logits.shape[logits.shape.length - 1] ?? 0;
  const y = backend.pool.take(xv.length);
  if (y.length > 0) backend.addon.softmax(xv, y, xv.length / cols, cols);
  return out(backend, [...logits.shape], y);
}

function unaryImpl(name: string, args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const op = UNARY_OPS[name];
  if (!x || op === undefined) return undefined;
  const xv = f32(backend, x);
  if (!xv) return undefined;
  const y = backend.pool.take(xv.length);
  // Step's value for x <= 0, LeakyRelu's slope.
  const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
  if (y.length > 0) backend.addon.unary(op, xv, y, alpha);
  return out(backend, [...x.shape], y);
}

/**
 * A reduction over `axes` as `[outer, rows, cols]` when the reduced axes (ignoring size-1 ones) are
 * one block of adjacent axes (leading: a bias gradient; middle: a Tile or RepeatVector gradient, a
 * global pooling), with the output shape; undefined for other reductions (the cpu kernel's).
 */
function reductionBlock(
  shape: readonly number[],
  axisAttr: number | number[],
  keepDims: boolean,
): { outer: number; rows: number; cols: number; outShape: number[] } | undefined {
  if (shape.length === 0) return undefined;
  const axes = tf.util.parseAxisParam(axisAttr, [...shape]).sort((p, q) => p - q);
  const block = axes.filter((ax) => shape[ax] !== 1);
  const first = block[0] ?? 0;
  const last = block[block.length - 1] ?? -1;
  if (block.some((ax, i) => ax !== first + i)) return undefined;
  return {
    outer: shapeSize(shape.slice(0, first)),
    rows: shapeSize(shape.slice(first, last + 1)),
    cols: shapeSize(shape.slice(last + 1)),
    outShape: keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i)),
  };
}

/** Block sums (double accumulation per output, as the cpu kernel) of `[outer, rows, cols]`. */
function sumBlock(backend: NativeBackend, xv: Float32Array, outer: number, rows: number, cols: number): Float32Array {
  const y = backend.pool.take(outer * cols);
  // One call for all blocks: a reduction over the last axis of [128, 3] was 128 calls.
  if (y.length > 0) backend.addon.sumBlocks(xv, y, outer, rows, cols);
  return y;
}

/** Sum over a block of axes natively (see reductionBlock). */
function sumImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.SumAttrs;
  if (!x) return undefined;
  const xv = f32(backend, x);
  const r = reductionBlock(x.shape, attrs.axis, attrs.keepDims);
  if (!xv || !r) return undefined;
  return out(backend, r.outShape, sumBlock(backend, xv, r.outer, r.rows, r.cols));
}

/** Mean as the cpu kernel computes it (x / n in float, then the sum) over a block of axes. */
function meanImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.MeanAttrs;
  if (!x) return undefined;
  const xv = f32(backend, x);
  const r = reductionBlock(x.shape, attrs.axis, attrs.keepDims);
  if (!xv || !r) return undefined;
  const reduceSize = shapeSize(x.shape) / Math.max(1, r.outer * r.cols);
  const scaled = backend.pool.take(xv.length);
  if (scaled.length > 0)
    backend.addon.binary(BINARY_OPS['RealDiv'] ?? 3, xv, xv.length, Float32Array.of(reduceSize), 1, scaled);
  const y = sumBlock(backend, scaled, r.outer, r.rows, r.cols);
  backend.pool.release(scaled);
  return out(backend, r.outShape, y);
}

/** Max over a block of axes, NaN winning as in the cpu kernel (float32 and int32). */
function maxImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as tf.MaxAttrs;
  if (!x || (x.dtype !== 'float32' && x.dtype !== 'int32')) return undefined;
  const xv = typedValues(backend, x);
  const r = reductionBlock(x.shape, attrs.reductionIndices, attrs.keepDims);
  if (!xv || !r || r.rows === 0) return undefined;
  const { outer, rows, cols } = r;
  const y = allocLike(backend, xv, outer * cols);
  for (let o = 0; o < outer; o++) {
    const base = o * rows * cols;
    const yo = o * cols;
    y.set(xv.subarray(base, base + cols), yo);
    for (let k = 1; k < rows; k++) {
      const row = base + k * cols;
      for (let c = 0; c < cols; c++) {
        const v = xv[row + c] as number;
        if (Number.isNaN(v) || v > (y[yo + c] as number)) y[yo + c] = v;
      }
    }
  }
  return backend.makeTensorInfo(r.outShape, x.dtype, y);
}

/**
 * Tile as row copies: every output row of the last dimension is its source row repeated (the cpu
 * kernel maps every element's index back through index arithmetic).
 */
function tileImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const reps = (args.attrs as unknown as tf.TileAttrs).reps;
  if (!x || x.shape.length === 0 || reps.length !== x.shape.length) return undefined;
  const xv = f32(backend, x);
  if (!xv) return undefined;
  const shape = x.shape;
  const outShape = shape.map((d, i) => d * (reps[i] ?? 1));
  const y = backend.pool.take(shapeSize(outShape));
  if (y.length === 0) return out(backend, outShape, y);
  const rank = shape.length;
  const d = shape[rank - 1] ?? 1;
  const rowLen = outShape[rank - 1] ?? 1;
  const rows = y.length / rowLen;
  const idx = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    // Source row: each output index of the leading dimensions modulo the input's size.
    let src = 0;
    for (let i = 0; i < rank - 1; i++) src = src * (shape[i] ?? 1) + ((idx[i] ?? 0) % (shape[i] ?? 1));
    const row = xv.subarray(src * d, src * d + d);
    for (let k = 0; k < rowLen; k += d) y.set(row, r * rowLen + k);
    for (let i = rank - 2; i >= 0; i--) {
      idx[i] = (idx[i] ?? 0) + 1;
      if ((idx[i] ?? 0) < (outShape[i] ?? 1)) break;
      idx[i] = 0;
    }
  }
  return out(backend, outShape, y);
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
 * Copies the box `begin` .. `begin + size` of `src` (shape `shape`) into `dst` at `dstOffset`
 * (packed, row-major), one `set` per contiguous run: trailing axes taken whole merge into the run.
 */
function copyBox(
  src: TypedValues,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: TypedValues,
  dstOffset: number,
  dstStrides?: readonly number[],
): void {
  const rank = shape.length;
  if (shapeSize(size) === 0) return;
  if (rank === 0) {
    dst[dstOffset] = src[0] ?? 0;
    return;
  }
  const srcStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) srcStrides[i] = (srcStrides[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  const packed = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) packed[i] = (packed[i + 1] ?? 1) * (size[i + 1] ?? 1);
  const outStrides = dstStrides ?? packed;
  // The run: the last axis plus every trailing axis taken whole, and contiguous in dst, before it.
  let k = rank - 1;
  while (
    k > 0 &&
    size[k] === shape[k] &&
    (begin[k] ?? 0) === 0 &&
    outStrides[k - 1] === (size[k] ?? 1) * (outStrides[k] ?? 1)
  )
    k--;
  const run = (size[k] ?? 1) * (srcStrides[k] ?? 1);
  const idx = new Array<number>(k).fill(0);
  const runs = shapeSize(size.slice(0, k));
  for (let r = 0; r < runs; r++) {
    let from = (begin[k] ?? 0) * (srcStrides[k] ?? 1);
    let to = dstOffset;
    for (let i = 0; i < k; i++) {
      from += ((begin[i] ?? 0) + (idx[i] ?? 0)) * (srcStrides[i] ?? 1);
      to += (idx[i] ?? 0) * (outStrides[i] ?? 1);
    }
    if (run === 1) dst[to] = src[from] ?? 0;
    else dst.set(src.subarray(from, from + run), to);
    for (let i = k - 1; i >= 0; i--) {
      idx[i] = (idx[i] ?? 0) + 1;
      if ((idx[i] ?? 0) < (size[i] ?? 1)) break;
      idx[i] = 0;
    }
  }
}

/** Slice as run copies (the cpu kernel maps every element of a non-contiguous slice). */
function sliceImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x) return undefined;
  const xv = typedValues(backend, x);
  if (!xv) return undefined;
  const attrs = args.attrs as unknown as tf.SliceAttrs;
  const like = { shape: x.shape, rank: x.shape.length } as unknown as tf.Tensor;
  const [begin, size] = tf.slice_util.parseSliceParams(like, attrs.begin, attrs.size) as [number[], number[]];
  tf.slice_util.assertParamsValid(like, begin, size);
  const y = allocLike(backend, xv, shapeSize(size));
  copyBox(xv, x.shape, begin, size, y, 0);
  return backend.makeTensorInfo(size, x.dtype, y);
}

/** SplitV: each piece a box copy along the axis. */
function splitImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo[] | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x) return undefined;
  const xv = typedValues(backend, x);
  if (!xv) return undefined;
  const attrs = args.attrs as unknown as tf.SplitVAttrs;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] ?? 0;
  const sizes = tf.backend_util.prepareSplitSize(
    { shape: x.shape } as unknown as tf.Tensor,
    attrs.numOrSizeSplits,
    axis,
  );
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((n) => {
    const size = x.shape.map((d, i) => (i === axis ? n : d));
    const y = allocLike(backend, xv, shapeSize(size));
    copyBox(xv, x.shape, begin, size, y, 0);
    begin[axis] = (begin[axis] ?? 0) + n;
    return backend.makeTensorInfo(size, x.dtype, y);
  });
}

/** Reverse: runs copied to mirrored places while the last axis keeps its order, else elements. */
function reverseImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x) return undefined;
  const xv = typedValues(backend, x);
  if (!xv) return undefined;
  const shape = x.shape;
  const rank = shape.length;
  const axes = new Set(tf.util.parseAxisParam((args.attrs as unknown as tf.ReverseAttrs).dims, shape));
  const y = allocLike(backend, xv, xv.length);
  if (rank === 0 || xv.length === 0) {
    y.set(xv);
    return backend.makeTensorInfo([...shape], x.dtype, y);
  }
  // Trailing axes that are not reversed form one run.
  let k = rank - 1;
  while (k >= 0 && !axes.has(k)) k--;
  const run = shapeSize(shape.slice(k + 1));
  if (k < 0) {
    y.set(xv);
    return backend.makeTensorInfo([...shape], x.dtype, y);
  }
  const strides = new Array<number>(k + 1).fill(run);
  for (let i = k - 1; i >= 0; i--) strides[i] = (strides[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  const idx = new Array<number>(k + 1).fill(0);
  const runs = shapeSize(shape.slice(0, k + 1));
  for (let r = 0; r < runs; r++) {
    let from = 0;
    for (let i = 0; i <= k; i++) {
      const j = idx[i] ?? 0;
      from += (axes.has(i) ? (shape[i] ?? 1) - 1 - j : j) * (strides[i] ?? 1);
    }
    const to = r * run;
    if (run === 1) y[to] = xv[from] ?? 0;
    else y.set(xv.subarray(from, from + run), to);
    for (let i = k; i >= 0; i--) {
      idx[i] = (idx[i] ?? 0) + 1;
      if ((idx[i] ?? 0) < (shape[i] ?? 1)) break;
      idx[i] = 0;
    }
  }
  return backend.makeTensorInfo([...shape], x.dtype, y);
}

/** PadV2 (constant padding): the output filled with the value, the input copied in by runs. */
function padImpl(args: KernelArgs, backend: NativeBackend): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x) return undefined;
  const xv = typedValues(backend, x);
  if (!xv) return undefined;
  const attrs = args.attrs as unknown as tf.PadV2Attrs;
  const outShape = x.shape.map((d, i) => (attrs.paddings[i]?.[0] ?? 0) + d + (attrs.paddings[i]?.[1] ?? 0));
  const y = allocLike(backend, xv, shapeSize(outShape));
  y.fill(attrs.constantValue);
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = (strides[i + 1] ?? 1) * (outShape[i + 1] ?? 1);
  let offset = 0;
  for (let i = 0; i < rank; i++) offset += (attrs.paddings[i]?.[0] ?? 0) * (strides[i] ?? 1);
  copyBox(xv, x.shape, new Array<number>(rank).fill(0), x.shape, y, offset, strides);
  return backend.makeTensorInfo(outShape, x.dtype, y);
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

const OVERRIDES: Record<
  (typeof NATIVE_KERNELS)[number],
  (args: KernelArgs, backend: NativeBackend) => tf.TensorInfo | tf.TensorInfo[] | undefined
> = {
  BatchMatMul: (a, b) => matmulImpl(a, b, false),
  _FusedMatMul: (a, b) => matmulImpl(a, b, true),
  Conv2D: (a, b) => conv2dImpl(a, b, false),
  FusedConv2D: (a, b) => conv2dImpl(a, b, true),
  Conv2DBackpropInput: conv2dBackpropInputImpl,
  Conv2DBackpropFilter: conv2dBackpropFilterImpl,
  MaxPool: maxPoolImpl,
  MaxPoolGrad: maxPoolGradImpl,
  AvgPool: avgPoolImpl,
  AvgPoolGrad: avgPoolGradImpl,
  Sum: sumImpl,
  Max: maxImpl,
  Mean: meanImpl,
  GatherV2: gatherImpl,
  UnsortedSegmentSum: segmentSumImpl,
  Transpose: transposeImpl,
  Softmax: softmaxImpl,
  Cast: castImpl,
  Tile: tileImpl,
  Slice: sliceImpl,
  SplitV: splitImpl,
  Reverse: reverseImpl,
  PadV2: padImpl,
  ResizeNearestNeighbor: resizeNearestImpl,
  ResizeNearestNeighborGrad: resizeNearestGradImpl,
  ...(Object.fromEntries(
    Object.keys(BINARY_OPS).map((k) => [k, (a: KernelArgs, b: NativeBackend) => binaryImpl(k, a, b)]),
  ) as Record<
    'Add' | 'Sub' | 'Multiply' | 'RealDiv' | 'Maximum' | 'Minimum' | 'SquaredDifference',
    (a: KernelArgs, b: NativeBackend) => tf.TensorInfo | undefined
  >),
  ...(Object.fromEntries(
    Object.keys(COMPARE_OPS).map((k) => [k, (a: KernelArgs, b: NativeBackend) => compareImpl(k, a, b)]),
  ) as Record<
    'Greater' | 'GreaterEqual' | 'Less' | 'LessEqual' | 'Equal' | 'NotEqual',
    (a: KernelArgs, b: NativeBackend) => tf.TensorInfo | undefined
  >),
  Select: selectImpl,
  ...(Object.fromEntries(
    Object.keys(UNARY_OPS).map((k) => [k, (a: KernelArgs, b: NativeBackend) => unaryImpl(k, a, b)]),
  ) as Record<
    | 'Sqrt'
    | 'Square'
    | 'Relu'
    | 'Step'
    | 'Neg'
    | 'Exp'
    | 'Log'
    | 'Abs'
    | 'Rsqrt'
    | 'Sigmoid'
    | 'Tanh'
    | 'LeakyRelu'
    | 'Elu'
    | 'Softplus',
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
      OVERRIDES as Record<
        string,
        ((a: KernelArgs, b: NativeBackend) => tf.TensorInfo | tf.TensorInfo[] | undefined) | undefined
      >
    )[k.kernelName];
    const plain = VIEW_KERNELS.has(k.kernelName) ? copyingViews(k.kernelFunc) : k.kernelFunc;
    tf.registerKernel({
      ...k,
      backendName: NATIVE_BACKEND_NAME,
      kernelFunc: override ? withFallback(k.kernelName, override, plain) : plain,
    });
  }
  registerRecurrentKernels(NATIVE_BACKEND_NAME);
  registerDenseKernels(NATIVE_BACKEND_NAME);
  installFusedDense(() => tf.getBackend() === NATIVE_BACKEND_NAME && process.env['TFGYM_FUSED_DENSE'] !== '0');
  registerConvKernels(NATIVE_BACKEND_NAME);
  installTapedConv(() => tf.getBackend() === NATIVE_BACKEND_NAME && process.env['TFGYM_FUSED_CONV'] !== '0');
  // The C++ backprop kernels take the dilation in their patch offsets (conv.cc), so dilated
  // gradients on native run there rather than through space-to-batch.
  markDilatedBackpropBackend(NATIVE_BACKEND_NAME);
  installDilatedConvGrad();
  installFusedRecurrent(() => tf.getBackend() === NATIVE_BACKEND_NAME);
  installFastTimeDistributed(() => tf.getBackend() === NATIVE_BACKEND_NAME);
  installNativeGradients(() => tf.getBackend() === NATIVE_BACKEND_NAME);
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
