/**
 * The book's networks that are not a plain stack of layers, as bench workloads: the skip-gram
 * (two inputs merged by a dot product, Ch5), WaveNet (residual and skip connections, Ch4) and
 * the DCGAN (two models and three calls per step, Ch4). Each is described by a small spec that
 * the PyTorch peer (bench/pytorch-peer.py) reads too, so both sides build the same net; sizes
 * are parameters so tests and the kernel audit can build small versions.
 */
import * as tf from '@tensorflow/tfjs';
import { dcganDiscriminator, dcganGenerator } from '../models/gan.js';
import { disposeOptimizer } from '../models/optimizers.js';
import { shapeSize } from '../src/core/spaces.js';
import { wavenet as wavenetModel } from '../models/wavenet.js';
import { Rng } from '../src/rng/rng.js';
import { seededTensor } from './compute-workloads.js';
import type { PreparedWorkload, Workload } from './harness.js';

/** Skip-gram: word and context Embedding (one id each), dot product, Dense 1 sigmoid; Adam, MSE. */
export interface SkipgramSpec {
  net: 'skipgram';
  vocab: number;
  dim: number;
  batch: number;
}

/**
 * WaveNet as basveeling/wavenet builds it (the book's layer dump; the network is
 * `models/wavenet.ts`'s): a causal Conv1D, one gated stage per dilation with residual and skip
 * 1x1 convs, softmax over `bins` at every step; categorical cross-entropy against the next
 * sample; SGD lr 0.001, momentum 0.9, Nesterov (basveeling's default).
 */
export interface WavenetSpec {
  net: 'wavenet';
  /** Time steps of the input fragment. */
  length: number;
  /** Quantization bins (one-hot input channels and output classes). */
  bins: number;
  filters: number;
  dilations: number[];
  batch: number;
}

/**
 * jacobgil/keras-dcgan: a generator (Dense 1024 tanh, Dense 6272 + BatchNorm + tanh, 7x7x128,
 * upsample, Conv 64 5x5 tanh, upsample, Conv 1 5x5 tanh) and a discriminator (Conv 64 5x5 same
 * tanh, pool, Conv 128 5x5 valid tanh, pool, Dense 1024 tanh, Dense 1 sigmoid) on 28x28x1; SGD lr
 * 0.0005, momentum 0.9, Nesterov; binary cross-entropy.
 */
export interface DcganSpec {
  net: 'dcgan';
  batch: number;
  latent: number;
}

/** A book network spec (sent to the PyTorch peer as is). */
export type BookNetSpec = SkipgramSpec | WavenetSpec | DcganSpec;

/** The bench's sizes, by workload name: the book's. */
export const BOOK_NET_SPECS: Readonly<Record<string, BookNetSpec>> = {
  skipgram: { net: 'skipgram', vocab: 5000, dim: 300, batch: 1024 },
  wavenet: {
    net: 'wavenet',
    length: 1152,
    bins: 256,
    filters: 256,
    dilations: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    batch: 2,
  },
  dcgan: { net: 'dcgan', batch: 128, latent: 100 },
};

function glorot(rng: Rng): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: rng.nextSeed() });
}

/** Seeded ids in [0, n) as a float tensor (what an Embedding reads). */
function seededIds(shape: number[], n: number, rng: Rng): tf.Tensor {
  return tf.tensor(
    Float32Array.from({ length: shapeSize(shape) }, () => rng.nextInt(n)),
    shape,
  );
}

/** The skip-gram model: inputs `[word [B, 1], context [B, 1]]`, output `[B, 1]`. */
export function buildSkipgram(s: SkipgramSpec, rng: Rng): tf.LayersModel {
  const embed = (x: tf.SymbolicTensor): tf.SymbolicTensor => {
    const e = tf.layers
      .embedding({ inputDim: s.vocab, outputDim: s.dim, inputLength: 1, embeddingsInitializer: glorot(rng) })
      .apply(x) as tf.SymbolicTensor;
    return tf.layers.reshape({ targetShape: [s.dim] }).apply(e) as tf.SymbolicTensor;
  };
  const word = tf.input({ shape: [1] });
  const context = tf.input({ shape: [1] });
  const dot = tf.layers.dot({ axes: 1 }).apply([embed(word), embed(context)]) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 1, activation: 'sigmoid', kernelInitializer: glorot(rng) })
    .apply(dot) as tf.SymbolicTensor;
  return tf.model({ inputs: [word, context], outputs: out });
}

/**
 * The WaveNet model: input `[B, length, bins]` one-hot, output `[B, length, bins]` softmax; the
 * factory of `models/wavenet.ts`, which the `wavenet` example trains too.
 */
export function buildWavenet(s: WavenetSpec, rng: Rng): tf.LayersModel {
  return wavenetModel({ fragmentLength: s.length, bins: s.bins, filters: s.filters, dilations: s.dilations, rng });
}

