/**
 * The fused recurrent layers of the `native` backend: LSTM, GRU (Keras 2, as tfjs has it, and the
 * reset-after variant of Keras 3 / cuDNN) and SimpleRNN, a whole sequence in one kernel
 * (`TfgymRnn`) and its backpropagation through time in another (`TfgymRnnGrad`), instead of tfjs'
 * ~10-14 small kernels per time step. The input projection of every time step is one GEMM; each step
 * is one hidden-state GEMM (two for the Keras 2 GRU, whose candidate needs r first) plus one pass
 * over the gates (native/src/recurrent.cc); backward, one or two GEMMs per step for the hidden-state
 * gradient and whole-sequence GEMMs for the input, kernel and recurrent-kernel gradients. Gradients
 * follow tfjs' except exactly at an activation's kinks (hard sigmoid at +-2.5, relu at 0), where the
 * fused kernel takes the derivative as 0.
 *
 * Models keep using the ordinary `tf.layers.lstm` / `gru` / `simpleRNN`, or models/gru.ts' Keras 3
 * GRU (and `bidirectional` over them): {@link installFusedRecurrent} routes `RNN.call` of those
 * cells to the fused kernel while `native` is the active backend, with the same weights (Keras
 * layout: kernel `[I, G]`, recurrent kernel `[H, G]`, bias `[G]` (`[2, G]` for the Keras 3 GRU),
 * gates in Keras' order: LSTM i, f, c, o; GRU z, r, h) and the same
 * semantics as tfjs' step loop: outputs in processing order (reversed with `goBackwards`), initial
 * states, `stateful` carry-over, `returnSequences`, `returnState`, masks (a masked step keeps the
 * states and repeats the previous output), input dropout and recurrent dropout (one mask per call,
 * as tfjs' cells draw them). Cells or activations it does not cover take the stock path, which a
 * process warning says once per reason.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';

/** Kernel names registered for the `native` backend. */
export const RNN_KERNEL = 'TfgymRnn';
export const RNN_GRAD_KERNEL = 'TfgymRnnGrad';

/** The recurrent cells the fused kernels run. */
export type RecurrentCell = 'lstm' | 'gru' | 'gruResetAfter' | 'simpleRnn';

/** Per cell: its code in native/src/recurrent.h, gates per unit (G = gates * H), cache per unit. */
const CELLS: Readonly<Record<RecurrentCell, { code: number; gates: number; cache: number }>> = {
  lstm: { code: 0, gates: 4, cache: 6 },
  gru: { code: 1, gates: 3, cache: 4 },
  gruResetAfter: { code: 2, gates: 3, cache: 4 },
  simpleRnn: { code: 3, gates: 1, cache: 1 },
};

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
export interface RnnAttrs {
  cell: RecurrentCell;
  goBackwards: boolean;
  activation: string;
  /** Ignored by the SimpleRNN. */
  recurrentActivation: string;
  [key: string]: unknown;
}

function values(host: RecurrentHost, t: tf.TensorInfo | undefined, kernelName: string): Float32Array {
  const v = t === undefined ? undefined : host.data.get(t.dataId)?.values;
  if (!(v instanceof Float32Array)) throw new Error(`${kernelName}: expected float32 inputs`);
  return v;
}

/**
 * An optional input: null when absent or empty (the kernels take `[0]` placeholders for them). A
 * mask cast from bool or int32 may still hold integer storage (tfjs' cpu cast shares it), so
 * integer arrays are converted.
 */
function optional(host: RecurrentHost, t: tf.TensorInfo | undefined, kernelName: string): Float32Array | null {
  if (t === undefined || t.shape.reduce((a, b) => a * b, 1) === 0) return null;
  const v = host.data.get(t.dataId)?.values;
  if (v instanceof Int32Array || v instanceof Uint8Array) return Float32Array.from(v);
  return values(host, t, kernelName);
}

type KernelArgsLike = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown };

/**
 * What both kernels read first: x, kernel and recurrentKernel (the sizes B, T, I, H and G come
 * from them), the cell and activation codes, and the other inputs named in `more` (checked present).
 */
