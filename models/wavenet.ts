/**
 * WaveNet as basveeling/wavenet builds it in Keras: the model of the book's Chapter 4
 * (`wavnet/wavenet.py`), its train and evaluation steps, and a sample-by-sample generator.
 *
 * The network (van den Oord et al., 2016): the input is a fragment of audio as one-hot mu-law
 * levels `[batch, length, bins]`; an initial causal Conv1D (kernel 2, with bias) makes `filters`
 * channels; then one gated stage per dilation: a tanh and a sigmoid causal Conv1D (kernel 2,
 * dilated, no bias) multiplied together (the gated activation unit), then a 1x1 residual conv
 * added to the stage's input and a 1x1 skip conv (no bias). The skips are summed, then relu,
 * 1x1 conv, relu, 1x1 conv to `bins`, softmax: at every step t, a distribution over the level of
 * sample t + 1 that depends on samples <= t only. The last stage's residual conv is not built:
 * its output reaches nothing, so Keras' model (and its parameter count, 4,129,536 for the
 * book's sizes) does not contain it.
 *
 * Training ({@link wavenetTrainStep}) is categorical cross-entropy against the next sample,
 * scored only where an output's receptive field lies inside the fragment (basveeling's
 * `train_only_in_receptive_field`): the first outputs see the zero padding.
 *
 * Generation ({@link WavenetGenerator}) does not rerun the network over a window per sample, as
 * the book's `predict` does (`model.predict` of the whole fragment for each new sample). Each
 * stage keeps its last `dilation` inputs in a ring buffer (the queues of Paine et al.'s "Fast
 * Wavenet", 2016), so a sample costs one step of every layer: the same numbers as the full
 * network over the whole history (zero padding included), in plain arithmetic on the weights.
 */
import * as tf from '@tensorflow/tfjs';
import { installDilatedConvGrad } from '../src/backends/dilated-conv-grad.js';
import type { Rng } from '../src/rng/rng.js';
import { SeededInit } from './init.js';
import { checkNonNegativeInt, checkPositiveInt, invalidValueMessage, ModelArgumentError } from './validate.js';

/** Options of {@link wavenet}. */
export interface WavenetOptions {
  /** Time steps of the input fragment; `null` builds a model for any length. Default 1152. */
  fragmentLength?: number | null;
  /** Quantisation levels: one-hot input channels and output classes (256). */
  bins?: number;
  /** Channels of every causal and 1x1 conv inside the stack (256). */
  filters?: number;
  /** One gated stage per entry, in order (default 1, 2, 4, ..., 512). */
  dilations?: readonly number[];
  /** Seeds the kernel initialisers (Glorot uniform, Keras' default). */
  rng?: Rng;
}

/**
 * basveeling's dilations: `dilation_depth + 1` stages of 1, 2, 4, ..., 2^depth, repeated
 * `stacks` times.
 */
export function wavenetDilations(depth: number, stacks = 1): number[] {
  checkNonNegativeInt('dilationDepth', depth);
  checkPositiveInt('stacks', stacks);
  const one = Array.from({ length: depth + 1 }, (_, i) => 2 ** i);
  return Array.from({ length: stacks }, () => one).flat();
}

/** The book's network (its layer dump): fragments of 1152 steps, 256 levels and filters, dilations 1 ... 512. */
export const BOOK_WAVENET = {
  fragmentLength: 1152,
  bins: 256,
  filters: 256,
  dilations: wavenetDilations(9),
} as const;

/** The parameter count of the book's WaveNet summary. */
export const BOOK_WAVENET_PARAMS = 4_129_536;

/**
 * How many input samples output t depends on (t itself included): 1 for the sample, 1 more for
 * the initial kernel-2 conv, and each stage's dilation. 1025 for the book's stack; basveeling's
 * `compute_receptive_field` says 1024 (it leaves out the initial conv).
 */
export function receptiveField(dilations: readonly number[]): number {
  return 2 + dilations.reduce((a, d) => a + d, 0);
}

function checkDilations(dilations: readonly number[]): number[] {
  if (!Array.isArray(dilations) || dilations.length === 0 || !dilations.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ModelArgumentError(invalidValueMessage('dilations', 'a non-empty list of positive integers', dilations));
  }
  return [...dilations];
}

