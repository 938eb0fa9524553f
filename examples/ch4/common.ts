/**
 * What the Chapter 4 GAN examples share: their options (`--out`, `--sample-every`), the quick
 * budget, image data scaled to the generator's range, seeded latent sampling, sample grids saved
 * as PNG, the loss history as CSV, the per-batch-group progress line, the outcome's metrics, and
 * keras-adversarial's `fit` (shuffled batches of simultaneous steps, validation on the test
 * images, one image grid per epoch) used by `mnist-gan` and `cifar10-gan`.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { AdversarialLosses, AdversarialModel } from '../../models/adversarial.js';
import { formatDuration, type TextSink } from '../../models/callbacks.js';
import type { ImageSplit } from '../../src/data/datasets.js';
import { encodePng } from '../../src/data/png.js';
import { imageGrid, type PixelRange } from '../../src/image/grid.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { saveModel } from '../../src/io/model-io.js';
import type { Rng } from '../../src/rng/rng.js';
import { ExampleArgumentError, type ExampleMetrics, type ExampleOptions, type RunSegment } from '../example.js';
import { dropoutStreams, GanRunCheckpoints } from './gan-checkpoint.js';

/**
 * Quick-mode budget of the GANs: two batches of 16, a grid after each. Their convolutions are the
 * heaviest of the book (a simultaneous step of the convolutional MNIST GAN is about 180 GFLOP at
 * batch 32), so far fewer images than the classifiers' quick runs.
 */
export const GAN_QUICK = { train: 32, test: 16, batchSize: 16, epochs: 1, sampleEvery: 1, gridSide: 4 } as const;

/** The side of keras-adversarial's `ImageGridCallback` grids: 10 x 10 samples (4 x 4 in quick runs). */
export function gridSide(o: ExampleOptions): number {
  return o.quick ? GAN_QUICK.gridSide : 10;
}

/**
 * The folder the samples and the loss history go to: `--out`, else `runs/<example>/seed-<seed>`
 * (one folder per seed, so the runs of several seeds keep their pictures).
 */
export function outDir(o: ExampleOptions, example: string): string {
  return o.out ?? join('runs', example, `seed-${o.seed}`);
}

/** `--sample-every N` (batches), checked; undefined when not given. */
export function sampleEveryOption(o: ExampleOptions): number | undefined {
  const n = o.sampleEvery;
  if (n !== undefined && (!Number.isInteger(n) || n < 1))
    throw new ExampleArgumentError(`--sample-every must be a positive number of batches, got ${n}`);
  return n;
}

/** The first `n` images of a split (quick runs). */
export function firstImages(s: ImageSplit, n: number): ImageSplit {
  const count = Math.min(n, s.count);
  const per = s.height * s.width * s.channels;
  return { ...s, count, images: s.images.subarray(0, count * per), labels: s.labels.subarray(0, count) };
}

/**
 * The images of a split as float32 `[count, h, w, c]` in `range`: `[-1, 1]` is keras-dcgan's
 * `(x - 127.5) / 127.5`, `[0, 1]` keras-adversarial's `x / 255`. The caller disposes it.
 */
export function imageTensor(s: ImageSplit, range: PixelRange): tf.Tensor4D {
  const [lo, hi] = range;
  const scale = (hi - lo) / 255;
  const f = new Float32Array(s.count * s.height * s.width * s.channels);
  for (let i = 0; i < f.length; i++) f[i] = (s.images[i] ?? 0) * scale + lo;
  return tf.tensor4d(f, [s.count, s.height, s.width, s.channels]);
}

/** `n` latent vectors drawn uniformly from [-1, 1) (keras-dcgan's `np.random.uniform(-1, 1, 100)`). */
export function uniformLatent(rng: Rng, n: number, dim: number): tf.Tensor2D {
  return tf.tensor2d(
    Float32Array.from({ length: n * dim }, () => rng.uniform(-1, 1)),
    [n, dim],
  );
}

/** `n` latent vectors from N(0, 1) (keras-adversarial's `normal_latent_sampling`). */
export function normalLatent(rng: Rng, n: number, dim: number): tf.Tensor2D {
  return tf.tensor2d(
    Float32Array.from({ length: n * dim }, () => rng.normal()),
    [n, dim],
  );
}

/**
 * Writes a batch of generated images `[n, h, w, c]` (values in `range`) as one PNG grid at
 * `path` (folders made, written atomically); `cols` defaults to keras-dcgan's `floor(sqrt(n))`.
 */
