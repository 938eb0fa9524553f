/**
 * Chapter 7, `deep-dream.py`: deep dreaming with VGG16. For each pooling layer `block1_pool` ...
 * `block5_pool`, the loss is the layer's mean activation; its gradient with respect to the image,
 * divided by its root mean square (`grads / (sqrt(mean(grads^2)) + 1e-5)`), is added to the
 * preprocessed image 3 times with step 100, each layer starting again from the photo. First, as
 * the script does, the normalized gradient of each layer is shown as a picture.
 *
 * Variants: `default` dreams on the photo (`--image`, default the shared `chelsea-cat.png` for
 * the book's `cat.jpg`); `noise` starts from 227x227 uniform noise in [100, 150), which the
 * script means to do but does not (its loop starts from the photo again); `filter` ascends the
 * activation of channel 24 alone, the script's last section.
 *
 * Output: a PNG grid (`--out`, default `runs/deep-dream/<variant>.png`), one row per pooling
 * layer, columns the gradient then each iteration, as the script's rows of subplots; beside it
 * `<name>-block<N>_pool.png`, each layer's final dream at full size. Features: ImageNet weights
 * from `--weights`, else the random fallback of `vgg-image.ts` (said in the log and the result).
 */
import { dirname, extname, join, basename } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { formatDuration } from '../../models/callbacks.js';
import { writePng } from '../../src/data/png-encode.js';
import type { RgbImage } from '../../src/data/png.js';
import { Rng } from '../../src/rng/rng.js';
import { checkVariant, ExampleArgumentError, type ExampleDef } from '../example.js';
import {
  checkSize,
  deprocess,
  featureNet,
  imageGrid,
  noiseImage,
  preprocess,
  readInputImage,
  resizeImage,
} from './vgg-image.js';

const VARIANTS = ['default', 'noise', 'filter'] as const;
type Variant = (typeof VARIANTS)[number];

/** The script's settings: 5 pooling layers, 3 iterations each, step 100, the gradient shown at lr 0.01. */
export const DREAM = { layers: 5, iterationsPerLayer: 3, step: 100, gradientLr: 0.01, filter: 24 } as const;

/** The script's noise picture: `np.random.randint(100, 150, size=(227, 227, 3))`. */
const NOISE = { side: 227, lo: 100, hi: 150 } as const;

/**
 * The dream loss of a pooling layer's output `[1, h, w, c]`: its mean activation, or with
 * `filter` the mean of that channel (the script sums it; the normalized gradient is the same).
 */
export function dreamLoss(layerOutput: tf.Tensor4D, filter?: number): tf.Scalar {
  return tf.tidy(() => {
    if (filter === undefined) return tf.mean(layerOutput);
    const [b, h, w] = layerOutput.shape;
    return tf.mean(tf.slice(layerOutput, [0, 0, 0, filter], [b, h, w, 1]));
  });
}

/**
 * The loss at `x` and its gradient divided by its root mean square (+1e-5), as the script's
 * `K.function([dream], [loss, grads])` returns them. The caller disposes `grad`.
 */
export function normalizedGradient(
  model: tf.LayersModel,
  x: tf.Tensor4D,
  filter?: number,
): { loss: number; grad: tf.Tensor4D } {
  let loss = NaN;
  const grad = tf.tidy(() => {
    const { value, grad: g } = tf.valueAndGrad((img: tf.Tensor) => dreamLoss(model.apply(img) as tf.Tensor4D, filter))(
      x,
    );
    loss = value.dataSync()[0] ?? NaN;
    return tf.div(g, tf.add(tf.sqrt(tf.mean(tf.square(g))), 1e-5)) as tf.Tensor4D;
  });
  return { loss, grad };
}

/** `runs/deep-dream/default.png` -> `runs/deep-dream/default-block3_pool.png`. */
function besides(out: string, suffix: string): string {
  const ext = extname(out) || '.png';
  return join(dirname(out), `${basename(out, extname(out))}-${suffix}${ext}`);
}

