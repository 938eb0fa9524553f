/**
 * Chapter 1, `keras_MINST_V1.py` .. `keras_MINST_V4.py`: multilayer perceptrons on MNIST.
 *
 * V1 `simple`: 784 -> 10 softmax, SGD, 200 epochs. V2 `hidden`: two hidden ReLU layers of 128,
 * SGD, 20 epochs. V3 `dropout`: V2 with dropout 0.3, SGD, 250 epochs. V4 `rmsprop`: V3 with
 * RMSprop, 20 epochs; `adam`: the same with Adam (the book's text). All: batch 128, validation
 * split 0.2, `np.random.seed(1671)`.
 */
import { compileClassifier, MNIST_MLP_BOOK, MNIST_MLP_VARIANTS, mnistMlp } from '../../models/mnist-mlp.js';
import { disposeModelAndOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { Rng } from '../../src/rng/rng.js';
import { classifierMetrics, mnistData, printTestScore, trainAndEvaluate } from '../classifier.js';
import { checkVariant, QUICK, type ExampleDef } from '../example.js';

// network and training, as in the book's scripts (epochs and optimizer per variant)
const BATCH_SIZE = 128;
const VALIDATION_SPLIT = 0.2; // how much of TRAIN is reserved for VALIDATION
const NB_CLASSES = 10;
const RESHAPED = 784; // 28x28 pixels, flattened

/** `tfgym example mnist-mlp`. */
export const mnistMlpExample: ExampleDef = {
  name: 'mnist-mlp',
  chapter: 1,
  script: 'keras_MINST_V1.py .. keras_MINST_V4.py',
  description: 'MNIST multilayer perceptrons: simple softmax, two hidden layers, dropout, RMSprop, Adam',
  variants: MNIST_MLP_VARIANTS,
  defaultVariant: 'simple',
  defaults(variant) {
    const book = MNIST_MLP_BOOK[checkVariant('mnist-mlp', variant, MNIST_MLP_VARIANTS)];
    return { epochs: book.epochs, batchSize: BATCH_SIZE, optimizer: book.optimizer, validationSplit: VALIDATION_SPLIT };
  },
  async run(o) {
    const variant = checkVariant('mnist-mlp', o.variant, MNIST_MLP_VARIANTS);
    const book = MNIST_MLP_BOOK[variant];
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : book.epochs);
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : BATCH_SIZE);
    // np.random.seed(1671): one seed drives the weights, the dropout masks and the shuffling.
    const rng = new Rng(o.seed);

    // data: 60,000 training and 10,000 test images, scaled to [0, 1], labels one-hot
    const data = await mnistData(o);

    // the model
    const model = mnistMlp({ variant, inputSize: RESHAPED, numClasses: NB_CLASSES, rng: rng.fork() });
    try {
      o.log.write(`${modelSummary(model)}\n`);
      compileClassifier(model, book.optimizer);

      // fit with the last 20% held out for validation, then evaluate on the test set
      const r = await trainAndEvaluate({
        model,
        train: data.train,
        test: data.test,
        inputShape: [RESHAPED],
        epochs,
        batchSize,
        validationSplit: VALIDATION_SPLIT,
        numClasses: NB_CLASSES,
        rng,
        log: o.log,
        callbacks: o.callbacks ?? [],
      });
      printTestScore(o.log, r);
      return {
        example: 'mnist-mlp',
        variant,
        metrics: classifierMetrics(r),
        settings: {
          epochs,
          batchSize,
          optimizer: book.optimizer,
          validationSplit: VALIDATION_SPLIT,
          trainSamples: data.train.count,
          testSamples: data.test.count,
        },
        history: r.history.history,
      };
    } finally {
      disposeModelAndOptimizer(model);
    }
  },
};
