/**
 * Chapter 4, `wavnet/wavenet.py` (basveeling/wavenet, as the book runs it): a WaveNet that learns
 * raw audio sample by sample, then writes a WAV of audio it generates.
 *
 * What the book's script does (and this example with it):
 * 1. Reads a flat folder of WAV clips (the book: VCTK or its `data/` folder; here the public-domain
 *    LJ Speech clips of `../shared/datasets/ljspeech-sample/wavs`), mono, resampled to
 *    `desired_sample_rate` and mu-law companded to 256 levels (basveeling truncates:
 *    `float_to_uint8`). The book companded before resampling; tfgym resamples the linear signal
 *    (a linear filter) and compands after.
 * 2. The last clip (10% of the clips, at least one: the book's `test_factor`) is the test set, the
 *    rest train. Fragments start every `fragment_stride` samples of each clip
 *    (`range(0, len - fragment_length, fragment_stride)`); the input is the fragment's one-hot
 *    levels, the target the same levels one sample later. Fragments are shuffled (tfgym: every
 *    epoch; the book shuffles once and cycles), incomplete batches dropped.
 * 3. The network is `models/wavenet.ts`'s (the book's layer dump: 10 stages, dilations 1 ... 512,
 *    256 filters, fragments of 1152, 4,129,536 parameters for `--variant book`). The loss is
 *    categorical cross-entropy against the next sample on the outputs whose receptive field lies
 *    inside the fragment (`train_only_in_receptive_field`), with categorical accuracy.
 * 4. `book`: SGD lr 0.001, momentum 0.9, Nesterov, batch 16, up to 1000 epochs with
 *    ReduceLROnPlateau(patience 10, cooldown 5) and EarlyStopping(patience 20) on the test loss
 *    (the book validates on its test set). `small` trains a 32-filter, 8-stage net at 4 kHz with
 *    Adam (basveeling's `adam` config) so that a run ends in minutes on two cores.
 * 5. Generation (`predict`): starting from a window of the test clip (basveeling's
 *    `predict_initial_input=''`), each next level is drawn from the softmax at temperature
 *    `--temperature` (default 1, the book's `sample_temperature`), fed back, `--seconds` of audio
 *    (book: 1), written as 16-bit PCM WAV to `--out`. tfgym steps the network one sample at a
 *    time with cached layer inputs (`WavenetGenerator`) instead of the book's `model.predict`
 *    over a whole fragment per sample: the same distribution, a thousand times less arithmetic.
 */
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EarlyStopping, formatDuration, ProgressLogger, ReduceLROnPlateau } from '../../models/callbacks.js';
import type { Callback, Logs, TrainContext } from '../../models/fit.js';
import { disposeModelAndOptimizer, makeOptimizer } from '../../models/optimizers.js';
import { modelSummary, withCommas } from '../../models/summary.js';
import {
  receptiveField,
  wavenet,
  wavenetDilations,
  wavenetEvaluate,
  WavenetGenerator,
  wavenetTrainStep,
  type FragmentBatch,
  type StepMetrics,
} from '../../models/wavenet.js';
import { DataNotFoundError } from '../../src/data/datasets.js';
import { listWavFiles, muLawDecodeAll, muLawEncodeAll, readWav, resample, writeWav } from '../../src/data/wav.js';
import { isDirectory } from '../../src/io/files.js';
import { saveModel } from '../../src/io/model-io.js';
import { Rng } from '../../src/rng/rng.js';
import { nextCharIndex } from '../ch6/alice-char-rnn.js';
import { checkVariant, ExampleArgumentError, type ExampleDef } from '../example.js';

const VARIANTS = ['book', 'small'] as const;
/** One of the example's variants. */
export type WavenetVariant = (typeof VARIANTS)[number];

/** Everything a variant fixes. */
export interface WavenetSettings {
  /** Hz, the audio is resampled to it (`desired_sample_rate`). */
  sampleRate: number;
  filters: number;
  dilations: number[];
  fragmentLength: number;
  fragmentStride: number;
  batchSize: number;
  epochs: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  /** Seconds of audio generated after training (`predict_seconds`). */
  seconds: number;
}