/**
 * Names of one stage's layers. A stack starts at each dilation that does not grow (1, 2, ...,
 * 512, 1, 2, ...): `s` is its index, `j` the stage's index in it. The dilated convs and gates
 * carry basveeling's names (`dilated_conv_4_tanh_s0`, `gated_activation_2_s0`).
 */
interface StageNames {
  dilation: number;
  tanh: string;
  sigm: string;
  gate: string;
  residual: string;
  residualSum: string;
  skip: string;
}

function stageNames(dilations: readonly number[]): StageNames[] {
  let s = 0;
  let j = 0;
  return dilations.map((d, k) => {
    if (k > 0 && d <= (dilations[k - 1] ?? 0)) {
      s++;
      j = 0;
    } else if (k > 0) j++;
    return {
      dilation: d,
      tanh: `dilated_conv_${d}_tanh_s${s}`,
      sigm: `dilated_conv_${d}_sigm_s${s}`,
      gate: `gated_activation_${j}_s${s}`,
      residual: `residual_conv_${j}_s${s}`,
      residualSum: `residual_sum_${j}_s${s}`,
      skip: `skip_conv_${j}_s${s}`,
    };
  });
}

/**
 * Builds (uncompiled) the WaveNet: input `[batch, fragmentLength, bins]` one-hot levels, output
 * `[batch, fragmentLength, bins]`, the softmax at step t predicting sample t + 1. Causal Conv1D
 * is Keras' `padding: 'causal'`, which tfgym's backends provide (`src/backends/dilated-conv-grad.ts`,
 * installed here too).
 */
export function wavenet(options: WavenetOptions = {}): tf.LayersModel {
  const length = options.fragmentLength === undefined ? BOOK_WAVENET.fragmentLength : options.fragmentLength;
  if (length !== null) checkPositiveInt('fragmentLength', length);
  const bins = checkPositiveInt('bins', options.bins ?? BOOK_WAVENET.bins);
  const filters = checkPositiveInt('filters', options.filters ?? BOOK_WAVENET.filters);
  const dilations = checkDilations(options.dilations ?? BOOK_WAVENET.dilations);
  installDilatedConvGrad();
  const init = new SeededInit(options.rng);

  const causal = (
    x: tf.SymbolicTensor,
    name: string,
    dilationRate: number,
    useBias: boolean,
    activation: 'linear' | 'tanh' | 'sigmoid',
  ): tf.SymbolicTensor =>
    tf.layers
      .conv1d({
        name,
        filters,
        kernelSize: 2,
        dilationRate,
        padding: 'causal',
        useBias,
        activation,
        kernelInitializer: init.glorotUniform(),
      })
      .apply(x) as tf.SymbolicTensor;
  const pointwise = (x: tf.SymbolicTensor, name: string, units: number, useBias: boolean): tf.SymbolicTensor =>
    tf.layers
      .conv1d({ name, filters: units, kernelSize: 1, useBias, kernelInitializer: init.glorotUniform() })
      .apply(x) as tf.SymbolicTensor;

  const input = tf.input({ name: 'input_part', shape: [length, bins] });
  let out = causal(input, 'initial_causal_conv', 1, true, 'linear');
  const skips: tf.SymbolicTensor[] = [];
  const names = stageNames(dilations);
  names.forEach((n, k) => {
    const tanh = causal(out, n.tanh, n.dilation, false, 'tanh');
    const sigm = causal(out, n.sigm, n.dilation, false, 'sigmoid');
    const gate = tf.layers.multiply({ name: n.gate }).apply([tanh, sigm]) as tf.SymbolicTensor;
    if (k < names.length - 1) {
      const res = pointwise(gate, n.residual, filters, false);
      out = tf.layers.add({ name: n.residualSum }).apply([out, res]) as tf.SymbolicTensor;
    }
    skips.push(pointwise(gate, n.skip, filters, false));
  });
  let y = skips.length > 1 ? (tf.layers.add({ name: 'skip_sum' }).apply(skips) as tf.SymbolicTensor) : skips[0];
  if (!y) throw new Error('unreachable: at least one stage');
  y = tf.layers.activation({ name: 'skip_relu', activation: 'relu' }).apply(y) as tf.SymbolicTensor;
  y = pointwise(y, 'output_conv_1', bins, true);
  y = tf.layers.activation({ name: 'output_relu', activation: 'relu' }).apply(y) as tf.SymbolicTensor;
  y = pointwise(y, 'output_conv_2', bins, true);
  y = tf.layers.activation({ name: 'output_softmax', activation: 'softmax' }).apply(y) as tf.SymbolicTensor;
  return tf.model({ name: 'wavenet', inputs: input, outputs: y });
}

