/**
 * `tfgym example list` and `tfgym example NAME [--variant V] ...`: the book's Chapters 1-3
 * networks trained and evaluated with the book's hyperparameters, next to the book's figures.
 */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { CsvLogger, TensorBoard } from '../../models/callbacks.js';
import { ensureDir } from '../../src/io/files.js';
import { TensorBoardSink } from '../../src/io/metric-files.js';
import { DataNotFoundError, resolveDataDir } from '../../src/data/datasets.js';
import { CifarFormatError } from '../../src/data/cifar.js';
import { DownloadError } from '../../src/data/get-file.js';
import { IdxFormatError } from '../../src/data/idx.js';
import { ImageFormatError } from '../../src/data/png.js';
import { ModelArgumentError } from '../../models/validate.js';
import { CliError, UsageError } from '../errors.js';
import { pct, type ExampleOptions, type ExampleResult } from '../../examples/common.js';
import { EXAMPLES, findExample } from '../../examples/index.js';
import { addBackendOption, floatArg, initBackend, intArg } from '../options.js';

interface ExampleFlags {
  variant?: string;
  epochs?: number;
  batchSize?: number;
  dataDir?: string;
  backend?: string;
  json?: boolean;
  quick?: boolean;
  seed?: number;
  save?: string;
  model?: string;
  weights?: string;
  image?: string[];
  labels?: string;
  fractions?: number[];
  logdir?: string;
}

/** One line per example: name, chapter, variants, the book's figure. */
export function listExamples(): string {
  const rows = EXAMPLES.map((e) => {
    const figs = e.variants
      .map((v) => {
        const acc = e.book[v]?.testAccuracy;
        return acc === undefined ? v : `${v} ${pct(acc)}`;
      })
      .join(', ');
    return `${e.name.padEnd(16)} ch${e.chapter}  ${e.description}\n${''.padEnd(16)}      book: ${figs}`;
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
    const what = total ? `${mb(received)} / ${mb(total)} MB (${Math.floor((100 * received) / total)}%)` : `${mb(received)} MB`;
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

/** Runs one example and prints its log, then the result (JSON with --json). */
async function runExample(name: string, flags: ExampleFlags): Promise<void> {
  const ex = findExample(name);
  if (!ex) throw new UsageError(`Unknown example "${name}". Run "tfgym example list"; choose one of: ${EXAMPLES.map((e) => e.name).join(', ')}.`);
  const variant = flags.variant ?? ex.defaultVariant;
  if (!ex.variants.includes(variant)) {
    throw new UsageError(`Unknown variant "${variant}" for ${name} (--variant). Choose one of: ${ex.variants.join(', ')}.`);
  }
  const json = flags.json === true;
  const dataDir = resolveDataDir(flags.dataDir, process.env);
  const sel = await initBackend(flags.backend);
  // With --json the log goes to stderr so that stdout is exactly the result object.
  const stream = json ? process.stderr : process.stdout;
  const opts: ExampleOptions = {
    variant,
    quick: flags.quick === true,
    seed: flags.seed ?? 1671,
    backend: sel.name,
    log: { write: (s: string) => void stream.write(s), isTTY: stream.isTTY === true },
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
  };
  let tensorboard: TensorBoardSink | undefined;
  if (flags.logdir !== undefined) {
    ensureDir(flags.logdir);
    tensorboard = new TensorBoardSink(flags.logdir, Date.now());
    opts.callbacks = [new TensorBoard(tensorboard), new CsvLogger(join(flags.logdir, 'training.csv'))];
  }
  const t0 = performance.now();
  let partial;
  try {
    partial = await ex.run(opts);
  } catch (e) {
    if (e instanceof DataNotFoundError || e instanceof ModelArgumentError || e instanceof ImageFormatError) throw new UsageError(e.message);
    if (e instanceof IdxFormatError || e instanceof CifarFormatError) throw new CliError(`corrupt data file: ${e.message}`);
    if (e instanceof DownloadError) throw new CliError(e.message);
    throw e;
  } finally {
    tensorboard?.close();
  }
  const result: ExampleResult = { ...partial, backend: sel.name, wallSeconds: Math.round((performance.now() - t0) / 100) / 10 };
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const book = result.book.testAccuracy;
  process.stdout.write(
    `\n${result.example} ${result.variant}: test accuracy ${pct(result.metrics.testAccuracy)}` +
      `${book !== undefined ? ` (book, ch${result.book.chapter}: ${pct(book)})` : ''} - ${result.wallSeconds}s on ${result.backend}\n`,
  );
}

/** Registers `example`. */
export function register(program: Command): void {
  const cmd = program
    .command('example')
    .description("train and evaluate the networks of the book's chapters 1-3 (`tfgym example list`)")
    .argument('<name>', 'example name, or "list"')
    .option('--variant <v>', 'variant of the example (see list)')
    .option('--epochs <n>', "epochs (default: the book's)", intArg(1, 100000))
    .option('--batch-size <n>', "batch size (default: the book's)", intArg(1, 1 << 20))
    .option('--data-dir <dir>', 'folder of downloaded datasets (default: $TFGYM_DATA, else download into $TFGYM_HOME)')
    .option('--json', 'print only one JSON result object on stdout (the log goes to stderr)')
    .option('--quick', 'tiny budget (a few hundred images, 1 epoch): a smoke test')
    .option('--seed <n>', 'seed for initialisation and shuffling (default 1671, the book\'s)', intArg(0, 2 ** 31 - 1))
    .option('--save <dir>', 'save the trained model there (tfjs layers format)')
    .option('--model <dir>', 'cifar10-predict: the saved model to load')
    .option('--weights <path>', 'vgg16: model.json of a Keras VGG16 converted to tfjs layers format')
    .option('--image <file>', 'image to classify (PNG; repeatable)', collect)
    .option('--logdir <dir>', 'write TensorBoard events and training.csv (per-epoch metrics) there')
    .option('--labels <file>', 'vgg16: class names, one per line (ImageNet order)')
    .addOption(new Option('--fractions <list>', 'mnist-lenet shrinking: training-set fractions, e.g. 1,0.1,0.05').argParser(fractionsArg));
  addBackendOption(cmd);
  cmd.action(async (name: string, flags: ExampleFlags) => {
    if (name === 'list') {
      process.stdout.write(listExamples());
      return;
    }
    await runExample(name, flags);
  });
}
