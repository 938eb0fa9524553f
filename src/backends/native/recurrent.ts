/**
 * The fused LSTM of the `native` backend: a whole sequence in one kernel (`TfgymLstm`) and its
 * backpropagation through time in another (`TfgymLstmGrad`), instead of tfjs' ~14 small kernels per
 * time step. The input projection of every time step is one GEMM, each step one hidden-state GEMM
 * plus one pass over the gates; backward, one GEMM per step for the hidden-state gradient and three
 * for the input, kernel and recurrent-kernel gradients of the whole sequence.
 *
 * Models keep using the ordinary `tf.layers.lstm` (and `bidirectional` over it): {@link
 * installFusedRecurrent} routes `RNN.call` of an `LSTMCell` to the fused kernel while `native` is
 * the active backend, with the same weights (Keras layout: kernel `[I, 4H]`, recurrent kernel
 * `[H, 4H]`, bias `[4H]`, gates in the order i, f, c, o) and the same semantics as tfjs' step loop:
 * outputs in processing order (reversed with `goBackwards`), initial states, `stateful` carry-over,
 * `returnSequences` and `returnState`. Cases it does not cover take the stock path: masks,
 * dropout or recurrent dropout, activations other than tanh, sigmoid, hard sigmoid, relu and linear.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';

/** Kernel names registered for the `native` backend. */
export const LSTM_KERNEL = 'TfgymLstm';
export const LSTM_GRAD_KERNEL = 'TfgymLstmGrad';

