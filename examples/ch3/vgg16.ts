/**
 * Chapter 3, `keras_VGG16.py`: VGG16 with the ImageNet weights classifies a photo of a cat.
 * tfgym builds the network as `keras.applications.VGG16` does (the same layers as the book's
 * hand-written Sequential, whose ZeroPadding + valid convolutions equal `same` ones; Keras'
 * layer names, 138,357,544 parameters) and prints its summary. tfgym downloads no weights:
 * with `--weights` (a Keras VGG16 converted by `tensorflowjs_converter`) it classifies `--image`
 * PNGs (default: the shared `chelsea-cat.png`) and prints the top 5 classes.
 */
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { countParams, modelSummary } from '../../models/summary.js';
import { vgg16, vgg16Preprocess } from '../../models/vgg16.js';
import { pathExists, readText } from '../../src/io/files.js';
import { Rng } from '../../src/rng/rng.js';
import { pct, type ExampleDef } from '../example.js';
import { checkInputFiles, loadPngTensor, loadVgg16Weights } from '../imagenet.js';

/** `tfgym example vgg16`. */
export const vgg16Example: ExampleDef = {
  name: 'vgg16',
  chapter: 3,
  script: 'keras_VGG16.py',
  description:
    'VGG16 as keras.applications builds it; --weights MODEL.json (Keras weights converted to tfjs) to classify --image PNGs',
  variants: ['default'],
  defaultVariant: 'default',
  defaults: () => ({}),
  async run(o) {
    checkInputFiles({ weights: o.weights, labels: o.labels, images: o.images });
    // define a VGG16 network
    const model = vgg16({ rng: new Rng(o.seed) });
    try {
      o.log.write(`${modelSummary(model)}\n`);
      const params = countParams(model).total;
      const predictions: Array<{ image: string; top5: Array<{ index: number; label?: string; probability: number }> }> =
        [];
      if (o.weights === undefined) {
        o.log.write('no --weights given: random initial weights, so no predictions are made\n');
      } else {
        // test the pretrained model
        const n = await loadVgg16Weights(model, o.weights);
        o.log.write(`loaded weights of ${n} layers from ${o.weights}\n`);
        const labels =
          o.labels !== undefined
            ? readText(o.labels)
                .split('\n')
                .map((s) => s.trim())
            : undefined;
        const defaults =
          o.dataDir !== undefined ? [join(o.dataDir, 'images', 'chelsea-cat.png')].filter(pathExists) : [];
        for (const file of o.images ?? defaults) {
          const probs = tf.tidy(() => {
            const x = loadPngTensor(file);
            return model.predict(vgg16Preprocess(x)) as tf.Tensor;
          });
          const p = Array.from(probs.dataSync());
          probs.dispose();
          const top5 = p
            .map((probability, index) => ({ index, probability }))
            .sort((a, b) => b.probability - a.probability)
            .slice(0, 5)
            .map((t): { index: number; label?: string; probability: number } => {
              const label = labels?.[t.index];
              return label ? { ...t, label } : t;
            });
          predictions.push({ image: basename(file), top5 });
          o.log.write(
            `${basename(file)}: ${top5.map((t) => `${t.label ?? `class ${t.index}`} ${pct(t.probability)}`).join(', ')}\n`,
          );
        }
      }
      return {
        example: 'vgg16',
        variant: 'default',
        metrics: { params, predictions },
        settings: { weights: o.weights ?? null, images: o.images ?? [] },
      };
    } finally {
      model.dispose();
    }
  },
};
