/**
 * Chapter 7, `style-transfer.py`: neural style transfer (Gatys, Ecker & Bethge 2015) with the
 * script's losses on VGG16. Content and style pictures are resized to a square (`--size`, the
 * script's `RESIZED_WH` = 400) and the combination picture, starting from the content, is
 * optimised to lower
 *
 *   0.1 * content + 5.0 * style + 0.01 * variation
 *
 * - content: `sum((comb - content)^2)` over the preprocessed pixels (the script compares the
 *   input images, not a layer's features);
 * - style: the mean over `block1_conv1` ... `block5_conv1` of
 *   `sum((G(style) - G(comb))^2) / (4 * 3^2 * (size^2)^2)`, with G the Gram matrix of a layer's
 *   feature maps; the script's constants 3 (channels) and size^2 (pixels of the input) are used
 *   for every layer, as in Keras' `neural_style_transfer.py` it derives from;
 * - variation: `sum((a^2 + b^2)^1.25)`, a and b the differences with the pixel below and the
 *   one to the right.
 *
 * **Optimiser.** The script takes 5 steps of `x += 0.001 * grad`, which climbs the loss rather
 * than lowering it and moves the picture by a fraction of a grey level. tfgym minimises with
 * L-BFGS (`models/lbfgs.ts`), the optimiser of Keras' example (`scipy.optimize.fmin_l_bfgs_b`),
 * `--iterations` of it (default 100).
 *
 * Pictures: `--content` (default the shared `chelsea-cat.png` for the book's `cat.jpg`) and
 * `--style` (default `starry-night-van-gogh.jpg` for its Monet copy), PNG or JPEG. Output:
 * `--out` (default `runs/style-transfer/result.png`). Features: ImageNet weights from
 * `--weights`, else the random fallback of `vgg-image.ts` (said in the log and the result).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { formatDuration } from '../../models/callbacks.js';
import { minimizeLbfgs } from '../../models/lbfgs.js';
import { writePng } from '../../src/data/png-encode.js';
import { checkVariant, ExampleArgumentError, type ExampleDef } from '../example.js';
import { checkSize, deprocess, featureNet, preprocess, readInputImage, resizeImage } from './vgg-image.js';

/** The script's settings. */
export const STYLE_TRANSFER = {
  size: 400,
  contentWeight: 0.1,
  styleWeight: 5.0,
  variationWeight: 0.01,
  styleLayers: ['block1_conv1', 'block2_conv1', 'block3_conv1', 'block4_conv1', 'block5_conv1'],
  /** L-BFGS iterations by default (the script: 5 plain gradient steps, see the module comment). */
  iterations: 100,
} as const;

/**
 * The script's `gram_matrix` for one picture's feature maps `[h, w, c]`: `F F^T` with F the maps
 * flattened to `[c, h * w]`, a `[c, c]` matrix.
 */
export function gramMatrix(features: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const [h, w, c] = features.shape;
    const f = tf.reshape(features, [h * w, c]);
    return tf.matMul(f, f, true, false);
  });
}

/**
 * The script's `style_loss_per_layer`: `sum((G_style - G_comb)^2) / (4 * 3^2 * size^2)`, where
 * `pixels` is the input picture's pixel count (the script's `size = RESIZED_WH * RESIZED_WH`).
 */
export function styleLossPerLayer(styleGram: tf.Tensor2D, combFeatures: tf.Tensor3D, pixels: number): tf.Scalar {
  return tf.tidy(() => {
    const channels = 3;
    return tf.div(
      tf.sum(tf.square(tf.sub(styleGram, gramMatrix(combFeatures)))),
      4 * channels ** 2 * pixels ** 2,
    ) as tf.Scalar;
  });
}

/** The script's `content_loss`: `sum((comb - content)^2)`. */
export function contentLoss(content: tf.Tensor, comb: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.square(tf.sub(comb, content))));
}

/**
 * The script's `variation_loss` of `[1, h, w, c]`: over the top-left `(h-1) x (w-1)` pixels,
 * `sum((a^2 + b^2)^1.25)` with a the difference to the pixel below, b to the pixel on the right.
 */