/** What the kernels need of the backend (kept structural: backend.ts imports this module). */
export interface RecurrentHost {
  readonly addon: NativeAddon;
  readonly data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** Activation codes of the fused kernels (Keras names as tfjs' activations report them). */
const ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, tanh: 1, sigmoid: 2, hardSigmoid: 3, relu: 4 };

/**
 * y[k] = act(x[k]) for k in [from, to): one switch per call, a tight loop per case (a switch per
 * element kept V8 from inlining and cost most of the step).
 */
function activateRange(code: number, x: Float32Array, y: Float32Array, from: number, to: number): void {
  switch (code) {
    case 1:
      for (let k = from; k < to; k++) y[k] = Math.tanh(x[k] ?? 0);
      return;
    case 2:
      for (let k = from; k < to; k++) y[k] = 1 / (1 + Math.exp(-(x[k] ?? 0)));
      return;
    case 3:
      // Keras 2's hard sigmoid, as tfjs: clip(0.2 z + 0.5, 0, 1).
      for (let k = from; k < to; k++) {
        const v = 0.2 * (x[k] ?? 0) + 0.5;
        y[k] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
      return;
    case 4:
      for (let k = from; k < to; k++) {
        const v = x[k] ?? 0;
        y[k] = v > 0 ? v : 0;
      }
      return;
    default:
      for (let k = from; k < to; k++) y[k] = x[k] ?? 0;
  }
}

/**
 * d[k] = act'(z) from the activation's output y[k] = act(z) (what the cache keeps): tanh 1 - y^2,
 * sigmoid y (1 - y), hard sigmoid 0.2 inside (0, 1), relu 1 where y > 0. At the kinks themselves
 * (z exactly -2.5 or 2.5 for the hard sigmoid, 0 for relu) the derivative is taken as 0.
 */
function derivativeRange(code: number, y: Float32Array, from: number, to: number, d: Float32Array, at: number): void {
  switch (code) {
    case 1:
      for (let k = from; k < to; k++) {
        const v = y[k] ?? 0;
        d[at + k - from] = 1 - v * v;
      }
      return;
    case 2:
      for (let k = from; k < to; k++) {
        const v = y[k] ?? 0;
        d[at + k - from] = v * (1 - v);
      }
      return;
    case 3:
      for (let k = from; k < to; k++) {
        const v = y[k] ?? 0;
        d[at + k - from] = v > 0 && v < 1 ? 0.2 : 0;
      }
      return;
    case 4:
      for (let k = from; k < to; k++) d[at + k - from] = (y[k] ?? 0) > 0 ? 1 : 0;
      return;
    default:
      for (let k = from; k < to; k++) d[at + k - from] = 1;
  }
}

/** Attributes of both kernels. */
export interface LstmAttrs {
  goBackwards: boolean;
  activation: string;
  recurrentActivation: string;
  [key: string]: unknown;
}

function values(host: RecurrentHost, t: tf.TensorInfo): Float32Array {
  const v = host.data.get(t.dataId)?.values;
  if (!(v instanceof Float32Array)) throw new Error(`${LSTM_KERNEL}: expected float32 data`);
  return v;
}

function codes(attrs: LstmAttrs): [number, number] {
  const act = ACTIVATIONS[attrs.activation];
  const rec = ACTIVATIONS[attrs.recurrentActivation];
  if (act === undefined || rec === undefined) {
    throw new Error(`${LSTM_KERNEL}: unsupported activation ${attrs.activation} / ${attrs.recurrentActivation}`);
  }
  return [act, rec];
}

/**
 * Forward over the whole sequence. Inputs x `[B, T, I]`, kernel `[I, 4H]`, recurrentKernel
 * `[H, 4H]`, bias `[4H]`, h0 and c0 `[B, H]`. Outputs: the outputs `[B, T, H]` in processing order,
 * hT, cT, and for the gradient the gate activations, cell states and their activations
 * `[B, T, 6H]` and the hidden state each step started from `[B, T, H]` (both indexed by input time
 * step).
 */
function lstmForward(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const host = args.backend as RecurrentHost;
  const { x, kernel, recurrentKernel, bias, h0, c0 } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as LstmAttrs;
  if (!x || !kernel || !recurrentKernel || !bias || !h0 || !c0) throw new Error(`${LSTM_KERNEL}: missing inputs`);
  const [act, rec] = codes(attrs);
  const [B = 0, T = 0, I = 0] = x.shape;
  const H = recurrentKernel.shape[0] ?? 0;
  const G = 4 * H;
  const xv = values(host, x);
  const kv = values(host, kernel);
  const rv = values(host, recurrentKernel);
  const bv = values(host, bias);
  // Every step's input projection in one GEMM, bias included: rows b*T + t.
  const xw = new Float32Array(B * T * G);
  if (B * T > 0 && I > 0) host.addon.matmul(xv, kv, xw, 1, B * T, G, I, false, false, 0, 0, bv, 0, 0);
  else for (let r = 0; r < B * T; r++) xw.set(bv, r * G);
  const seq = new Float32Array(B * T * H);
  // Per input time step: the gate activations i, f, g, o, the cell state c and act(c).
  const cache = new Float32Array(B * T * 6 * H);
  const hprev = new Float32Array(B * T * H);
  let h = Float32Array.from(values(host, h0));
  let hNext = new Float32Array(B * H);
  const c = Float32Array.from(values(host, c0));
  const recOut = new Float32Array(B * G);
  for (let s = 0; s < T; s++) {
    const t = attrs.goBackwards ? T - 1 - s : s;
    if (H > 0) host.addon.matmul(h, rv, recOut, 1, B, G, H, false, false, 0, 0, null, 0, 0);
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const off = row * 6 * H;
      const xwOff = row * G;
      const rOff = b * G;
      hprev.set(h.subarray(b * H, (b + 1) * H), row * H);
      for (let j = 0; j < G; j++) recOut[rOff + j] = (recOut[rOff + j] ?? 0) + (xw[xwOff + j] ?? 0);
      activateRange(rec, recOut, recOut, rOff, rOff + 2 * H);
      activateRange(act, recOut, recOut, rOff + 2 * H, rOff + 3 * H);
      activateRange(rec, recOut, recOut, rOff + 3 * H, rOff + G);
      cache.set(recOut.subarray(rOff, rOff + G), off);
      for (let u = 0; u < H; u++) {
        const cu =
          (recOut[rOff + H + u] ?? 0) * (c[b * H + u] ?? 0) + (recOut[rOff + u] ?? 0) * (recOut[rOff + 2 * H + u] ?? 0);
        c[b * H + u] = cu;
        cache[off + 4 * H + u] = cu;
      }
      activateRange(act, cache, cache, off + 4 * H, off + 5 * H);
      // activateRange wrote act(c) over c: keep c (the backward needs both).
      for (let u = 0; u < H; u++) {
        const ac = cache[off + 4 * H + u] ?? 0;
        cache[off + 5 * H + u] = ac;
        cache[off + 4 * H + u] = c[b * H + u] ?? 0;
        const hu = (recOut[rOff + 3 * H + u] ?? 0) * ac;
        hNext[b * H + u] = hu;
        seq[(b * T + s) * H + u] = hu;
      }
    }
    [h, hNext] = [hNext, h];
  }
  return [
    host.makeTensorInfo([B, T, H], 'float32', seq),
    host.makeTensorInfo([B, H], 'float32', Float32Array.from(h)),
    host.makeTensorInfo([B, H], 'float32', c),
    host.makeTensorInfo([B, T, 6 * H], 'float32', cache),
    host.makeTensorInfo([B, T, H], 'float32', hprev),
  ];
}

/**
 * Backpropagation through time. Inputs: the forward's x, kernel, recurrentKernel, h0, c0, cache and
 * hprev, and the gradients of its outputs (dseq, dhT, dcT). Outputs the gradients of x, kernel,
 * recurrentKernel, bias, h0 and c0.
 */
function lstmBackward(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const host = args.backend as RecurrentHost;
  const inp = args.inputs as Record<string, tf.TensorInfo>;
  const { x, kernel, recurrentKernel, c0, cache, hprev, dseq, dhT, dcT } = inp;
  if (!x || !kernel || !recurrentKernel || !c0 || !cache || !hprev || !dseq || !dhT || !dcT)
    throw new Error(`${LSTM_GRAD_KERNEL}: missing inputs`);
  const attrs = args.attrs as LstmAttrs;
  const [act, rec] = codes(attrs);
  const [B = 0, T = 0, I = 0] = x.shape;
  const H = recurrentKernel.shape[0] ?? 0;
  const G = 4 * H;
  const kv = values(host, kernel);
  const rv = values(host, recurrentKernel);
  const cv = values(host, cache);
  const c0v = values(host, c0);
  const dsv = values(host, dseq);
  const dZ = new Float32Array(B * T * G);
  const dzStep = new Float32Array(B * G);
  const dh = Float32Array.from(values(host, dhT));
  const dc = Float32Array.from(values(host, dcT));
  // Derivatives of the four gates and of act(c) for one (step, example): [5H].
  const deriv = new Float32Array(5 * H);
  for (let s = T - 1; s >= 0; s--) {
    const t = attrs.goBackwards ? T - 1 - s : s;
    const tPrev = attrs.goBackwards ? t + 1 : t - 1;
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const off = row * 6 * H;
      const cPrevOff = s > 0 ? (b * T + tPrev) * 6 * H + 4 * H : -1;
      derivativeRange(rec, cv, off, off + 2 * H, deriv, 0);
      derivativeRange(act, cv, off + 2 * H, off + 3 * H, deriv, 2 * H);
      derivativeRange(rec, cv, off + 3 * H, off + 4 * H, deriv, 3 * H);
      derivativeRange(act, cv, off + 5 * H, off + 6 * H, deriv, 4 * H);
      const base = b * G;
      for (let u = 0; u < H; u++) {
        const i = cv[off + u] ?? 0;
        const f = cv[off + H + u] ?? 0;
        const g = cv[off + 2 * H + u] ?? 0;
        const o = cv[off + 3 * H + u] ?? 0;
        const ac = cv[off + 5 * H + u] ?? 0;
        const cp = cPrevOff >= 0 ? (cv[cPrevOff + u] ?? 0) : (c0v[b * H + u] ?? 0);
        const dhu = (dh[b * H + u] ?? 0) + (dsv[(b * T + s) * H + u] ?? 0);
        const dcu = (dc[b * H + u] ?? 0) + dhu * o * (deriv[4 * H + u] ?? 0);
        dc[b * H + u] = dcu * f;
        dzStep[base + u] = dcu * g * (deriv[u] ?? 0);
        dzStep[base + H + u] = dcu * cp * (deriv[H + u] ?? 0);
        dzStep[base + 2 * H + u] = dcu * i * (deriv[2 * H + u] ?? 0);
        dzStep[base + 3 * H + u] = dhu * ac * (deriv[3 * H + u] ?? 0);
      }
      dZ.set(dzStep.subarray(base, base + G), row * G);
    }
    // The hidden state this step started from gets dz R^T.
    if (H > 0) host.addon.matmul(dzStep, rv, dh, 1, B, H, G, false, true, 0, 0, null, 0, 0);
  }
  const dx = new Float32Array(B * T * I);
  const dk = new Float32Array(I * G);
  const dr = new Float32Array(H * G);
  const db = new Float32Array(G);
  if (B * T > 0 && G > 0) {
    if (I > 0) {
      host.addon.matmul(dZ, kv, dx, 1, B * T, I, G, false, true, 0, 0, null, 0, 0);
      host.addon.matmul(values(host, x), dZ, dk, 1, I, G, B * T, true, false, 0, 0, null, 0, 0);
    }
    if (H > 0) host.addon.matmul(values(host, hprev), dZ, dr, 1, H, G, B * T, true, false, 0, 0, null, 0, 0);
    host.addon.sumRows(dZ, db, B * T, G);
  }
  return [
    host.makeTensorInfo([B, T, I], 'float32', dx),
    host.makeTensorInfo([I, G], 'float32', dk),
    host.makeTensorInfo([H, G], 'float32', dr),
    host.makeTensorInfo([G], 'float32', db),
    host.makeTensorInfo([B, H], 'float32', dh),
    host.makeTensorInfo([B, H], 'float32', dc),
  ];
}

