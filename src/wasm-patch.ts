/**
 * Makes tfjs's `wasm` backend able to train every network tfgym builds, and fast at it.
 *
 * - `Conv2DBackpropFilter` (missing in tfjs-backend-wasm 4.22): im2col in JS, then one wasm
 *   matmul, dW = col^T dy.
 * - `BatchMatMul` / `_FusedMatMul` with a transposed operand: wasm's transposed path is 10-20x
 *   slower than the plain one, so the transpose is materialised (wasm Transpose) and the plain
 *   path runs. Dense layers' gradients are exactly these products.
 * - Every other kernel the cpu backend has and wasm lacks (UnsortedSegmentSum, the depthwise
 *   gradients, Einsum, ...) is routed to the cpu kernel: inputs are copied out of the wasm heap
 *   into a private cpu backend instance, the cpu kernel runs, results are copied back.
 *
 * Applied once, before the wasm backend is first used (see src/backend.ts).
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
      return original({ ...args, inputs: { ...args.inputs, a: at, b: bt }, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** dW = im2col(x)^T dy: the im2col in JS, the product by wasm's plain matmul. */
function conv2dBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!x || !dy) throw new Error('Conv2DBackpropFilter needs x and dy');
  if (attrs.dataFormat === 'NCHW') return cpuRouted('Conv2DBackpropFilter')(args) as tf.TensorInfo;
  const c = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const xv = backend.readSync(x.dataId) as Float32Array;
  const rows = c.batchSize * c.outHeight * c.outWidth;
  const kp = c.filterHeight * c.filterWidth * c.inChannels;
  // Row r of col is the input patch under output pixel r (zeros outside the image).
  const col = new Float32Array(rows * kp);
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
            if (ih < 0 || ih >= c.inHeight || iw < 0 || iw >= c.inWidth) continue;
            const s = xb + (ih * c.inWidth + iw) * c.inChannels;
            col.set(xv.subarray(s, s + c.inChannels), o);
          }
        }
      }
    }
  }
  const colT = backend.makeOutput([rows, kp], 'float32', undefined, col);
  try {
    const dy2: tf.TensorInfo = { dataId: dy.dataId, shape: [rows, c.outChannels], dtype: 'float32' };
    const dw = single(wasmKernel('BatchMatMul')({ inputs: { a: colT, b: dy2 }, backend, attrs: { transposeA: true, transposeB: false } }));
    return { dataId: dw.dataId, shape: [...attrs.filterShape], dtype: 'float32' };
  } finally {
    backend.disposeData(colT.dataId);
  }
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
  if (!have.has('Conv2DBackpropFilter')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm });
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

