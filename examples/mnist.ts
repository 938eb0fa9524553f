/** The book's MNIST examples: Chapter 1 MLPs and Chapter 3 LeNet (with the shrinking-training-set study). */
import { compileClassifier, MNIST_MLP_BOOK, MNIST_MLP_VARIANTS, mnistMlp, type MnistMlpVariant } from '../models/mnist-mlp.js';
import { lenet, LENET_BOOK } from '../models/lenet.js';
import { disposeModelAndOptimizer } from '../models/optimizers.js';
import { modelSummary } from '../models/summary.js';
import { loadMnist, takeSplit, type ImageDataset } from '../src/data/datasets.js';
import { Rng } from '../src/rng/rng.js';
import { UsageError } from '../cli/errors.js';
import { dataOptions, pct, QUICK, trainAndEvaluate, type BookFigure, type ExampleDef, type ExampleOptions } from './common.js';

async function mnistData(o: ExampleOptions): Promise<ImageDataset> {
  const d = await loadMnist(dataOptions(o));
  o.log.write(`${d.train.count} train samples\n${d.test.count} test samples\n`);
  if (!o.quick) return d;
  return { ...d, train: takeSplit(d.train, QUICK.train), test: takeSplit(d.test, QUICK.test) };
}

const mlpBook: Record<string, BookFigure> = Object.fromEntries(
  MNIST_MLP_VARIANTS.map((v) => {
    const b = MNIST_MLP_BOOK[v];
    return [v, { chapter: 1, script: b.script, testAccuracy: b.testAccuracy, epochs: b.epochs, batchSize: 128, optimizer: b.optimizer, validationSplit: 0.2 }];
  }),
);

/** `mnist-mlp`: the Chapter 1 multilayer perceptrons V1-V4. */
export const mnistMlpExample: ExampleDef = {
  name: 'mnist-mlp',
  chapter: 1,
  description: 'MNIST multilayer perceptrons: simple softmax, two hidden layers, dropout, RMSprop, Adam',
  variants: MNIST_MLP_VARIANTS,
  defaultVariant: 'simple',
  book: mlpBook,
  async run(o) {
    const variant = o.variant as MnistMlpVariant;
    const book = MNIST_MLP_BOOK[variant];
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : book.epochs);
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : 128);
    const data = await mnistData(o);
    const rng = new Rng(o.seed);
    const model = mnistMlp({ variant, rng: rng.fork() });
    try {
      o.log.write(`${modelSummary(model)}\n`);
      compileClassifier(model, book.optimizer);
      const r = await trainAndEvaluate({ model, train: data.train, test: data.test, inputShape: [784], epochs, batchSize, validationSplit: 0.2, numClasses: 10, rng, log: o.log, callbacks: o.callbacks ?? [] });
      o.log.write(`\nTest score: ${r.testLoss.toFixed(4)}\nTest accuracy: ${r.testAccuracy.toFixed(4)}\n`);
      return {
        example: 'mnist-mlp',
        variant,
        metrics: { testAccuracy: r.testAccuracy, testLoss: r.testLoss, trainSeconds: r.trainSeconds, finalTrain: lastOf(r.history.history) },
        book: mlpBook[variant] ?? { chapter: 1, script: book.script },
        settings: { epochs, batchSize, optimizer: book.optimizer, validationSplit: 0.2, trainSamples: data.train.count, testSamples: data.test.count, seed: o.seed },
      };
    } finally {
      disposeModelAndOptimizer(model);
    }
  },
};

function lastOf(h: Record<string, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(h)) {
    const x = v[v.length - 1];
    if (x !== undefined) out[k] = x;
  }
  return out;
}

/** Training-set fractions of the book's Chapter 3 comparison of LeNet and a dense network. */
export const SHRINK_FRACTIONS = [1, 0.1, 0.05, 0.01] as const;

