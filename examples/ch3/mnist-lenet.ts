/**
 * Chapter 3, `keras_LeNet.py`: LeNet on MNIST (conv 20 5x5 same, pool, conv 50 5x5 same, pool,
 * dense 500, softmax), Adam, 20 epochs, batch 128, validation split 0.2, `np.random.seed(1671)`.
 *
 * Variant `shrinking` is the book's "Understanding the power of deep learning": LeNet and the
 * Chapter 1 dense network (V3's two hidden layers of 128 with dropout 0.3, trained with Adam so
 * that only the architecture differs) on the first 100%, 10%, 5% and 1% of the training set.
 */
import { LENET_BOOK, lenet } from '../../models/lenet.js';
import { compileClassifier, mnistMlp } from '../../models/mnist-mlp.js';
import { disposeModelAndOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { takeSplit } from '../../src/data/datasets.js';
import { Rng } from '../../src/rng/rng.js';
import { classifierMetrics, mnistData, printTestScore, trainAndEvaluate } from '../classifier.js';
import { checkVariant, pct, QUICK, type ExampleDef } from '../example.js';

// network and training
const NB_EPOCH = LENET_BOOK.epochs;
const BATCH_SIZE = LENET_BOOK.batchSize;
const OPTIMIZER = LENET_BOOK.optimizer;
const VALIDATION_SPLIT = LENET_BOOK.validationSplit;
const NB_CLASSES = 10;
const INPUT_SHAPE = [28, 28, 1]; // channels last (the book's Theano ordering puts the channel first)

/** Training-set fractions of the book's comparison of LeNet and a dense network. */
export const SHRINK_FRACTIONS = [1, 0.1, 0.05, 0.01] as const;

const VARIANTS = ['lenet', 'shrinking'] as const;

/** `tfgym example mnist-lenet`. */
export const mnistLenetExample: ExampleDef = {
  name: 'mnist-lenet',
  chapter: 3,
  script: 'keras_LeNet.py',
  description: 'LeNet on MNIST; variant "shrinking" compares LeNet and the dropout MLP on shrinking training sets',
  variants: VARIANTS,
  defaultVariant: 'lenet',
  defaults(variant) {
    checkVariant('mnist-lenet', variant, VARIANTS);
    return { epochs: NB_EPOCH, batchSize: BATCH_SIZE, optimizer: OPTIMIZER, validationSplit: VALIDATION_SPLIT };
  },
  async run(o) {
    const variant = checkVariant('mnist-lenet', o.variant, VARIANTS);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : NB_EPOCH);
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : BATCH_SIZE);
    const rng = new Rng(o.seed);

    // data: MNIST as 28x28x1 images scaled to [0, 1]
    const data = await mnistData(o);
    const settings = {
      epochs,
      batchSize,
      optimizer: OPTIMIZER,
      validationSplit: VALIDATION_SPLIT,
      trainSamples: data.train.count,
      testSamples: data.test.count,
    };

    if (variant === 'lenet') {
      const model = lenet({ inputShape: INPUT_SHAPE, numClasses: NB_CLASSES, rng: rng.fork() });
      try {
        o.log.write(`${modelSummary(model)}\n`);
        compileClassifier(model, OPTIMIZER);
        const r = await trainAndEvaluate({
          model,
          train: data.train,
          test: data.test,
          inputShape: INPUT_SHAPE,
          epochs,
          batchSize,
          validationSplit: VALIDATION_SPLIT,
          numClasses: NB_CLASSES,
          rng,
          log: o.log,
          callbacks: o.callbacks ?? [],
        });
        printTestScore(o.log, r);
        return { example: 'mnist-lenet', variant, metrics: classifierMetrics(r), settings, history: r.history.history };
      } finally {
        disposeModelAndOptimizer(model);
      }
    }

    // shrinking: both nets on the first N training images, tested on the whole test set
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
          compileClassifier(model, OPTIMIZER);
          o.log.write(`-- ${kind}\n`);
          const r = await trainAndEvaluate({
            model,
            train,
            test: data.test,
            inputShape: kind === 'lenet' ? INPUT_SHAPE : [784],
            epochs,
            batchSize,
            validationSplit: VALIDATION_SPLIT,
            numClasses: NB_CLASSES,
            rng,
            log: o.log,
            callbacks: o.callbacks ?? [],
          });
          acc.push(r.testAccuracy);
        } finally {
          disposeModelAndOptimizer(model);
        }
      }
      rows.push({ fraction, trainSamples: n, lenet: acc[0] ?? NaN, mlp: acc[1] ?? NaN });
    }
    o.log.write(
      `\ntrain samples   LeNet     MLP (dropout, Adam)\n${rows.map((r) => `${String(r.trainSamples).padStart(13)}   ${pct(r.lenet).padEnd(9)} ${pct(r.mlp)}`).join('\n')}\n`,
    );
    return { example: 'mnist-lenet', variant, metrics: { rows }, settings: { ...settings, fractions } };
  },
};