export function variationLoss(comb: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [n, h, w, c] = comb.shape;
    const corner = tf.slice(comb, [0, 0, 0, 0], [n, h - 1, w - 1, c]);
    const a = tf.square(tf.sub(corner, tf.slice(comb, [0, 1, 0, 0], [n, h - 1, w - 1, c])));
    const b = tf.square(tf.sub(corner, tf.slice(comb, [0, 0, 1, 0], [n, h - 1, w - 1, c])));
    return tf.sum(tf.pow(tf.add(a, b), 1.25));
  });
}

/** The losses of one combination picture. */
export interface StyleTransferLosses {
  total: number;
  content: number;
  style: number;
  variation: number;
}

/**
 * The script's objective as a function of the flat preprocessed combination picture, for L-BFGS:
 * the weighted total and its gradient, with the three (unweighted) parts. `styleGrams` are the
 * style picture's Gram matrices of `model`'s outputs (the style layers), `content` the
 * preprocessed content picture; both stay owned by the caller. Each call frees what it makes.
 */
export function styleTransferObjective(
  model: tf.LayersModel,
  content: tf.Tensor4D,
  styleGrams: readonly tf.Tensor2D[],
  weights: { content: number; style: number; variation: number } = {
    content: STYLE_TRANSFER.contentWeight,
    style: STYLE_TRANSFER.styleWeight,
    variation: STYLE_TRANSFER.variationWeight,
  },
): (x: ArrayLike<number>) => { loss: number; grad: Float32Array; parts: StyleTransferLosses } {
  const [, h, w] = content.shape;
  return (x) => {
    let parts: tf.Tensor1D | undefined;
    const { value, grad } = tf.tidy(() => {
      const comb = tf.tensor4d(Float32Array.from(x), content.shape);
      return tf.valueAndGrad((img: tf.Tensor) => {
        const feats = model.apply(img) as tf.Tensor4D | tf.Tensor4D[];
        const list = Array.isArray(feats) ? feats : [feats];
        const s = tf.div(
          tf.addN(
            list.map((f, i) =>
              styleLossPerLayer(styleGrams[i] as tf.Tensor2D, tf.squeeze(f, [0]) as tf.Tensor3D, h * w),
            ),
          ),
          list.length,
        );
        const c = contentLoss(content, img);
        const v = variationLoss(img as tf.Tensor4D);
        parts = tf.keep(tf.stack([c, s, v]) as tf.Tensor1D);
        return tf.addN([
          tf.mul(c, weights.content),
          tf.mul(s, weights.style),
          tf.mul(v, weights.variation),
        ]) as tf.Scalar;
      })(comb);
    });
    const loss = value.dataSync()[0] ?? NaN;
    const g = grad.dataSync() as Float32Array;
    const p = parts?.dataSync() ?? new Float32Array(3).fill(NaN);
    value.dispose();
    grad.dispose();
    parts?.dispose();
    return {
      loss,
      grad: g,
      parts: { total: loss, content: p[0] ?? NaN, style: p[1] ?? NaN, variation: p[2] ?? NaN },
    };
  };
}

