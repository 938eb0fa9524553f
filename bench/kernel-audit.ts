/**
 * `npm run audit:kernels [-- names...] [--json]`: which tfjs kernels one train step of each
 * network of the book's Chapters 4-7 runs on the `native` backend, and which of them run in
 * tfjs-backend-cpu's pure JavaScript rather than tfgym's C++ addon, with their share of the step.
 *
 * Each net takes one untimed warm-up step (first-call costs: weight init, buffer pools), timed
 * steps, and steps under `tf.profile`, which lists every kernel the engine ran with its time.
 * A kernel is native when the addon ran it: the recurrent kernels always, the overrides of
 * `NATIVE_KERNELS` per call (an override hands cases it does not cover to the cpu kernel; the
 * backend counts the calls it served, and the audit notes which calls those were). Everything
 * else is the cpu backend's JS. Sizes are small: the audit is about which kernels run, not speed.
 * Work outside kernels (the fused optimizer updates, tfjs' tape and layer code) is the step time
 * minus the kernel time.
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/backends/index.js';
import { NATIVE_KERNELS, type NativeBackend } from '../src/backends/native/backend.js';
import { RNN_GRAD_KERNEL, RNN_KERNEL } from '../src/backends/native/recurrent.js';
import { CONV2D_LINEAR_KERNEL } from '../src/backends/native/conv.js';
import { DENSE_LINEAR_KERNEL, DENSE_RELU_KERNEL, RELU_GRAD_KERNEL } from '../src/backends/native/dense.js';
import { shapeSize } from '../src/core/spaces.js';
import { Rng } from '../src/rng/rng.js';
import { prepareDcgan, prepareSkipgram, prepareWavenet } from './book-nets.js';
import { NET_SPECS, prepareTrainStep, seededTensor, type NetSpec } from './compute-workloads.js';
import { median, type PreparedWorkload } from './harness.js';

/** One network of the audit. */
export interface AuditNet {
  name: string;
  description: string;
  prepare(seed: number): PreparedWorkload;
}

/** One kernel's calls in one profiled step. */
export interface KernelRecord {
  kernel: string;
  calls: number;
  /** Calls the addon served (the others ran the cpu backend's JS). */
  nativeCalls: number;
  ms: number;
  /** Time of the calls that ran in JS. */
  jsMs: number;
}

/** The audit of one network. */
export interface AuditResult {
  network: string;
  description: string;
  /** Wall time of one unprofiled step. */
  stepMs: number;
  /** Sum of the kernel times of the profiled step. */
  kernelMs: number;
  /** Of which in the cpu backend's JS. */
  jsMs: number;
  kernels: KernelRecord[];
  /** Why the step could not run (then the other fields are zero). */
  error?: string;
}

/** Kernels the addon runs whenever they are called (not overrides with a fallback). */
const ALWAYS_NATIVE = new Set<string>([
  RNN_KERNEL,
  RNN_GRAD_KERNEL,
  DENSE_RELU_KERNEL,
  DENSE_LINEAR_KERNEL,
  RELU_GRAD_KERNEL,
  // Routed only in the cases the FusedConv2D override serves (conv.ts: float32, NHWC, linear).
  CONV2D_LINEAR_KERNEL,
]);
const OVERRIDDEN = new Set<string>(NATIVE_KERNELS);

function ids(shape: number[], n: number, rng: Rng): tf.Tensor {
  return tf.tensor(
    Float32Array.from({ length: shapeSize(shape) }, () => rng.nextInt(n)),
    shape,
  );
}

function oneHot(lead: number[], n: number, rng: Rng): tf.Tensor {
  const labels = Int32Array.from({ length: shapeSize(lead) }, () => rng.nextInt(n));
  return tf.tidy(() =>
    tf
      .oneHot(tf.tensor1d(labels, 'int32'), n)
      .toFloat()
      .reshape([...lead, n]),
  );
}

function glorot(rng: Rng): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: rng.nextSeed() });
}

