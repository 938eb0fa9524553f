/**
 * Recurrent Q-networks for DRQN (Hausknecht & Stone 2015, "Deep Recurrent Q-Learning for
 * Partially Observable MDPs") and R2D2 (Kapturowski et al. 2019): a torso applied to every time
 * step (an MLP, or a conv stack of `models/q-networks.ts` through `TimeDistributed`), an LSTM or
 * GRU, and a linear (optionally dueling) head on every step's output. Rainbow's heads are options as
 * in `models/q-networks.ts` (the same head code, the time axis kept): `numAtoms` > 1 makes the head
 * output C51's logits `[batch, time, numActions, numAtoms]` (dueling combined atom by atom), and
 * `noisy` makes the head's layers `NoisyDense` layers.
 *
 * The recurrent state is explicit: the model takes `[obs, h0]` (LSTM: `[obs, h0, c0]`) and returns
 * `[q, h]` (LSTM: `[q, h, c]`), with `obs` a batch of sequences `[batch, time, ...observation]`,
 * `q` one Q-value per action and step `[batch, time, numActions]` (C51: logits
 * `[batch, time, numActions, numAtoms]`), and the states `[batch, units]`.
 * One model serves both uses: acting feeds one step (`time` 1) and carries the state it returns to
 * the next step; learning unrolls a replayed window from its stored state. Unrolling a sequence
 * in one call equals feeding it step by step (tested).
 *
 * The recurrent layers are the shared ones: an LSTM from `models/recurrent.ts` (seeded, sigmoid
 * gates and a forget-gate bias of 1, as in Keras 3 and PyTorch) or `models/gru.ts`' reset-after GRU
 * (Keras 3, cuDNN, PyTorch); on the `native` backend both run on its fused kernels, state inputs
 * included.
 *
 * Run these models with {@link recurrentQForward}, not `model.apply`/`predict`: tfjs 4.22's graph
 * executor runs a layer once for every output tensor it needs (an LSTM with its states three
 * times) and hands all of them one shared `kwargs` object, into which `RNN.apply` writes the
 * initial state, so the second run throws ("When inputs is an array, neither initialState or
 * constants should be provided"). {@link recurrentQForward} applies every layer once, in order.
 * The saved model is an ordinary tfjs layers model (`model.json` + weights); the GRU needs
 * `models/gru.ts` imported (registered) to load.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/rng/rng.js';
import { gruResetAfter } from './gru.js';
import { SeededInit } from './init.js';
import {
  biasInitializer,
  convStackOf,
  initializer,
  INITS,
  kernelSizeOf,
  qDense,
  qHead,
  TORSOS,
  type ConvSpec,
  type InitKind,
  type TorsoKind,
} from './q-networks.js';
import { recurrent } from './recurrent.js';
import { checkOneOf, checkPositiveInt, invalidValueMessage, ModelArgumentError } from './validate.js';

/** The recurrent cells a recurrent Q-network can use. */
export const RECURRENT_CELLS = ['lstm', 'gru'] as const;
/** `lstm` (Hochreiter & Schmidhuber 1997; DRQN and R2D2's) or `gru` (Cho et al. 2014, reset-after). */
export type RecurrentCellKind = (typeof RECURRENT_CELLS)[number];

/** Options of {@link buildRecurrentQNetwork}. */
export interface RecurrentQNetworkOptions {
  /** Shape of one observation: `[n]` (or any shape, flattened) for the MLP torso, `[h, w, c]` for conv torsos. */
  readonly inputShape: readonly number[];
  /** Number of discrete actions. */
  readonly numActions: number;
  /** Torso applied to every step (`models/q-networks.ts`' torsos). Default `mlp`. */
  readonly torso?: TorsoKind;
  /**
   * Dense ReLU layers after the conv stack (or the whole MLP torso), before the recurrent layer;
   * may be empty. Default [64].
   */
  readonly hiddenSizes?: readonly number[];
  /** Conv stack of the `cnn` torso. */
  readonly conv?: readonly ConvSpec[];
  /** Recurrent cell. Default `lstm`. */
  readonly cell?: RecurrentCellKind;
  /** Units of the recurrent layer (DRQN and R2D2: 512). Default 64. */
  readonly units?: number;
  /** Dueling head on every step (Wang et al. 2016; R2D2 uses it). Default false. */
  readonly dueling?: boolean;
  /**
   * Atoms of C51's return distribution per action (Bellemare et al. 2017); 1 (default): Q-values
   * `[batch, time, numActions]`; above 1: logits `[batch, time, numActions, numAtoms]`.
   */
  readonly numAtoms?: number;
  /**
   * `NoisyDense` layers (`models/noisy-dense.ts`) in the head (Fortunato et al. 2018); the torso before the recurrent
   * layer stays deterministic, so the recurrent state never depends on a noise sample. Default false.
   */
  readonly noisy?: boolean;
  /** Initial noise scale sigma0 of the noisy layers (default 0.5, the paper's). */
  readonly noisySigma0?: number;
  /**
   * Initialisation of the torso and head (the recurrent layer always has Glorot-uniform kernels and
   * orthogonal recurrent kernels). Default `glorot`.
   */
  readonly init?: InitKind;
  /** Source of every initialiser's seed; without one tfjs draws unseeded weights. */
  readonly rng?: Rng;
  /** Model name. */
  readonly name?: string;
}

