/**
 * Compute workloads of the native-backend issue: the networks tfgym trains, one train step each,
 * plus raw GEMM. Inputs and initial weights come from a seeded Rng, so every backend times the
 * same numbers. Slow pure-JS backends get fewer repetitions (the cpu Catch step takes seconds).
 */
import * as tf from '@tensorflow/tfjs';
import { shapeSize } from '../src/core/spaces.js';
import { Rng } from '../src/rng/rng.js';
import type { PreparedWorkload, Workload } from './harness.js';

/** Seeded uniform values in [-1, 1) of `shape`. */
export function seededTensor(shape: number[], rng: Rng): tf.Tensor {
  const n = shapeSize(shape);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(-1, 1);
  return tf.tensor(data, shape);
}

/** Layer description shared with the PyTorch peer (bench/pytorch-peer.py builds the same nets). */
export type LayerSpec =
  | { kind: 'conv'; filters: number; kernel: number; stride: number; padding: 'valid' | 'same'; activation: 'relu' }
  | { kind: 'maxpool'; size: number }
  | { kind: 'flatten' }
  | { kind: 'dense'; units: number; activation: 'relu' | 'linear' | 'softmax' | 'sigmoid' }
  | { kind: 'embedding'; inputDim: number; outputDim: number }
  | { kind: 'lstm'; units: number }
  /** Keras' SimpleRNN (tanh), last output. */
  | { kind: 'simplernn'; units: number }
  /**
   * Keras-2 GRU (reset_after=False, gates z, r, h) with sigmoid gates, the last output or the whole
   * sequence. The peer uses nn.GRU (reset_after=True style): another variant, the same FLOPs.
   */
  | { kind: 'gru'; units: number; returnSequences: boolean }
  /** RepeatVector: [B, F] -> [B, n, F]. */
  | { kind: 'repeat'; n: number }
  /** TimeDistributed(Dense) over [B, T, F]. */
  | { kind: 'timedense'; units: number; activation: 'linear' | 'softmax' };

/** A network train step: input shape (without batch), layers, batch, optimizer and loss. */
export interface NetSpec {
  input: number[];
  layers: LayerSpec[];
  batch: number;
  /** `rmsprop` is Keras' default RMSprop (lr 0.001, rho 0.9, epsilon 1e-7). */
  optimizer: 'adam' | 'sgd' | 'rmsprop';
  /**
   * `xent`: categorical cross-entropy of a softmax output against one-hot labels (per time step when
   * {@link outputSteps} is set); `bce`: binary cross-entropy of a sigmoid output.
   */
  loss: 'mse' | 'xent' | 'bce';
  /** Token ids in [0, vocab) instead of uniform floats (a net that starts with an embedding). */
  vocab?: number;
  /** One-hot input: ids in [0, n) encoded along the input's last axis (`input`'s last entry is n). */
  oneHot?: number;
  /** The output is a sequence of this many steps, each with its own label. */
  outputSteps?: number;
  /** Multiply-adds of one forward pass for one sample (for GFLOP/s: a train step is ~3x forward). */
  forwardMacs: number;
}

