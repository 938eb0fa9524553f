/**
 * Q-network factories: observation in, one Q-value per action out.
 *
 * Torsos (each cites its source):
 * - `mlp`: dense ReLU layers (CleanRL's `dqn.py` uses 120, 84; SB3's default is 64, 64).
 * - `book`: the Catch network of Gulli & Pal, "Deep Learning with Keras" (2017), chapter 8,
 *   `rl-network-train.py`: 80x80x4 -> conv 32 8x8/4 -> conv 64 4x4/2 -> conv 64 3x3/1 (all
 *   `padding="same"`, ReLU) -> dense 512 ReLU -> actions, `kernel_initializer="normal"`.
 * - `minatar`: Young & Tian (2019), MinAtar `dqn.py`: conv 16 3x3/1 (valid) -> dense 128 -> actions.
 * - `nature`: Mnih et al. (2015), Nature: conv 32 8x8/4 -> conv 64 4x4/2 -> conv 64 3x3/1
 *   (valid) -> dense 512 -> actions.
 * - `cnn`: any conv stack given as {@link ConvSpec}s plus dense layers (used by tuned presets).
 *
 * The optional dueling head (Wang et al. 2016) computes `Q = V + A - mean(A)`; tfjs has no
 * Lambda layer, so the two linear maps `A -> A - mean(A)` and `V -> V * ones(1, n)` are dense
 * layers with fixed, non-trainable kernels. The model stays a plain tfjs layers model that
 * any tfjs program can load.
 *
 * Rainbow's heads (Hessel et al. 2018), each an option: `numAtoms` > 1 makes the output C51's
 * logits `[batch, numActions, numAtoms]` (Bellemare et al. 2017; softmax over the atoms and the
 * loss in `agents/distributional-loss.ts`), the dueling combination then applied per atom to the
 * logits as Rainbow does (the fixed maps act on the action axis, moved last by `permute` layers);
 * `noisy` makes the dense layers after the torso and the head {@link NoisyDense} layers
 * (Fortunato et al. 2018, factorised noise, their own initialisation), which need tfgym's layer
 * registered to load (importing `models/noisy-dense.ts`).
 *
 * Layers get explicit names (`conv1`, `dense1`, `q`, ...) so saved weight names are stable,
 * and every initialiser its own seed drawn from an {@link Rng} in layer order.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { SeededInit, type Initializer } from './init.js';
import { NoisyDense, NOISY_SIGMA0 } from './noisy-dense.js';
import { checkOneOf, checkPositiveInt, invalidValueMessage, ModelArgumentError } from './validate.js';

/** Names of the built-in torsos. */
export const TORSOS = ['mlp', 'book', 'minatar', 'nature', 'cnn'] as const;
/** A torso name. */
export type TorsoKind = (typeof TORSOS)[number];

/** Weight initialisation schemes. */
export const INITS = ['glorot', 'he', 'normal', 'torch'] as const;
/**
 * `glorot`: Keras' default (Glorot uniform, zero bias). `he`: He uniform (PyTorch-like).
 * `normal`: Keras 2's `"normal"` string, i.e. RandomNormal(mean 0, stddev 0.05), as the book uses.
 * `torch`: PyTorch's default for `nn.Linear` and `nn.Conv2d` (`reset_parameters`: Kaiming uniform
 * with a = sqrt(5), i.e. weights and biases uniform in +-1/sqrt(fanIn)), as CleanRL's networks get.
 */
export type InitKind = (typeof INITS)[number];

/** One convolution: `filters` kernels of `kernelHeight`x`kernel` (square by default) moved by `stride`. */
export interface ConvSpec {
  readonly filters: number;
  /** Kernel width (and height, unless `kernelHeight` is given). */
  readonly kernel: number;
  /**
   * Kernel height when it differs from the width; 0 = the full height of the layer's input, so
   * the layer is a 1-D convolution along x over whole columns (it sees a falling object and the
   * paddle below it in one window, at every horizontal offset). Default: square.
   */
  readonly kernelHeight?: number;
  readonly stride: number;
  readonly padding?: 'same' | 'valid';
}