/**
 * A compiled model's `trainOnBatch` as the step (what Keras' `fit` runs per batch), with the
 * model's training-mode behaviour (dropout, batch norm, stateful carry-over).
 */
function compiledStep(
  build: (rng: Rng) => tf.LayersModel,
  data: (rng: Rng) => { x: tf.Tensor | tf.Tensor[]; y: tf.Tensor },
  optimizer: () => tf.Optimizer,
  loss: 'categoricalCrossentropy' | 'meanSquaredError',
): (seed: number) => PreparedWorkload {
  return (seed) => {
    const rng = new Rng(seed);
    const model = build(rng);
    const opt = optimizer();
    model.compile({ optimizer: opt, loss });
    const { x, y } = data(rng);
    return {
      async run() {
        await model.trainOnBatch(x, y);
      },
      dispose() {
        model.dispose();
        opt.dispose();
        tf.dispose([x, y]);
      },
    };
  };
}

function spec(name: string, changes: Partial<NetSpec>): NetSpec {
  const base = NET_SPECS[name];
  if (!base) throw new Error(`no spec ${name}`);
  return { ...base, ...changes };
}

/** A POS tagger: Embedding, recurrent encoder, RepeatVector, recurrent decoder, TimeDistributed softmax. */
function posTagger(kind: 'lstm' | 'bilstm'): (seed: number) => PreparedWorkload {
  const [vocab, seq, tags, batch] = [500, 30, 12, 8];
  return compiledStep(
    (rng) => {
      const lstm = (returnSequences: boolean) =>
        tf.layers.lstm({
          units: 32,
          returnSequences,
          kernelInitializer: glorot(rng),
          recurrentInitializer: glorot(rng),
        });
      return tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: vocab, outputDim: 32, inputLength: seq }),
          kind === 'lstm' ? lstm(false) : tf.layers.bidirectional({ layer: lstm(false) }),
          tf.layers.repeatVector({ n: seq }),
          lstm(true),
          tf.layers.timeDistributed({ layer: tf.layers.dense({ units: tags, activation: 'softmax' }) }),
        ],
      });
    },
    (rng) => ({ x: ids([batch, seq], vocab, rng), y: oneHot([batch, seq], tags, rng) }),
    () => tf.train.adam(1e-3),
    'categoricalCrossentropy',
  );
}

/** The bAbI memory network of Ch7 (with its dropouts, seeded). */
function memoryNetwork(seed0: number): PreparedWorkload {
  const [vocab, story, question, embed, latent, batch] = [22, 14, 4, 64, 32, 8];
  return compiledStep(
    (rng) => {
      const drop = (x: tf.SymbolicTensor) =>
        tf.layers.dropout({ rate: 0.3, seed: rng.nextSeed() }).apply(x) as tf.SymbolicTensor;
      const storyIn = tf.input({ shape: [story] });
      const questionIn = tf.input({ shape: [question] });
      const storyM = drop(
        tf.layers
          .embedding({ inputDim: vocab, outputDim: embed, inputLength: story })
          .apply(storyIn) as tf.SymbolicTensor,
      );
      const questionM = drop(
        tf.layers
          .embedding({ inputDim: vocab, outputDim: embed, inputLength: question })
          .apply(questionIn) as tf.SymbolicTensor,
      );
      const match = tf.layers.dot({ axes: [2, 2] }).apply([storyM, questionM]) as tf.SymbolicTensor;
      const storyC = drop(
        tf.layers
          .embedding({ inputDim: vocab, outputDim: question, inputLength: story })
          .apply(storyIn) as tf.SymbolicTensor,
      );
      const response = tf.layers
        .permute({ dims: [2, 1] })
        .apply(tf.layers.add().apply([match, storyC]) as tf.SymbolicTensor) as tf.SymbolicTensor;
      const answer = tf.layers.concatenate({ axis: -1 }).apply([response, questionM]) as tf.SymbolicTensor;
      const encoded = drop(
        tf.layers
          .lstm({ units: latent, kernelInitializer: glorot(rng), recurrentInitializer: glorot(rng) })
          .apply(answer) as tf.SymbolicTensor,
      );
      const out = tf.layers.dense({ units: vocab, activation: 'softmax' }).apply(encoded) as tf.SymbolicTensor;
      return tf.model({ inputs: [storyIn, questionIn], outputs: out });
    },
    (rng) => ({
      x: [ids([batch, story], vocab, rng), ids([batch, question], vocab, rng)],
      y: oneHot([batch], vocab, rng),
    }),
    () => tf.train.rmsprop(1e-3, 0.9, 0, 1e-7),
    'categoricalCrossentropy',
  )(seed0);
}