/** Builds a tf.layers model from a spec with seeded Glorot weights. */
export function buildNet(spec: NetSpec, rng: Rng): tf.Sequential {
  const model = tf.sequential();
  spec.layers.forEach((l, i) => {
    const first = i === 0 ? { inputShape: spec.input } : {};
    const init = tf.initializers.glorotUniform({ seed: rng.nextSeed() });
    if (l.kind === 'conv') {
      model.add(
        tf.layers.conv2d({
          ...first,
          filters: l.filters,
          kernelSize: l.kernel,
          strides: l.stride,
          padding: l.padding,
          activation: l.activation,
          kernelInitializer: init,
        }),
      );
    } else if (l.kind === 'maxpool') {
      model.add(tf.layers.maxPooling2d({ ...first, poolSize: l.size, strides: l.size }));
    } else if (l.kind === 'flatten') {
      model.add(tf.layers.flatten(first));
    } else if (l.kind === 'embedding') {
      const embeddingsInitializer = tf.initializers.randomUniform({
        minval: -0.05,
        maxval: 0.05,
        seed: rng.nextSeed(),
      });
      model.add(
        tf.layers.embedding({
          ...first,
          inputDim: l.inputDim,
          outputDim: l.outputDim,
          inputLength: spec.input[0],
          embeddingsInitializer,
        }),
      );
    } else if (l.kind === 'lstm') {
      const recurrentInitializer = tf.initializers.glorotUniform({ seed: rng.nextSeed() });
      model.add(tf.layers.lstm({ ...first, units: l.units, kernelInitializer: init, recurrentInitializer }));
    } else if (l.kind === 'simplernn') {
      const recurrentInitializer = tf.initializers.glorotUniform({ seed: rng.nextSeed() });
      model.add(tf.layers.simpleRNN({ ...first, units: l.units, kernelInitializer: init, recurrentInitializer }));
    } else if (l.kind === 'gru') {
      const recurrentInitializer = tf.initializers.glorotUniform({ seed: rng.nextSeed() });
      model.add(
        tf.layers.gru({
          ...first,
          units: l.units,
          returnSequences: l.returnSequences,
          // tfjs defaults to hard sigmoid; sigmoid on both sides so the peer's gates match.
          recurrentActivation: 'sigmoid',
          kernelInitializer: init,
          recurrentInitializer,
        }),
      );
    } else if (l.kind === 'repeat') {
      model.add(tf.layers.repeatVector({ ...first, n: l.n }));
    } else if (l.kind === 'timedense') {
      const layer = tf.layers.dense({ units: l.units, activation: l.activation, kernelInitializer: init });
      model.add(tf.layers.timeDistributed({ ...first, layer }));
    } else {
      model.add(tf.layers.dense({ ...first, units: l.units, activation: l.activation, kernelInitializer: init }));
    }
  });
  return model;
}