/** Options of {@link buildQNetwork}. */
export interface QNetworkOptions {
  /** Shape of one observation: `[n]` for the MLP, `[h, w, c]` for conv torsos. */
  readonly inputShape: readonly number[];
  /** Number of discrete actions (output units). */
  readonly numActions: number;
  /** Torso; default `mlp`. */
  readonly torso?: TorsoKind;
  /** Hidden layer sizes of the MLP torso, or the dense layers after a `cnn` torso. Default [64, 64]. */
  readonly hiddenSizes?: readonly number[];
  /** Conv stack of the `cnn` torso. */
  readonly conv?: readonly ConvSpec[];
  /** Dueling head. Default false. */
  readonly dueling?: boolean;
  /**
   * Atoms of C51's return distribution per action (Bellemare et al. 2017: 51); 1 (default): one
   * Q-value per action, output `[batch, numActions]`; above 1: logits `[batch, numActions, numAtoms]`.
   */
  readonly numAtoms?: number;
  /** Noisy dense layers after the torso and in the head (Fortunato et al. 2018). Default false. */
  readonly noisy?: boolean;
  /** Initial noise scale sigma0 of the noisy layers (default 0.5, the paper's). */
  readonly noisySigma0?: number;
  /** Initialisation. Default `glorot`. */
  readonly init?: InitKind;
  /** Source of the initialisers' seeds; without one tfjs draws unseeded weights. */
  readonly rng?: Rng;
  /** Model name. */
  readonly name?: string;
  /**
   * Average-pool image inputs by this factor before the torso (1 = off). A weight-free
   * downscale: with the `mlp` torso it makes a small, fast pixel network (the tuned Catch preset).
   */
  readonly inputPool?: number;
}

/** The book's conv stack (padding "same"). */
export const BOOK_CONV: readonly ConvSpec[] = [
  { filters: 32, kernel: 8, stride: 4, padding: 'same' },
  { filters: 64, kernel: 4, stride: 2, padding: 'same' },
  { filters: 64, kernel: 3, stride: 1, padding: 'same' },
];
/** Nature DQN's conv stack (padding "valid"). */
export const NATURE_CONV: readonly ConvSpec[] = [
  { filters: 32, kernel: 8, stride: 4, padding: 'valid' },
  { filters: 64, kernel: 4, stride: 2, padding: 'valid' },
  { filters: 64, kernel: 3, stride: 1, padding: 'valid' },
];
/** MinAtar's conv stack. */
export const MINATAR_CONV: readonly ConvSpec[] = [{ filters: 16, kernel: 3, stride: 1, padding: 'valid' }];

/** The kernel initialiser of `kind`, seeded from `init`'s Rng (one seed per call, in layer order). */
export function initializer(kind: InitKind, init: SeededInit): Initializer {
  switch (kind) {
    case 'glorot':
      return init.glorotUniform();
    case 'he':
      return init.heUniform();
    case 'normal':
      return init.randomNormal(0, 0.05);
    case 'torch':
      // Kaiming uniform, a = sqrt(5): bound sqrt(6 / ((1 + a^2) fanIn)) = sqrt(3 * (1/3) / fanIn).
      return init.varianceScaling(1 / 3, 'fanIn', 'uniform');
  }
}

/**
 * The bias initialiser of `kind` for a layer with `fanIn` inputs per unit: zeros, except for
 * `torch` (uniform in +-1/sqrt(fanIn), its seed drawn right after the layer's kernel seed).
 */
export function biasInitializer(kind: InitKind, init: SeededInit, fanIn: number): Initializer {
  if (kind !== 'torch') return init.zeros();
  const bound = 1 / Math.sqrt(fanIn);
  return init.randomUniform(-bound, bound);
}

/** Output side of a conv with this padding, or throws when the input is too small. */
export function convOut(
  side: number,
  kernel: number,
  c: ConvSpec,
  name: string,
  size: readonly [number, number],
): number {
  const out = c.padding === 'same' ? Math.ceil(side / c.stride) : Math.floor((side - kernel) / c.stride) + 1;
  if (out < 1)
    throw new ModelArgumentError(
      invalidValueMessage(name, `an input of at least ${kernel} for a ${size[0]}x${size[1]} convolution`, side),
    );
  return out;
}

/** [height, width] of `c`'s kernel on an input `h` high (kernelHeight 0 = all of it). */
export function kernelSizeOf(c: ConvSpec, h: number): [number, number] {
  return [c.kernelHeight === undefined ? c.kernel : c.kernelHeight === 0 ? h : c.kernelHeight, c.kernel];
}

/**
 * The conv stack of `torso` (none for `mlp`; `conv` for `cnn`, which needs at least one), with
 * every spec checked and its output sizes on `inputShape` (`[height, width, channels]`)
 * computed, so an input too small for a layer is refused here with the layer named.
 */