/**
 * Builds a recurrent Q-network (see the module comment for its inputs and outputs). Throws
 * {@link ModelArgumentError} with a Keras-style message for bad arguments, e.g. "Received an
 * invalid value for `units`, expected a positive integer. Received: units=0".
 */
export function buildRecurrentQNetwork(opts: RecurrentQNetworkOptions): tf.LayersModel {
  const torso = checkOneOf('torso', opts.torso ?? 'mlp', TORSOS);
  const init = checkOneOf('init', opts.init ?? 'glorot', INITS);
  const cell = checkOneOf('cell', opts.cell ?? 'lstm', RECURRENT_CELLS);
  const numActions = checkPositiveInt('numActions', opts.numActions);
  const units = checkPositiveInt('units', opts.units ?? 64);
  const numAtoms = checkPositiveInt('numAtoms', opts.numAtoms ?? 1);
  const noisy = opts.noisy === true;
  const inputShape = [...opts.inputShape];
  if (inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ModelArgumentError(
      invalidValueMessage('inputShape', 'a non-empty shape of positive integers', inputShape),
    );
  }
  const hidden = [...(opts.hiddenSizes ?? [64])];
  hidden.forEach((u) => checkPositiveInt('hiddenSizes', u));
  const conv = convStackOf(torso, opts.conv, inputShape);
  const seeded = new SeededInit(opts.rng);

  const obs = tf.input({ shape: [null, ...inputShape], name: 'obs' });
  const h0 = tf.input({ shape: [units], name: 'h0' });
  const c0 = cell === 'lstm' ? tf.input({ shape: [units], name: 'c0' }) : null;
  const apply = (layer: tf.layers.Layer, t: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor =>
    layer.apply(t) as tf.SymbolicTensor;
  /** A dense layer on the last axis of `on`; its kernel seed first, then its bias seed (noisy: its own init). */
  const dense = (
    name: string,
    n: number,
    activation: 'relu' | 'linear',
    on: tf.SymbolicTensor,
    noisyLayer = false,
  ): tf.layers.Layer =>
    qDense({
      name,
      units: n,
      activation,
      on,
      init,
      seeded,
      noisy: noisyLayer,
      rng: opts.rng,
      sigma0: opts.noisySigma0,
    });

  // The torso, on every step: conv layers through TimeDistributed, dense layers on the last axis.
  let x: tf.SymbolicTensor = obs;
  conv.forEach((c, i) => {
    const kernelSize = kernelSizeOf(c, x.shape[2] as number);
    const kernelInitializer = initializer(init, seeded);
    const fanIn = (x.shape[4] as number) * kernelSize[0] * kernelSize[1];
    const layer = tf.layers.conv2d({
      name: `conv${i + 1}`,
      filters: c.filters,
      kernelSize,
      strides: c.stride,
      padding: c.padding ?? 'valid',
      activation: 'relu',
      kernelInitializer,
      biasInitializer: biasInitializer(init, seeded, fanIn),
    });
    x = apply(tf.layers.timeDistributed({ layer, name: `td_conv${i + 1}` }), x);
  });
  if (inputShape.length > 1) {
    x = apply(tf.layers.timeDistributed({ layer: tf.layers.flatten({ name: 'flatten' }), name: 'td_flatten' }), x);
  }
  hidden.forEach((n, i) => {
    x = apply(dense(`dense${i + 1}`, n, 'relu', x), x);
  });

  // The recurrent layer, its initial state from the model's inputs (array inputs: see the module comment).
  const rnn =
    cell === 'lstm'
      ? recurrent(
          'lstm',
          {
            units,
            returnSequences: true,
            returnState: true,
            recurrentActivation: 'sigmoid',
            unitForgetBias: true,
            name: 'lstm',
          },
          seeded,
          // The dropout stream: never drawn from, since the layer has no dropout.
          opts.rng ?? new Rng(0),
        )
      : gruResetAfter({
          units,
          returnSequences: true,
          returnState: true,
          kernelInitializer: seeded.glorotUniform(),
          recurrentInitializer: seeded.orthogonal(),
          name: 'gru',
        });
  const outs = rnn.apply(c0 ? [x, h0, c0] : [x, h0]) as tf.SymbolicTensor[];
  // RNN.apply records the symbolic initial state in the node's kwargs as well as in its inputs;
  // saving would warn that it cannot serialise them (and drop them: the inputs carry them).
  for (const node of (rnn as unknown as { inboundNodes: Array<{ callArgs?: Record<string, unknown> }> }).inboundNodes)
    delete node.callArgs?.['initialState'];
  const [seq, ...states] = outs as [tf.SymbolicTensor, ...tf.SymbolicTensor[]];

  // The head, on every step (C51 and dueling as in models/q-networks.ts, the time axis kept).
  const { q, maps } = qHead(seq, {
    numActions,
    numAtoms,
    dueling: opts.dueling === true,
    innerAxes: 1,
    dense: (name, n, on) => dense(name, n, 'linear', on, noisy),
  });
  const model = tf.model({
    inputs: c0 ? [obs, h0, c0] : [obs, h0],
    outputs: [q, ...states],
    name:
      opts.name ??
      `drqn_${torso}_${cell}${opts.dueling ? '_dueling' : ''}${numAtoms > 1 ? `_c51x${numAtoms}` : ''}${noisy ? '_noisy' : ''}`,
  });
  maps?.setKernels();
  return model;
}

/** The state layout of a recurrent Q-network: units per state tensor and how many there are (LSTM 2: h, c; GRU 1). */
export interface RecurrentStateSpec {
  readonly units: number;
  readonly count: number;
}

/**
 * The state layout of `model` when it is a recurrent Q-network as {@link buildRecurrentQNetwork}
 * makes them (a sequence input `[batch, time, ...]`, then one or two `[batch, units]` state inputs,
 * and as many outputs), else null.
 */
export function recurrentStateSpec(model: tf.LayersModel): RecurrentStateSpec | null {
  const ins = model.inputs;
  const first = ins[0];
  if (!first || ins.length < 2 || ins.length > 3 || model.outputs.length !== ins.length) return null;
  if (first.shape.length < 3 || first.shape[1] !== null) return null;
  const units = ins[1]?.shape[1];
  if (typeof units !== 'number') return null;
  for (const s of ins.slice(1)) if (s.shape.length !== 2 || s.shape[1] !== units) return null;
  return { units, count: ins.length - 1 };
}

/** The parts of tfjs' graph nodes that {@link recurrentQForward} walks (not exported by tfjs under names). */
interface GraphNode {
  readonly inputTensors: ReadonlyArray<{ readonly id: number }>;
  readonly outputTensors: ReadonlyArray<{ readonly id: number }>;
}

/**
 * Runs a recurrent Q-network on `obs` (`[batch, time, ...observation]`, already scaled) from
 * `state` (one `[batch, units]` tensor per state: `[h]`, LSTM `[h, c]`): the first output as `q`,
 * Q-values `[batch, time, numActions]` (a C51 network: logits `[batch, time, numActions, numAtoms]`),
 * and the state after the last step. Every layer runs once, in the
 * model's order (see the module comment for why not `model.apply`). Call inside `tf.tidy` (or
 * dispose the results); gradients flow through it like through `model.apply`.
 */
export function recurrentQForward(
  model: tf.LayersModel,
  obs: tf.Tensor,
  state: readonly tf.Tensor[],
): { q: tf.Tensor; state: tf.Tensor[] } {
  const spec = recurrentStateSpec(model);
  if (spec === null) throw new ModelArgumentError(`${model.name} is not a recurrent Q-network`);
  if (state.length !== spec.count) {
    throw new ModelArgumentError(
      invalidValueMessage(
        'state',
        `${spec.count} tensor(s) of shape [batch, ${spec.units}]`,
        `${state.length} tensors`,
      ),
    );
  }
  const values = new Map<number, tf.Tensor>();
  [obs, ...state].forEach((t, i) => values.set((model.inputs[i] as tf.SymbolicTensor).id, t));
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    // A layer of this model has one node in it (the first: these models share no layers).
    const node = (layer as unknown as { inboundNodes: GraphNode[] }).inboundNodes[0] as GraphNode;
    const ins = node.inputTensors.map((s) => {
      const v = values.get(s.id);
      if (v === undefined) throw new Error(`recurrentQForward: ${layer.name} runs before its inputs`);
      return v;
    });
    // A fresh kwargs object per call: RNN.apply writes the initial state into it.
    const out = layer.apply(ins.length === 1 ? (ins[0] as tf.Tensor) : ins, {}) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    node.outputTensors.forEach((s, i) => values.set(s.id, list[i] as tf.Tensor));
  }
  const [q, ...next] = model.outputs.map((s) => values.get(s.id) as tf.Tensor);
  return { q: q as tf.Tensor, state: next };
}