export function writeSampleGrid(path: string, images: tf.Tensor, range: PixelRange, cols?: number): void {
  const [n = 0, h = 0, w = 0, c = 0] = images.shape;
  if (c !== 1 && c !== 3) throw new Error(`writeSampleGrid: 1 or 3 channels expected, got ${c}`);
  const grid = imageGrid(images.dataSync(), n, h, w, c, { range, ...(cols !== undefined ? { cols } : {}) });
  writeFileAtomic(path, encodePng(grid));
}

/** A CSV of loss rows (header from the first row's keys), the whole file rewritten atomically on each flush. */
export class LossCsv {
  private readonly rows: string[] = [];
  private columns: string[] | undefined;

  constructor(readonly path: string) {}

  /** The rows so far (a checkpoint's). */
  state(): { columns: string[] | null; rows: string[] } {
    return { columns: this.columns ?? null, rows: [...this.rows] };
  }

  /** Continues from {@link LossCsv.state}. */
  restore(s: { columns: string[] | null; rows: string[] }): void {
    this.columns = s.columns ?? undefined;
    this.rows.splice(0, this.rows.length, ...s.rows);
  }

  add(row: Record<string, number>): void {
    this.columns ??= Object.keys(row);
    this.rows.push(this.columns.map((k) => String(row[k] ?? '')).join(','));
  }

  flush(): void {
    if (this.columns === undefined) return;
    writeFileAtomic(this.path, `${[this.columns.join(','), ...this.rows].join('\n')}\n`);
  }
}

/**
 * Training progress, a line per group of batches (about ten per epoch): the running epoch means
 * of the losses, the time per batch, and the ETAs of the epoch and of the run. In a terminal the
 * line is also redrawn after every batch.
 */
export class GanProgress {
  private readonly start = performance.now();
  private done = 0;
  private readonly every: number;

  /** `before`: batches an earlier part of a resumed run trained (not timed here, counted for the ETA). */
  constructor(
    private readonly log: TextSink,
    private readonly epochs: number,
    private readonly batches: number,
    private readonly before = 0,
  ) {
    this.every = Math.max(1, Math.ceil(batches / 10));
  }

  /** After batch `batch` (0-based) of epoch `epoch` (0-based), with the epoch's running means. */
  batch(epoch: number, batch: number, means: Record<string, number>): void {
    this.done++;
    const last = batch + 1 === this.batches;
    const group = (batch + 1) % this.every === 0 || last;
    if (!group && !this.log.isTTY) return;
    const perBatch = (performance.now() - this.start) / this.done;
    const epochLeft = perBatch * (this.batches - batch - 1);
    const runLeft = perBatch * (this.epochs * this.batches - this.before - this.done);
    const losses = Object.entries(means)
      .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
      .join(' - ');
    const line =
      `Epoch ${epoch + 1}/${this.epochs} - batch ${batch + 1}/${this.batches} - ${losses} - ` +
      `${(perBatch / 1000).toFixed(2)}s/batch - epoch ETA ${formatDuration(epochLeft)} - run ETA ${formatDuration(runLeft)}`;
    if (this.log.isTTY) this.log.write(`\r${line}\x1b[K${group ? '\n' : ''}`);
    else this.log.write(`${line}\n`);
  }

  /** Seconds since the progress started. */
  seconds(): number {
    return (performance.now() - this.start) / 1000;
  }
}

/** Batch-size-weighted running means of named values (Keras' epoch logs). */
export class RunningMeans {
  private sums: Record<string, number> = {};
  private count = 0;

  add(values: Record<string, number>, n: number): void {
    for (const [k, v] of Object.entries(values)) this.sums[k] = (this.sums[k] ?? 0) + v * n;
    this.count += n;
  }

  means(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.sums).map(([k, s]) => [k, s / Math.max(this.count, 1)]));
  }

  /** The sums and count so far (a checkpoint's). */
  state(): { sums: Record<string, number>; count: number } {
    return { sums: { ...this.sums }, count: this.count };
  }

  /** Continues from {@link RunningMeans.state}. */
  restore(s: { sums: Record<string, number>; count: number }): void {
    this.sums = { ...s.sums };
    this.count = s.count;
  }

  reset(): void {
    this.sums = {};
    this.count = 0;
  }
}