export function convStackOf(
  torso: TorsoKind,
  conv: readonly ConvSpec[] | undefined,
  inputShape: readonly number[],
): readonly ConvSpec[] {
  let stack: readonly ConvSpec[] = [];
  if (torso === 'book') stack = BOOK_CONV;
  else if (torso === 'nature') stack = NATURE_CONV;
  else if (torso === 'minatar') stack = MINATAR_CONV;
  else if (torso === 'cnn') {
    stack = conv ?? [];
    if (stack.length === 0)
      throw new ModelArgumentError(invalidValueMessage('conv', 'at least one ConvSpec for the cnn torso', []));
  }
  if (stack.length > 0) {
    if (inputShape.length !== 3) {
      throw new ModelArgumentError(
        invalidValueMessage('inputShape', `a shape [height, width, channels] for the ${torso} torso`, inputShape),
      );
    }
    let [h, w] = inputShape as [number, number, number];
    stack.forEach((c, i) => {
      checkPositiveInt('filters', c.filters);
      checkPositiveInt('kernelSize', c.kernel);
      if (c.kernelHeight !== undefined && c.kernelHeight !== 0) checkPositiveInt('kernelHeight', c.kernelHeight);
      checkPositiveInt('strides', c.stride);
      const size = kernelSizeOf(c, h);
      h = convOut(h, size[0], c, `inputShape[0] at conv${i + 1}`, size);
      w = convOut(w, size[1], c, `inputShape[1] at conv${i + 1}`, size);
    });
  }
  return stack;
}

/**
 * Builds a Q-network. Throws {@link ModelArgumentError} with a Keras-style message for bad
 * arguments, e.g. "Received an invalid value for `numActions`, expected a positive integer.
 * Received: numActions=0".
 */
export function buildQNetwork(opts: QNetworkOptions): tf.LayersModel {
  const torso = checkOneOf('torso', opts.torso ?? 'mlp', TORSOS);
  const init = checkOneOf('init', opts.init ?? 'glorot', INITS);
  const numActions = checkPositiveInt('numActions', opts.numActions);
  const inputShape = [...opts.inputShape];
  if (inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ModelArgumentError(
      invalidValueMessage('inputShape', 'a non-empty shape of positive integers', inputShape),
    );
  }
  const numAtoms = checkPositiveInt('numAtoms', opts.numAtoms ?? 1);
  const noisy = opts.noisy === true;
  const seeded = new SeededInit(opts.rng);
  /** A dense layer after the torso: tfjs' Dense, or NoisyDense (its own init) when `noisy`. */
  const dense = (name: string, units: number, activation: 'relu' | 'linear', on: tf.SymbolicTensor): tf.layers.Layer =>
    qDense({ name, units, activation, on, init, seeded, noisy, rng: opts.rng, sigma0: opts.noisySigma0 });
  const defaultHidden = torso === 'mlp' ? [64, 64] : torso === 'minatar' ? [128] : torso === 'cnn' ? [256] : [512];
  const hidden = [...(opts.hiddenSizes ?? defaultHidden)];
  hidden.forEach((u) => checkPositiveInt('units', u));

  const conv = convStackOf(torso, opts.conv, inputShape);

  const pool = checkPositiveInt('inputPool', opts.inputPool ?? 1);
  if (pool > 1 && (inputShape.length !== 3 || (inputShape[0] as number) < pool || (inputShape[1] as number) < pool)) {
    throw new ModelArgumentError(
      invalidValueMessage(
        'inputShape',
        `an image [height, width, channels] at least ${pool} wide for inputPool=${pool}`,
        inputShape,
      ),
    );
  }
  if (pool > 1 && conv.length > 0) {
    let [h, w] = inputShape as [number, number, number];
    h = Math.floor(h / pool);
    w = Math.floor(w / pool);
    conv.forEach((c, i) => {
      const size = kernelSizeOf(c, h);
      h = convOut(h, size[0], c, `pooled height at conv${i + 1}`, size);
      w = convOut(w, size[1], c, `pooled width at conv${i + 1}`, size);
    });
  }

  const input = tf.input({ shape: inputShape, name: 'obs' });
  let x: tf.SymbolicTensor = input;
  if (pool > 1)
    x = tf.layers
      .averagePooling2d({ name: 'input_pool', poolSize: pool, strides: pool, padding: 'valid' })
      .apply(x) as tf.SymbolicTensor;
  conv.forEach((c, i) => {
    const kernelSize = kernelSizeOf(c, x.shape[1] as number);
    const kernelInitializer = initializer(init, seeded);
    x = tf.layers
      .conv2d({
        name: `conv${i + 1}`,
        filters: c.filters,
        kernelSize,
        strides: c.stride,
        padding: c.padding ?? 'valid',
        activation: 'relu',
        kernelInitializer,
        biasInitializer: biasInitializer(init, seeded, (x.shape[3] as number) * kernelSize[0] * kernelSize[1]),
      })
      .apply(x) as tf.SymbolicTensor;
  });
  if (inputShape.length > 1) x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  hidden.forEach((units, i) => {
    x = dense(`dense${i + 1}`, units, 'relu', x).apply(x) as tf.SymbolicTensor;
  });

  const { q, maps } = qHead(x, {
    numActions,
    numAtoms,
    dueling: opts.dueling === true,
    dense: (n, u, on) => dense(n, u, 'linear', on),
  });
  const model = tf.model({
    inputs: input,
    outputs: q,
    name:
      opts.name ??
      `q_${torso}${opts.dueling ? '_dueling' : ''}${numAtoms > 1 ? `_c51x${numAtoms}` : ''}${noisy ? '_noisy' : ''}`,
  });
  maps?.setKernels();
  return model;
}