/**
 * Why a train step through a dilated Conv1D cannot run on the active backend, or undefined when it
 * can. tfjs 4.22's Conv2D gradient refuses dilations above 1; probing a tiny conv before building
 * the real net turns that into one clear error at setup instead of a throw deep in a step.
 */
export function dilatedConvGradientError(): string | undefined {
  try {
    tf.tidy(() => {
      const w = tf.ones([2, 1, 1]) as tf.Tensor3D;
      tf.grad((x: tf.Tensor) => tf.conv1d(x as tf.Tensor3D, w, 1, 'valid', 'NWC', 2).sum())(tf.ones([1, 4, 1]));
    });
    return undefined;
  } catch (e) {
    // A gradient that throws leaves its tape's saved tensors behind (tfjs frees them only once the
    // backward pass completes).
    const state = tf.engine().state;
    for (const node of state.activeTape ?? []) node.saved?.forEach((t) => t.dispose());
    return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  }
}

/** Multiply-adds of one WaveNet forward pass for one sample. */
export function wavenetForwardMacs(s: WavenetSpec): number {
  const f = s.filters;
  const n = s.dilations.length;
  return s.length * (2 * s.bins * f + n * (2 * 2 * f * f + f * f) + (n - 1) * f * f + f * s.bins + s.bins * s.bins);
}

/** The DCGAN's three models: generator, discriminator, and generator through the frozen discriminator. */
export interface Dcgan {
  g: tf.Sequential;
  d: tf.Sequential;
  gd: tf.LayersModel;
  /** Keras' SGD(lr=0.0005, momentum=0.9, nesterov=True) of the discriminator and of the combined model. */
  optimizers: [tf.MomentumOptimizer, tf.MomentumOptimizer];
}

/**
 * Builds and compiles the DCGAN as keras-dcgan does (the nets of `models/gan.ts`): the
 * discriminator compiled while trainable, the combined model compiled while it is not (so only
 * the generator's weights are collected).
 */
export function buildDcgan(s: DcganSpec, rng: Rng): Dcgan {
  const g = dcganGenerator({ latentDim: s.latent, rng });
  const d = dcganDiscriminator({ rng });
  const optimizers: [tf.MomentumOptimizer, tf.MomentumOptimizer] = [
    tf.train.momentum(5e-4, 0.9, true),
    tf.train.momentum(5e-4, 0.9, true),
  ];
  d.compile({ optimizer: optimizers[0], loss: 'binaryCrossentropy' });
  d.trainable = false;
  const z = tf.input({ shape: [s.latent] });
  const gd = tf.model({ inputs: z, outputs: d.apply(g.apply(z)) as tf.SymbolicTensor });
  gd.compile({ optimizer: optimizers[1], loss: 'binaryCrossentropy' });
  d.trainable = true;
  return { g, d, gd, optimizers };
}

/** Multiply-adds of one DCGAN generator and discriminator forward pass for one sample. */
export function dcganForwardMacs(s: DcganSpec): { g: number; d: number } {
  return {
    g: s.latent * 1024 + 1024 * 6272 + 14 * 14 * 64 * 25 * 128 + 28 * 28 * 25 * 64,
    d: 28 * 28 * 64 * 25 + 10 * 10 * 128 * 25 * 64 + 3200 * 1024 + 1024,
  };
}

/** Skip-gram train step: one Adam step on a batch of (word, context, 0/1 label). */
export function prepareSkipgram(s: SkipgramSpec, seed: number): PreparedWorkload {
  const rng = new Rng(seed);
  const model = buildSkipgram(s, rng);
  const opt = tf.train.adam(1e-3);
  const word = seededIds([s.batch, 1], s.vocab, rng);
  const context = seededIds([s.batch, 1], s.vocab, rng);
  const y = seededIds([s.batch, 1], 2, rng);
  return {
    run() {
      const loss = opt.minimize(
        () => tf.losses.meanSquaredError(y, model.apply([word, context]) as tf.Tensor) as tf.Scalar,
        true,
      );
      loss?.dataSync();
      loss?.dispose();
    },
    dispose() {
      model.dispose();
      opt.dispose();
      tf.dispose([word, context, y]);
    },
    flops: 3 * 2 * s.batch * (s.dim + 1),
  };
}

