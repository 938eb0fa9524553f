/**
 * Chapter 2, `keras_VGG16_prebuilt.py`: the pre-built VGG16 of `keras.applications`. Prints
 * every layer (index, name, output shape), then uses the network up to `block4_pool` as a
 * feature extractor on an image (`--image`, default the shared `chelsea-cat.png`):
 * preprocessed as `preprocess_input` does, out come `[1, 14, 14, 512]` features. ImageNet
 * weights come from `--weights` (converted from Keras); without them the weights are random
 * and only the shapes mean something. `--quick` runs a 32x32 input through a headless VGG16.
 */
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { countParams } from '../../models/summary.js';
import { vgg16, vgg16Preprocess } from '../../models/vgg16.js';
import { pathExists } from '../../src/io/files.js';
import { Rng } from '../../src/rng/rng.js';
import { type ExampleDef } from '../example.js';
import { checkInputFiles, loadPngTensor, loadVgg16Weights } from '../imagenet.js';

/** The layer whose output the book extracts. */
const FEATURE_LAYER = 'block4_pool';

/** `(None, 14, 14, 512)`, as Keras prints a layer's output shape. */
function shapeText(shape: unknown): string {
  if (!Array.isArray(shape)) return String(shape);
  if (shape.some(Array.isArray)) return shape.map(shapeText).join(', ');
  return `(${shape.map((d: unknown) => (d === null ? 'None' : String(d))).join(', ')})`;
}

/** `tfgym example vgg16-features`. */
export const vgg16FeaturesExample: ExampleDef = {
  name: 'vgg16-features',
  chapter: 2,
  script: 'keras_VGG16_prebuilt.py',
  description: 'keras.applications VGG16 as a feature extractor: its layers, and block4_pool features of an image',
  variants: ['default'],
  defaultVariant: 'default',
  defaults: () => ({}),
  async run(o) {
    checkInputFiles({ weights: o.weights, images: o.images?.slice(0, 1) });
    // pre-built deep learning VGG16 model (pre-trained with --weights)
    const side = o.quick ? 32 : 224;
    const base = o.quick
      ? vgg16({ includeTop: false, inputShape: [side, side, 3], rng: new Rng(o.seed) })
      : vgg16({ rng: new Rng(o.seed) });
    try {
      if (o.weights !== undefined)
        o.log.write(`loaded weights of ${await loadVgg16Weights(base, o.weights)} layers from ${o.weights}\n`);
      else o.log.write('no --weights given: random initial weights (the features show shapes only)\n');
      base.layers.forEach((layer, i) => o.log.write(`${i} ${layer.name} ${shapeText(layer.outputShape)}\n`));

      // extract features from the block4_pool block
      const model = tf.model({
        inputs: base.inputs,
        outputs: base.getLayer(FEATURE_LAYER).output as tf.SymbolicTensor,
      });
      const file =
        o.images?.[0] ?? (o.dataDir !== undefined ? join(o.dataDir, 'images', 'chelsea-cat.png') : undefined);
      let features: { image: string; shape: number[]; mean: number; max: number; nonZero: number } | undefined;
      if (file !== undefined && pathExists(file)) {
        const f = tf.tidy(() => model.predict(vgg16Preprocess(loadPngTensor(file, side))) as tf.Tensor);
        const v = f.dataSync();
        let sum = 0;
        let max = -Infinity;
        let nonZero = 0;
        for (const x of v) {
          sum += x;
          if (x > max) max = x;
          if (x !== 0) nonZero++;
        }
        features = { image: basename(file), shape: f.shape, mean: sum / v.length, max, nonZero };
        f.dispose();
        o.log.write(
          `${FEATURE_LAYER} features of ${basename(file)}: shape ${shapeText(features.shape)}, mean ${features.mean.toFixed(4)}, max ${features.max.toFixed(4)}, ${nonZero} of ${v.length} non-zero\n`,
        );
      } else {
        o.log.write(
          'no image given (--image FILE.png or --data-dir with images/chelsea-cat.png): no features computed\n',
        );
      }
      return {
        example: 'vgg16-features',
        variant: 'default',
        metrics: { params: countParams(base).total, ...(features ? { features } : {}) },
        settings: { weights: o.weights ?? null, inputSide: side },
      };
    } finally {
      // The feature model shares the base's layers: disposing the base frees every weight.
      base.dispose();
    }
  },
};
