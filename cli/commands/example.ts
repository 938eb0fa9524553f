/**
 * `tfgym example list` and `tfgym example NAME [--variant V] ...`: the book's Chapters 1-7
 * networks trained and evaluated with the book's settings, next to the book's figures.
 * `--results FILE` appends the run's result line (see `examples/results.ts`) for RESULTS.md.
 */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { CsvLogger, TensorBoard } from '../../models/callbacks.js';
import { ModelArgumentError } from '../../models/validate.js';
import { CheckpointError } from '../../src/io/errors.js';
import { ensureDir } from '../../src/io/files.js';
import { gitInfo } from '../../src/io/package.js';
import { TensorBoardSink } from '../../src/io/metric-files.js';
import { DataNotFoundError, resolveDataDir } from '../../src/data/datasets.js';
import { CifarFormatError } from '../../src/data/cifar.js';
import { DownloadError } from '../../src/data/get-file.js';
import { IdxFormatError } from '../../src/data/idx.js';
import { ImageFormatError } from '../../src/data/png.js';
import { TextFormatError } from '../../src/text/errors.js';
import { bookVariant, loadBook } from '../../examples/book.js';
import {
  checkVariant,
  DEFAULT_SEED,
  ExampleArgumentError,
  ExampleInterrupted,
  pct,
  type ExampleOptions,
  type ExampleOutcome,
} from '../../examples/example.js';
import { sentimentCnnVariant } from '../../examples/ch5/sentiment-cnn.js';
import { EXAMPLES, findExample } from '../../examples/index.js';
import { appendResultLine, resultLine } from '../../examples/results.js';
import { CliError, UsageError } from '../errors.js';
import { interruptSignal } from '../viewer-options.js';
import { addBackendOption, floatArg, initBackend, intArg, typedArgs } from '../options.js';

interface ExampleFlags {
  variant?: string;
  epochs?: number;
  batchSize?: number;
  dataDir?: string;
  backend?: string;
  json?: boolean;
  results?: string;
  quick?: boolean;
  seed?: number;
  save?: string;
  model?: string;
  weights?: string;
  image?: string[];
  labels?: string;
  fractions?: number[];
  logdir?: string;
  temperature?: number;
  seconds?: number;
  cell?: string;
  stateful?: boolean;
  missing?: string;
  out?: string;
  sampleEvery?: number;
  resume?: boolean;
  corpus?: string;
  embeddings?: string;
  trainable?: string;
  vectors?: string;
  content?: string;
  style?: string;
  size?: number;
  iterations?: number;
}

/** One entry per example: name, chapter, description, the book's figure per variant. */
export function listExamples(): string {
  const book = loadBook();
  const rows = EXAMPLES.map((e) => {
    const first = (v: string) => book.examples[e.name]?.variants[v]?.figures[0];
    const figs = e.variants.some((v) => first(v) !== undefined)
      ? `variants (book test accuracy): ${e.variants.map((v) => `${v} ${first(v) ? pct(first(v)?.testAccuracy) : '(no figure)'}`).join(', ')}`
      : e.variants.length > 1
        ? `variants: ${e.variants.join(', ')}; no accuracy figure in the book`
        : 'no accuracy figure in the book';
    return `${e.name.padEnd(16)} ch${e.chapter}  ${e.description}\n${''.padEnd(16)}      ${e.script}; ${figs}`;
  });
  return `${rows.join('\n')}\n`;
}

function collect(value: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), value];
}

function fractionsArg(v: string): number[] {
  const parse = floatArg(0, 1);
  return v.split(',').map((s) => {
    const f = parse(s);
    if (f <= 0) throw new UsageError(`--fractions: each fraction must be in (0, 1], got ${s}`);
    return f;
  });
}