/** The networks of the book's Chapters 4-7, small. */
export const AUDIT_NETS: AuditNet[] = [
  {
    name: 'sentiment-cnn',
    description:
      'Ch6 sentiment CNN: Embedding 2000x64 (seq 40), Conv1D 256x3 relu, GlobalMaxPool, Dense 2 softmax; batch 16, Adam',
    prepare: compiledStep(
      (rng) =>
        tf.sequential({
          layers: [
            tf.layers.embedding({ inputDim: 2000, outputDim: 64, inputLength: 40 }),
            tf.layers.conv1d({ filters: 256, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(rng) }),
            tf.layers.globalMaxPooling1d(),
            tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: glorot(rng) }),
          ],
        }),
      (rng) => ({ x: ids([16, 40], 2000, rng), y: oneHot([16], 2, rng) }),
      () => tf.train.adam(1e-3),
      'categoricalCrossentropy',
    ),
  },
  {
    name: 'sentiment-lstm',
    description: 'Ch6 sentiment LSTM: Embedding 2002x128 (seq 40), LSTM 64, Dense 1 sigmoid; batch 8, Adam, BCE',
    prepare: (seed) => prepareTrainStep(spec('lstm-sentiment', { batch: 8 }), seed),
  },
  {
    name: 'skipgram',
    description: 'Ch5 skip-gram: word and context Embedding 1000x64, dot, Dense 1 sigmoid; batch 64, Adam, MSE',
    prepare: (seed) => prepareSkipgram({ net: 'skipgram', vocab: 1000, dim: 64, batch: 64 }, seed),
  },
  {
    name: 'cbow',
    description:
      'Ch5 CBOW: Embedding 1000x64 over 2x2 context ids, mean (GlobalAveragePooling1D), Dense 1000 softmax; batch 64, Adam',
    prepare: compiledStep(
      (rng) =>
        tf.sequential({
          layers: [
            tf.layers.embedding({ inputDim: 1000, outputDim: 64, inputLength: 4 }),
            tf.layers.globalAveragePooling1d(),
            tf.layers.dense({ units: 1000, activation: 'softmax', kernelInitializer: glorot(rng) }),
          ],
        }),
      (rng) => ({ x: ids([64, 4], 1000, rng), y: oneHot([64], 1000, rng) }),
      () => tf.train.adam(1e-3),
      'categoricalCrossentropy',
    ),
  },
  {
    name: 'char-rnn',
    description: 'Ch6 char-RNN: SimpleRNN 128 over 10 one-hot chars (60), Dense 60 softmax; batch 16, RMSprop',
    prepare: (seed) => prepareTrainStep(spec('char-rnn', { batch: 16 }), seed),
  },
  {
    name: 'pos-gru',
    description:
      'Ch6 POS tagger, GRU: Embedding 500x32 (seq 30), GRU 32, RepeatVector, GRU 32 seq, TimeDistributed Dense 12; batch 8, Adam',
    prepare: (seed) =>
      prepareTrainStep(
        spec('pos-gru', {
          input: [30],
          vocab: 500,
          outputSteps: 30,
          batch: 8,
          layers: [
            { kind: 'embedding', inputDim: 500, outputDim: 32 },
            { kind: 'gru', units: 32, returnSequences: false },
            { kind: 'repeat', n: 30 },
            { kind: 'gru', units: 32, returnSequences: true },
            { kind: 'timedense', units: 12, activation: 'softmax' },
          ],
        }),
        seed,
      ),
  },
  {
    name: 'pos-lstm',
    description:
      'Ch6 POS tagger, LSTM: Embedding 500x32 (seq 30), LSTM 32, RepeatVector, LSTM 32 seq, TimeDistributed Dense 12; batch 8, Adam',
    prepare: posTagger('lstm'),
  },
  {
    name: 'pos-bilstm',
    description:
      'Ch6 POS tagger, Bidirectional LSTM 32 encoder, RepeatVector, LSTM 32 seq decoder (as pos-lstm otherwise)',
    prepare: posTagger('bilstm'),
  },
  {
    name: 'stateful-lstm',
    description: 'Ch6 stateful LSTM regression: 20 steps of 1 value, LSTM 10 (stateful), Dense 1; batch 8, Adam, MSE',
    prepare: compiledStep(
      (rng) =>
        tf.sequential({
          layers: [
            tf.layers.lstm({
              units: 10,
              stateful: true,
              batchInputShape: [8, 20, 1],
              kernelInitializer: glorot(rng),
              recurrentInitializer: glorot(rng),
            }),
            tf.layers.dense({ units: 1, kernelInitializer: glorot(rng) }),
          ],
        }),
      (rng) => ({ x: seededTensor([8, 20, 1], rng), y: seededTensor([8, 1], rng) }),
      () => tf.train.adam(1e-3),
      'meanSquaredError',
    ),
  },
  {
    name: 'bilstm-autoencoder',
    description:
      'Ch7 sentence autoencoder: Bidirectional LSTM 32 (sum) over 10x16, RepeatVector, Bidirectional LSTM 16 seq (sum); batch 8, SGD, MSE',
    prepare: compiledStep(
      (rng) => {
        const lstm = (units: number, returnSequences: boolean) =>
          tf.layers.lstm({ units, returnSequences, kernelInitializer: glorot(rng), recurrentInitializer: glorot(rng) });
        return tf.sequential({
          layers: [
            tf.layers.bidirectional({ layer: lstm(32, false), mergeMode: 'sum', inputShape: [10, 16] }),
            tf.layers.repeatVector({ n: 10 }),
            tf.layers.bidirectional({ layer: lstm(16, true), mergeMode: 'sum' }),
          ],
        });
      },
      (rng) => {
        const x = seededTensor([8, 10, 16], rng);
        return { x, y: x.clone() };
      },
      () => tf.train.sgd(0.01),
      'meanSquaredError',
    ),
  },
  {
    name: 'memnet',
    description:
      'Ch7 bAbI memory network: story/question Embeddings 64, dot, add, permute, concat, LSTM 32, Dense 22 softmax, dropouts 0.3; batch 8, RMSprop',
    prepare: memoryNetwork,
  },
  {
    name: 'dcgan',
    description: 'Ch4 DCGAN step (generator predict, discriminator and combined trainOnBatch), batch 4',
    prepare: (seed) => prepareDcgan({ net: 'dcgan', batch: 4, latent: 100 }, seed),
  },
  {
    name: 'wavenet',
    description: 'Ch4 WaveNet, small: 64 steps x 32 bins, 32 filters, dilations 1, 2, 4, 8; batch 2, SGD',
    prepare: (seed) =>
      prepareWavenet({ net: 'wavenet', length: 64, bins: 32, filters: 32, dilations: [1, 2, 4, 8], batch: 2 }, seed),
  },
  {
    name: 'wavenet-d1',
    description:
      'the small WaveNet with its dilations forced to 1 (the kernels of the step the dilated one cannot take yet)',
    prepare: (seed) =>
      prepareWavenet({ net: 'wavenet', length: 64, bins: 32, filters: 32, dilations: [1, 1, 1, 1], batch: 2 }, seed),
  },
  {
    name: 'regression-mlp',
    description: 'regression MLP: 12 -> Dense 8 relu -> Dense 1; batch 16, Adam, MSE',
    prepare: compiledStep(
      (rng) =>
        tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [12], units: 8, activation: 'relu', kernelInitializer: glorot(rng) }),
            tf.layers.dense({ units: 1, kernelInitializer: glorot(rng) }),
          ],
        }),
      (rng) => ({ x: seededTensor([16, 12], rng), y: seededTensor([16, 1], rng) }),
      () => tf.train.adam(1e-3),
      'meanSquaredError',
    ),
  },
];