/** The variants' settings: the book's (basveeling's default config) and a small one. */
export const WAVENET_SETTINGS: Readonly<Record<WavenetVariant, Readonly<WavenetSettings>>> = {
  book: {
    sampleRate: 4410,
    filters: 256,
    dilations: wavenetDilations(9),
    fragmentLength: 1152,
    fragmentStride: 128,
    batchSize: 16,
    epochs: 1000,
    optimizer: 'sgd',
    learningRate: 0.001,
    seconds: 1,
  },
  small: {
    sampleRate: 4000,
    filters: 32,
    dilations: wavenetDilations(7),
    // 768 scored outputs per fragment of 1024 (receptive field 257), one fragment every 768
    // samples: each sample is a target once per epoch, at 1.3x the cost of scoring it alone.
    fragmentLength: 1024,
    fragmentStride: 768,
    batchSize: 16,
    epochs: 40,
    optimizer: 'adam',
    learningRate: 0.001,
    seconds: 2,
  },
};

/** Quick mode: a tiny net, a few batches of one epoch, a twentieth of a second of audio. */
const QUICK_WAVENET = {
  filters: 8,
  dilations: [1, 2, 4, 8],
  fragmentLength: 48,
  fragmentStride: 32,
  batchSize: 4,
  trainBatches: 3,
  testFragments: 8,
  seconds: 0.05,
} as const;

/** basveeling's `early_stopping_patience`; ReduceLROnPlateau gets half of it, cooldown a quarter. */
const EARLY_STOPPING_PATIENCE = 20;
/** The book's `test_factor`: the last 10% of the clips (at least one) are the test set. */
const TEST_FACTOR = 0.1;
/** The book's `sample_temperature`. */
const DEFAULT_TEMPERATURE = 1;

/** Where the generated audio goes without `--out`. */
export function wavenetDefaultOut(variant: string, seed: number): string {
  return join('runs', 'wavenet', `${variant}-seed${seed}.wav`);
}

/** A clip as the network sees it: mu-law levels at the variant's rate. */
export interface AudioClip {
  readonly name: string;
  readonly levels: Uint8Array;
}

/**
 * Reads WAV clips, resamples each to `rate` and mu-law encodes it with basveeling's truncation
 * (`float_to_uint8`: silence is level 127).
 */
export function loadClips(files: readonly string[], rate: number): AudioClip[] {
  return files.map((f) => {
    const w = readWav(f);
    return { name: basename(f), levels: muLawEncodeAll(resample(w.samples, w.sampleRate, rate), 'floor') };
  });
}

/** The book's fragment starts in one clip: `range(0, length - fragmentLength, stride)`. */
export function fragmentStarts(length: number, fragmentLength: number, stride: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < length - fragmentLength; i += stride) out.push(i);
  return out;
}

/** A fragment: clip index and start. */
interface Fragment {
  clip: number;
  start: number;
}

function fragmentsOf(clips: readonly AudioClip[], fragmentLength: number, stride: number): Fragment[] {
  return clips.flatMap((c, clip) =>
    fragmentStarts(c.levels.length, fragmentLength, stride).map((start) => ({ clip, start })),
  );
}

/** The batch of `frags`: each row `fragmentLength + 1` levels (input, then the target one later). */
function batchOf(clips: readonly AudioClip[], frags: readonly Fragment[], fragmentLength: number): FragmentBatch {
  const row = fragmentLength + 1;
  const ids = new Int32Array(frags.length * row);
  frags.forEach((f, b) => {
    const levels = clips[f.clip]?.levels;
    if (!levels) throw new Error(`no clip ${f.clip}`);
    ids.set(levels.subarray(f.start, f.start + row), b * row);
  });
  return { ids, batch: frags.length, length: fragmentLength };
}

/** Loss and accuracy over fragments, in batches, weighted by batch size. */
function evaluateFragments(
  model: tf.LayersModel,
  clips: readonly AudioClip[],
  frags: readonly Fragment[],
  fragmentLength: number,
  batchSize: number,
  skip: number,
): StepMetrics {
  let loss = 0;
  let accuracy = 0;
  for (let i = 0; i < frags.length; i += batchSize) {
    const part = frags.slice(i, i + batchSize);
    const m = wavenetEvaluate(model, batchOf(clips, part, fragmentLength), skip);
    loss += m.loss * part.length;
    accuracy += m.accuracy * part.length;
  }
  return { loss: loss / frags.length, accuracy: accuracy / frags.length };
}

/**
 * Two reference points on the scored test targets: the cross-entropy of predicting every sample
 * from the training set's level histogram (add-one smoothed), and how often the next level
 * equals the current one.
 */