/** The network specs, by workload name (also read by the PyTorch peer). */
export const NET_SPECS: Record<string, NetSpec> = {
  // Deep Learning with Keras, Catch DQN: 80x80x4 frames, three convs, dense 512, 3 actions. `valid`
  // padding (the book pads `same`: 6,400 features instead of 2,304, ~1.8x the MACs); the PyTorch
  // peer builds this same spec, so the ratio compares like with like.
  'dqn-step-catch': {
    input: [80, 80, 4],
    layers: [
      { kind: 'conv', filters: 32, kernel: 8, stride: 4, padding: 'valid', activation: 'relu' },
      { kind: 'conv', filters: 64, kernel: 4, stride: 2, padding: 'valid', activation: 'relu' },
      { kind: 'conv', filters: 64, kernel: 3, stride: 1, padding: 'valid', activation: 'relu' },
      { kind: 'flatten' },
      { kind: 'dense', units: 512, activation: 'relu' },
      { kind: 'dense', units: 3, activation: 'linear' },
    ],
    batch: 32,
    optimizer: 'adam',
    loss: 'mse',
    forwardMacs: 19 * 19 * 32 * 256 + 8 * 8 * 64 * 512 + 6 * 6 * 64 * 576 + 2304 * 512 + 512 * 3,
  },
  // MinAtar's DQN: 10x10x4, conv 16 3x3 valid, dense 128, 6 actions.
  'dqn-step-minatar': {
    input: [10, 10, 4],
    layers: [
      { kind: 'conv', filters: 16, kernel: 3, stride: 1, padding: 'valid', activation: 'relu' },
      { kind: 'flatten' },
      { kind: 'dense', units: 128, activation: 'relu' },
      { kind: 'dense', units: 6, activation: 'linear' },
    ],
    batch: 32,
    optimizer: 'adam',
    loss: 'mse',
    forwardMacs: 8 * 8 * 16 * 36 + 1024 * 128 + 128 * 6,
  },
  'mnist-mlp': {
    input: [784],
    layers: [
      { kind: 'dense', units: 128, activation: 'relu' },
      { kind: 'dense', units: 128, activation: 'relu' },
      { kind: 'dense', units: 10, activation: 'softmax' },
    ],
    batch: 128,
    optimizer: 'sgd',
    loss: 'xent',
    forwardMacs: 784 * 128 + 128 * 128 + 128 * 10,
  },
  lenet: {
    input: [28, 28, 1],
    layers: [
      { kind: 'conv', filters: 20, kernel: 5, stride: 1, padding: 'same', activation: 'relu' },
      { kind: 'maxpool', size: 2 },
      { kind: 'conv', filters: 50, kernel: 5, stride: 1, padding: 'same', activation: 'relu' },
      { kind: 'maxpool', size: 2 },
      { kind: 'flatten' },
      { kind: 'dense', units: 500, activation: 'relu' },
      { kind: 'dense', units: 10, activation: 'softmax' },
    ],
    batch: 128,
    optimizer: 'adam',
    loss: 'xent',
    forwardMacs: 28 * 28 * 20 * 25 + 14 * 14 * 50 * 500 + 2450 * 500 + 500 * 10,
  },
  // The book's UMich sentiment LSTM (Ch6): 40 word ids from a 2,002-word vocabulary, Embedding 128,
  // LSTM 64 (tfjs' default hard-sigmoid gates; PyTorch's LSTM has sigmoid gates, same cost),
  // Dense 1 sigmoid; batch 32, Adam, binary cross-entropy.
  'lstm-sentiment': {
    input: [40],
    vocab: 2002,
    layers: [
      { kind: 'embedding', inputDim: 2002, outputDim: 128 },
      { kind: 'lstm', units: 64 },
      { kind: 'dense', units: 1, activation: 'sigmoid' },
    ],
    batch: 32,
    optimizer: 'adam',
    loss: 'bce',
    forwardMacs: 40 * (128 + 64) * 4 * 64 + 64,
  },
  // The book's char-RNN (Ch6): 10 one-hot characters of a 60-symbol alphabet, SimpleRNN 128 (last
  // output), Dense 60 softmax; batch 128, RMSprop, categorical cross-entropy.
  'char-rnn': {
    input: [10, 60],
    oneHot: 60,
    layers: [
      { kind: 'simplernn', units: 128 },
      { kind: 'dense', units: 60, activation: 'softmax' },
    ],
    batch: 128,
    optimizer: 'rmsprop',
    loss: 'xent',
    forwardMacs: 10 * (60 + 128) * 128 + 128 * 60,
  },
  // The book's POS tagger (Ch6), GRU version without its dropouts: 250 word ids of a 5,002-word
  // vocabulary, Embedding 128, GRU 64 encoder, RepeatVector 250, GRU 64 decoder over the sequence,
  // TimeDistributed Dense 46 softmax; batch 32, Adam, categorical cross-entropy at every step.
  'pos-gru': {
    input: [250],
    vocab: 5002,
    outputSteps: 250,
    layers: [
      { kind: 'embedding', inputDim: 5002, outputDim: 128 },
      { kind: 'gru', units: 64, returnSequences: false },
      { kind: 'repeat', n: 250 },
      { kind: 'gru', units: 64, returnSequences: true },
      { kind: 'timedense', units: 46, activation: 'softmax' },
    ],
    batch: 32,
    optimizer: 'adam',
    loss: 'xent',
    forwardMacs: 250 * ((128 + 64) * 3 * 64 + (64 + 64) * 3 * 64 + 64 * 46),
  },
};

/** The optimizer a spec names, with Keras' default settings for RMSprop. */
export function specOptimizer(name: NetSpec['optimizer']): tf.Optimizer {
  if (name === 'adam') return tf.train.adam(1e-3);
  if (name === 'rmsprop') return tf.train.rmsprop(1e-3, 0.9, 0, 1e-7);
  return tf.train.sgd(0.01);
}

/** Seeded ids in [0, n) as a float tensor of `shape` (what an Embedding reads). */
function seededIds(shape: number[], n: number, rng: Rng): tf.Tensor {
  return tf.tensor(
    Float32Array.from({ length: shapeSize(shape) }, () => rng.nextInt(n)),
    shape,
  );
}

