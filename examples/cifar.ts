/** The book's Chapter 3 CIFAR-10 examples: training (`cifar10-cnn`) and predicting with a saved model (`cifar10-predict`). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cifar10Cnn } from '../models/cifar10-cnn.js';
import { imagesToTensor, oneHotLabels } from '../models/data-tensors.js';
import { evaluate, predictClasses } from '../models/fit.js';
import { confusionMatrix, formatConfusionMatrix } from '../models/metrics.js';
import { compileClassifier } from '../models/mnist-mlp.js';
import { disposeModelAndOptimizer } from '../models/optimizers.js';
import { modelSummary } from '../models/summary.js';
import { augmentImages, BOOK_CIFAR_AUGMENTATION } from '../src/data/augment.js';
import { CIFAR10_CLASSES } from '../src/data/cifar.js';
import { loadCifar10, takeSplit, type ImageDataset } from '../src/data/datasets.js';
import { decodePng, resizeRgb } from '../src/data/png.js';
import { pathExists, readBytes } from '../src/io/files.js';
import { loadModel, saveModel } from '../src/io/model-io.js';
import { Rng } from '../src/rng/rng.js';
import { UsageError } from '../cli/errors.js';
import { dataOptions, pct, QUICK, trainAndEvaluate, type BookFigure, type ExampleDef, type ExampleOptions } from './common.js';

const SUBSET_NOTE = 'tfgym numbers on ../shared/datasets use its 3,000-image training subset (of 50,000) and 1,000 test images, so they are lower than the book';

/** The book's settings and figures (Chapter 3). */
const CIFAR_BOOK: Record<string, BookFigure> = {
  simple: { chapter: 3, script: 'keras_CIFAR10_simple.py', testAccuracy: 0.664, epochs: 20, batchSize: 128, optimizer: 'rmsprop', validationSplit: 0.2, note: SUBSET_NOTE },
  deep: { chapter: 3, script: 'keras_CIFAR10_V1.py', testAccuracy: 0.769, epochs: 40, batchSize: 128, optimizer: 'rmsprop', validationSplit: 0.2, note: SUBSET_NOTE },
  'deep-augmented': {
    chapter: 3,
    script: 'keras_CIFAR10_V1.py + ImageDataGenerator (book text)',
    testAccuracy: 0.783,
    epochs: 40,
    batchSize: 128,
    optimizer: 'rmsprop',
    validationSplit: 0.2,
    augmentation: BOOK_CIFAR_AUGMENTATION,
    note: SUBSET_NOTE,
  },
};

/** Conv nets on the pure-JS backend are slow: the CIFAR quick budget is smaller still. */
const CIFAR_QUICK = { train: 40, test: 32, batchSize: 32 } as const;

async function cifarData(o: ExampleOptions): Promise<ImageDataset> {
  const d = await loadCifar10(dataOptions(o));
  o.log.write(`${d.train.count} train samples\n${d.test.count} test samples\n`);
  if (!o.quick) return d;
  return { ...d, train: takeSplit(d.train, CIFAR_QUICK.train), test: takeSplit(d.test, CIFAR_QUICK.test) };
}

/** `cifar10-cnn`: trains the simple or deep net (optionally with augmentation) and evaluates it. */
export const cifar10CnnExample: ExampleDef = {
  name: 'cifar10-cnn',
  chapter: 3,
  description: 'CIFAR-10 convnets: simple, deep, deep with ImageDataGenerator-style augmentation',
  variants: ['simple', 'deep', 'deep-augmented'],
  defaultVariant: 'simple',
  book: CIFAR_BOOK,
  async run(o) {
    const book = CIFAR_BOOK[o.variant];
    if (!book) throw new UsageError(`Unknown variant "${o.variant}" for cifar10-cnn.`);
    const data = await cifarData(o);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : (book.epochs ?? 20));
    const batchSize = o.batchSize ?? (o.quick ? CIFAR_QUICK.batchSize : 128);
    const rng = new Rng(o.seed);
    const model = cifar10Cnn({ arch: o.variant === 'simple' ? 'simple' : 'deep', rng: rng.fork() });
    const augRng = rng.fork();
    const augmented = o.variant === 'deep-augmented';
    try {
      o.log.write(`${modelSummary(model)}\n`);
      compileClassifier(model, 'rmsprop');
      const r = await trainAndEvaluate({
        model,
        train: data.train,
        test: data.test,
        inputShape: [32, 32, 3],
        epochs,
        batchSize,
        validationSplit: 0.2,
        numClasses: 10,
        rng,
        log: o.log,
        callbacks: o.callbacks ?? [],
        // A fresh random transform of every training image each epoch, as fit_generator does.
        ...(augmented
          ? {
              transformEpoch: (x: tf.Tensor) => {
                const n = x.shape[0] ?? 0;
                const out = augmentImages(x.dataSync() as Float32Array, n, 32, 32, 3, BOOK_CIFAR_AUGMENTATION, augRng);
                return tf.tensor4d(out, [n, 32, 32, 3]);
              },
            }
          : {}),
      });
      o.log.write(`\nTest score: ${r.testLoss.toFixed(4)}\nTest accuracy: ${r.testAccuracy.toFixed(4)}\n`);
      if (o.save !== undefined) {
        await saveModel(model, o.save);
        o.log.write(`saved the model to ${o.save} (tfjs layers format)\n`);
      }
      return {
        example: 'cifar10-cnn',
        variant: o.variant,
        metrics: { testAccuracy: r.testAccuracy, testLoss: r.testLoss, trainSeconds: r.trainSeconds },
        book,
        settings: { epochs, batchSize, optimizer: 'rmsprop', validationSplit: 0.2, augmented, trainSamples: data.train.count, testSamples: data.test.count, seed: o.seed },
      };
    } finally {
      disposeModelAndOptimizer(model);
    }
  },
};