/** WaveNet train step: one SGD step predicting each next sample of seeded one-hot sequences. */
export function prepareWavenet(s: WavenetSpec, seed: number): PreparedWorkload {
  const rng = new Rng(seed);
  const model = buildWavenet(s, rng);
  const opt = tf.train.momentum(1e-3, 0.9, true);
  const ids = Int32Array.from({ length: s.batch * (s.length + 1) }, () => rng.nextInt(s.bins));
  const [x, y] = tf.tidy(() => {
    const seq = tf.oneHot(tf.tensor2d(ids, [s.batch, s.length + 1], 'int32'), s.bins).toFloat();
    return [seq.slice([0, 0, 0], [s.batch, s.length, s.bins]), seq.slice([0, 1, 0], [s.batch, s.length, s.bins])];
  });
  const refused = s.dilations.some((d) => d > 1) ? dilatedConvGradientError() : undefined;
  if (refused !== undefined) {
    // The net builds and its forward pass runs; only the step cannot. Run the forward once so a
    // forward regression still shows, free everything, and say why there is no timing.
    tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    model.dispose();
    disposeOptimizer(opt);
    tf.dispose([x, y]);
    throw new Error(
      `forward pass ran, but the train step needs the gradient of a dilated Conv1D, which ${tf.getBackend()} does not have yet (${refused})`,
    );
  }
  return {
    run() {
      const loss = opt.minimize(
        () => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x) as tf.Tensor)) as tf.Scalar,
        true,
      );
      loss?.dataSync();
      loss?.dispose();
    },
    dispose() {
      model.dispose();
      disposeOptimizer(opt);
      tf.dispose([x, y]);
    },
    flops: 3 * 2 * s.batch * wavenetForwardMacs(s),
  };
}

/**
 * One DCGAN step as keras-dcgan's loop does it: the generator's `predict` on a batch of latents,
 * the discriminator's `trainOnBatch` on real and generated images (1 and 0), then the combined
 * model's `trainOnBatch` on fresh latents labelled 1 with the discriminator frozen.
 */
export function prepareDcgan(s: DcganSpec, seed: number): PreparedWorkload {
  const rng = new Rng(seed);
  const { g, d, gd, optimizers } = buildDcgan(s, rng);
  const real = seededTensor([s.batch, 28, 28, 1], rng);
  const noiseD = seededTensor([s.batch, s.latent], rng);
  const noiseG = seededTensor([s.batch, s.latent], rng);
  const yD = tf.tidy(() => tf.concat([tf.ones([s.batch, 1]), tf.zeros([s.batch, 1])]));
  const yG = tf.ones([s.batch, 1]);
  const macs = dcganForwardMacs(s);
  return {
    async run() {
      const x = tf.tidy(() => tf.concat([real, g.predict(noiseD) as tf.Tensor]));
      try {
        await d.trainOnBatch(x, yD);
      } finally {
        x.dispose();
      }
      d.trainable = false;
      try {
        await gd.trainOnBatch(noiseG, yG);
      } finally {
        d.trainable = true;
      }
    },
    dispose() {
      // gd holds g and d as its layers: disposing it disposes them (and it owns no optimizer).
      gd.dispose();
      optimizers.forEach(disposeOptimizer);
      tf.dispose([real, noiseD, noiseG, yD, yG]);
    },
    flops: 2 * s.batch * (macs.g + 3 * 2 * macs.d + 3 * (macs.g + macs.d)),
  };
}

/** Prepares a book net's train step from its spec. */
export function prepareBookNet(s: BookNetSpec, seed: number): PreparedWorkload {
  if (s.net === 'skipgram') return prepareSkipgram(s, seed);
  if (s.net === 'wavenet') return prepareWavenet(s, seed);
  return prepareDcgan(s, seed);
}

function bookWorkload(
  name: string,
  description: string,
  backends: readonly string[],
  reps: number,
  warmup: number,
): Workload {
  const spec = BOOK_NET_SPECS[name];
  if (!spec) throw new Error(`no book net spec ${name}`);
  return { name, description, backends, setup: () => prepareBookNet(spec, 7), reps: () => reps, warmup: () => warmup };
}

/**
 * The book's skip-gram, batch 1024. Native only: the Embedding gradients on `cpu` and `wasm` are one
 * pass over the input per vocabulary entry.
 */
export const skipgram = bookWorkload(
  'skipgram',
  'Ch5 skip-gram train step: word and context Embedding 5000x300, dot, Dense 1 sigmoid; batch 1024, Adam, MSE',
  ['native'],
  100,
  3,
);

/**
 * The book's WaveNet, batch 2 of 1,152 steps. Not on `cpu` (about 57 GFLOP a step). Until the
 * Conv2D gradient takes dilations above 1 (tfjs refuses them), the train step throws and the bench
 * prints an error line for it.
 */
export const wavenet = bookWorkload(
  'wavenet',
  'Ch4 WaveNet train step: 1152x256 one-hot, causal conv 256, 10 gated stages (dilations 1-512), 1x1 convs, softmax 256; batch 2, SGD Nesterov',
  ['wasm', 'native', 'tensorflow'],
  3,
  1,
);

/** The keras-dcgan step (discriminator then combined), batch 128. Not on `cpu` (about 100 GFLOP a step). */
export const dcgan = bookWorkload(
  'dcgan',
  'Ch4 DCGAN step: generator predict, discriminator trainOnBatch (128 real + 128 generated), combined trainOnBatch (128); SGD Nesterov, BCE',
  ['wasm', 'native', 'tensorflow'],
  3,
  1,
);

/** The book-net workloads, in run order. */
export const BOOK_NET_WORKLOADS: Workload[] = [skipgram, wavenet, dcgan];