/** The dilations of a model built by {@link wavenet}, read from its layers (in stage order). */
export function wavenetDilationsOf(model: tf.LayersModel): number[] {
  const stages: { s: number; d: number }[] = [];
  for (const l of model.layers) {
    const m = /^dilated_conv_(\d+)_tanh_s(\d+)$/.exec(l.name);
    if (m) stages.push({ d: Number(m[1]), s: Number(m[2]) });
  }
  if (stages.length === 0)
    throw new ModelArgumentError(`model "${model.name}" has no WaveNet stages (dilated_conv_*_tanh_s*)`);
  // Stacks in order, dilations growing within a stack.
  stages.sort((a, b) => a.s - b.s || a.d - b.d);
  return stages.map((x) => x.d);
}

/**
 * A batch of fragments: `ids` is row-major `[batch, length + 1]` mu-law levels; row b's first
 * `length` levels are the input, its last `length` levels (shifted by one) the targets.
 */
export interface FragmentBatch {
  readonly ids: Int32Array;
  readonly batch: number;
  readonly length: number;
}

/** Mean cross-entropy (nats) and next-sample accuracy over the scored outputs of a batch. */
export interface StepMetrics {
  loss: number;
  accuracy: number;
}

function checkBatch(model: tf.LayersModel, b: FragmentBatch, skip: number): void {
  checkPositiveInt('batch', b.batch);
  checkPositiveInt('length', b.length);
  if (b.ids.length !== b.batch * (b.length + 1))
    throw new ModelArgumentError(
      invalidValueMessage('ids', `batch * (length + 1) = ${b.batch * (b.length + 1)} levels`, `${b.ids.length} levels`),
    );
  if (!Number.isInteger(skip) || skip < 0 || skip >= b.length)
    throw new ModelArgumentError(invalidValueMessage('skip', `an integer in [0, ${b.length})`, skip));
  // An out-of-range level would one-hot to a row of zeros: a silent wrong input.
  const bins = model.outputs[0]?.shape[2] ?? 0;
  for (const q of b.ids)
    if (q < 0 || q >= bins)
      throw new ModelArgumentError(invalidValueMessage('ids', `levels in [0, ${bins})`, `a level ${q}`));
}

/**
 * Loss and accuracy tensors of one batch (call inside tf.tidy or a gradient; the caller owns
 * them): Keras' `categorical_crossentropy` and `categorical_accuracy` on outputs `skip ..
 * length - 1`, each against the level one step later.
 */
function batchLoss(model: tf.LayersModel, b: FragmentBatch, skip: number, training: boolean): [tf.Scalar, tf.Scalar] {
  const bins = model.outputs[0]?.shape[2] ?? 256;
  const seq = tf.tensor2d(b.ids, [b.batch, b.length + 1], 'int32');
  const x = tf.oneHot(tf.slice(seq, [0, 0], [b.batch, b.length]), bins).toFloat();
  const target = tf.oneHot(tf.slice(seq, [0, skip + 1], [b.batch, b.length - skip]), bins).toFloat();
  const p = model.apply(x, { training }) as tf.Tensor;
  const scored = tf.slice(p, [0, skip, 0], [b.batch, b.length - skip, bins]);
  const loss = tf.mean(tf.metrics.categoricalCrossentropy(target, scored)) as tf.Scalar;
  const accuracy = tf.mean(tf.metrics.categoricalAccuracy(target, scored)) as tf.Scalar;
  return [loss, accuracy];
}

/**
 * One optimizer step on a batch: the cross-entropy of outputs `skip ..` against the next
 * sample, minimised over the model's trainable weights. Leaves no tensors behind.
 * @param skip outputs left out at the start of each fragment (receptive field - 1 in the book)
 */