/** Seeded input batch of a spec: uniform floats, token ids or one-hot ids. */
export function specInput(spec: NetSpec, rng: Rng): tf.Tensor {
  const shape = [spec.batch, ...spec.input];
  if (spec.vocab !== undefined) return seededIds(shape, spec.vocab, rng);
  const n = spec.oneHot;
  if (n === undefined) return seededTensor(shape, rng);
  const ids = Int32Array.from({ length: shapeSize(shape) / n }, () => rng.nextInt(n));
  return tf.tidy(() => tf.oneHot(tf.tensor1d(ids, 'int32'), n).toFloat().reshape(shape));
}

/** Seeded targets of a spec's loss: one-hot classes (per step), 0/1 labels, or uniform floats. */
export function specTargets(spec: NetSpec, rng: Rng): tf.Tensor {
  const outUnits = (spec.layers[spec.layers.length - 1] as { units: number }).units;
  const steps = spec.outputSteps ?? 1;
  const labels = new Int32Array(spec.batch * steps);
  for (let i = 0; i < labels.length; i++) labels[i] = rng.nextInt(outUnits === 1 ? 2 : outUnits);
  const lead = spec.outputSteps === undefined ? [spec.batch] : [spec.batch, steps];
  if (spec.loss === 'xent') {
    return tf.tidy(() =>
      tf
        .oneHot(tf.tensor1d(labels, 'int32'), outUnits)
        .toFloat()
        .reshape([...lead, outUnits]),
    );
  }
  if (spec.loss === 'bce') return tf.tensor(Float32Array.from(labels), [...lead, 1]);
  return seededTensor([...lead, outUnits], rng);
}

/**
 * The loss of a spec as Keras computes it: `xent` is categorical cross-entropy of the softmax
 * output (clipped log of the probabilities, mean over samples and steps), the same value as
 * PyTorch's CrossEntropyLoss on the logits.
 */
export function specLoss(loss: NetSpec['loss'], y: tf.Tensor, pred: tf.Tensor): tf.Scalar {
  if (loss === 'bce') return tf.losses.logLoss(y, pred) as tf.Scalar;
  if (loss === 'mse') return tf.losses.meanSquaredError(y, pred) as tf.Scalar;
  return tf.mean(tf.metrics.categoricalCrossentropy(y, pred));
}

/** One prepared train step of a spec on the active backend. */
export function prepareTrainStep(spec: NetSpec, seed: number): PreparedWorkload {
  const rng = new Rng(seed);
  const model = buildNet(spec, rng);
  const opt = specOptimizer(spec.optimizer);
  const x = specInput(spec, rng);
  const y = specTargets(spec, rng);
  return {
    run() {
      const loss = opt.minimize(() => specLoss(spec.loss, y, model.apply(x) as tf.Tensor), true);
      loss?.dataSync();
      loss?.dispose();
    },
    dispose() {
      model.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
    },
    flops: 3 * 2 * spec.batch * spec.forwardMacs,
  };
}

/** Slow pure-JS backends: fewer timed runs and warm-ups on the big nets. */
function trainWorkload(
  name: string,
  description: string,
  slow: { reps: number; warmup: number },
  // 100 timed runs: on this shared 2-vCPU machine a 20-run median of a 1 ms step moved by 30% between runs.
  fast: { reps: number; warmup: number } = { reps: 100, warmup: 3 },
): Workload {
  const spec = NET_SPECS[name];
  if (!spec) throw new Error(`no spec ${name}`);
  const isSlow = (b: string) => b === 'cpu';
  return {
    name,
    description,
    setup: () => prepareTrainStep(spec, 7),
    reps: (b) => (isSlow(b) ? slow.reps : b === 'wasm' ? Math.max(slow.reps, 5) : fast.reps),
    warmup: (b) => (isSlow(b) ? slow.warmup : fast.warmup),
  };
}