function unpack(args: KernelArgsLike, kernelName: string, more: readonly string[]) {
  const host = args.backend as RecurrentHost;
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { x, kernel, recurrentKernel } = inputs;
  const missing = more.filter((k) => inputs[k] === undefined);
  if (!x || !kernel || !recurrentKernel || missing.length > 0) throw new Error(`${kernelName}: missing inputs`);
  const attrs = args.attrs as RnnAttrs;
  const spec = CELLS[attrs.cell];
  const act = ACTIVATIONS[attrs.activation];
  const rec = attrs.cell === 'simpleRnn' ? 0 : ACTIVATIONS[attrs.recurrentActivation];
  if (spec === undefined) throw new Error(`${kernelName}: unknown cell ${String(attrs.cell)}`);
  if (act === undefined || rec === undefined) {
    throw new Error(`${kernelName}: unsupported activation ${attrs.activation} / ${attrs.recurrentActivation}`);
  }
  const [B = 0, T = 0, I = 0] = x.shape;
  const H = recurrentKernel.shape[0] ?? 0;
  const v = (name: string) => values(host, inputs[name], kernelName);
  const opt = (name: string) => optional(host, inputs[name], kernelName);
  return {
    host,
    attrs,
    spec,
    act,
    rec,
    B,
    T,
    I,
    H,
    G: spec.gates * H,
    xv: v('x'),
    kv: v('kernel'),
    rv: v('recurrentKernel'),
    v,
    opt,
  };
}

/**
 * Forward over the whole sequence. Inputs x `[B, T, I]`, kernel `[I, G]`, recurrentKernel `[H, G]`,
 * bias `[G]`, recurrentBias (`[G]` for the reset-after GRU, else `[0]`), h0 `[B, H]`, c0 (`[B, H]`
 * for the LSTM, else `[0]`), mask (`[B, T]` of 0/1, or `[0]`), recurrentMask (`[B, H]`, or `[0]`).
 * Outputs: the outputs `[B, T, H]` in processing order, hT, cT (`[0]` but for the LSTM), and for
 * the gradient the cell's cache `[B, T, cache * H]` and the state each step's gates saw `[B, T, H]`
 * (both indexed by input time step).
 */
function rnnForward(args: KernelArgsLike): tf.TensorInfo[] {
  const u = unpack(args, RNN_KERNEL, ['bias', 'recurrentBias', 'h0', 'c0', 'mask', 'recurrentMask']);
  const { host, attrs, spec, act, rec, B, T, I, H, G, xv, kv, rv } = u;
  const bv = u.v('bias');
  // Every step's input projection in one GEMM, bias included: rows b*T + t.
  const xw = host.pool.take(B * T * G);
  if (B * T > 0 && I > 0) host.addon.matmul(xv, kv, xw, 1, B * T, G, I, false, false, 0, 0, bv, 0, 0);
  else for (let r = 0; r < B * T; r++) xw.set(bv, r * G);
  // Every element of these is written by the kernel.
  const seq = host.pool.take(B * T * H);
  const cache = host.pool.take(B * T * spec.cache * H);
  const hprev = host.pool.take(B * T * H);
  const h = host.pool.take(B * H);
  h.set(u.v('h0'));
  const lstm = attrs.cell === 'lstm';
  const c = lstm ? host.pool.take(B * H) : new Float32Array(0);
  if (lstm) c.set(u.v('c0'));
  host.addon.rnnForward(
    xw,
    rv,
    u.opt('recurrentBias'),
    h,
    lstm ? c : null,
    u.opt('mask'),
    u.opt('recurrentMask'),
    seq,
    cache,
    hprev,
    spec.code,
    B,
    T,
    H,
    attrs.goBackwards,
    act,
    rec,
  );
  host.pool.release(xw);
  return [
    host.makeTensorInfo([B, T, H], 'float32', seq),
    host.makeTensorInfo([B, H], 'float32', h),
    host.makeTensorInfo(lstm ? [B, H] : [0], 'float32', c),
    host.makeTensorInfo([B, T, spec.cache * H], 'float32', cache),
    host.makeTensorInfo([B, T, H], 'float32', hprev),
  ];
}

/**
 * Backpropagation through time. Inputs: the forward's x, kernel, recurrentKernel, c0, mask,
 * recurrentMask, cache and hprev, and the gradients of its outputs (dseq, dhT, dcT). Outputs the
 * gradients of x, kernel, recurrentKernel, bias, recurrentBias, h0 and c0 (the last `[0]` but for the
 * LSTM; recurrentBias `[0]` but for the reset-after GRU).
 */