/**
 * Runs `f` under `tf.profile` and says which of the profiled kernel calls the native backend's
 * overrides served. An override counts a served call in `nativeCalls` when it returns; the engine
 * then records the call's profile entry, after the entries of any kernels run in between (the
 * `Identity` clones it saves for the gradient). So a served call of kernel K counted when n entries
 * existed is the first entry of K at index n or later not yet claimed.
 */
async function profileStep(
  backend: NativeBackend,
  f: () => void | Promise<void>,
): Promise<{ kernels: Array<{ name: string; ms: number }>; served: Set<number> }> {
  const calls = backend.nativeCalls;
  const events: Array<{ name: string; at: number }> = [];
  const set = calls.set.bind(calls);
  calls.set = (k: string, v: number) => {
    events.push({ name: k, at: tf.engine().state.activeProfile.kernels.length });
    return set(k, v);
  };
  try {
    const info = await tf.profile(async () => {
      await f();
    });
    const kernels = info.kernels.map((k) => ({
      name: k.name,
      ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0,
    }));
    const served = new Set<number>();
    for (const e of events) {
      let j = e.at;
      while (j < kernels.length && (kernels[j]?.name !== e.name || served.has(j))) j++;
      if (j < kernels.length) served.add(j);
    }
    return { kernels, served };
  } finally {
    Reflect.deleteProperty(calls, 'set');
  }
}