/** Registers both kernels for `backendName` and the forward's gradient (once per process). */
export function registerRecurrentKernels(backendName: string): void {
  if (tf.getKernel(LSTM_KERNEL, backendName)) return;
  tf.registerKernel({ kernelName: LSTM_KERNEL, backendName, kernelFunc: lstmForward as tf.KernelFunc });
  tf.registerKernel({ kernelName: LSTM_GRAD_KERNEL, backendName, kernelFunc: lstmBackward as tf.KernelFunc });
  tf.registerGradient({
    kernelName: LSTM_KERNEL,
    inputsToSave: ['x', 'kernel', 'recurrentKernel', 'h0', 'c0'],
    outputsToSave: [false, false, false, true, true],
    gradFunc: (dy, saved, attrs) => {
      const dys = dy as tf.Tensor[];
      const [x, kernel, recurrentKernel, h0, c0, cache, hprev] = saved;
      const [dseq, dhT, dcT] = dys;
      // All six gradients come from one pass; an input that needs none lets its tensor go with
      // the backward pass's scope.
      const grads = tf
        .engine()
        .runKernel(
          LSTM_GRAD_KERNEL,
          { x, kernel, recurrentKernel, h0, c0, cache, hprev, dseq, dhT, dcT } as unknown as tf.NamedTensorMap,
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      const pick = (i: number) => (): tf.Tensor => grads[i] as tf.Tensor;
      return { x: pick(0), kernel: pick(1), recurrentKernel: pick(2), bias: pick(3), h0: pick(4), c0: pick(5) };
    },
  });
}

/**
 * The fused LSTM over a sequence: `[outputs [B, T, H], hT, cT]` (outputs in processing order).
 * Runs on a backend with the kernels registered (`native`); the caller disposes the results.
 */
export function lstmSequence(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  attrs: LstmAttrs,
): [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D] {
  const outs = tf
    .engine()
    .runKernel(
      LSTM_KERNEL,
      { x, kernel, recurrentKernel, bias, h0, c0 } as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
  // The cache and hprev outputs only feed the gradient, and the tape keeps its own clones of
  // them when it records: free them here.
  const [seq, hT, cT, cache, hprev] = outs;
  cache?.dispose();
  hprev?.dispose();
  return [seq, hT, cT] as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
}

/** The parts of tfjs-layers' LSTM cell the fused path reads. */
interface LstmCellLike {
  getClassName(): string;
  units: number;
  dropout: number;
  recurrentDropout: number;
  useBias: boolean;
  activation: { getClassName(): string };
  recurrentActivation: { getClassName(): string };
  kernel: { read(): tf.Tensor };
  recurrentKernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
}

/** The parts of tfjs-layers' RNN layer the fused path reads and writes. */
interface RnnLike {
  cell: LstmCellLike;
  stateful: boolean;
  goBackwards: boolean;
  returnSequences: boolean;
  returnState: boolean;
  states_: tf.Tensor[] | null;
  resetStates(states?: tf.Tensor | tf.Tensor[], training?: boolean): void;
}

type RnnCall = (
  this: RnnLike,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs?: Record<string, unknown>,
) => tf.Tensor | tf.Tensor[];

/** How many `RNN.call`s took the fused path (tests check that it ran). */
export const fusedCalls = { lstm: 0 };

let installed = false;

/**
 * Routes `RNN.call` of LSTM layers to {@link lstmSequence} while `active()` says so (the `native`
 * backend is current) and the layer fits the fused kernel; everything else takes tfjs' own path.
 */
export function installFusedRecurrent(active: () => boolean): void {
  if (installed) return;
  installed = true;
  const proto = (tf.RNN as unknown as { prototype: { call: RnnCall } }).prototype;
  const stock = proto.call;
  proto.call = function (this: RnnLike, inputs, kwargs) {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
    const cell = this.cell;
    const act = cell.activation?.getClassName?.();
    const rec = cell.recurrentActivation?.getClassName?.();
    const initial = kwargs?.['initialState'] as tf.Tensor[] | undefined;
    const fits =
      active() &&
      x !== undefined &&
      x.rank === 3 &&
      x.dtype === 'float32' &&
      cell.getClassName() === 'LSTMCell' &&
      kwargs?.['mask'] == null &&
      !(cell.dropout > 0) &&
      !(cell.recurrentDropout > 0) &&
      act !== undefined &&
      rec !== undefined &&
      ACTIVATIONS[act] !== undefined &&
      ACTIVATIONS[rec] !== undefined &&
      (initial == null || initial.length === 2) &&
      (!this.stateful || this.states_ !== null);
    if (!fits || x === undefined || act === undefined || rec === undefined) return stock.call(this, inputs, kwargs);
    fusedCalls.lstm++;
    return tf.tidy(() => {
      const [B = 0] = x.shape;
      const units = cell.units;
      const states =
        initial ?? (this.stateful ? (this.states_ as tf.Tensor[]) : [tf.zeros([B, units]), tf.zeros([B, units])]);
      const kernel = cell.kernel.read() as tf.Tensor2D;
      const bias = (cell.useBias && cell.bias ? cell.bias.read() : tf.zeros([4 * units])) as tf.Tensor1D;
      const [seq, hT, cT] = lstmSequence(
        x as tf.Tensor3D,
        kernel,
        cell.recurrentKernel.read() as tf.Tensor2D,
        bias,
        states[0] as tf.Tensor2D,
        states[1] as tf.Tensor2D,
        { goBackwards: this.goBackwards, activation: act, recurrentActivation: rec },
      );
      if (this.stateful) this.resetStates([hT, cT], kwargs?.['training'] as boolean | undefined);
      const output = this.returnSequences ? seq : hT;
      return this.returnState ? [output, hT, cT] : output;
    });
  };
}