/** Options of {@link qDense}. */
export interface QDenseOptions {
  readonly name: string;
  readonly units: number;
  readonly activation: 'relu' | 'linear';
  /** The layer's input (its last dimension is the fan-in of `torch` biases). */
  readonly on: tf.SymbolicTensor;
  readonly init: InitKind;
  /** Seeds of tfjs' Dense initialisers: the kernel's first, then the bias'. */
  readonly seeded: SeededInit;
  /** A {@link NoisyDense} (its own initialisation, seeds drawn from `rng`) instead of tfjs' Dense. */
  readonly noisy?: boolean;
  readonly rng?: Rng;
  /** sigma0 of a noisy layer (default {@link NOISY_SIGMA0}). */
  readonly sigma0?: number;
}

/**
 * One dense layer of a Q-network: tfjs' Dense seeded from `seeded` with the `init` scheme, or a
 * {@link NoisyDense} (Fortunato et al. 2018's initialisation) when `noisy`.
 */
export function qDense(o: QDenseOptions): tf.layers.Layer {
  const { name, units, activation } = o;
  if (o.noisy === true)
    return new NoisyDense({ name, units, activation, rng: o.rng, sigma0: o.sigma0 ?? NOISY_SIGMA0 });
  const kernelInitializer = initializer(o.init, o.seeded);
  const fanIn = o.on.shape[o.on.shape.length - 1] as number;
  return tf.layers.dense({
    name,
    units,
    activation,
    kernelInitializer,
    biasInitializer: biasInitializer(o.init, o.seeded, fanIn),
  });
}

/** Options of {@link qHead}. */
export interface QHeadOptions {
  readonly numActions: number;
  /** 1: one Q-value per action; above 1: C51's logits over that many atoms per action. */
  readonly numAtoms: number;
  readonly dueling: boolean;
  /**
   * Axes between the batch axis and the features that the head keeps as they are: 0 for a
   * feed-forward network, 1 for a recurrent one (the time axis, of any length).
   */
  readonly innerAxes?: 0 | 1;
  /** Makes the head's linear layers (value, advantage, q or q_logits), in that order of calls. */
  readonly dense: (name: string, units: number, on: tf.SymbolicTensor) => tf.layers.Layer;
}

/**
 * The Q-head on features `x`: a linear layer (`q`: `[..., numActions]`), or for C51 one whose
 * outputs are reshaped to logits `[..., numActions, numAtoms]` (`q_logits`, then `q`); dueling
 * combines a value stream and an advantage stream as `V + A - mean(A)`, for C51 atom by atom as
 * Rainbow does (Hessel et al. 2018): the fixed maps of {@link duelingMaps} act on the action axis,
 * moved last and back by `permute` layers. The output layer is named `q`. The caller sets the
 * dueling maps' kernels (`maps.setKernels()`) once the model is built.
 */