function rnnBackward(args: KernelArgsLike): tf.TensorInfo[] {
  const u = unpack(args, RNN_GRAD_KERNEL, ['c0', 'mask', 'recurrentMask', 'cache', 'hprev', 'dseq', 'dhT', 'dcT']);
  const { host, attrs, spec, act, rec, B, T, I, H, G, xv, kv, rv } = u;
  const lstm = attrs.cell === 'lstm';
  const resetAfter = attrs.cell === 'gruResetAfter';
  const dZ = host.pool.take(B * T * G);
  const dh = host.pool.take(B * H);
  dh.set(u.v('dhT'));
  const dc = lstm ? host.pool.take(B * H) : new Float32Array(0);
  if (lstm) dc.set(u.v('dcT'));
  const dr = host.pool.take(H * G);
  const drb = resetAfter ? host.pool.take(G) : new Float32Array(0);
  if (B * T === 0 || G === 0) {
    dr.fill(0);
    drb.fill(0);
  }
  host.addon.rnnBackward(
    rv,
    u.v('cache'),
    u.v('hprev'),
    lstm ? u.v('c0') : null,
    u.opt('mask'),
    u.opt('recurrentMask'),
    u.v('dseq'),
    dh,
    lstm ? dc : null,
    dZ,
    dr,
    resetAfter ? drb : null,
    spec.code,
    B,
    T,
    H,
    attrs.goBackwards,
    act,
    rec,
  );
  // Overwritten by the GEMMs below, zeroed where a dimension is 0 and no GEMM runs.
  const dx = host.pool.take(B * T * I);
  const dk = host.pool.take(I * G);
  const db = host.pool.take(G);
  if (B * T === 0 || G === 0 || I === 0) {
    dx.fill(0);
    dk.fill(0);
  }
  if (B * T === 0 || G === 0) db.fill(0);
  if (B * T > 0 && G > 0) {
    if (I > 0) {
      host.addon.matmul(dZ, kv, dx, 1, B * T, I, G, false, true, 0, 0, null, 0, 0);
      host.addon.matmul(xv, dZ, dk, 1, I, G, B * T, true, false, 0, 0, null, 0, 0);
    }
    host.addon.sumRows(dZ, db, B * T, G);
  }
  host.pool.release(dZ);
  return [
    host.makeTensorInfo([B, T, I], 'float32', dx),
    host.makeTensorInfo([I, G], 'float32', dk),
    host.makeTensorInfo([H, G], 'float32', dr),
    host.makeTensorInfo([G], 'float32', db),
    host.makeTensorInfo(resetAfter ? [G] : [0], 'float32', drb),
    host.makeTensorInfo([B, H], 'float32', dh),
    host.makeTensorInfo(lstm ? [B, H] : [0], 'float32', dc),
  ];
}