/** `tfgym example deep-dream`. */
export const deepDreamExample: ExampleDef = {
  name: 'deep-dream',
  chapter: 7,
  script: 'deep-dream.py',
  description: 'Deep dream: gradient ascent on the mean activation of each VGG16 pooling layer (PNG grid)',
  variants: VARIANTS,
  defaultVariant: 'default',
  defaults() {
    return { iterationsPerLayer: DREAM.iterationsPerLayer, step: DREAM.step };
  },
  async run(o) {
    const variant: Variant = checkVariant('deep-dream', o.variant, VARIANTS);
    checkSize(o.size);
    if (o.iterations !== undefined && (!Number.isInteger(o.iterations) || o.iterations < 1))
      throw new ExampleArgumentError(`--iterations must be a positive integer, got ${o.iterations}`);
    const log = o.log;
    const rng = new Rng(o.seed);

    // the picture to dream on
    let source: RgbImage;
    let imageName: string;
    if (variant === 'noise') {
      source = noiseImage(NOISE.side, NOISE.side, NOISE.lo, NOISE.hi, rng);
      imageName = `noise ${NOISE.side}x${NOISE.side} in [${NOISE.lo}, ${NOISE.hi})`;
    } else {
      const file =
        o.images?.[0] ?? (o.dataDir !== undefined ? join(o.dataDir, 'images', 'chelsea-cat.png') : undefined);
      if (file === undefined)
        throw new ExampleArgumentError(
          'deep-dream needs a picture: --image FILE (PNG or JPEG) or --data-dir with images/',
        );
      source = readInputImage('--image', file);
      imageName = file;
    }
    // --size is the longer side (the script dreams at the photo's own size); --quick: 48 pixels.
    const longSide = o.quick ? 48 : (o.size ?? Math.max(source.width, source.height));
    const scale = longSide / Math.max(source.width, source.height);
    const width = Math.round(source.width * scale);
    const height = Math.round(source.height * scale);
    if (Math.min(width, height) < 32)
      throw new ExampleArgumentError(
        `--size ${longSide} makes the picture ${width}x${height}; VGG16 needs at least 32 pixels on each side`,
      );
    const img = resizeImage(source, width, height);
    const iterations = o.iterations ?? DREAM.iterationsPerLayer;
    const filter = variant === 'filter' ? DREAM.filter : undefined;
    log.write(`Original image: ${imageName} (${source.width}x${source.height}), dreaming at ${width}x${height}\n`);

    const x0 = preprocess(img);
    const net = await featureNet({ height, width, weights: o.weights, seed: o.seed, calibration: x0 }).catch((e) => {
      x0.dispose();
      throw e;
    });
    log.write(`${net.description}\n`);
    const out = o.out ?? join('runs', 'deep-dream', `${variant}.png`);
    const tiles: RgbImage[] = [];
    const layers: Array<{ layer: string; losses: number[] }> = [];
    const finals: Array<{ layer: string; image: RgbImage }> = [];
    const t0 = performance.now();
    const totalSteps = DREAM.layers * (iterations + 1);
    let steps = 0;
    const progress = (what: string): void => {
      steps++;
      const elapsed = performance.now() - t0;
      const eta = (elapsed / steps) * (totalSteps - steps);
      log.write(`${what} - ${formatDuration(elapsed)} - ETA: ${formatDuration(eta)}\n`);
    };
    try {
      for (let i = 1; i <= DREAM.layers; i++) {
        const layer = `block${i}_pool`;
        log.write(`Pooling Layer: ${layer}${filter !== undefined ? `, channel ${filter}` : ''}\n`);
        const model = net.outputs([layer]);
        // the gradient of the layer's loss at the photo, shown as the script shows it: /(rms * lr) and deprocessed
        // (the same gradient makes the first step of the ascent below)
        let first: { loss: number; grad: tf.Tensor4D } | undefined = normalizedGradient(model, x0, filter);
        const view = tf.tidy(() => tf.div(first?.grad ?? x0, DREAM.gradientLr));
        tiles.push(deprocess(view.dataSync(), width, height));
        view.dispose();
        progress(`${layer} gradient - loss: ${first.loss.toPrecision(5)}`);
        // gradient ascent
        let x = x0.clone();
        const losses: number[] = [];
        for (let it = 1; it <= iterations; it++) {
          const { loss, grad } = first ?? normalizedGradient(model, x, filter);
          first = undefined;
          const next = tf.tidy(() => tf.add(x, tf.mul(grad, DREAM.step)) as tf.Tensor4D);
          grad.dispose();
          x.dispose();
          x = next;
          losses.push(loss);
          tiles.push(deprocess(x.dataSync(), width, height));
          progress(`${layer} iteration ${it}/${iterations} - loss: ${loss.toPrecision(5)}`);
        }
        const last = tf.tidy(() => dreamLoss(model.predict(x) as tf.Tensor4D, filter).dataSync()[0] ?? NaN);
        losses.push(last);
        steps--; // a forward pass only: not counted as a step
        progress(
          `${layer} after ${iterations} steps - loss: ${last.toPrecision(5)} (from ${losses[0]?.toPrecision(5)})`,
        );
        finals.push({ layer, image: deprocess(x.dataSync(), width, height) });
        x.dispose();
        layers.push({ layer, losses });
      }
    } finally {
      x0.dispose();
      net.base.dispose();
    }
    writePng(out, imageGrid(tiles, iterations + 1));
    for (const f of finals) writePng(besides(out, f.layer), f.image);
    log.write(
      `wrote ${out} (rows ${layers.map((l) => l.layer).join(', ')}; columns: gradient, iterations 1-${iterations}) and ${finals.length} pictures beside it (${basename(besides(out, 'block<N>_pool'))})\n`,
    );
    const gains = layers.map((l) => (l.losses.at(-1) ?? NaN) / (l.losses[0] ?? NaN));
    return {
      example: 'deep-dream',
      variant,
      metrics: {
        layers,
        meanLossGain: gains.reduce((a, b) => a + b, 0) / gains.length,
        features: net.source,
        out,
      },
      settings: {
        iterationsPerLayer: iterations,
        step: DREAM.step,
        width,
        height,
        image: imageName,
        features: net.source,
        weights: o.weights ?? null,
        ...(filter !== undefined ? { filter } : {}),
      },
    };
  },
};
