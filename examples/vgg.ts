/** `vgg16`: builds Keras' VGG16, prints its summary; with converted weights, classifies images. */
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { countParams, modelSummary } from '../models/summary.js';
import { copyWeightsByName, vgg16, vgg16Preprocess } from '../models/vgg16.js';
import { decodePng, resizeRgb } from '../src/data/png.js';
import { pathExists, readBytes, readText } from '../src/io/files.js';
import { loadModel } from '../src/io/model-io.js';
import { Rng } from '../src/rng/rng.js';
import { UsageError } from '../cli/errors.js';
import { pct, type ExampleDef } from './common.js';

/** `vgg16` example. */
export const vgg16Example: ExampleDef = {
  name: 'vgg16',
  chapter: 2,
  description: "VGG16 as keras.applications builds it; --weights MODEL.json (Keras weights converted to tfjs) to classify --image PNGs",
  variants: ['default'],
  defaultVariant: 'default',
  book: {
    default: {
      chapter: 2,
      script: 'keras_VGG16_prebuilt.py (and Ch3 keras_VGG16.py)',
      params: 138357544,
      note: 'ImageNet weights are not downloaded: convert them from Keras with tensorflowjs_converter and pass --weights',
    },
  },
  async run(o) {
    const model = vgg16({ rng: new Rng(o.seed) });
    try {
      o.log.write(`${modelSummary(model)}\n`);
      const params = countParams(model).total;
      const predictions: Array<{ image: string; top5: Array<{ index: number; label?: string; probability: number }> }> = [];
      if (o.weights !== undefined) {
        if (!pathExists(o.weights)) throw new UsageError(`--weights ${o.weights}: no such file.`);
        const src = await loadModel(o.weights);
        const n = copyWeightsByName(src, model);
        src.dispose();
        o.log.write(`loaded weights of ${n} layers from ${o.weights}\n`);
        const labels = o.labels !== undefined ? readText(o.labels).split('\n').map((s) => s.trim()) : undefined;
        const defaults = o.dataDir !== undefined ? [join(o.dataDir, 'images', 'chelsea-cat.png')].filter(pathExists) : [];
        for (const file of o.images ?? defaults) {
          const img = resizeRgb(decodePng(readBytes(file), file), 224, 224);
          const probs = tf.tidy(() => {
            const x = tf.tensor4d(Float32Array.from(img.data), [1, 224, 224, 3]);
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
          o.log.write(`${basename(file)}: ${top5.map((t) => `${t.label ?? `class ${t.index}`} ${pct(t.probability)}`).join(', ')}\n`);
        }
      } else {
        o.log.write('no --weights given: random initial weights, so no predictions are made\n');
      }
      return {
        example: 'vgg16',
        variant: 'default',
        metrics: { params, predictions },
        book: this.book['default'] ?? { chapter: 2, script: 'keras_VGG16_prebuilt.py' },
        settings: { weights: o.weights ?? null, images: o.images ?? [] },
      };
    } finally {
      model.dispose();
    }
  },
};