export function qHead(x: tf.SymbolicTensor, o: QHeadOptions): { q: tf.SymbolicTensor; maps: DuelingMaps | null } {
  const { numActions, numAtoms } = o;
  const inner = o.innerAxes ?? 0;
  const apply = (layer: tf.layers.Layer, t: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor =>
    layer.apply(t) as tf.SymbolicTensor;
  /** `[batch, (time,) rows * numAtoms]` -> `[batch, (time,) rows, numAtoms]` (C51) or unchanged. */
  const atoms = (t: tf.SymbolicTensor, name: string, rows: number): tf.SymbolicTensor =>
    numAtoms > 1
      ? apply(tf.layers.reshape({ name, targetShape: inner === 1 ? [-1, rows, numAtoms] : [rows, numAtoms] }), t)
      : t;
  /** Swaps the last two axes (action and atom) of C51 logits. */
  const swapDims = inner === 1 ? [1, 3, 2] : [2, 1];
  const swap = (t: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    numAtoms > 1 ? apply(tf.layers.permute({ name, dims: swapDims }), t) : t;
  if (o.dueling) {
    const v = atoms(apply(o.dense('value', numAtoms, x), x), 'value_atoms', 1);
    const a = atoms(apply(o.dense('advantage', numActions * numAtoms, x), x), 'advantage_atoms', numActions);
    const maps = duelingMaps(numActions);
    const ac = apply(maps.centre, swap(a, 'advantage_by_atom'));
    const vs = apply(maps.spread, swap(v, 'value_by_atom'));
    if (numAtoms > 1) {
      const sum = apply(tf.layers.add({ name: 'q_by_atom' }), [vs, ac]);
      return { q: apply(tf.layers.permute({ name: 'q', dims: swapDims }), sum), maps };
    }
    return { q: apply(tf.layers.add({ name: 'q' }), [vs, ac]), maps };
  }
  if (numAtoms > 1)
    return { q: atoms(apply(o.dense('q_logits', numActions * numAtoms, x), x), 'q', numActions), maps: null };
  return { q: apply(o.dense('q', numActions, x), x), maps: null };
}

/** The dueling head's two fixed linear maps (see {@link duelingMaps}). */
export interface DuelingMaps {
  /** `A -> A - mean(A)`, on the last axis (named `advantage_centred`). */
  readonly centre: tf.layers.Layer;
  /** `V -> V * ones(1, n)`, on the last axis (named `value_spread`). */
  readonly spread: tf.layers.Layer;
  /** Sets both fixed kernels; call once the model holding the layers is built. */
  setKernels(): void;
}

/**
 * The dueling combination `Q = V + A - mean(A)` (Wang et al. 2016) as two dense layers with fixed,
 * non-trainable kernels on the last axis, since tfjs has no Lambda layer: `A (I - J/n)` centres the
 * advantages and `V ones(1, n)` spreads the value; an `add` layer sums them. They act on the last
 * axis of any rank, so a recurrent head (`[batch, time, n]`) uses them as they are.
 */
export function duelingMaps(numActions: number): DuelingMaps {
  const centre = tf.layers.dense({ name: 'advantage_centred', units: numActions, useBias: false, trainable: false });
  const spread = tf.layers.dense({ name: 'value_spread', units: numActions, useBias: false, trainable: false });
  return {
    centre,
    spread,
    setKernels: () => {
      const [c, v] = tf.tidy(() => [
        tf.sub(tf.eye(numActions), tf.fill([numActions, numActions], 1 / numActions)),
        tf.ones([1, numActions]),
      ]);
      centre.setWeights([c as tf.Tensor]);
      spread.setWeights([v as tf.Tensor]);
      tf.dispose([c as tf.Tensor, v as tf.Tensor]);
    },
  };
}

/** MLP Q-network (`torso: 'mlp'`). */
export function mlpQNetwork(
  inputSize: number,
  numActions: number,
  hiddenSizes: readonly number[] = [64, 64],
  opts: Partial<QNetworkOptions> = {},
): tf.LayersModel {
  checkPositiveInt('inputSize', inputSize);
  return buildQNetwork({ ...opts, inputShape: [inputSize], numActions, torso: 'mlp', hiddenSizes });
}

/** The book's Catch network (chapter 8): 80x80x4 input, "normal" init by default. */
export function bookCatchQNetwork(numActions = 3, opts: Partial<QNetworkOptions> = {}): tf.LayersModel {
  return buildQNetwork({
    init: 'normal',
    ...opts,
    inputShape: opts.inputShape ?? [80, 80, 4],
    numActions,
    torso: 'book',
  });
}

/** MinAtar's network (10x10xC input). */
export function minatarQNetwork(
  inputShape: readonly number[],
  numActions: number,
  opts: Partial<QNetworkOptions> = {},
): tf.LayersModel {
  return buildQNetwork({ ...opts, inputShape, numActions, torso: 'minatar' });
}

/** Nature DQN's network (84x84x4 input). */
export function natureQNetwork(numActions: number, opts: Partial<QNetworkOptions> = {}): tf.LayersModel {
  return buildQNetwork({ ...opts, inputShape: opts.inputShape ?? [84, 84, 4], numActions, torso: 'nature' });
}