export function baselines(
  train: readonly AudioClip[],
  test: readonly AudioClip[],
  frags: readonly Fragment[],
  fragmentLength: number,
  skip: number,
): { unigramLoss: number; repeatAccuracy: number } {
  const counts = new Float64Array(256).fill(1);
  for (const c of train) for (const q of c.levels) counts[q] = (counts[q] ?? 0) + 1;
  const total = counts.reduce((a, b) => a + b, 0);
  let nll = 0;
  let repeats = 0;
  let n = 0;
  for (const f of frags) {
    const levels = test[f.clip]?.levels;
    if (!levels) continue;
    for (let t = skip; t < fragmentLength; t++) {
      const cur = levels[f.start + t] ?? 0;
      const next = levels[f.start + t + 1] ?? 0;
      nll -= Math.log((counts[next] ?? 1) / total);
      if (next === cur) repeats++;
      n++;
    }
  }
  return { unigramLoss: nll / n, repeatAccuracy: repeats / n };
}

/** The folder of WAV clips under the data folder. */
function clipFolder(dataDir: string | undefined): string {
  if (dataDir === undefined)
    throw new DataNotFoundError(
      'wavenet reads ljspeech-sample/wavs/*.wav from a data folder: pass --data-dir DIR (or set TFGYM_DATA), e.g. --data-dir ../shared/datasets',
    );
  for (const d of [join(dataDir, 'ljspeech-sample', 'wavs'), join(dataDir, 'ljspeech-sample'), join(dataDir, 'wavs')])
    if (isDirectory(d) && listWavFiles(d).length > 0) return d;
  throw new DataNotFoundError(
    `no .wav clips for wavenet in ${dataDir} (looked in ${join(dataDir, 'ljspeech-sample', 'wavs')}, ${join(dataDir, 'ljspeech-sample')} and ${join(dataDir, 'wavs')})`,
  );
}

/**
 * `n` levels generated after feeding `primer` (the window the generation continues), each drawn
 * at `temperature` from the network's distribution and fed back. `onProgress` gets the count
 * generated so far, about every `progressEvery` samples.
 */
export function generateLevels(
  gen: WavenetGenerator,
  primer: ArrayLike<number>,
  n: number,
  rng: Rng,
  temperature: number,
  onProgress?: (done: number) => void,
  progressEvery = 1000,
): Uint8Array {
  if (primer.length === 0) throw new RangeError('generateLevels needs at least one primer level');
  gen.reset();
  let probs: Float32Array = new Float32Array(0);
  for (let i = 0; i < primer.length; i++) probs = gen.step(primer[i] ?? 0);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const level = nextCharIndex(probs, rng, temperature);
    out[i] = level;
    probs = gen.step(level);
    if (onProgress && (i + 1) % progressEvery === 0) onProgress(i + 1);
  }
  return out;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/** `tfgym example wavenet`. */