export function wavenetTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  b: FragmentBatch,
  skip: number,
): StepMetrics {
  checkBatch(model, b, skip);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let acc: tf.Scalar | undefined;
  const loss = optimizer.minimize(
    () => {
      const [l, a] = batchLoss(model, b, skip, true);
      acc = tf.keep(a);
      return l;
    },
    true,
    vars,
  );
  try {
    return { loss: loss?.dataSync()[0] ?? NaN, accuracy: acc?.dataSync()[0] ?? NaN };
  } finally {
    loss?.dispose();
    acc?.dispose();
  }
}

/** Loss and accuracy of a batch without training (same scoring as {@link wavenetTrainStep}). */
export function wavenetEvaluate(model: tf.LayersModel, b: FragmentBatch, skip: number): StepMetrics {
  checkBatch(model, b, skip);
  const [l, a] = tf.tidy(() => batchLoss(model, b, skip, false));
  try {
    return { loss: l.dataSync()[0] ?? NaN, accuracy: a.dataSync()[0] ?? NaN };
  } finally {
    tf.dispose([l, a]);
  }
}

/** A conv layer's weights as flat arrays: kernel `[k][in][out]` row-major, and its bias. */
interface ConvWeights {
  kernel: Float32Array;
  bias: Float32Array | null;
  inChannels: number;
  outChannels: number;
}

function convWeights(model: tf.LayersModel, name: string, kernelSize: number): ConvWeights {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(name);
  } catch {
    throw new ModelArgumentError(`model "${model.name}" has no layer "${name}": not a WaveNet built by wavenet()`);
  }
  const [k, b] = layer.getWeights();
  if (!k || k.rank !== 3 || k.shape[0] !== kernelSize)
    throw new ModelArgumentError(`layer "${name}": expected a Conv1D kernel of size ${kernelSize}`);
  return {
    kernel: Float32Array.from(k.dataSync()),
    bias: b ? Float32Array.from(b.dataSync()) : null,
    inChannels: k.shape[1] ?? 0,
    outChannels: k.shape[2] ?? 0,
  };
}

/** `out += W[tap]^T v` for a kernel `[k][in][out]` (the loop order reads W row by row). */
function addMatVec(out: Float32Array, w: ConvWeights, tap: number, v: Float32Array): void {
  const n = w.outChannels;
  const k = w.kernel;
  const base = tap * w.inChannels * n;
  for (let i = 0; i < w.inChannels; i++) {
    const vi = v[i] ?? 0;
    if (vi === 0) continue;
    const row = base + i * n;
    for (let o = 0; o < n; o++) out[o] = (out[o] ?? 0) + vi * (k[row + o] ?? 0);
  }
}

function setBias(out: Float32Array, w: ConvWeights): void {
  if (w.bias) out.set(w.bias);
  else out.fill(0);
}

interface Stage {
  dilation: number;
  tanh: ConvWeights;
  sigm: ConvWeights;
  residual: ConvWeights | null;
  skip: ConvWeights;
  /** The stage's last `dilation` inputs, oldest first at `pos` (zeros: the causal padding). */
  past: Float32Array;
  pos: number;
}

/**
 * Sample-by-sample WaveNet: {@link step} takes the level of sample t and returns the
 * distribution of sample t + 1, equal (to float rounding) to the model's softmax at step t over
 * the whole history since the last {@link reset}. Weights are copied once from the model; no
 * tensors are used, so nothing needs disposing. Cost per sample: one step of every layer
 * (for the book's stack about 4 million multiply-adds), independent of the receptive field.
 */
export class WavenetGenerator {
  readonly dilations: readonly number[];
  readonly bins: number;
  readonly filters: number;
  private readonly initial: ConvWeights;
  private readonly stages: Stage[];
  private readonly out1: ConvWeights;
  private readonly out2: ConvWeights;
  private prevLevel = -1;
  private readonly x: Float32Array;
  private readonly a: Float32Array;
  private readonly g: Float32Array;
  private readonly z: Float32Array;
  private readonly skipSum: Float32Array;
  private readonly h: Float32Array;
  private readonly logits: Float32Array;
  private readonly probs: Float32Array;

