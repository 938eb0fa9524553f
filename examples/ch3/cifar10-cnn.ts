/**
 * Chapter 3, CIFAR-10 convnets. `simple` = `keras_CIFAR10_simple.py` (conv 32, pool, dropout,
 * dense 512, 20 epochs); `deep` = `keras_CIFAR10_V1.py` (two conv blocks, 40 epochs);
 * `deep-augmented` = the deep net trained on images transformed afresh every epoch as the book's
 * text does with `ImageDataGenerator` (rotation 40, shifts 0.2, zoom 0.2, horizontal flips, fill
 * nearest). All: RMSprop, batch 128, validation split 0.2. The scripts set no seed.
 */
import * as tf from '@tensorflow/tfjs';
import { cifar10Cnn } from '../../models/cifar10-cnn.js';
import { compileClassifier } from '../../models/mnist-mlp.js';
import { disposeModelAndOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { augmentImages, BOOK_CIFAR_AUGMENTATION } from '../../src/data/augment.js';
import { saveModel } from '../../src/io/model-io.js';
import { Rng } from '../../src/rng/rng.js';
import { CIFAR_QUICK, cifarData, classifierMetrics, printTestScore, trainAndEvaluate } from '../classifier.js';
import { checkVariant, QUICK, type ExampleDef } from '../example.js';

// CIFAR_10 is a set of 60K images 32x32 pixels on 3 channels
const INPUT_SHAPE = [32, 32, 3];
const BATCH_SIZE = 128;
const NB_EPOCH = { simple: 20, deep: 40, 'deep-augmented': 40 } as const;
const NB_CLASSES = 10;
const VALIDATION_SPLIT = 0.2;
const OPTIM = 'rmsprop';

const VARIANTS = ['simple', 'deep', 'deep-augmented'] as const;

/** `tfgym example cifar10-cnn`. */
export const cifar10CnnExample: ExampleDef = {
  name: 'cifar10-cnn',
  chapter: 3,
  script: 'keras_CIFAR10_simple.py, keras_CIFAR10_V1.py',
  description: 'CIFAR-10 convnets: simple, deep, deep with ImageDataGenerator-style augmentation',
  variants: VARIANTS,
  defaultVariant: 'simple',
  defaults(variant) {
    const v = checkVariant('cifar10-cnn', variant, VARIANTS);
    return { epochs: NB_EPOCH[v], batchSize: BATCH_SIZE, optimizer: OPTIM, validationSplit: VALIDATION_SPLIT };
  },
  async run(o) {
    const variant = checkVariant('cifar10-cnn', o.variant, VARIANTS);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : NB_EPOCH[variant]);
    const batchSize = o.batchSize ?? (o.quick ? CIFAR_QUICK.batchSize : BATCH_SIZE);
    const augmented = variant === 'deep-augmented';
    const rng = new Rng(o.seed);

    // load dataset: RGB scaled to [0, 1], labels one-hot
    const data = await cifarData(o);

    // network
    const model = cifar10Cnn({
      arch: variant === 'simple' ? 'simple' : 'deep',
      inputShape: INPUT_SHAPE,
      numClasses: NB_CLASSES,
      rng: rng.fork(),
    });
    const augRng = rng.fork();
    try {
      o.log.write(`${modelSummary(model)}\n`);
      compileClassifier(model, OPTIM);

      // train (deep-augmented: a fresh random transform of every training image each epoch,
      // as fit_generator(datagen.flow(...)) draws them)
      const transformEpoch = (x: tf.Tensor): tf.Tensor => {
        const n = x.shape[0] ?? 0;
        const out = augmentImages(x.dataSync() as Float32Array, n, 32, 32, 3, BOOK_CIFAR_AUGMENTATION, augRng);
        return tf.tensor4d(out, [n, 32, 32, 3]);
      };
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
        ...(augmented ? { transformEpoch } : {}),
      });
      printTestScore(o.log, r);

      // save model
      if (o.save !== undefined) {
        await saveModel(model, o.save);
        o.log.write(`saved the model to ${o.save} (tfjs layers format)\n`);
      }
      return {
        example: 'cifar10-cnn',
        variant,
        metrics: classifierMetrics(r),
        settings: {
          epochs,
          batchSize,
          optimizer: OPTIM,
          validationSplit: VALIDATION_SPLIT,
          augmented,
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