/** Loads a PNG as a `[32, 32, 3]` byte image. */
function loadPng32(path: string): Uint8Array {
  return resizeRgb(decodePng(readBytes(path), path), 32, 32).data;
}

/** `cifar10-predict`: loads a saved CIFAR-10 model and classifies images (PNG files and CIFAR test images). */
export const cifar10PredictExample: ExampleDef = {
  name: 'cifar10-predict',
  chapter: 3,
  description: 'load a model saved by cifar10-cnn --save and classify PNG images and CIFAR-10 test images',
  variants: ['default'],
  defaultVariant: 'default',
  book: { default: { chapter: 3, script: 'keras_EvaluateCIFAR10.py', note: 'the book prints the predicted classes of cat and dog photos' } },
  async run(o) {
    const data = await cifarData(o);
    let modelPath = o.model;
    let tmp: string | undefined;
    if (modelPath === undefined) {
      if (!o.quick) throw new UsageError('cifar10-predict needs --model DIR: a model saved by `tfgym example cifar10-cnn --save DIR`.');
      // Smoke path: train a tiny model, save it through the IO handler, then load it back.
      tmp = mkdtempSync(join(tmpdir(), 'tfgym-cifar-'));
      modelPath = tmp;
      const m = cifar10Cnn({ arch: 'simple', rng: new Rng(o.seed) });
      compileClassifier(m, 'rmsprop');
      await trainAndEvaluate({ model: m, train: takeSplit(data.train, 32), test: takeSplit(data.test, 8), inputShape: [32, 32, 3], epochs: 1, batchSize: 32, validationSplit: 0, numClasses: 10, rng: new Rng(o.seed), log: o.log, verbose: false });
      await saveModel(m, tmp);
      disposeModelAndOptimizer(m);
    }
    if (!pathExists(modelPath)) throw new UsageError(`--model ${modelPath}: no such file or directory.`);
    const model = await loadModel(modelPath);
    try {
      const inShape = model.inputs[0]?.shape ?? [];
      if (inShape[1] !== 32 || inShape[2] !== 32 || inShape[3] !== 3) {
        throw new UsageError(`--model ${modelPath}: expects input ${JSON.stringify(inShape)}, not a CIFAR-10 model ([null, 32, 32, 3]).`);
      }
      const defaults = o.dataDir !== undefined ? ['chelsea-cat.png', 'coffee.png'].map((f) => join(o.dataDir ?? '', 'images', f)).filter(pathExists) : [];
      const files = o.images ?? defaults;
      const lines: string[] = [];
      const predictions: Array<{ image: string; class: string; probability: number }> = [];
      if (files.length > 0) {
        const bytes = new Uint8Array(files.length * 32 * 32 * 3);
        files.forEach((f, i) => bytes.set(loadPng32(f), i * 32 * 32 * 3));
        const x = imagesToTensor(bytes, files.length, [32, 32, 3]);
        const probs = tf.tidy(() => model.predict(x) as tf.Tensor);
        const p = probs.arraySync() as number[][];
        x.dispose();
        probs.dispose();
        files.forEach((f, i) => {
          const row = p[i] ?? [];
          const best = row.indexOf(Math.max(...row));
          const cls = CIFAR10_CLASSES[best] ?? String(best);
          predictions.push({ image: basename(f), class: cls, probability: row[best] ?? 0 });
          lines.push(`${basename(f).padEnd(28)} ${cls.padEnd(11)} ${pct(row[best])}`);
        });
      }
      const xTest = imagesToTensor(data.test.images, data.test.count, [32, 32, 3]);
      const yTest = oneHotLabels(data.test.labels, 10);
      model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const ev = evaluate(model, xTest, yTest, 100);
      const pred = predictClasses(model, xTest, 100);
      xTest.dispose();
      yTest.dispose();
      for (let i = 0; i < Math.min(10, data.test.count); i++) {
        lines.push(`cifar test #${String(i).padEnd(16)} ${(CIFAR10_CLASSES[pred[i] ?? 0] ?? '').padEnd(11)} (true: ${CIFAR10_CLASSES[data.test.labels[i] ?? 0]})`);
      }
      o.log.write(`${lines.join('\n')}\n\nconfusion matrix on ${data.test.count} CIFAR-10 test images:\n${formatConfusionMatrix(confusionMatrix(data.test.labels, pred, 10), CIFAR10_CLASSES)}\n`);
      return {
        example: 'cifar10-predict',
        variant: 'default',
        metrics: { testAccuracy: ev['acc'] ?? ev['accuracy'], predictions },
        book: this.book['default'] ?? { chapter: 3, script: 'keras_EvaluateCIFAR10.py' },
        settings: { model: o.model ?? '(quick: trained in place)', images: files, testSamples: data.test.count },
      };
    } finally {
      disposeModelAndOptimizer(model);
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  },
};