/** Profiled and timed steps per network: single small kernels swing by tens of ms on a shared machine. */
const STEPS = 3;

/**
 * Audits one network on the active `native` backend: {@link STEPS} timed steps and {@link STEPS}
 * profiled ones, after a warm-up step; times are medians over the steps (per kernel: of its total
 * per step). Entries of `tf.customGrad` scopes (`fusedMatMul__op`...) are left out: they are not
 * kernels, and the kernels they ran are listed on their own.
 */
export async function auditNet(net: AuditNet, now: () => number = () => performance.now()): Promise<AuditResult> {
  const backend = tf.backend() as NativeBackend;
  const empty = { network: net.name, description: net.description, stepMs: 0, kernelMs: 0, jsMs: 0, kernels: [] };
  let prepared: PreparedWorkload | undefined;
  try {
    prepared = net.prepare(11);
    const step = prepared;
    await step.run();
    const wall: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const t0 = now();
      await step.run();
      wall.push(now() - t0);
    }
    const perStep: Array<Map<string, KernelRecord>> = [];
    for (let i = 0; i < STEPS; i++) {
      const { kernels, served } = await profileStep(backend, () => step.run());
      const byName = new Map<string, KernelRecord>();
      kernels.forEach((k, j) => {
        if (!tf.getKernel(k.name, tf.getBackend())) return;
        const r = byName.get(k.name) ?? { kernel: k.name, calls: 0, nativeCalls: 0, ms: 0, jsMs: 0 };
        const native = ALWAYS_NATIVE.has(k.name) || (OVERRIDDEN.has(k.name) && served.has(j));
        r.calls++;
        r.ms += k.ms;
        if (native) r.nativeCalls++;
        else r.jsMs += k.ms;
        byName.set(k.name, r);
      });
      perStep.push(byName);
    }
    const first = perStep[0] ?? new Map<string, KernelRecord>();
    const records = [...first.values()]
      .map((r) => ({
        ...r,
        ms: median(perStep.map((m) => m.get(r.kernel)?.ms ?? 0)),
        jsMs: median(perStep.map((m) => m.get(r.kernel)?.jsMs ?? 0)),
      }))
      .sort((a, b) => b.ms - a.ms);
    const sum = (f: (r: KernelRecord) => number) => records.reduce((acc, r) => acc + f(r), 0);
    return { ...empty, stepMs: median(wall), kernelMs: sum((r) => r.ms), jsMs: sum((r) => r.jsMs), kernels: records };
  } catch (e) {
    return { ...empty, error: (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '' };
  } finally {
    prepared?.dispose();
  }
}

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(part / whole >= 0.1 ? 0 : 1)}%` : '-';
}

/**
 * The markdown table: per network, the step time, the time in kernels, the share of the step in
 * pure-JS kernels, and those kernels (calls, share of the step; `fallback` marks an override that
 * handed some calls to the cpu kernel). JS kernels under 0.5% of the step are summed at the end.
 */
export function formatAuditTable(results: readonly AuditResult[]): string {
  const rows = results.map((r) => {
    if (r.error !== undefined)
      return `| \`${r.network}\` | - | - | - | could not run: ${r.error.replace(/\|/g, '\\|')} |`;
    const js = r.kernels.filter((k) => k.jsMs > 0 || k.nativeCalls < k.calls).sort((a, b) => b.jsMs - a.jsMs);
    const shown = js.filter((k) => k.jsMs >= 0.005 * r.stepMs);
    const rest = js.slice(shown.length);
    const parts = shown.map((k) => {
      const jsCalls = k.calls - k.nativeCalls;
      const fallback = k.nativeCalls > 0 || OVERRIDDEN.has(k.kernel) ? ' fallback' : '';
      return `${k.kernel} ×${jsCalls}${fallback} ${pct(k.jsMs, r.stepMs)}`;
    });
    if (rest.length)
      parts.push(
        `${rest.length} more ${pct(
          rest.reduce((s, k) => s + k.jsMs, 0),
          r.stepMs,
        )}`,
      );
    return `| \`${r.network}\` | ${ms(r.stepMs)} | ${ms(r.kernelMs)} | ${pct(r.jsMs, r.stepMs)} | ${parts.join(', ') || 'none'} |`;
  });
  return [
    '| network | step ms | in kernels ms | pure-JS kernels, share of step | pure-JS kernels (calls, share of step) |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}

const USAGE = 'usage: npm run audit:kernels -- [networks...] [--json]';

/** Parses the arguments, audits the chosen networks on `native`, prints the table or JSON lines; the exit code. */
export async function auditMain(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const flags = argv.filter((a) => a.startsWith('-') && a !== '--json');
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !AUDIT_NETS.some((x) => x.name === n));
  if (flags.length || unknown.length) {
    process.stderr.write(
      `error: ${flags.length ? `unknown option '${flags[0]}'` : `unknown network(s): ${unknown.join(', ')}`}. ` +
        `Networks: ${AUDIT_NETS.map((x) => x.name).join(', ')}. ${USAGE}\n`,
    );
    return 2;
  }
  await useBackend('native');
  const results: AuditResult[] = [];
  for (const net of names.length ? AUDIT_NETS.filter((x) => names.includes(x.name)) : AUDIT_NETS) {
    const r = await auditNet(net);
    results.push(r);
    process.stderr.write(
      r.error !== undefined
        ? `  ${net.name}: could not run: ${r.error}\n`
        : `  ${net.name}: step ${ms(r.stepMs)} ms, pure-JS kernels ${ms(r.jsMs)} ms\n`,
    );
    if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
  }
  if (!json) process.stdout.write(`${formatAuditTable(results)}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await auditMain(process.argv.slice(2));
}