/** keras-adversarial's metric names: `loss`, then `{player}_loss`, `{player}_yfake_loss`, `{player}_yreal_loss`. */
export function kerasAdversarialLogs(l: AdversarialLosses, prefix = ''): Record<string, number> {
  const out: Record<string, number> = { [`${prefix}loss`]: l.loss };
  for (const p of ['generator', 'discriminator'] as const) {
    out[`${prefix}${p}_loss`] = l[p].loss;
    out[`${prefix}${p}_yfake_loss`] = l[p].yfake;
    out[`${prefix}${p}_yreal_loss`] = l[p].yreal;
  }
  return out;
}

/** The metrics every GAN example reports: both players' final losses and where the pictures are. */
export function ganMetrics(
  generatorLoss: number,
  discriminatorLoss: number,
  files: { out: string; samples: readonly string[]; lossHistory: string },
  trainSeconds: number,
  extra: ExampleMetrics = {},
): ExampleMetrics {
  return {
    finalLoss: { generator: generatorLoss, discriminator: discriminatorLoss },
    generatorLoss,
    discriminatorLoss,
    ...extra,
    samplesDir: files.out,
    sampleCount: files.samples.length,
    lastSample: files.samples.at(-1) ?? null,
    lossHistory: files.lossHistory,
    trainSeconds: Math.round(trainSeconds * 10) / 10,
  };
}

/** `--save DIR`: the generator and the discriminator as `DIR/generator`, `DIR/discriminator` (tfjs layers format). */
export async function saveGan(
  o: ExampleOptions,
  generator: tf.LayersModel,
  discriminator: tf.LayersModel,
): Promise<void> {
  if (o.save === undefined) return;
  await saveModel(generator, join(o.save, 'generator'));
  await saveModel(discriminator, join(o.save, 'discriminator'));
  o.log.write(`saved the generator and the discriminator under ${o.save} (tfjs layers format)\n`);
}

/** What {@link fitAdversarial} needs. */
export interface AdversarialFitSpec {
  gan: AdversarialModel;
  xTrain: tf.Tensor4D;
  xTest: tf.Tensor4D;
  epochs: number;
  batchSize: number;
  /** Shuffles the training images before each epoch (Keras' `fit(shuffle=True)`). */
  rng: Rng;
  log: TextSink;
  /** The generator's pixel range, for the grids. */
  range: PixelRange;
  /** The folder of `epoch-NNN.png` and `history.csv`. */
  out: string;
  /** Images per side of a grid (keras-adversarial: 10). */
  gridSide: number;
  /** The `gridSide`^2 latent vectors of a grid: a new tensor on each call, disposed after use. */
  gridLatents: () => tf.Tensor2D;
  /** Also a grid every this many batches (`epoch-NNN-batch-NNNNN.png`). */
  sampleEvery?: number;
  /**
   * Checkpoints (restored at the start with `--resume`, written after every epoch and on
   * interruption): the example's options, name and variant, the players' optimizers and its
   * random streams besides `rng` and the dropout masks' (the latents', a grid's).
   */
  checkpoint?: {
    o: ExampleOptions;
    example: string;
    variant: string;
    optimizers: Readonly<Record<string, tf.Optimizer>>;
    streams: Readonly<Record<string, Rng>>;
  };
}

/** What a checkpoint of {@link fitAdversarial} keeps besides weights and random streams. */
interface FitProgress {
  csv: { columns: string[] | null; rows: string[] };
  running: { sums: Record<string, number>; count: number };
  history: Record<string, number[]>;
  samples: string[];
}

/** The name under which a {@link fitAdversarial} checkpoint keeps the shuffling stream (`rng`). */
const SHUFFLE_STREAM = 'shuffle';

/** What {@link fitAdversarial} returns: Keras' history (per epoch) and the files written. */
export interface AdversarialFitResult {
  history: Record<string, number[]>;
  samples: string[];
  lossHistory: string;
  trainSeconds: number;
  /** A resumed run: the parts before this one. */
  earlierSegments: readonly RunSegment[];
}

/**
 * keras-adversarial's `model.fit(x, y, validation_data=(xtest, ytest), callbacks=[ImageGridCallback],
 * epochs, batch_size)`: each epoch shuffles the training images, takes one simultaneous step per
 * batch (the last one partial, as Keras' fit), evaluates both players on the test images, appends
 * the epoch's means to `history.csv` (Keras' names, `val_` for the test images) and writes the
 * epoch's 10x10 grid of generated images as `epoch-NNN.png` (0-based, as the callback names them).
 */
