/**
 * Chapter 3, `keras_EvaluateCIFAR10.py`: load a model saved by `cifar10-cnn --save` and classify
 * images with it. The book predicts its own cat and dog photos; tfgym classifies PNG files
 * (`--image`, default the shared `chelsea-cat.png` and `coffee.png`), the first ten CIFAR-10
 * test images, and prints the accuracy and confusion matrix on the whole test set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cifar10Cnn } from '../../models/cifar10-cnn.js';
import { imagesToTensor, oneHotLabels } from '../../models/data-tensors.js';
import { evaluate, predictClasses } from '../../models/fit.js';
import { confusionMatrix, formatConfusionMatrix } from '../../models/metrics.js';
import { compileClassifier } from '../../models/mnist-mlp.js';
import { disposeModelAndOptimizer } from '../../models/optimizers.js';
import { CIFAR10_CLASSES } from '../../src/data/cifar.js';
import { takeSplit } from '../../src/data/datasets.js';
import { decodePng, resizeRgb } from '../../src/data/png.js';
import { pathExists, readBytes } from '../../src/io/files.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { Rng } from '../../src/rng/rng.js';
import { cifarData, trainAndEvaluate } from '../classifier.js';
import { ExampleArgumentError, pct, type ExampleDef } from '../example.js';

const SIDE = 32;

/** Loads a PNG as a `[32, 32, 3]` byte image (the book resizes its photos to 32x32 too). */
function loadPng32(path: string): Uint8Array {
  return resizeRgb(decodePng(readBytes(path), path), SIDE, SIDE).data;
}

/** `tfgym example cifar10-predict`. */
export const cifar10PredictExample: ExampleDef = {
  name: 'cifar10-predict',
  chapter: 3,
  script: 'keras_EvaluateCIFAR10.py',
  description: 'load a model saved by cifar10-cnn --save and classify PNG images and CIFAR-10 test images',
  variants: ['default'],
  defaultVariant: 'default',
  defaults: () => ({}),
  async run(o) {
    // Inputs first: nothing is downloaded or trained for a command that cannot run.
    if (o.model === undefined && !o.quick)
      throw new ExampleArgumentError(
        'cifar10-predict needs --model DIR: a model saved by `tfgym example cifar10-cnn --save DIR`.',
      );
    if (o.model !== undefined && !pathExists(o.model))
      throw new ExampleArgumentError(`--model ${o.model}: no such file or directory.`);
    for (const f of o.images ?? [])
      if (!pathExists(f)) throw new ExampleArgumentError(`--image ${f}: no such file or directory.`);
    const data = await cifarData(o);

    // load model (in --quick mode without --model: train a tiny one, save it, load it back)
    let modelPath = o.model;
    let tmp: string | undefined;
    if (modelPath === undefined) {
      tmp = mkdtempSync(join(tmpdir(), 'tfgym-cifar-'));
      modelPath = tmp;
      const m = cifar10Cnn({ arch: 'simple', rng: new Rng(o.seed) });
      compileClassifier(m, 'rmsprop');
      await trainAndEvaluate({
        model: m,
        train: takeSplit(data.train, 32),
        test: takeSplit(data.test, 8),
        inputShape: [SIDE, SIDE, 3],
        epochs: 1,
        batchSize: 32,
        validationSplit: 0,
        numClasses: 10,
        rng: new Rng(o.seed),
        log: o.log,
        verbose: false,
      });
      await saveModel(m, tmp);
      disposeModelAndOptimizer(m);
    }
    const model = await loadModel(modelPath);
    try {
      const inShape = model.inputs[0]?.shape ?? [];
      if (inShape[1] !== SIDE || inShape[2] !== SIDE || inShape[3] !== 3) {
        throw new ExampleArgumentError(
          `--model ${modelPath}: expects input ${JSON.stringify(inShape)}, not a CIFAR-10 model ([null, 32, 32, 3]).`,
        );
      }
      // The book compiles with SGD before predicting; the optimizer plays no part in it.
      compileClassifier(model, 'sgd');

      // load images and predict their classes
      const defaults =
        o.dataDir !== undefined
          ? ['chelsea-cat.png', 'coffee.png'].map((f) => join(o.dataDir ?? '', 'images', f)).filter(pathExists)
          : [];
      const files = o.images ?? defaults;
      const lines: string[] = [];
      const predictions: Array<{ image: string; class: string; probability: number }> = [];
      if (files.length > 0) {
        const bytes = new Uint8Array(files.length * SIDE * SIDE * 3);
        files.forEach((f, i) => bytes.set(loadPng32(f), i * SIDE * SIDE * 3));
        const x = imagesToTensor(bytes, files.length, [SIDE, SIDE, 3]);
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

      // and the CIFAR-10 test set: the first ten predictions, accuracy, confusion matrix
      const xTest = imagesToTensor(data.test.images, data.test.count, [SIDE, SIDE, 3]);
      const yTest = oneHotLabels(data.test.labels, 10);
      const ev = evaluate(model, xTest, yTest, 100);
      const pred = predictClasses(model, xTest, 100);
      xTest.dispose();
      yTest.dispose();
      for (let i = 0; i < Math.min(10, data.test.count); i++) {
        lines.push(
          `cifar test #${String(i).padEnd(16)} ${(CIFAR10_CLASSES[pred[i] ?? 0] ?? '').padEnd(11)} (true: ${CIFAR10_CLASSES[data.test.labels[i] ?? 0]})`,
        );
      }
      o.log.write(
        `${lines.join('\n')}\n\nconfusion matrix on ${data.test.count} CIFAR-10 test images:\n${formatConfusionMatrix(confusionMatrix(data.test.labels, pred, 10), CIFAR10_CLASSES)}\n`,
      );
      const testAccuracy = ev['acc'] ?? ev['accuracy'];
      return {
        example: 'cifar10-predict',
        variant: 'default',
        metrics: { ...(testAccuracy !== undefined ? { testAccuracy } : {}), predictions },
        settings: { model: o.model ?? '(quick: trained in place)', images: files, testSamples: data.test.count },
      };
    } finally {
      disposeModelAndOptimizer(model);
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  },
};
