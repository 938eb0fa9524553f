/**
 * The contract of a `tfgym example`: what an example declares (name, chapter, the book's script,
 * variants, its default settings), the options it runs with, the outcome it returns, and the one
 * error type for a user's bad argument. Shared by every example and by the CLI that runs them.
 */
import type { TextSink } from '../models/callbacks.js';
import type { Callback } from '../models/fit.js';

/**
 * The book's seed: the Chapter 1 scripts and `keras_LeNet.py` call `np.random.seed(1671)`. The
 * other Chapter 2-3 scripts set none; tfgym uses 1671 for them too, so every default run repeats.
 */
export const DEFAULT_SEED = 1671;

/**
 * A user's bad argument to an example (unknown variant, missing or unusable file): the CLI
 * prints its message as one line and exits with code 2.
 */
export class ExampleArgumentError extends Error {
  override readonly name = 'ExampleArgumentError';
}

/** Thrown by an example stopped by {@link ExampleOptions.signal} after it saved a checkpoint to resume from. */
export class ExampleInterrupted extends Error {
  override readonly name = 'ExampleInterrupted';
}

export type { RunSegment } from '../src/io/result-lines.js';
import type { GitInfo } from '../src/io/package.js';
import type { RunSegment } from '../src/io/result-lines.js';

/** Options common to every example (from the command line). */
export interface ExampleOptions {
  variant: string;
  /** Overrides the book's epochs (a run with other settings than the book's). */
  epochs?: number;
  /** Overrides the book's batch size. */
  batchSize?: number;
  dataDir?: string;
  /** Tiny budget (a few hundred images, one epoch): a smoke test, never a result. */
  quick: boolean;
  /** Seeds the initial weights, the shuffling, the dropout masks and the augmentation. */
  seed: number;
  /** Save the trained model here (tfjs layers format). */
  save?: string;
  /** A saved model to load (cifar10-predict). */
  model?: string;
  /** Weights file (vgg16, vgg16-features, deep-dream, style-transfer: a converted Keras model.json). */
  weights?: string;
  /** Image files to classify. */
  images?: string[];
  /** ImageNet labels file (vgg16). */
  labels?: string;
  /** Fraction list for the shrinking-training-set study. */
  fractions?: number[];
  /**
   * alice-char-rnn: sample the generated characters at this temperature (default: greedy);
   * wavenet: the generated samples' (default 1, the book's).
   */
  temperature?: number;
  /** wavenet: seconds of audio to generate after training. */
  seconds?: number;
  /** air-quality-regression: `-200` readings as values (`book`, default) or as missing (`mean`). */
  missing?: string;
  /**
   * air-quality-regression: the predictions CSV (the SVG plot goes beside it); word2vec-skipgram
   * and word2vec-cbow: the word vectors, in word2vec text format; deep-dream and style-transfer:
   * the PNG picture; wavenet: the generated WAV; sentence-autoencoder: the cosine-similarity
   * histogram (SVG; the MSE curve goes beside it as `NAME-loss.svg`); the GANs: the folder of the sample grids and the
   * loss history.
   */
  out?: string;
  /** The GANs: save a grid of generated images every this many batches. */
  sampleEvery?: number;
  /** The GANs: continue the run whose checkpoint is in `out` (written after every epoch and when interrupted). */
  resume?: boolean;
  /**
   * Stops a long run: the GANs check it between batches, save a checkpoint and throw
   * {@link ExampleInterrupted}. Examples without checkpoints ignore it.
   */
  signal?: AbortSignal;
  /** The code this run is (the CLI's git commit), kept in checkpoints so a resumed run's result names every part's. */
  provenance?: GitInfo;
  /** sentiment-cnn word2vec variants: word vectors in word2vec text format (`word2vec-skipgram --out`). */
  vectors?: string;
  /** style-transfer: the content picture (PNG or JPEG). */
  content?: string;
  /** style-transfer: the style picture (PNG or JPEG). */
  style?: string;
  /** deep-dream: the picture's longer side in pixels; style-transfer: the side of the square picture. */
  size?: number;
  /** deep-dream: gradient-ascent steps per layer; style-transfer: L-BFGS iterations. */
  iterations?: number;
  /** Where the Keras-like log goes. */
  log: TextSink;
  /** Download progress (bytes so far, total) when a dataset is fetched into the cache. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Extra training callbacks (the CLI's `--logdir` adds TensorBoard and CSV loggers). */
  callbacks?: Callback[];
}

/** The settings a run uses; those that the book also fixes are compared with `results/book.json`. */
export interface RunSettings {
  epochs?: number;
  batchSize?: number;
  /** `sgd`, `rmsprop` or `adam`, with Keras 2.0's defaults (`models/keras-optimizers.ts`). */
  optimizer?: string;
  validationSplit?: number;
  /** Training images before the validation split (60,000 for MNIST, 50,000 for full CIFAR-10). */
  trainSamples?: number;
  testSamples?: number;
  [k: string]: unknown;
}

/** What an example measured: test metrics, the last epoch's training and validation metrics, ... */
export interface ExampleMetrics {
  testAccuracy?: number;
  testLoss?: number;
  valAccuracy?: number;
  valLoss?: number;
  trainAccuracy?: number;
  trainLoss?: number;
  [k: string]: unknown;
}

/** What an example returns; the CLI adds the run's provenance to make a result line. */
export interface ExampleOutcome {
  example: string;
  variant: string;
  metrics: ExampleMetrics;
  settings: RunSettings;
  /** Per-epoch metrics (`loss`, `acc`, `val_loss`, `val_acc`), when the example trained. */
  history?: Record<string, number[]>;
  /**
   * A resumed run: the parts before this one (their commits and wall times), oldest first; the
   * result line adds them to this part's.
   */
  earlierSegments?: readonly RunSegment[];
}

/** One runnable example of the book. */
export interface ExampleDef {
  /** Name on the command line (`tfgym example NAME`). */
  readonly name: string;
  /** The book's chapter. */
  readonly chapter: number;
  /** The book's script(s) it follows, as named in the book's code bundle. */
  readonly script: string;
  readonly description: string;
  readonly variants: readonly string[];
  readonly defaultVariant: string;
  /**
   * The settings a full (not `--quick`) run of `variant` uses by default: the book's. The tests
   * check them against `results/book.json`.
   */
  defaults(variant: string): RunSettings;
  run(opts: ExampleOptions): Promise<ExampleOutcome>;
}

/** Quick-mode budget: tiny so smoke tests take seconds on any backend. */
export const QUICK = { train: 160, test: 64, epochs: 1, batchSize: 32 } as const;

/** `variant` if `variants` has it, else an {@link ExampleArgumentError} naming the choices. */
export function checkVariant<T extends string>(example: string, variant: string, variants: readonly T[]): T {
  if (!(variants as readonly string[]).includes(variant)) {
    throw new ExampleArgumentError(
      `Unknown variant "${variant}" for ${example} (--variant). Choose one of: ${variants.join(', ')}.`,
    );
  }
  return variant as T;
}

/** Formats a fraction as a percentage with two decimals. */
export function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}
