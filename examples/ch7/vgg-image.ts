/**
 * Shared by Chapter 7's `deep-dream` and `style-transfer`: photos as VGG16 inputs and back
 * (the scripts' `preprocess` / `deprocess`), the VGG16 feature extractor with ImageNet weights
 * from `--weights` or, without them, the fallback features, and picture grids for the output.
 *
 * **Fallback features.** ImageNet weights cannot be downloaded by tfgym. Without `--weights` the
 * examples run on VGG16 with random (seeded Glorot-uniform) filters, each convolution rescaled so
 * that its ReLU output has a fixed root mean square on the example's own image, in the manner of
 * LSUV initialisation (Mishkin & Matas 2016, "All you need is a good init"). Random deep
 * features are known to carry texture: Gram matrices of random-filter networks synthesise
 * textures (Ustyuzhaninov, Brendel, Gatys & Bethge 2017, "What does it take to generate natural
 * textures?", first posted as "Texture synthesis using shallow convolutional networks with random
 * filters", 2016) and transfer style (He, Wang & Hopcroft 2016, "A powerful generative model using
 * random weights for the deep image representation"). The rescaling matters: Glorot's variance
 * halves through every ReLU, so deep layers would otherwise vanish from the losses. Pictures from
 * the fallback show the losses and the optimisation at work, not what ImageNet features dream.
 */
import * as tf from '@tensorflow/tfjs';
import { vgg16, vgg16Preprocess, VGG16_BGR_MEAN } from '../../models/vgg16.js';
import { readImage } from '../../src/data/image.js';
import type { RgbImage } from '../../src/data/png.js';
import { resizeU8 } from '../../src/image/resize.js';
import { pathExists } from '../../src/io/files.js';
import { Rng } from '../../src/rng/rng.js';
import { ExampleArgumentError } from '../example.js';
import { loadVgg16Weights } from '../imagenet.js';

/**
 * Root mean square of every convolution's ReLU output on the example's picture, in the fallback.
 * It sets the balance of style-transfer's style loss (which grows as its fourth power) against
 * the book's pixel content loss: at 20 the content term wins and a 256-pixel picture barely
 * changes; at 100 the style's colours and strokes show while the cat stays recognisable (tried
 * at 128 and 256 pixels, seed 1671). Deep dream normalizes its gradient, so it does not depend on it.
 */
export const FALLBACK_FEATURE_RMS = 100;

/** What the features of a run are: `imagenet` (from `--weights`) or the random fallback. */
export type FeatureSource = 'imagenet-weights' | 'random-lsuv';

/** Reads `--flag path`: a PNG or JPEG, with a one-line error if it is missing. */
export function readInputImage(flag: string, path: string): RgbImage {
  if (!pathExists(path)) throw new ExampleArgumentError(`${flag} ${path}: no such file.`);
  return readImage(path);
}

/** `img` resized to `width` x `height` (OpenCV's INTER_AREA: averaging when shrinking, bilinear when enlarging). */
export function resizeImage(img: RgbImage, width: number, height: number): RgbImage {
  if (img.width === width && img.height === height) return img;
  return { width, height, data: resizeU8(img.data, img.height, img.width, 3, height, width, 'area') };
}

/**
 * The scripts' `preprocess`: RGB bytes -> `[1, h, w, 3]` float, BGR, minus the ImageNet means
 * (`vgg16.preprocess_input`). The caller disposes the result.
 */
export function preprocess(img: RgbImage): tf.Tensor4D {
  return tf.tidy(() => vgg16Preprocess(tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3])));
}

/** The scripts' `deprocess`: the means added back, BGR -> RGB, clipped to [0, 255], as bytes. */
export function deprocess(x: ArrayLike<number>, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const [mb, mg, mr] = VGG16_BGR_MEAN;
  for (let i = 0; i < width * height; i++) {
    const b = (x[3 * i] as number) + mb;
    const g = (x[3 * i + 1] as number) + mg;
    const r = (x[3 * i + 2] as number) + mr;
    // numpy's astype("uint8") after clip truncates; round instead, which is what a viewer shows.
    data[3 * i] = Math.min(255, Math.max(0, Math.round(r)));
    data[3 * i + 1] = Math.min(255, Math.max(0, Math.round(g)));
    data[3 * i + 2] = Math.min(255, Math.max(0, Math.round(b)));
  }
  return { width, height, data };
}

/** Names of VGG16's convolutions in order (`block1_conv1`, ...). */
function convLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() === 'Conv2D');
}

/**
 * Rescales each convolution of a freshly built (zero-bias) VGG16 so that its ReLU output has root
 * mean square `target` on `x` (a preprocessed batch). One forward pass is enough: with zero
 * biases, ReLU and max pooling commute with positive scaling, so multiplying layer i's kernel by
 * c_i scales every later output by c_i too, and c_i = target / rms_1 for the first layer and
 * rms_(i-1) / rms_i after it.
 */
