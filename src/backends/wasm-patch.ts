/**
 * Makes tfjs's `wasm` backend able to train every network tfgym builds, and fast at it.
 *
 * - `Conv2DBackpropFilter` (missing in tfjs-backend-wasm 4.22): im2col in JS, then one wasm
 *   matmul, dW = col^T dy; `Conv2DBackpropInput` (present but slow): one wasm matmul
 *   dcol = dy W^T, then col2im in JS.
 * - `BatchMatMul` / `_FusedMatMul` with a transposed operand: wasm's transposed path is 10-20x
 *   slower than the plain one, so the transpose is materialised (wasm Transpose) and the plain
 *   path runs. Dense layers' gradients are exactly these products.
 * - Every other kernel the cpu backend has and wasm lacks (UnsortedSegmentSum, the depthwise
 *   gradients, Einsum, ...) is routed to the cpu kernel: inputs are copied out of the wasm heap
 *   into a private cpu backend instance, the cpu kernel runs, results are copied back.
 *
 * Applied once, before the wasm backend is first used (see src/backends/index.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Kernels that only make sense for complex64 or the browser: wasm cannot hold their data. */
const UNROUTABLE = new Set(['Complex', 'ComplexAbs', 'FFT', 'IFFT', 'Imag', 'Real', 'Draw']);

/** What {@link patchWasmBackend} did. */
export interface WasmPatchReport {
  /** Kernels given a wasm-native implementation. */
  implemented: string[];
  /** Kernels routed to the cpu implementation. */
  routedToCpu: string[];
  /** Kernels whose transposed case now materialises the transpose. */
  wrapped: string[];
}

let report: WasmPatchReport | undefined;

function wasmKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`tfjs wasm backend has no ${name} kernel`);
  return k.kernelFunc;
}