/** Prints download progress on stderr: redrawn in a terminal, every 10% otherwise. */
function downloadProgress(): (received: number, total: number | undefined) => void {
  let lastTenth = -1;
  return (received, total) => {
    const mb = (n: number): string => (n / 1e6).toFixed(1);
    const what = total
      ? `${mb(received)} / ${mb(total)} MB (${Math.floor((100 * received) / total)}%)`
      : `${mb(received)} MB`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\rdownloading: ${what}\x1b[K${total !== undefined && received >= total ? '\n' : ''}`);
      return;
    }
    const tenth = total ? Math.floor((10 * received) / total) : Math.floor(received / 1e7);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      process.stderr.write(`downloading: ${what}\n`);
    }
  };
}

/** Runs an example, turning its expected failures into one-line CLI errors. */
async function runMapped(run: () => Promise<ExampleOutcome>): Promise<ExampleOutcome> {
  try {
    return await run();
  } catch (e) {
    if (
      e instanceof ExampleArgumentError ||
      e instanceof DataNotFoundError ||
      e instanceof ModelArgumentError ||
      e instanceof ImageFormatError
    ) {
      throw new UsageError(e.message);
    }
    if (e instanceof IdxFormatError || e instanceof CifarFormatError || e instanceof TextFormatError)
      throw new CliError(`corrupt data file: ${e.message}`);
    if (e instanceof DownloadError) throw new CliError(e.message);
    if (e instanceof CheckpointError) throw new CliError(`cannot resume: ${e.message}`);
    // The example saved its checkpoint; 130 as for a shell job ended by Ctrl-C.
    if (e instanceof ExampleInterrupted) throw new CliError(e.message, 130);
    throw e;
  }
}

/**
 * Chapter 4's GANs: `--sample-every` and `--resume` are theirs (they keep checkpoints: a run at the
 * book's settings takes hours to days), `--logdir` is not (their losses go to a CSV file).
 */
const GAN_EXAMPLES = new Set(['mnist-dcgan', 'mnist-gan', 'cifar10-gan']);

/** The examples that write a file or folder named by `--out`. */
const WRITERS = [
  'air-quality-regression',
  'word2vec-skipgram',
  'word2vec-cbow',
  'deep-dream',
  'style-transfer',
  'wavenet',
  'sentence-autoencoder',
  'mnist-dcgan',
  'mnist-gan',
  'cifar10-gan',
] as const;

/** The examples that write their trained model(s) with `--save`. */
const SAVERS = ['cifar10-cnn', 'mnist-dcgan', 'mnist-gan', 'cifar10-gan', 'wavenet'] as const;

/**
 * `test accuracy 97.74% after 20 epochs (book, ch1: 97.93% after 20)`; for examples without an
 * accuracy their headline measure (test RMSE, final training loss, a GAN's two losses), else `done`.
 */
function summary(o: ExampleOutcome, chapter: number): string {
  const acc = o.metrics.testAccuracy;
  const epochs = `after ${o.settings.epochs ?? '?'} epochs`;
  const gLoss = o.metrics['generatorLoss'];
  const dLoss = o.metrics['discriminatorLoss'];
  if (acc === undefined && typeof gLoss === 'number' && typeof dLoss === 'number')
    return `generator loss ${gLoss.toFixed(4)}, discriminator loss ${dLoss.toFixed(4)} ${epochs}; samples in ${String(o.metrics['samplesDir'])}`;
  const rmse = o.metrics['testRmse'];
  if (acc === undefined && typeof rmse === 'number') return `test RMSE ${rmse.toFixed(4)} (scaled) ${epochs}`;
  if (acc === undefined && typeof o.metrics.trainLoss === 'number')
    return `training loss ${o.metrics.trainLoss.toFixed(4)} ${epochs}`;
  const picture = o.metrics['out'];
  if (acc === undefined && typeof picture === 'string') return `picture written to ${picture}`;
  if (acc === undefined) return 'done';
  // The book's figure at these epochs, else its first one: either way its epochs are said.
  const figures = bookVariant(o.example, o.variant)?.figures ?? [];
  const fig = figures.find((f) => f.epochs === o.settings.epochs) ?? figures[0];
  return `test accuracy ${pct(acc)} after ${o.settings.epochs ?? '?'} epochs${fig ? ` (book, ch${chapter}: ${pct(fig.testAccuracy)} after ${fig.epochs})` : ''}`;
}

/** Runs one example and prints its log, then the result (the result line with --json). */
async function runExample(name: string, flags: ExampleFlags, argv: readonly string[]): Promise<void> {
  const ex = findExample(name);
  if (!ex)
    throw new UsageError(
      `Unknown example "${name}". Run "tfgym example list"; choose one of: ${EXAMPLES.map((e) => e.name).join(', ')}.`,
    );
  // --cell (pos-tagging) and --stateful (electricity-lstm) name those examples' variants.
  if (flags.cell !== undefined && name !== 'pos-tagging') throw new UsageError('--cell is an option of pos-tagging');
  if (flags.stateful === true && name !== 'electricity-lstm')
    throw new UsageError('--stateful is an option of electricity-lstm');
  if (flags.temperature !== undefined && name !== 'alice-char-rnn' && name !== 'wavenet')
    throw new UsageError('--temperature is an option of alice-char-rnn and wavenet');
  if (flags.seconds !== undefined && name !== 'wavenet') throw new UsageError('--seconds is an option of wavenet');
  if (flags.sampleEvery !== undefined && !GAN_EXAMPLES.has(name))
    throw new UsageError(`--sample-every is an option of ${[...GAN_EXAMPLES].join(', ')}`);
  if (flags.resume === true && !GAN_EXAMPLES.has(name))
    throw new UsageError(
      `--resume is an option of ${[...GAN_EXAMPLES].join(', ')} (the examples that keep checkpoints)`,
    );
  if (flags.logdir !== undefined && GAN_EXAMPLES.has(name))
    throw new UsageError(`--logdir does not apply to ${name}: its losses go to a CSV file under --out`);
  const word2vec = name === 'word2vec-skipgram' || name === 'word2vec-cbow';
  if (flags.corpus !== undefined && !word2vec)
    throw new UsageError('--corpus is an option of word2vec-skipgram and word2vec-cbow');
  for (const [flag, v] of [
    ['--embeddings', flags.embeddings],
    ['--trainable', flags.trainable],
    ['--vectors', flags.vectors],
  ] as const)
    if (v !== undefined && name !== 'sentiment-cnn') throw new UsageError(`${flag} is an option of sentiment-cnn`);
  // Options that only some examples read: anywhere else they would be ignored without a word.
  for (const [flag, v, takers] of [
    ['--save', flags.save, SAVERS],
    ['--model', flags.model, ['cifar10-predict']],
    ['--weights', flags.weights, ['vgg16', 'vgg16-features', 'deep-dream', 'style-transfer']],
    ['--image', flags.image, ['vgg16', 'vgg16-features', 'cifar10-predict', 'deep-dream']],
    ['--labels', flags.labels, ['vgg16']],
    ['--fractions', flags.fractions, ['mnist-lenet']],
    ['--missing', flags.missing, ['air-quality-regression']],
    ['--out', flags.out, WRITERS],
  ] as const)
    if (v !== undefined && !(takers as readonly string[]).includes(name))
      throw new UsageError(`${flag} is an option of ${(takers as readonly string[]).join(', ')}`);
  const art = name === 'deep-dream' || name === 'style-transfer';
  for (const [flag, v] of [
    ['--size', flags.size],
    ['--iterations', flags.iterations],
  ] as const)
    if (v !== undefined && !art) throw new UsageError(`${flag} is an option of deep-dream and style-transfer`);
  for (const [flag, v] of [
    ['--content', flags.content],
    ['--style', flags.style],
  ] as const)
    if (v !== undefined && name !== 'style-transfer') throw new UsageError(`${flag} is an option of style-transfer`);
  if (flags.trainable !== undefined && flags.trainable !== 'true' && flags.trainable !== 'false')
    throw new UsageError(`--trainable must be true or false, got "${flags.trainable}"`);
  // sentiment-cnn: --embeddings, --trainable and --variant transfer together name one variant.
  let cnnVariant: string | undefined;
  if (
    name === 'sentiment-cnn' &&
    (flags.embeddings !== undefined || flags.trainable !== undefined || flags.variant === 'transfer')
  ) {
    try {
      cnnVariant = sentimentCnnVariant(
        flags.embeddings ?? (flags.variant === 'transfer' ? 'glove' : 'scratch'),
        flags.trainable !== 'false',
        flags.variant === 'transfer',
      );
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
  }
  const alias = flags.cell ?? (flags.stateful === true ? 'stateful' : undefined) ?? flags.corpus ?? cnnVariant;
  if (alias !== undefined && flags.variant !== undefined && flags.variant !== alias && cnnVariant === undefined)
    throw new UsageError(
      `--variant ${flags.variant} contradicts ${flags.cell !== undefined ? '--cell' : flags.corpus !== undefined ? '--corpus' : '--stateful'}`,
    );
  if (
    cnnVariant !== undefined &&
    flags.variant !== undefined &&
    flags.variant !== 'transfer' &&
    flags.variant !== cnnVariant
  )
    throw new UsageError(`--variant ${flags.variant} contradicts --embeddings / --trainable`);
  const variant = cnnVariant ?? flags.variant ?? alias ?? ex.defaultVariant;
  try {
    checkVariant(name, variant, ex.variants);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const json = flags.json === true;
  const dataDir = resolveDataDir(flags.dataDir, process.env);
  const sel = await initBackend(flags.backend);
  // With --json the log goes to stderr so that stdout is exactly the result line.
  const stream = json ? process.stderr : process.stdout;
  const seed = flags.seed ?? DEFAULT_SEED;
  const quick = flags.quick === true;
  const opts: ExampleOptions = {
    variant,
    quick,
    seed,
    log: {
      write: (s: string) => void stream.write(s),
      isTTY: stream.isTTY === true,
      ...(stream.isTTY && stream.columns ? { columns: stream.columns } : {}),
    },
    onProgress: downloadProgress(),
    ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
    ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(flags.save !== undefined ? { save: flags.save } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.weights !== undefined ? { weights: flags.weights } : {}),
    ...(flags.image !== undefined ? { images: flags.image } : {}),
    ...(flags.labels !== undefined ? { labels: flags.labels } : {}),
    ...(flags.fractions !== undefined ? { fractions: flags.fractions } : {}),
    ...(flags.temperature !== undefined ? { temperature: flags.temperature } : {}),
    ...(flags.seconds !== undefined ? { seconds: flags.seconds } : {}),
    ...(flags.missing !== undefined ? { missing: flags.missing } : {}),
    ...(flags.out !== undefined ? { out: flags.out } : {}),
    ...(flags.sampleEvery !== undefined ? { sampleEvery: flags.sampleEvery } : {}),
    ...(flags.resume === true ? { resume: true } : {}),
    ...(flags.vectors !== undefined ? { vectors: flags.vectors } : {}),
    ...(flags.content !== undefined ? { content: flags.content } : {}),
    ...(flags.style !== undefined ? { style: flags.style } : {}),
    ...(flags.size !== undefined ? { size: flags.size } : {}),
    ...(flags.iterations !== undefined ? { iterations: flags.iterations } : {}),
  };
  let tensorboard: TensorBoardSink | undefined;
  if (flags.logdir !== undefined) {
    ensureDir(flags.logdir);
    tensorboard = new TensorBoardSink(flags.logdir, Date.now());
    opts.callbacks = [new TensorBoard(tensorboard), new CsvLogger(join(flags.logdir, 'training.csv'))];
  }
  // The commit at the start is the code that runs (see train's result lines).
  const git = gitInfo();
  opts.provenance = git;
  // Ctrl-C or SIGTERM stops a run that keeps checkpoints between two batches, after saving one.
  const interrupt = GAN_EXAMPLES.has(name) ? interruptSignal() : null;
  if (interrupt) opts.signal = interrupt.signal;
  const t0 = performance.now();
  let outcome: ExampleOutcome;
  try {
    outcome = await runMapped(() => ex.run(opts));
  } finally {
    tensorboard?.close();
    interrupt?.dispose();
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const line = resultLine(outcome, { backend: sel.name, seed, quick, wallSeconds, argv, chapter: ex.chapter, git });
  if (flags.results !== undefined) {
    appendResultLine(flags.results, line);
    process.stderr.write(`result line appended to ${flags.results}\n`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return;
  }
  process.stdout.write(
    `\n${outcome.example} ${outcome.variant}: ${summary(outcome, ex.chapter)} - ${line.wallSeconds}s on ${line.backend}, seed ${seed}\n`,
  );
}

/** Registers `example`. */
export function register(program: Command): void {
  const cmd = program
    .command('example')
    .description("train and evaluate the networks of the book's chapters 1-7 (`tfgym example list`)")
    .argument('<name>', 'example name, or "list"')
    .option('--variant <v>', 'variant of the example (see list)')
    .option('--epochs <n>', "epochs (default: the book's)", intArg(1, 100000))
    .option('--batch-size <n>', "batch size (default: the book's)", intArg(1, 1 << 20))
    .option('--data-dir <dir>', 'folder of downloaded datasets (default: $TFGYM_DATA, else download into $TFGYM_HOME)')
    .option('--json', 'print only the result line (one JSON object) on stdout; the log goes to stderr')
    .option(
      '--results <file>',
      'append the result line to this JSON Lines file (e.g. results/ch1.jsonl) for RESULTS.md',
    )
    .option('--quick', 'tiny budget (a few hundred images, 1 epoch): a smoke test')
    .option(
      '--seed <n>',
      `seed of the initial weights, shuffling, dropout and augmentation (default ${DEFAULT_SEED}, the book's)`,
      intArg(0, 2 ** 31 - 1),
    )
    .option(
      '--save <dir>',
      `${SAVERS.join(', ')}: save the trained model(s) there (tfjs layers format; the GANs: generator/ and discriminator/)`,
    )
    .option('--model <dir>', 'cifar10-predict: the saved model to load')
    .option(
      '--weights <path>',
      'vgg16, vgg16-features, deep-dream, style-transfer: model.json of a Keras VGG16 converted to tfjs layers format',
    )
    .option(
      '--image <file>',
      'image to classify (PNG or JPEG; repeatable); deep-dream: the picture to dream on',
      collect,
    )
    .option('--content <file>', 'style-transfer: the content picture (PNG or JPEG)')
    .option('--style <file>', 'style-transfer: the style picture (PNG or JPEG)')
    .option(
      '--size <n>',
      "deep-dream: the picture's longer side (default: its own size); style-transfer: side of the square picture (default 400)",
      intArg(32, 4096),
    )
    .option(
      '--iterations <n>',
      'deep-dream: gradient-ascent steps per layer (default 3); style-transfer: L-BFGS iterations (default 100)',
      intArg(1, 1000000),
    )
    .option('--logdir <dir>', 'write TensorBoard events and training.csv (per-epoch metrics) there')
    .option('--labels <file>', 'vgg16: class names, one per line (ImageNet order)')
    .option('--cell <c>', 'pos-tagging: the recurrent cell, gru | lstm | bilstm (same as --variant)')
    .option('--stateful', 'electricity-lstm: the stateful LSTM (same as --variant stateful)')
    .option(
      '--temperature <t>',
      "alice-char-rnn: sample the generated characters at this temperature (default: greedy, the book's); wavenet: the generated samples (default 1, the book's)",
      floatArg(1e-6, 100),
    )
    .option(
      '--seconds <s>',
      "wavenet: seconds of audio to generate after training (default: the variant's, book 1, small 2)",
      floatArg(1e-3, 3600),
    )
    .option(
      '--missing <how>',
      "air-quality-regression: -200 readings as values (book, the book's script) or as missing, filled with the column mean (mean)",
    )
    .option(
      '--out <file>',
      'air-quality-regression: write the test predictions there as CSV, and their plot beside it as SVG (default runs/air-quality-regression/predictions.csv); word2vec-skipgram, word2vec-cbow: write the word vectors there (word2vec text format); deep-dream, style-transfer: the PNG picture (default runs/<example>/...); wavenet: write the generated audio there (16-bit WAV; default runs/wavenet/VARIANT-seedS.wav); sentence-autoencoder: the cosine-similarity histogram (SVG), the loss curve beside it as NAME-loss.svg (default runs/sentence-autoencoder/cosine-similarity.svg); mnist-dcgan, mnist-gan, cifar10-gan: the folder of the sample grids (PNG) and the loss history (CSV) (default runs/NAME/seed-S)',
    )
    .option(
      '--sample-every <n>',
      'mnist-dcgan, mnist-gan, cifar10-gan: save a grid of generated images every n batches (mnist-dcgan default 20, as dcgan.py; the others: once per epoch)',
      intArg(1, 1 << 30),
    )
    .option(
      '--resume',
      'mnist-dcgan, mnist-gan, cifar10-gan: continue the run whose checkpoint is in --out (written after every epoch and on Ctrl-C; give the same settings)',
    )
    .option('--corpus <c>', 'word2vec-skipgram, word2vec-cbow: alice | wikitext-2 (same as --variant)')
    .option(
      '--embeddings <e>',
      'sentiment-cnn: scratch | word2vec | glove (with --trainable and --variant transfer, names the variant)',
    )
    .option(
      '--trainable <b>',
      'sentiment-cnn: fine-tune the pretrained embeddings (true, default) or freeze them (false)',
    )
    .option(
      '--vectors <file>',
      'sentiment-cnn word2vec variants: word vectors in word2vec text format (word2vec-skipgram --out)',
    )
    .addOption(
      new Option('--fractions <list>', 'mnist-lenet shrinking: training-set fractions, e.g. 1,0.1,0.05').argParser(
        fractionsArg,
      ),
    );
  addBackendOption(cmd);
  cmd.action(async (name: string, flags: ExampleFlags) => {
    if (name === 'list') {
      process.stdout.write(listExamples());
      return;
    }
    await runExample(name, flags, typedArgs(cmd));
  });
}