/** `mnist-lenet`: Chapter 3 LeNet, and the shrinking-training-set comparison with the MLP. */
export const mnistLenetExample: ExampleDef = {
  name: 'mnist-lenet',
  chapter: 3,
  description: 'LeNet on MNIST; variant "shrinking" compares LeNet and the dropout MLP on shrinking training sets',
  variants: ['lenet', 'shrinking'],
  defaultVariant: 'lenet',
  book: {
    lenet: { chapter: 3, script: LENET_BOOK.script, testAccuracy: LENET_BOOK.testAccuracy, epochs: 20, batchSize: 128, optimizer: 'adam', validationSplit: 0.2 },
    shrinking: {
      chapter: 3,
      script: 'keras_LeNet.py (text: "Understanding the power of deep learning")',
      note: 'the book plots test accuracy of LeNet and a dense network as the training set shrinks: the deep network always wins, by more the fewer examples there are',
    },
  },
  async run(o) {
    const data = await mnistData(o);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : LENET_BOOK.epochs);
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : LENET_BOOK.batchSize);
    const rng = new Rng(o.seed);
    if (o.variant === 'lenet') {
      const model = lenet({ rng: rng.fork() });
      try {
        o.log.write(`${modelSummary(model)}\n`);
        compileClassifier(model, 'adam');
        const r = await trainAndEvaluate({ model, train: data.train, test: data.test, inputShape: [28, 28, 1], epochs, batchSize, validationSplit: 0.2, numClasses: 10, rng, log: o.log, callbacks: o.callbacks ?? [] });
        o.log.write(`\nTest score: ${r.testLoss.toFixed(4)}\nTest accuracy: ${r.testAccuracy.toFixed(4)}\n`);
        return {
          example: 'mnist-lenet',
          variant: 'lenet',
          metrics: { testAccuracy: r.testAccuracy, testLoss: r.testLoss, trainSeconds: r.trainSeconds, finalTrain: lastOf(r.history.history) },
          book: this.book['lenet'] ?? { chapter: 3, script: 'keras_LeNet.py' },
          settings: { epochs, batchSize, optimizer: 'adam', validationSplit: 0.2, trainSamples: data.train.count, testSamples: data.test.count, seed: o.seed },
        };
      } finally {
        disposeModelAndOptimizer(model);
      }
    }
    if (o.variant !== 'shrinking') throw new UsageError(`Unknown variant "${o.variant}" for mnist-lenet.`);
    const fractions = o.fractions ?? (o.quick ? [1, 0.5] : [...SHRINK_FRACTIONS]);
    const rows: Array<{ fraction: number; trainSamples: number; lenet: number; mlp: number }> = [];
    for (const fraction of fractions) {
      const n = Math.max(10, Math.round(data.train.count * fraction));
      const train = takeSplit(data.train, n);
      o.log.write(`\n== training set ${n} (${(fraction * 100).toFixed(0)}%) ==\n`);
      const acc: number[] = [];
      for (const kind of ['lenet', 'mlp'] as const) {
        const model = kind === 'lenet' ? lenet({ rng: rng.fork() }) : mnistMlp({ variant: 'dropout', rng: rng.fork() });
        try {
          // Both nets use Adam so that only the architecture differs.
          compileClassifier(model, 'adam');
          o.log.write(`-- ${kind}\n`);
          const r = await trainAndEvaluate({ model, train, test: data.test, inputShape: kind === 'lenet' ? [28, 28, 1] : [784], epochs, batchSize, validationSplit: 0.2, numClasses: 10, rng, log: o.log, callbacks: o.callbacks ?? [] });
          acc.push(r.testAccuracy);
        } finally {
          disposeModelAndOptimizer(model);
        }
      }
      rows.push({ fraction, trainSamples: n, lenet: acc[0] ?? NaN, mlp: acc[1] ?? NaN });
    }
    o.log.write(`\ntrain samples   LeNet     MLP (dropout, Adam)\n${rows.map((r) => `${String(r.trainSamples).padStart(13)}   ${pct(r.lenet).padEnd(9)} ${pct(r.mlp)}`).join('\n')}\n`);
    return {
      example: 'mnist-lenet',
      variant: 'shrinking',
      metrics: { testAccuracy: rows[0]?.lenet, rows },
      book: this.book['shrinking'] ?? { chapter: 3, script: 'keras_LeNet.py' },
      settings: { epochs, batchSize, optimizer: 'adam', validationSplit: 0.2, fractions, seed: o.seed },
    };
  },
};