/** `tfgym example style-transfer`. */
export const styleTransferExample: ExampleDef = {
  name: 'style-transfer',
  chapter: 7,
  script: 'style-transfer.py',
  description: 'Neural style transfer: content + Gram-matrix style over block1-5_conv1 + total variation (PNG)',
  variants: ['default'],
  defaultVariant: 'default',
  defaults() {
    return {
      size: STYLE_TRANSFER.size,
      iterations: STYLE_TRANSFER.iterations,
      contentWeight: STYLE_TRANSFER.contentWeight,
      styleWeight: STYLE_TRANSFER.styleWeight,
      variationWeight: STYLE_TRANSFER.variationWeight,
    };
  },
  async run(o) {
    const variant = checkVariant('style-transfer', o.variant, ['default']);
    checkSize(o.size);
    if (o.iterations !== undefined && (!Number.isInteger(o.iterations) || o.iterations < 1))
      throw new ExampleArgumentError(`--iterations must be a positive integer, got ${o.iterations}`);
    const log = o.log;
    const images = o.dataDir !== undefined ? join(o.dataDir, 'images') : undefined;
    const contentFile = o.content ?? (images !== undefined ? join(images, 'chelsea-cat.png') : undefined);
    const styleFile = o.style ?? (images !== undefined ? join(images, 'starry-night-van-gogh.jpg') : undefined);
    if (contentFile === undefined || styleFile === undefined)
      throw new ExampleArgumentError(
        'style-transfer needs two pictures: --content FILE and --style FILE (PNG or JPEG), or --data-dir with images/',
      );
    const size = o.quick ? 32 : (o.size ?? STYLE_TRANSFER.size);
    const iterations = o.iterations ?? (o.quick ? 2 : STYLE_TRANSFER.iterations);
    // The script resizes both pictures to RESIZED_WH x RESIZED_WH (imresize), aspect ratio not kept.
    const contentImg = resizeImage(readInputImage('--content', contentFile), size, size);
    const styleImg = resizeImage(readInputImage('--style', styleFile), size, size);
    log.write(`content: ${contentFile}, style: ${styleFile}, both resized to ${size}x${size}\n`);

    const content = preprocess(contentImg);
    const style = preprocess(styleImg);
    const styleGrams: tf.Tensor2D[] = [];
    let net: Awaited<ReturnType<typeof featureNet>> | undefined;
    try {
      const calibration = tf.concat([content, style]);
      try {
        net = await featureNet({ height: size, width: size, weights: o.weights, seed: o.seed, calibration });
      } finally {
        calibration.dispose();
      }
      log.write(`${net.description}\n`);
      const model = net.outputs(STYLE_TRANSFER.styleLayers);
      tf.tidy(() => {
        const feats = model.predict(style) as tf.Tensor4D[];
        for (const f of feats) styleGrams.push(tf.keep(gramMatrix(tf.squeeze(f, [0]) as tf.Tensor3D)));
      });
      const objective = styleTransferObjective(model, content, styleGrams);
      let last = objective(content.dataSync());
      const initial = last.parts;
      log.write(
        `start (the content picture): loss ${initial.total.toExponential(4)} (content ${initial.content.toExponential(3)}, style ${initial.style.toExponential(3)}, variation ${initial.variation.toExponential(3)})\n`,
      );
      const t0 = performance.now();
      const result = minimizeLbfgs(
        (x) => {
          last = objective(x);
          return last;
        },
        content.dataSync(),
        {
          maxIterations: iterations,
          onIteration: (it) => {
            const elapsed = performance.now() - t0;
            const eta = (elapsed / it.iteration) * (iterations - it.iteration);
            log.write(
              `Iteration ${it.iteration}/${iterations} - loss: ${it.loss.toExponential(4)} - ${it.evaluations} evaluations - ${formatDuration(elapsed)} - ETA: ${formatDuration(eta)}\n`,
            );
          },
        },
      );
      // The parts at the accepted point (the last evaluation may have been a rejected trial step).
      const final = objective(result.x).parts;
      const out = o.out ?? join('runs', 'style-transfer', 'result.png');
      writePng(out, deprocess(result.x, size, size));
      log.write(
        `L-BFGS: ${result.iterations} iterations, ${result.evaluations} evaluations, stopped: ${result.stop}\n` +
          `final loss ${final.total.toExponential(4)} (content ${final.content.toExponential(3)}, style ${final.style.toExponential(3)}, variation ${final.variation.toExponential(3)})\n` +
          `wrote ${out}\n`,
      );
      return {
        example: 'style-transfer',
        variant,
        metrics: {
          loss: final.total,
          contentLoss: final.content,
          styleLoss: final.style,
          variationLoss: final.variation,
          initialLoss: initial.total,
          initialStyleLoss: initial.style,
          lossRatio: final.total / initial.total,
          iterations: result.iterations,
          evaluations: result.evaluations,
          stop: result.stop,
          features: net.source,
          out,
        },
        settings: {
          size,
          iterations,
          optimizer: 'lbfgs',
          contentWeight: STYLE_TRANSFER.contentWeight,
          styleWeight: STYLE_TRANSFER.styleWeight,
          variationWeight: STYLE_TRANSFER.variationWeight,
          content: contentFile,
          style: styleFile,
          features: net.source,
          weights: o.weights ?? null,
        },
      };
    } finally {
      for (const g of styleGrams) g.dispose();
      content.dispose();
      style.dispose();
      net?.base.dispose();
    }
  },
};