/** Registers both kernels for `backendName` and the forward's gradient (once per process). */
export function registerRecurrentKernels(backendName: string): void {
  if (tf.getKernel(RNN_KERNEL, backendName)) return;
  tf.registerKernel({ kernelName: RNN_KERNEL, backendName, kernelFunc: rnnForward as tf.KernelFunc });
  tf.registerKernel({ kernelName: RNN_GRAD_KERNEL, backendName, kernelFunc: rnnBackward as tf.KernelFunc });
  tf.registerGradient({
    kernelName: RNN_KERNEL,
    inputsToSave: ['x', 'kernel', 'recurrentKernel', 'c0', 'mask', 'recurrentMask'],
    outputsToSave: [false, false, false, true, true],
    gradFunc: (dy, saved, attrs) => {
      const dys = dy as tf.Tensor[];
      const [x, kernel, recurrentKernel, c0, mask, recurrentMask, cache, hprev] = saved;
      const [dseq, dhT, dcT] = dys;
      // All gradients come from one pass; an input that needs none lets its tensor go with the
      // backward pass's scope.
      const grads = tf.engine().runKernel(
        RNN_GRAD_KERNEL,
        {
          x,
          kernel,
          recurrentKernel,
          c0,
          mask,
          recurrentMask,
          cache,
          hprev,
          dseq,
          dhT,
          dcT,
        } as unknown as tf.NamedTensorMap,
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      const pick = (i: number) => (): tf.Tensor => grads[i] as tf.Tensor;
      return {
        x: pick(0),
        kernel: pick(1),
        recurrentKernel: pick(2),
        bias: pick(3),
        recurrentBias: pick(4),
        h0: pick(5),
        c0: pick(6),
        // Masks are data, not parameters: no gradient flows into them.
        mask: () => tf.zerosLike(mask as tf.Tensor),
        recurrentMask: () => tf.zerosLike(recurrentMask as tf.Tensor),
      };
    },
  });
}

/** Weights and optional inputs of {@link rnnSequence}. */
export interface RnnInputs {
  kernel: tf.Tensor2D;
  recurrentKernel: tf.Tensor2D;
  bias: tf.Tensor1D;
  /** The reset-after GRU's recurrent bias `[G]`. */
  recurrentBias?: tf.Tensor1D;
  h0: tf.Tensor2D;
  /** The LSTM's initial cell state. */
  c0?: tf.Tensor2D;
  /** `[B, T]` float32 0/1: 0 masks the step. */
  mask?: tf.Tensor2D;
  /** `[B, H]`: the recurrent dropout mask the gates see the state through. */
  recurrentMask?: tf.Tensor2D;
}

/**
 * A fused recurrent layer over a sequence: `[outputs [B, T, H], hT, cT]` (outputs in processing
 * order; cT is `[0]` but for the LSTM). Runs on a backend with the kernels registered (`native`);
 * the caller disposes the results.
 */
export function rnnSequence(x: tf.Tensor3D, inputs: RnnInputs, attrs: RnnAttrs): [tf.Tensor3D, tf.Tensor2D, tf.Tensor] {
  const empty = (): tf.Tensor => tf.zeros([0]);
  const placeholders: tf.Tensor[] = [];
  const orEmpty = (t: tf.Tensor | undefined): tf.Tensor => {
    if (t !== undefined) return t;
    const e = empty();
    placeholders.push(e);
    return e;
  };
  const outs = tf.engine().runKernel(
    RNN_KERNEL,
    {
      x,
      kernel: inputs.kernel,
      recurrentKernel: inputs.recurrentKernel,
      bias: inputs.bias,
      recurrentBias: orEmpty(inputs.recurrentBias),
      h0: inputs.h0,
      c0: orEmpty(inputs.c0),
      mask: orEmpty(inputs.mask),
      recurrentMask: orEmpty(inputs.recurrentMask),
    } as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as tf.Tensor[];
  // The placeholders, cache and hprev only feed the gradient, and the tape keeps its own clones of
  // them when it records: free them here.
  const [seq, hT, cT, cache, hprev] = outs;
  tf.dispose([...placeholders, cache as tf.Tensor, hprev as tf.Tensor]);
  return [seq, hT, cT] as [tf.Tensor3D, tf.Tensor2D, tf.Tensor];
}

/** The parts of tfjs-layers' LSTM, GRU and SimpleRNN cells the fused path reads. */
interface CellLike {
  getClassName(): string;
  units: number;
  dropout: number;
  recurrentDropout: number;
  dropoutFunc?: (x: tf.Tensor, rate: number) => tf.Tensor;
  useBias: boolean;
  activation?: { getClassName(): string } | null;
  recurrentActivation?: { getClassName(): string } | null;
  kernel: { read(): tf.Tensor };
  recurrentKernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
}

/** The parts of tfjs-layers' RNN layer the fused path reads and writes. */
interface RnnLike {
  cell: CellLike;
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

/** How many `RNN.call`s took the fused path, per cell (tests check that it ran). */
export const fusedCalls: Record<'lstm' | 'gru' | 'simpleRnn', number> = { lstm: 0, gru: 0, simpleRnn: 0 };

/** Why calls took the stock path, counted per reason (each reason is also warned once). */
export const fallbacks = new Map<string, number>();

function fellBack(reason: string): void {
  const n = fallbacks.get(reason) ?? 0;
  fallbacks.set(reason, n + 1);
  if (n === 0) {
    process.emitWarning(`the fused recurrent kernel does not cover ${reason}; using tfjs' step loop (slower)`, {
      code: 'TFGYM_RNN_FALLBACK',
    });
  }
}

/** tfjs' cells, and models/gru.ts' Keras 3 GRU cell. */
const CELL_CLASSES: Readonly<Record<string, RecurrentCell>> = {
  LSTMCell: 'lstm',
  GRUCell: 'gru',
  ResetAfterGRUCell: 'gruResetAfter',
  SimpleRNNCell: 'simpleRnn',
};

/** Activation name of a cell's activation (tfjs' `null` activation is linear). */
function activationName(a: { getClassName(): string } | null | undefined): string | undefined {
  return a === null ? 'linear' : a?.getClassName?.();
}

/** A dropout mask of `shape` as tfjs' cells draw it (`dropoutFunc` when the cell has one). */
function dropoutMask(cell: CellLike, shape: [number, number], rate: number): tf.Tensor2D {
  const ones = tf.ones(shape);
  return (cell.dropoutFunc ? cell.dropoutFunc(ones, rate) : tf.dropout(ones, rate)) as tf.Tensor2D;
}

let installed = false;

/**
 * Routes `RNN.call` of LSTM, GRU and SimpleRNN layers to {@link rnnSequence} while `active()` says
 * so (the `native` backend is current) and the layer fits the fused kernel; everything else takes
 * tfjs' own path.
 */
export function installFusedRecurrent(active: () => boolean): void {
  if (installed) return;
  installed = true;
  const proto = (tf.RNN as unknown as { prototype: { call: RnnCall } }).prototype;
  const stock = proto.call;
  proto.call = function (this: RnnLike, inputs, kwargs) {
    if (!active()) return stock.call(this, inputs, kwargs);
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
    const cell = this.cell;
    const kind = CELL_CLASSES[cell.getClassName()];
    const act = activationName(cell.activation);
    const rec = kind === 'simpleRnn' ? 'linear' : activationName(cell.recurrentActivation);
    const initial = kwargs?.['initialState'] as tf.Tensor[] | undefined;
    const mask = kwargs?.['mask'] as tf.Tensor | null | undefined;
    const nStates = kind === 'lstm' ? 2 : 1;
    let reason: string | undefined;
    if (kind === undefined) reason = `the ${cell.getClassName()} cell`;
    else if (act === undefined || ACTIVATIONS[act] === undefined) reason = `activation ${String(act)}`;
    else if (rec === undefined || ACTIVATIONS[rec] === undefined) reason = `recurrent activation ${String(rec)}`;
    else if (x === undefined || x.rank !== 3 || x.dtype !== 'float32')
      reason = 'inputs other than one float32 [B, T, I]';
    else if (mask != null && mask.size !== (x.shape[0] ?? 0) * (x.shape[1] ?? 0))
      reason = 'masks of other shapes than [B, T]';
    else if (kind === 'gruResetAfter' && cell.recurrentDropout > 0) reason = "the reset-after GRU's recurrent dropout";
    // Wrong counts and unset states get tfjs' own errors.
    if (initial != null && initial.length !== nStates) return stock.call(this, inputs, kwargs);
    if (this.stateful && this.states_ === null) return stock.call(this, inputs, kwargs);
    if (reason !== undefined || kind === undefined || x === undefined || act === undefined || rec === undefined) {
      fellBack(reason ?? 'this layer');
      return stock.call(this, inputs, kwargs);
    }
    fusedCalls[kind === 'gruResetAfter' ? 'gru' : kind]++;
    return tf.tidy(() => {
      const [B = 0, T = 0, I = 0] = x.shape;
      const units = cell.units;
      const training = kwargs?.['training'] as boolean | undefined;
      const states =
        initial ??
        (this.stateful ? (this.states_ as tf.Tensor[]) : Array.from({ length: nStates }, () => tf.zeros([B, units])));
      // One dropout mask per call for the inputs and one for the state, as tfjs' cells use them (the
      // cells draw one per gate but apply only the first).
      let xs = x as tf.Tensor3D;
      if (training && cell.dropout > 0 && cell.dropout < 1) {
        xs = tf.mul(xs, tf.expandDims(dropoutMask(cell, [B, I], cell.dropout), 1));
      }
      const recurrentMask =
        training && cell.recurrentDropout > 0 && cell.recurrentDropout < 1
          ? dropoutMask(cell, [B, units], cell.recurrentDropout)
          : undefined;
      const G = CELLS[kind].gates * units;
      const [seq, hT, cT] = rnnSequence(
        xs,
        {
          kernel: cell.kernel.read() as tf.Tensor2D,
          recurrentKernel: cell.recurrentKernel.read() as tf.Tensor2D,
          // The reset-after GRU's bias is [2, G]: the input side's row, then the recurrent side's.
          ...(kind === 'gruResetAfter'
            ? (() => {
                const [bias, recurrentBias] = (
                  cell.useBias && cell.bias ? tf.unstack(cell.bias.read(), 0) : [tf.zeros([G]), tf.zeros([G])]
                ) as [tf.Tensor1D, tf.Tensor1D];
                return { bias, recurrentBias };
              })()
            : { bias: (cell.useBias && cell.bias ? cell.bias.read() : tf.zeros([G])) as tf.Tensor1D }),
          h0: states[0] as tf.Tensor2D,
          c0: kind === 'lstm' ? (states[1] as tf.Tensor2D) : undefined,
          mask:
            mask == null ? undefined : (tf.reshape(tf.cast(tf.cast(mask, 'bool'), 'float32'), [B, T]) as tf.Tensor2D),
          recurrentMask,
        },
        { cell: kind, goBackwards: this.goBackwards, activation: act, recurrentActivation: rec },
      );
      const finalStates = kind === 'lstm' ? [hT, cT] : [hT];
      if (this.stateful) this.resetStates(finalStates, training);
      const output = this.returnSequences ? seq : hT;
      return this.returnState ? [output, ...finalStates] : output;
    });
  };
}