/** Book's Catch DQN train step (80x80x4, batch 32, Adam, MSE). */
export const dqnStepCatch = trainWorkload(
  'dqn-step-catch',
  'Catch DQN train step: 80x80x4, conv 32 8x8/4, 64 4x4/2, 64 3x3/1, dense 512, 3; batch 32, Adam, MSE',
  { reps: 1, warmup: 0 },
);
/** MinAtar DQN train step (10x10x4, batch 32). */
export const dqnStepMinatar = trainWorkload(
  'dqn-step-minatar',
  'MinAtar DQN train step: 10x10x4, conv 16 3x3, dense 128, 6; batch 32, Adam, MSE',
  { reps: 5, warmup: 1 },
);
/** MNIST MLP 784-128-128-10 train step on a batch of 128. */
export const mnistMlp = trainWorkload(
  'mnist-mlp',
  'MNIST MLP 784-128-128-10 train step, batch 128, SGD, softmax cross-entropy',
  { reps: 10, warmup: 2 },
);
/** LeNet on 28x28x1, batch 128. */
export const lenet = trainWorkload(
  'lenet',
  'LeNet train step: 28x28x1, conv 20 5x5, pool, conv 50 5x5, pool, dense 500, 10; batch 128, Adam',
  { reps: 1, warmup: 0 },
);

/**
 * The book's sentiment LSTM (Embedding 2002x128, LSTM 64, Dense 1), batch 32. Native only: on
 * `cpu` and `wasm` the Embedding's gradient alone (tfjs-backend-cpu's UnsortedSegmentSum, one pass
 * over the input per vocabulary entry) took about two minutes per step.
 */
export const lstmSentiment: Workload = {
  ...trainWorkload(
    'lstm-sentiment',
    'Ch6 sentiment LSTM train step: 40 word ids, Embedding 2002x128, LSTM 64, Dense 1 sigmoid; batch 32, Adam, BCE',
    { reps: 1, warmup: 0 },
  ),
  backends: ['native'],
};

/** The book's char-RNN: SimpleRNN 128 over 10 one-hot characters (60), Dense 60; batch 128, RMSprop. */
export const charRnn = trainWorkload(
  'char-rnn',
  'Ch6 char-RNN train step: 10 one-hot chars of 60, SimpleRNN 128, Dense 60 softmax; batch 128, RMSprop, xent',
  { reps: 3, warmup: 1 },
);

/**
 * The book's GRU POS tagger (Embedding 5002x128, GRU 64, RepeatVector 250, GRU 64 sequence,
 * TimeDistributed Dense 46), batch 32. Native only, as `lstm-sentiment`: the Embedding's gradient
 * on `cpu` and `wasm` is one pass over the input per vocabulary entry.
 */
export const posGru: Workload = {
  ...trainWorkload(
    'pos-gru',
    'Ch6 POS tagger train step: 250 word ids, Embedding 5002x128, GRU 64, RepeatVector 250, GRU 64 seq, TimeDistributed Dense 46; batch 32, Adam',
    { reps: 1, warmup: 0 },
    // About 10 s a step on native (tfjs' GRU step loop, ~500 steps forward and back).
    { reps: 3, warmup: 1 },
  ),
  backends: ['native'],
};

/** Raw C = A B for n x n x n matrices, GFLOP/s reported. */
export function gemmWorkload(n: number, name = `gemm-${n}`): Workload {
  return {
    name,
    description: `GEMM ${n}x${n}x${n} (float32), GFLOP/s`,
    setup() {
      const rng = new Rng(n);
      const a = seededTensor([n, n], rng);
      const b = seededTensor([n, n], rng);
      return {
        run() {
          const c = tf.matMul(a, b);
          c.dataSync();
          c.dispose();
        },
        dispose() {
          a.dispose();
          b.dispose();
        },
        flops: 2 * n * n * n,
      };
    },
    reps: (b) => (b === 'cpu' ? (n >= 1024 ? 1 : 3) : 10),
    warmup: (b) => (b === 'cpu' && n >= 1024 ? 0 : 1),
  };
}

/** Every compute workload, in run order (`gemm` is the 512 cube). */
export const COMPUTE_WORKLOADS: Workload[] = [
  dqnStepCatch,
  dqnStepMinatar,
  mnistMlp,
  lenet,
  lstmSentiment,
  charRnn,
  posGru,
  gemmWorkload(512, 'gemm'),
  gemmWorkload(128),
  gemmWorkload(1024),
];