export const wavenetExample: ExampleDef = {
  name: 'wavenet',
  chapter: 4,
  script: 'wavnet/wavenet.py',
  description:
    'WaveNet (basveeling/wavenet) on speech clips: causal dilated gated convs, mu-law softmax, a generated WAV',
  variants: VARIANTS,
  defaultVariant: 'small',
  defaults(variant) {
    const s = WAVENET_SETTINGS[checkVariant('wavenet', variant, VARIANTS)];
    return { epochs: s.epochs, batchSize: s.batchSize, optimizer: s.optimizer };
  },
  async run(o) {
    const variant = checkVariant('wavenet', o.variant, VARIANTS);
    const base = WAVENET_SETTINGS[variant];
    const temperature = o.temperature ?? DEFAULT_TEMPERATURE;
    if (!(temperature > 0)) throw new ExampleArgumentError(`--temperature must be positive, got ${temperature}`);
    const seconds = o.seconds ?? (o.quick ? QUICK_WAVENET.seconds : base.seconds);
    if (!(seconds > 0)) throw new ExampleArgumentError(`--seconds must be positive, got ${seconds}`);
    const q = o.quick ? QUICK_WAVENET : undefined;
    const filters = q?.filters ?? base.filters;
    const dilations = [...(q?.dilations ?? base.dilations)];
    const fragmentLength = q?.fragmentLength ?? base.fragmentLength;
    const fragmentStride = q?.fragmentStride ?? base.fragmentStride;
    const batchSize = o.batchSize ?? q?.batchSize ?? base.batchSize;
    const epochs = o.epochs ?? (q ? 1 : base.epochs);
    const rate = base.sampleRate;
    const rf = receptiveField(dilations);
    const skip = rf - 1;
    const out = o.out ?? wavenetDefaultOut(variant, o.seed);
    const log = o.log;
    const rng = new Rng(o.seed);
    const modelRng = rng.fork();
    const shuffleRng = rng.fork();
    const genRng = rng.fork();
    const quickRng = rng.fork();

    // the clips: resampled, mu-law levels; the last 10% test, the rest train
    const dir = clipFolder(o.dataDir);
    const files = listWavFiles(dir);
    if (files.length < 2)
      throw new ExampleArgumentError(`wavenet needs at least 2 clips in ${dir}, found ${files.length}`);
    const nTest = Math.max(1, Math.ceil(files.length * TEST_FACTOR));
    log.write(`Loading ${files.length} clips from ${dir}, resampling to ${rate} Hz, mu-law 256 levels...\n`);
    const clips = loadClips(files, rate);
    const train = clips.slice(0, files.length - nTest);
    const test = clips.slice(files.length - nTest);
    const audioSeconds = (cs: readonly AudioClip[]) => cs.reduce((a, c) => a + c.levels.length, 0) / rate;
    let trainFrags = fragmentsOf(train, fragmentLength, fragmentStride);
    let testFrags = fragmentsOf(test, fragmentLength, fragmentStride);
    if (q) {
      trainFrags = quickRng.shuffle(trainFrags).slice(0, q.trainBatches * batchSize);
      testFrags = testFrags.slice(0, q.testFragments);
    }
    const steps = Math.floor(trainFrags.length / batchSize);
    if (steps < 1 || testFrags.length < 1)
      throw new ExampleArgumentError(
        `wavenet: ${trainFrags.length} training and ${testFrags.length} test fragments of ${fragmentLength} samples: need a batch (${batchSize}) and one test fragment`,
      );
    log.write(
      `train: ${train.length} clips, ${audioSeconds(train).toFixed(1)} s, ${trainFrags.length} fragments; ` +
        `test: ${test.map((c) => c.name).join(', ')}, ${audioSeconds(test).toFixed(1)} s, ${testFrags.length} fragments\n`,
    );
    const base0 = baselines(train, test, testFrags, fragmentLength, skip);

    // the network
    const model = wavenet({ fragmentLength, bins: 256, filters, dilations, rng: modelRng });
    try {
      log.write(`${modelSummary(model)}\n`);
      log.write(
        `Receptive field: ${rf} samples (${((rf * 1000) / rate).toFixed(0)} ms); ` +
          `${fragmentLength - skip} scored outputs per fragment of ${fragmentLength}\n`,
      );
      const optimizer =
        base.optimizer === 'sgd'
          ? tf.train.momentum(base.learningRate, 0.9, true)
          : makeOptimizer('adam', base.learningRate);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });

      // the training loop: Keras' fit_generator with its callbacks
      const callbacks: Callback[] = [
        new ReduceLROnPlateau({
          patience: EARLY_STOPPING_PATIENCE / 2,
          cooldown: EARLY_STOPPING_PATIENCE / 4,
          onReduce: (e, lr) => log.write(`Epoch ${e + 1}: reducing learning rate to ${lr}\n`),
        }),
        new EarlyStopping({ patience: EARLY_STOPPING_PATIENCE }),
        new ProgressLogger(log),
        ...(o.callbacks ?? []),
      ];
      const ctx: TrainContext = {
        model,
        epochs,
        batchSize,
        samples: steps * batchSize,
        steps,
        validationSamples: testFrags.length,
        stopTraining: false,
      };
      const history: Record<string, number[]> = {};
      let last: Logs = {};
      const t0 = performance.now();
      for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
      for (let epoch = 0; epoch < epochs && !ctx.stopTraining; epoch++) {
        for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
        const order = shuffleRng.shuffle([...trainFrags]);
        let loss = 0;
        let acc = 0;
        for (let s = 0; s < steps; s++) {
          const frags = order.slice(s * batchSize, (s + 1) * batchSize);
          const m = wavenetTrainStep(model, optimizer, batchOf(train, frags, fragmentLength), skip);
          loss += m.loss;
          acc += m.accuracy;
          const means: Logs = { size: batchSize, loss: loss / (s + 1), acc: acc / (s + 1) };
          for (const cb of callbacks) await cb.onBatchEnd?.(s, means, ctx);
        }
        const val = evaluateFragments(model, test, testFrags, fragmentLength, batchSize, skip);
        last = { loss: loss / steps, acc: acc / steps, val_loss: val.loss, val_acc: val.accuracy };
        for (const cb of callbacks) await cb.onEpochEnd?.(epoch, last, ctx);
        for (const [k, v] of Object.entries(last)) (history[k] ??= []).push(v);
      }
      for (const cb of callbacks) await cb.onTrainEnd?.(last, ctx);
      const trainSeconds = (performance.now() - t0) / 1000;
      const epochsRun = history['loss']?.length ?? 0;
      log.write(
        `Test loss: ${fmt(last['val_loss'] ?? NaN)} nats, next-sample accuracy: ${fmt(last['val_acc'] ?? NaN)} ` +
          `(training-set level histogram: ${fmt(base0.unigramLoss)} nats; repeating the last level: ${fmt(base0.repeatAccuracy)})\n`,
      );
      if (o.save !== undefined) {
        await saveModel(model, o.save);
        log.write(`model saved to ${o.save}\n`);
      }

      // generation: continue a window of the test clip, sample by sample
      const n = Math.max(1, Math.round(seconds * rate));
      const testLevels = test[0]?.levels ?? new Uint8Array(0);
      const primerLength = Math.min(rf, testLevels.length);
      const primerStart = genRng.nextInt(Math.max(1, testLevels.length - primerLength + 1));
      const primer = testLevels.subarray(primerStart, primerStart + primerLength);
      log.write(
        `Generating ${withCommas(n)} samples (${seconds} s at ${rate} Hz, temperature ${temperature}) after ` +
          `${primerLength} samples of ${test[0]?.name ?? '?'} from sample ${primerStart}...\n`,
      );
      const g0 = performance.now();
      const levels = generateLevels(
        new WavenetGenerator(model),
        primer,
        n,
        genRng,
        temperature,
        (done) => {
          const el = (performance.now() - g0) / 1000;
          log.write(
            `  ${withCommas(done)}/${withCommas(n)} samples - ${formatDuration(el * 1000)} - ETA: ${formatDuration(((n - done) * el * 1000) / done)}\n`,
          );
        },
        rate,
      );
      const generationSeconds = (performance.now() - g0) / 1000;
      writeWav(out, muLawDecodeAll(levels), rate);
      log.write(`wrote ${out} (${withCommas(n)} samples, ${generationSeconds.toFixed(1)} s to generate)\n`);

      return {
        example: 'wavenet',
        variant,
        metrics: {
          trainLoss: last['loss'] ?? NaN,
          trainAccuracy: last['acc'] ?? NaN,
          testLoss: last['val_loss'] ?? NaN,
          testAccuracy: last['val_acc'] ?? NaN,
          unigramTestLoss: base0.unigramLoss,
          repeatTestAccuracy: base0.repeatAccuracy,
          epochsRun,
          trainSeconds: Math.round(trainSeconds * 10) / 10,
          samplePath: out,
          sampleSeconds: n / rate,
          generationSeconds: Math.round(generationSeconds * 100) / 100,
        },
        settings: {
          epochs,
          batchSize,
          optimizer: base.optimizer,
          learningRate: base.learningRate,
          ...(base.optimizer === 'sgd' ? { momentum: 0.9, nesterov: true } : {}),
          sampleRate: rate,
          filters,
          dilations: dilations.join(','),
          params: model.countParams(),
          receptiveField: rf,
          fragmentLength,
          fragmentStride,
          scoredOutputs: fragmentLength - skip,
          trainClips: train.length,
          testClips: test.map((c) => c.name).join(','),
          trainAudioSeconds: Math.round(audioSeconds(train) * 100) / 100,
          testAudioSeconds: Math.round(audioSeconds(test) * 100) / 100,
          trainSamples: steps * batchSize,
          testSamples: testFrags.length,
          earlyStoppingPatience: EARLY_STOPPING_PATIENCE,
          temperature,
          seconds,
          primer: `${primerLength} samples of ${test[0]?.name ?? '?'} from ${primerStart}`,
        },
        history,
      };
    } finally {
      disposeModelAndOptimizer(model);
    }
  },
};