  constructor(model: tf.LayersModel) {
    this.dilations = wavenetDilationsOf(model);
    this.initial = convWeights(model, 'initial_causal_conv', 2);
    this.bins = this.initial.inChannels;
    this.filters = this.initial.outChannels;
    const names = stageNames(this.dilations);
    this.stages = names.map((n, k) => ({
      dilation: n.dilation,
      tanh: convWeights(model, n.tanh, 2),
      sigm: convWeights(model, n.sigm, 2),
      residual: k < names.length - 1 ? convWeights(model, n.residual, 1) : null,
      skip: convWeights(model, n.skip, 1),
      past: new Float32Array(n.dilation * this.filters),
      pos: 0,
    }));
    this.out1 = convWeights(model, 'output_conv_1', 1);
    this.out2 = convWeights(model, 'output_conv_2', 1);
    const f = this.filters;
    this.x = new Float32Array(f);
    this.a = new Float32Array(f);
    this.g = new Float32Array(f);
    this.z = new Float32Array(f);
    this.skipSum = new Float32Array(f);
    this.h = new Float32Array(this.out1.outChannels);
    this.logits = new Float32Array(this.bins);
    this.probs = new Float32Array(this.bins);
  }

  /** Forgets the history: the next step is time 0 of a fragment (everything before is zero padding). */
  reset(): void {
    this.prevLevel = -1;
    for (const s of this.stages) {
      s.past.fill(0);
      s.pos = 0;
    }
  }

  /**
   * Feeds the level of the current sample; returns the distribution over the next sample's
   * level. The array is reused: it is overwritten by the next call.
   */
  step(level: number): Float32Array {
    if (!Number.isInteger(level) || level < 0 || level >= this.bins)
      throw new ModelArgumentError(invalidValueMessage('level', `an integer in [0, ${this.bins})`, level));
    const f = this.filters;
    const { x, a, g, z, skipSum } = this;
    // Initial causal conv on one-hot inputs: a row of each tap's kernel.
    const w0 = this.initial;
    setBias(x, w0);
    if (this.prevLevel >= 0) {
      const r = this.prevLevel * f;
      for (let o = 0; o < f; o++) x[o] = (x[o] ?? 0) + (w0.kernel[r + o] ?? 0);
    }
    const r1 = (this.bins + level) * f;
    for (let o = 0; o < f; o++) x[o] = (x[o] ?? 0) + (w0.kernel[r1 + o] ?? 0);
    this.prevLevel = level;

    skipSum.fill(0);
    for (const s of this.stages) {
      const past = s.past.subarray(s.pos * f, (s.pos + 1) * f);
      // Kernel tap 0 reads the input `dilation` steps back, tap 1 the current one.
      setBias(a, s.tanh);
      addMatVec(a, s.tanh, 0, past);
      addMatVec(a, s.tanh, 1, x);
      setBias(g, s.sigm);
      addMatVec(g, s.sigm, 0, past);
      addMatVec(g, s.sigm, 1, x);
      for (let o = 0; o < f; o++) z[o] = Math.tanh(a[o] ?? 0) * (1 / (1 + Math.exp(-(g[o] ?? 0))));
      addMatVec(skipSum, s.skip, 0, z);
      past.set(x);
      s.pos = (s.pos + 1) % s.dilation;
      if (s.residual) addMatVec(x, s.residual, 0, z);
    }
    for (let o = 0; o < f; o++) skipSum[o] = Math.max(0, skipSum[o] ?? 0);
    setBias(this.h, this.out1);
    addMatVec(this.h, this.out1, 0, skipSum);
    for (let o = 0; o < this.h.length; o++) this.h[o] = Math.max(0, this.h[o] ?? 0);
    setBias(this.logits, this.out2);
    addMatVec(this.logits, this.out2, 0, this.h);
    let max = -Infinity;
    for (const v of this.logits) max = Math.max(max, v);
    let sum = 0;
    for (let o = 0; o < this.bins; o++) {
      const e = Math.exp((this.logits[o] ?? 0) - max);
      this.probs[o] = e;
      sum += e;
    }
    for (let o = 0; o < this.bins; o++) this.probs[o] = (this.probs[o] ?? 0) / sum;
    return this.probs;
  }
}