export function scaleToUnitActivations(model: tf.LayersModel, x: tf.Tensor4D, target: number): void {
  const convs = convLayers(model);
  const probe = tf.model({ inputs: model.inputs, outputs: convs.map((l) => l.output as tf.SymbolicTensor) });
  const rms = tf.tidy(() => {
    const outs = probe.predict(x) as tf.Tensor[];
    return outs.map((o) => Math.sqrt(tf.mean(tf.square(o)).dataSync()[0] ?? NaN));
  });
  let previous = target;
  convs.forEach((layer, i) => {
    const r = rms[i] ?? NaN;
    if (!(r > 0 && Number.isFinite(r)))
      throw new Error(`fallback features: ${layer.name} gives no activation on this image (rms ${r})`);
    const c = i === 0 ? target / r : previous / r;
    previous = r;
    const [kernel, bias] = layer.getWeights();
    if (!kernel || !bias) throw new Error(`${layer.name}: expected a kernel and a bias`);
    const scaled = tf.tidy(() => tf.mul(kernel, c));
    layer.setWeights([scaled, bias]);
    scaled.dispose();
  });
}

/** A headless VGG16 for `[height, width]` inputs and what its features are. */
export interface FeatureNet {
  /** The whole headless VGG16 (dispose it when done: the sub-models share its layers). */
  readonly base: tf.LayersModel;
  readonly source: FeatureSource;
  /** One line for the log. */
  readonly description: string;
  /** A model from the input to the named layers' outputs (in that order). */
  outputs(names: readonly string[]): tf.LayersModel;
}

/**
 * Builds the feature extractor: VGG16 without its top for `[height, width, 3]` inputs, with the
 * weights of `--weights` (a Keras VGG16 converted to tfjs, with or without the top), else the
 * fallback: random filters from `seed`, rescaled on `calibration` (a preprocessed batch).
 */
export async function featureNet(opts: {
  height: number;
  width: number;
  weights: string | undefined;
  seed: number;
  calibration: tf.Tensor4D;
}): Promise<FeatureNet> {
  const base = vgg16({ includeTop: false, inputShape: [opts.height, opts.width, 3], rng: new Rng(opts.seed) });
  try {
    let source: FeatureSource;
    let description: string;
    if (opts.weights !== undefined) {
      const n = await loadVgg16Weights(base, opts.weights);
      source = 'imagenet-weights';
      description = `VGG16 features: weights of ${n} layers from ${opts.weights}`;
    } else {
      scaleToUnitActivations(base, opts.calibration, FALLBACK_FEATURE_RMS);
      source = 'random-lsuv';
      description =
        'VGG16 features: no --weights given, so random filters (seed ' +
        `${opts.seed}), each layer rescaled to RMS ${FALLBACK_FEATURE_RMS} on the image (LSUV-style; random deep ` +
        'features carry texture, Ustyuzhaninov et al. 2017, He et al. 2016). Pass --weights vgg16/model.json ' +
        "(Keras' ImageNet VGG16 converted with tensorflowjs_converter) for the book's features.";
    }
    return {
      base,
      source,
      description,
      outputs: (names) =>
        tf.model({ inputs: base.inputs, outputs: names.map((n) => base.getLayer(n).output as tf.SymbolicTensor) }),
    };
  } catch (e) {
    base.dispose();
    throw e;
  }
}

/**
 * Tiles images (all `width` x `height`) into a grid of `columns`, separated by `gap` white pixels:
 * the book's rows of subplots as one picture.
 */
export function imageGrid(images: readonly RgbImage[], columns: number, gap = 4): RgbImage {
  const first = images[0];
  if (!first) throw new RangeError('imageGrid: no images');
  const { width: w, height: h } = first;
  const rows = Math.ceil(images.length / columns);
  const width = columns * w + (columns - 1) * gap;
  const height = rows * h + (rows - 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(255);
  images.forEach((img, k) => {
    if (img.width !== w || img.height !== h) throw new RangeError('imageGrid: images differ in size');
    const x0 = (k % columns) * (w + gap);
    const y0 = Math.floor(k / columns) * (h + gap);
    for (let y = 0; y < h; y++) data.set(img.data.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * width + x0) * 3);
  });
  return { width, height, data };
}

/** `--size`: a positive side of at least 32 pixels (VGG16's five poolings need it). */
export function checkSize(size: number | undefined): void {
  if (size !== undefined && (!Number.isInteger(size) || size < 32 || size > 4096))
    throw new ExampleArgumentError(`--size must be an integer from 32 to 4096 (VGG16 pools five times), got ${size}`);
}

/** A seeded uniform-noise image with values in [lo, hi) (numpy's `randint(lo, hi)`). */
export function noiseImage(width: number, height: number, lo: number, hi: number, rng: Rng): RgbImage {
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => lo + rng.nextInt(hi - lo)) };
}
