/**
 * The fused LSTM of the `native` backend: a whole sequence in one kernel (`TfgymLstm`) and its
 * backpropagation through time in another (`TfgymLstmGrad`), instead of tfjs' ~14 small kernels per
 * time step. The input projection of every time step is one GEMM, each step one hidden-state GEMM
 * plus one pass over the gates (native/src/recurrent.cc); backward, one GEMM per step for the
 * hidden-state gradient and three for the input, kernel and recurrent-kernel gradients of the whole
 * sequence. Gradients follow tfjs' except exactly at an activation's kinks (hard sigmoid at
 * +-2.5, relu at 0), where the fused kernel takes the derivative as 0.
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
  /** Recycled big arrays (`take` gives arbitrary contents): a step's megabytes of cache and
   * gradients would otherwise be fresh allocations, and garbage, on every call. */
  readonly pool: { take(n: number): Float32Array; release(v: Float32Array): void };
  readonly data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** Activation codes of the fused kernels (Keras names as tfjs' activations report them). */
const ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, tanh: 1, sigmoid: 2, hardSigmoid: 3, relu: 4 };

/** Attributes of both kernels. */
export interface LstmAttrs {
  goBackwards: boolean;
  activation: string;
  recurrentActivation: string;
  [key: string]: unknown;
}

function values(host: RecurrentHost, t: tf.TensorInfo | undefined): Float32Array {
  const v = t === undefined ? undefined : host.data.get(t.dataId)?.values;
  if (!(v instanceof Float32Array)) throw new Error(`${LSTM_KERNEL}: expected float32 inputs`);
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

type KernelArgsLike = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown };

/**
 * What both kernels read first: x, kernel and recurrentKernel (the sizes B, T, I, H and G = 4H come
 * from them), the activation codes, and the other inputs named in `more` (checked present).
 */
function unpack(args: KernelArgsLike, kernelName: string, more: readonly string[]) {
  const host = args.backend as RecurrentHost;
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { x, kernel, recurrentKernel } = inputs;
  const missing = more.filter((k) => inputs[k] === undefined);
  if (!x || !kernel || !recurrentKernel || missing.length > 0) throw new Error(`${kernelName}: missing inputs`);
  const attrs = args.attrs as LstmAttrs;
  const [act, rec] = codes(attrs);
  const [B = 0, T = 0, I = 0] = x.shape;
  const H = recurrentKernel.shape[0] ?? 0;
  const xv = values(host, x);
  const kv = values(host, kernel);
  const rv = values(host, recurrentKernel);
  return { host, inputs, attrs, act, rec, B, T, I, H, G: 4 * H, xv, kv, rv };
}

/**
 * Forward over the whole sequence. Inputs x `[B, T, I]`, kernel `[I, 4H]`, recurrentKernel
 * `[H, 4H]`, bias `[4H]`, h0 and c0 `[B, H]`. Outputs: the outputs `[B, T, H]` in processing order,
 * hT, cT, and for the gradient the gate activations, cell states and their activations
 * `[B, T, 6H]` and the hidden state each step started from `[B, T, H]` (both indexed by input time
 * step).
 */
function lstmForward(args: KernelArgsLike): tf.TensorInfo[] {
  const { host, attrs, act, rec, B, T, I, H, G, xv, kv, rv, inputs } = unpack(args, LSTM_KERNEL, ['bias', 'h0', 'c0']);
  const bv = values(host, inputs['bias']);
  // Every step's input projection in one GEMM, bias included: rows b*T + t.
  const xw = host.pool.take(B * T * G);
  if (B * T > 0 && I > 0) host.addon.matmul(xv, kv, xw, 1, B * T, G, I, false, false, 0, 0, bv, 0, 0);
  else for (let r = 0; r < B * T; r++) xw.set(bv, r * G);
  // Every element of these is written by the kernel.
  const seq = host.pool.take(B * T * H);
  // Per input time step: the gate activations i, f, g, o, the cell state c and act(c).
  const cache = host.pool.take(B * T * 6 * H);
  const hprev = host.pool.take(B * T * H);
  const h = host.pool.take(B * H);
  h.set(values(host, inputs['h0']));
  const c = host.pool.take(B * H);
  c.set(values(host, inputs['c0']));
  host.addon.lstmForward(xw, rv, h, c, seq, cache, hprev, B, T, H, attrs.goBackwards, act, rec);
  host.pool.release(xw);
  return [
    host.makeTensorInfo([B, T, H], 'float32', seq),
    host.makeTensorInfo([B, H], 'float32', h),
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
function lstmBackward(args: KernelArgsLike): tf.TensorInfo[] {
  const { host, attrs, act, rec, B, T, I, H, G, xv, kv, rv, inputs } = unpack(args, LSTM_GRAD_KERNEL, [
    'c0',
    'cache',
    'hprev',
    'dseq',
    'dhT',
    'dcT',
  ]);
  const cv = values(host, inputs['cache']);
  const c0v = values(host, inputs['c0']);
  const dsv = values(host, inputs['dseq']);
  const dZ = host.pool.take(B * T * G);
  const dh = host.pool.take(B * H);
  dh.set(values(host, inputs['dhT']));
  const dc = host.pool.take(B * H);
  dc.set(values(host, inputs['dcT']));
  host.addon.lstmBackward(rv, cv, c0v, dsv, dh, dc, dZ, B, T, H, attrs.goBackwards, act, rec);
  // Overwritten by the GEMMs below, zeroed where a dimension is 0 and no GEMM runs.
  const dx = host.pool.take(B * T * I);
  const dk = host.pool.take(I * G);
  const dr = host.pool.take(H * G);
  const db = host.pool.take(G);
  if (B * T === 0 || G === 0 || I === 0) {
    dx.fill(0);
    dk.fill(0);
  }
  if (B * T === 0 || G === 0 || H === 0) dr.fill(0);
  if (B * T === 0 || G === 0) db.fill(0);
  if (B * T > 0 && G > 0) {
    if (I > 0) {
      host.addon.matmul(dZ, kv, dx, 1, B * T, I, G, false, true, 0, 0, null, 0, 0);
      host.addon.matmul(xv, dZ, dk, 1, I, G, B * T, true, false, 0, 0, null, 0, 0);
    }
    if (H > 0) host.addon.matmul(values(host, inputs['hprev']), dZ, dr, 1, H, G, B * T, true, false, 0, 0, null, 0, 0);
    host.addon.sumRows(dZ, db, B * T, G);
  }
  host.pool.release(dZ);
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