function single(r: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo {
  const t = Array.isArray(r) ? r[0] : r;
  if (!t) throw new Error('kernel returned no output');
  return t;
}

/** The last two dimensions of t swapped, as a new wasm tensor (caller disposes). */
function transposeLast2(t: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const r = t.shape.length;
  const perm = t.shape.map((_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return single(wasmKernel('Transpose')({ inputs: { x: t }, backend, attrs: { perm } }));
}

/** Wraps a wasm matmul kernel so transposed operands are materialised first. */
function plainMatMulOnly(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean } | undefined;
    if (!attrs?.transposeA && !attrs?.transposeB) return original(args);
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
    if (!a || !b) return original(args);
    const temps: tf.TensorInfo[] = [];
    const at = attrs.transposeA ? transposeLast2(a, backend) : a;
    if (at !== a) temps.push(at);
    const bt = attrs.transposeB ? transposeLast2(b, backend) : b;
    if (bt !== b) temps.push(bt);
    try {
      return original({
        ...args,
        inputs: { ...args.inputs, a: at, b: bt },
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** Conv geometry of a filter or input gradient (NHWC, dilation 1). */
function gradConvInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Calls `visit(colOffset, xOffset)` for every in-image (output pixel, filter tap) pair, in row order. */
function forEachPatch(c: tf.backend_util.Conv2DInfo, visit: (colOffset: number, xOffset: number) => void): void {
  const kp = c.filterHeight * c.filterWidth * c.inChannels;
  let r = 0;
  for (let b = 0; b < c.batchSize; b++) {
    const xb = b * c.inHeight * c.inWidth * c.inChannels;
    for (let oh = 0; oh < c.outHeight; oh++) {
      for (let ow = 0; ow < c.outWidth; ow++, r++) {
        let o = r * kp;
        for (let kh = 0; kh < c.filterHeight; kh++) {
          const ih = oh * c.strideHeight - c.padInfo.top + kh * c.dilationHeight;
          for (let kw = 0; kw < c.filterWidth; kw++, o += c.inChannels) {
            const iw = ow * c.strideWidth - c.padInfo.left + kw * c.dilationWidth;
            if (ih >= 0 && ih < c.inHeight && iw >= 0 && iw < c.inWidth)
              visit(o, xb + (ih * c.inWidth + iw) * c.inChannels);
          }
        }
      }
    }
  }
}

/**
 * dW = im2col(x)^T dy, computed as (dy^T col)^T so that only the small matrices (dy and the
 * result) are transposed, never the large im2col matrix.
 */
function conv2dBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!x || !dy) throw new Error('Conv2DBackpropFilter needs x and dy');
  if (attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32')
    return cpuRouted('Conv2DBackpropFilter')(args) as tf.TensorInfo;
  const c = gradConvInfo(x.shape, attrs.filterShape, attrs);
  const rows = c.batchSize * c.outHeight * c.outWidth;
  const kp = c.filterHeight * c.filterWidth * c.inChannels;
  const ch = c.inChannels;
  // Fill the im2col matrix in place in the wasm heap: allocate first (a heap growth would
  // detach earlier views), then view x and col, never copying either through JS arrays.
  const colInfo = backend.makeOutput([rows, kp], 'float32');
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const col = backend.typedArrayFromHeap(colInfo) as Float32Array;
  col.fill(0);
  forEachPatch(c, (o, s) => {
    for (let i = 0; i < ch; i++) col[o + i] = xv[s + i] as number;
  });
  const temps: tf.TensorInfo[] = [colInfo];
  try {
    const dy2: tf.TensorInfo = { dataId: dy.dataId, shape: [rows, c.outChannels], dtype: 'float32' };
    const dwT = single(
      wasmKernel('BatchMatMul')({
        inputs: { a: dy2, b: colInfo },
        backend,
        attrs: { transposeA: true, transposeB: false },
      }),
    );
    temps.push(dwT);
    const dw = transposeLast2({ dataId: dwT.dataId, shape: [c.outChannels, kp], dtype: 'float32' }, backend);
    return { dataId: dw.dataId, shape: [...attrs.filterShape], dtype: 'float32' };
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** dx = col2im(dy W^T): wasm's own kernel for this is several times slower than its matmul. */
function conv2dBackpropInputWasm(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (!dy || !filter || attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32') return original(args);
    const c = gradConvInfo(attrs.inputShape, filter.shape, attrs);
    const rows = c.batchSize * c.outHeight * c.outWidth;
    const kp = c.filterHeight * c.filterWidth * c.inChannels;
    const dy2: tf.TensorInfo = { dataId: dy.dataId, shape: [rows, c.outChannels], dtype: 'float32' };
    const w2: tf.TensorInfo = { dataId: filter.dataId, shape: [kp, c.outChannels], dtype: 'float32' };
    const dcol = single(
      wasmKernel('BatchMatMul')({ inputs: { a: dy2, b: w2 }, backend, attrs: { transposeA: false, transposeB: true } }),
    );
    try {
      // Allocate before taking heap views (a heap growth would detach them).
      const dxInfo = backend.makeOutput([...attrs.inputShape], 'float32');
      const dcv = backend.typedArrayFromHeap(dcol) as Float32Array;
      const dx = backend.typedArrayFromHeap(dxInfo) as Float32Array;
      dx.fill(0);
      const ch = c.inChannels;
      forEachPatch(c, (o, s) => {
        for (let i = 0; i < ch; i++) dx[s + i] = (dx[s + i] as number) + (dcv[o + i] as number);
      });
      return dxInfo;
    } finally {
      backend.disposeData(dcol.dataId);
    }
  };
}

let cpuScratch: MathBackendCPU | undefined;

/** A kernel that runs the cpu implementation on copies of the wasm inputs. */
function cpuRouted(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`tfjs cpu backend has no ${name} kernel`);
  return (args) => {
    const wasm = args.backend as BackendWasm;
    cpuScratch ??= new MathBackendCPU();
    const cpu = cpuScratch;
    const made: tf.DataId[] = [];
    const toCpu = (t: tf.TensorInfo): tf.TensorInfo => {
      const id = cpu.write(wasm.readSync(t.dataId), t.shape, t.dtype);
      made.push(id);
      return { dataId: id, shape: t.shape, dtype: t.dtype };
    };
    const inputs: tf.NamedTensorInfoMap = {};
    for (const [key, t] of Object.entries(args.inputs)) if (t) inputs[key] = toCpu(t);
    try {
      const res = k.kernelFunc({ inputs, backend: cpu, attrs: args.attrs });
      const outs = Array.isArray(res) ? res : [res];
      const back = outs.map((o) => {
        made.push(o.dataId);
        return wasm.makeOutput([...o.shape], o.dtype, undefined, cpu.readSync(o.dataId));
      });
      return Array.isArray(res) ? back : single(back);
    } finally {
      for (const id of made) cpu.disposeData(id, true);
    }
  };
}

/**
 * Registers the missing and improved kernels for `wasm` (idempotent). Needs the wasm backend
 * module imported (its kernels registered); works before or after the backend initialises.
 */
export function patchWasmBackend(): WasmPatchReport {
  if (report) return report;
  const have = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const r: WasmPatchReport = { implemented: [], routedToCpu: [], wrapped: [] };
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const k = tf.getKernel(name, 'wasm');
    if (!k) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...k, kernelFunc: plainMatMulOnly(k.kernelFunc) });
    r.wrapped.push(name);
  }
  const bpi = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (bpi) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ ...bpi, kernelFunc: conv2dBackpropInputWasm(bpi.kernelFunc) });
    r.wrapped.push('Conv2DBackpropInput');
  }
  if (!have.has('Conv2DBackpropFilter')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: conv2dBackpropFilterWasm,
    });
    r.implemented.push('Conv2DBackpropFilter');
  }
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (have.has(k.kernelName) || UNROUTABLE.has(k.kernelName) || k.kernelName === 'Conv2DBackpropFilter') continue;
    tf.registerKernel({ kernelName: k.kernelName, backendName: 'wasm', kernelFunc: cpuRouted(k.kernelName) });
    r.routedToCpu.push(k.kernelName);
  }
  report = r;
  return r;
}