export async function fitAdversarial(s: AdversarialFitSpec): Promise<AdversarialFitResult> {
  const n = s.xTrain.shape[0];
  const batches = Math.ceil(n / s.batchSize);
  const csv = new LossCsv(join(s.out, 'history.csv'));
  let history: Record<string, number[]> = {};
  let samples: string[] = [];
  const running = new RunningMeans();
  let start = { epoch: 0, batch: 0 };
  const c = s.checkpoint;
  const models = { generator: s.gan.generator, discriminator: s.gan.discriminator };
  const checkpoints = c
    ? new GanRunCheckpoints({
        o: c.o,
        out: s.out,
        // What a resumed run must share with the run it continues.
        identity: {
          example: c.example,
          variant: c.variant,
          seed: c.o.seed,
          epochs: s.epochs,
          batchSize: s.batchSize,
          sampleEvery: s.sampleEvery ?? 0,
          trainSamples: n,
          testSamples: s.xTest.shape[0],
          quick: c.o.quick === true,
        },
        models,
        optimizers: c.optimizers,
        rngs: { [SHUFFLE_STREAM]: s.rng, ...c.streams, ...dropoutStreams(models) },
      })
    : null;
  const resumed = (await checkpoints?.restore()) ?? null;
  if (resumed) {
    const p = resumed.progress as FitProgress;
    csv.restore(p.csv);
    running.restore(p.running);
    history = p.history;
    samples = [...p.samples];
    start = { epoch: resumed.epoch, batch: resumed.batch };
  }
  const progress = new GanProgress(s.log, s.epochs, batches, start.epoch * batches + start.batch);
  const state = (): FitProgress => ({ csv: csv.state(), running: running.state(), history, samples });
  const grid = (name: string): void => {
    tf.tidy(() => writeSampleGrid(join(s.out, name), s.gan.generate(s.gridLatents()), s.range, s.gridSide));
    samples.push(join(s.out, name));
  };
  const pad = (k: number, width: number): string => String(k).padStart(width, '0');
  if (!resumed) s.log.write(`Train on ${n} samples, validate on ${s.xTest.shape[0]} samples\n`);
  for (let epoch = start.epoch; epoch < s.epochs; epoch++) {
    const first = epoch === start.epoch ? start.batch : 0;
    if (first === 0) running.reset();
    // The stream as it was before this epoch's shuffle: a run resumed within the epoch draws the same order.
    const beforeShuffle = s.rng.getState();
    const order = s.rng.shuffle(Array.from({ length: n }, (_, i) => i));
    for (let b = first; b < batches; b++) {
      await checkpoints?.stopIfAsked(epoch, b, () => {
        csv.flush();
        return {
          progress: state(),
          trainSeconds: progress.seconds(),
          rngStates: { [SHUFFLE_STREAM]: beforeShuffle },
        };
      });
      const idx = order.slice(b * s.batchSize, (b + 1) * s.batchSize);
      const x = tf.tidy(() => tf.gather(s.xTrain, tf.tensor1d(idx, 'int32')));
      let losses: AdversarialLosses;
      try {
        losses = s.gan.trainSimultaneous(x);
      } finally {
        x.dispose();
      }
      running.add(kerasAdversarialLogs(losses), idx.length);
      const m = running.means();
      progress.batch(epoch, b, {
        loss: m['loss'] ?? NaN,
        generator_loss: m['generator_loss'] ?? NaN,
        discriminator_loss: m['discriminator_loss'] ?? NaN,
      });
      if (s.sampleEvery !== undefined && (b + 1) % s.sampleEvery === 0)
        grid(`epoch-${pad(epoch, 3)}-batch-${pad(b + 1, 5)}.png`);
    }
    const val = kerasAdversarialLogs(s.gan.evaluate(s.xTest, s.batchSize), 'val_');
    const logs = { ...running.means(), ...val };
    for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
    csv.add({ epoch, ...logs });
    csv.flush();
    grid(`epoch-${pad(epoch, 3)}.png`);
    s.log.write(
      `Epoch ${epoch + 1}/${s.epochs}: ${Object.entries(logs)
        .filter(([k]) => !k.includes('_y'))
        .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
        .join(' - ')}\n`,
    );
    await checkpoints?.save(epoch + 1, 0, state(), progress.seconds());
  }
  const trainSeconds = (checkpoints?.trainBefore ?? 0) + progress.seconds();
  return { history, samples, lossHistory: csv.path, trainSeconds, earlierSegments: checkpoints?.earlier ?? [] };
}
