/**
 * Chapter 7's deep-dream and style-transfer: the script's losses on hand-computed tensors, the
 * dream gradient's direction, the style-transfer objective (gradient by finite differences, no
 * tensor left behind per evaluation), the fallback features' rescaling, --weights through
 * model-io, and --quick runs whose PNGs decode.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DREAM, dreamLoss, normalizedGradient } from '../../examples/ch7/deep-dream.js';
import {
  contentLoss,
  gramMatrix,
  styleLossPerLayer,
  styleTransferObjective,
  variationLoss,
} from '../../examples/ch7/style-transfer.js';
import {
  deprocess,
  FALLBACK_FEATURE_RMS,
  imageGrid,
  preprocess,
  scaleToUnitActivations,
} from '../../examples/ch7/vgg-image.js';
import { DATA, runQuick } from './quick-run.js';
import { vgg16 } from '../../models/vgg16.js';
import { useBackend } from '../../src/backends/index.js';
import { decodePng } from '../../src/data/png.js';
import { saveModel } from '../../src/io/model-io.js';
import { Rng } from '../../src/rng/rng.js';
import { sharedDataset } from '../text/shared-data.js';

const haveImages = sharedDataset(join(DATA, 'images', 'starry-night-van-gogh.jpg'));
const tmp = mkdtempSync(join(tmpdir(), 'tfgym-ch7-art-'));
beforeAll(async () => {
  await useBackend('auto');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const scalar = (t: tf.Tensor): number => {
  const v = t.dataSync()[0] ?? NaN;
  t.dispose();
  return v;
};

describe('the style-transfer losses on hand-computed tensors', () => {
  it('gramMatrix: F^T F of the maps flattened to [h * w, c]', () => {
    // 2x2 pixels, 2 channels: channel 0 = 1, 3, 5, 7; channel 1 = 2, 4, 6, 8
    const g = gramMatrix(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]));
    expect(Array.from(g.dataSync())).toEqual([84, 100, 100, 120]);
    g.dispose();
  });

  it("styleLossPerLayer: sum((S - C)^2) / (4 * 3^2 * pixels^2), the script's constants", () => {
    const style = tf.tensor2d([84, 100, 100, 120], [2, 2]);
    // comb features with Gram [[1, 0], [0, 4]]: one pixel (1, 0), one pixel (0, 2), two zero
    const comb = tf.tensor3d([1, 0, 0, 2, 0, 0, 0, 0], [2, 2, 2]);
    const want = (83 ** 2 + 100 ** 2 + 100 ** 2 + 116 ** 2) / (4 * 9 * 16 ** 2);
    expect(scalar(styleLossPerLayer(style, comb, 16))).toBeCloseTo(want, 4);
    style.dispose();
    comb.dispose();
  });

  it('variationLoss: sum((a^2 + b^2)^1.25) over the top-left (h-1) x (w-1) pixels', () => {
    const ramp = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1]);
    // every pixel: 3 below, 1 to the right -> (9 + 1)^1.25, four times
    expect(scalar(variationLoss(ramp))).toBeCloseTo(4 * 10 ** 1.25, 3);
    const bump = tf.tensor4d([0, 0, 0, 0, 2, 0, 0, 0, 0], [1, 3, 3, 1]);
    // a^2 + b^2 = [[0, 4], [4, 8]] (the bump counts below (0, 1), right of (1, 0), both at (1, 1))
    expect(scalar(variationLoss(bump))).toBeCloseTo(2 * 4 ** 1.25 + 8 ** 1.25, 3);
    const rgb = tf.tensor4d(
      Array.from({ length: 2 * 2 * 3 }, (_, i) => i),
      [1, 2, 2, 3],
    );
    // one corner pixel, channels 0-2: below differs by 6, right by 3 -> 3 * (36 + 9)^1.25
    expect(scalar(variationLoss(rgb))).toBeCloseTo(3 * 45 ** 1.25, 2);
    ramp.dispose();
    bump.dispose();
    rgb.dispose();
  });

  it('contentLoss: sum of squared differences', () => {
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.tensor1d([2, 0, 3]);
    expect(scalar(contentLoss(a, b))).toBe(5);
    a.dispose();
    b.dispose();
  });
});

/** A small conv net with a `block1_pool` output, standing in for VGG16 where only the calculus matters. */
function tinyNet(seed: number): tf.LayersModel {
  const rng = new Rng(seed);
  const input = tf.input({ shape: [8, 8, 3] });
  const conv = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'c1',
      kernelInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: rng.nextSeed() }),
      biasInitializer: tf.initializers.constant({ value: 0.1 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const pool = tf.layers.maxPooling2d({ poolSize: 2, name: 'block1_pool' }).apply(conv) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: pool });
}

function randomImage(seed: number, shape: [number, number, number, number] = [1, 8, 8, 3]): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-2, 2)),
    shape,
  );
}

describe('the dream step', () => {
  it('ascends: the normalized gradient is the raw one over its RMS, and a small step along it raises the loss', () => {
    const model = tinyNet(1);
    const x = randomImage(2);
    for (const filter of [undefined, 2]) {
      const before = tf.memory().numTensors;
      const { loss, grad } = normalizedGradient(model, x, filter);
      expect(tf.memory().numTensors, 'only the gradient is left').toBe(before + 1);
      tf.tidy(() => {
        // the script's grads / (sqrt(mean(grads^2)) + 1e-5): RMS r / (r + 1e-5) for the raw gradient's r
        const raw = tf.grad((img: tf.Tensor) => dreamLoss(model.apply(img) as tf.Tensor4D, filter))(x);
        const r = Math.sqrt(tf.mean(tf.square(raw)).dataSync()[0] ?? NaN);
        const rms = Math.sqrt(tf.mean(tf.square(grad)).dataSync()[0] ?? NaN);
        expect(r).toBeGreaterThan(1e-3);
        expect(rms).toBeCloseTo(r / (r + 1e-5), 5);
        const at = (t: tf.Tensor): number => dreamLoss(model.predict(t) as tf.Tensor4D, filter).dataSync()[0] ?? NaN;
        expect(at(x)).toBeCloseTo(loss, 5);
        expect(at(tf.add(x, tf.mul(grad, 0.01)))).toBeGreaterThan(loss);
        expect(at(tf.sub(x, tf.mul(grad, 0.01)))).toBeLessThan(loss);
        // The direction is the raw gradient's: a finite difference on the largest component agrees.
        const g = grad.dataSync();
        let k = 0;
        for (let i = 0; i < g.length; i++) if (Math.abs(g[i] ?? 0) > Math.abs(g[k] ?? 0)) k = i;
        const e = tf.oneHot(tf.tensor1d([k], 'int32'), g.length).reshape(x.shape);
        const fd = (at(tf.add(x, tf.mul(e, 1e-2))) - at(tf.sub(x, tf.mul(e, 1e-2)))) / 2e-2;
        expect(Math.sign(fd)).toBe(Math.sign(g[k] ?? 0));
        expect(fd).toBeCloseTo((g[k] ?? 0) * (r + 1e-5), 2);
      });
      grad.dispose();
    }
    // the filter loss is the mean of that channel alone
    const out = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    expect(scalar(dreamLoss(out, 1))).toBe(25);
    expect(scalar(dreamLoss(out))).toBe(13.75);
    tf.dispose([out, x]);
    model.dispose();
  });
});

describe('the style-transfer objective', () => {
  it('matches finite differences and leaves no tensor behind per evaluation', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const rng = new Rng(3);
    const c1 = tf.layers
      .conv2d({
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: rng.nextSeed() }),
      })
      .apply(input) as tf.SymbolicTensor;
    const c2 = tf.layers
      .conv2d({
        filters: 2,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: rng.nextSeed() }),
      })
      .apply(c1) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [c1, c2] });
    const content = randomImage(4);
    const style = randomImage(5);
    const grams = tf.tidy(() =>
      (model.predict(style) as tf.Tensor4D[]).map((f) => gramMatrix(tf.squeeze(f, [0]) as tf.Tensor3D)),
    );
    // weights that make all three parts matter on an 8x8 picture
    const f = styleTransferObjective(model, content, grams, { content: 0.1, style: 1e3, variation: 0.01 });
    const x = Float64Array.from(randomImage(6).dataSync());
    const first = f(x);
    const before = tf.memory().numTensors;
    const r = f(x);
    for (let i = 0; i < 3; i++) f(x);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.loss).toBeCloseTo(first.loss, 4);
    expect(r.loss).toBeCloseTo(0.1 * r.parts.content + 1e3 * r.parts.style + 0.01 * r.parts.variation, 2);
    for (const part of [r.parts.content, r.parts.style, r.parts.variation]) expect(part).toBeGreaterThan(0);
    // central differences (float32 losses: a generous step and tolerance) on a few coordinates
    for (const k of [0, 37, 100, 191]) {
      const h = 1e-2;
      const xp = Float64Array.from(x);
      const xm = Float64Array.from(x);
      xp[k] = (xp[k] ?? 0) + h;
      xm[k] = (xm[k] ?? 0) - h;
      const fd = (f(xp).loss - f(xm).loss) / (2 * h);
      expect(Math.abs(fd - (r.grad[k] ?? NaN))).toBeLessThan(0.02 * Math.max(1, Math.abs(fd)));
    }
    tf.dispose([content, style, ...grams]);
    model.dispose();
  });
});

describe('fallback features and pictures', () => {
  it('scaleToUnitActivations gives every convolution the target RMS on the calibration picture', () => {
    const net = vgg16({ includeTop: false, inputShape: [32, 32, 3], rng: new Rng(7) });
    const x = randomImage(8, [1, 32, 32, 3]);
    const scaled = tf.tidy(() => tf.mul(x, 50) as tf.Tensor4D);
    scaleToUnitActivations(net, scaled, FALLBACK_FEATURE_RMS);
    const convs = net.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs).toHaveLength(13);
    const probe = tf.model({ inputs: net.inputs, outputs: convs.map((l) => l.output as tf.SymbolicTensor) });
    const rms = tf.tidy(() =>
      (probe.predict(scaled) as tf.Tensor[]).map((o) => Math.sqrt(scalar(tf.mean(tf.square(o))))),
    );
    for (const r of rms) expect(r / FALLBACK_FEATURE_RMS).toBeCloseTo(1, 3);
    tf.dispose([x, scaled]);
    net.dispose();
  });

  it('preprocess and deprocess are inverse; imageGrid tiles with white gaps', () => {
    const img = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };
    const x = preprocess(img);
    expect(Array.from(deprocess(x.dataSync(), 3, 2).data)).toEqual(Array.from(img.data));
    x.dispose();
    const grid = imageGrid([img, img, img], 2, 1);
    expect([grid.width, grid.height]).toEqual([7, 5]);
    expect(Array.from(grid.data.subarray(9, 12))).toEqual([255, 255, 255]); // the gap after the first tile
    expect(Array.from(grid.data.subarray(12, 15))).toEqual(Array.from(img.data.subarray(0, 3)));
  });
});

const run = runQuick;

const png = (path: string) => decodePng(new Uint8Array(readFileSync(path)), path);

describe.runIf(haveImages)('--quick runs', () => {
  it('deep-dream: the 5 x (gradient + 3 iterations) grid and one picture per layer, losses rising', async () => {
    const out = join(tmp, 'dream', 'grid.png');
    const { r, text } = await run('deep-dream', { out });
    const grid = png(out);
    // 48x32 tiles (the cat at --quick size), 4 columns, 5 rows, 4-pixel gaps
    expect([grid.width, grid.height]).toEqual([4 * 48 + 3 * 4, 5 * 32 + 4 * 4]);
    for (let i = 1; i <= DREAM.layers; i++) {
      const p = join(tmp, 'dream', `grid-block${i}_pool.png`);
      expect(existsSync(p)).toBe(true);
      expect([png(p).width, png(p).height]).toEqual([48, 32]);
    }
    const layers = r.metrics['layers'] as Array<{ layer: string; losses: number[] }>;
    expect(layers.map((l) => l.layer)).toEqual([
      'block1_pool',
      'block2_pool',
      'block3_pool',
      'block4_pool',
      'block5_pool',
    ]);
    for (const l of layers) {
      expect(l.losses).toHaveLength(4);
      for (let i = 1; i < l.losses.length; i++) expect(l.losses[i]).toBeGreaterThan(l.losses[i - 1] ?? Infinity);
    }
    expect(r.metrics['features']).toBe('random-lsuv');
    expect(r.settings).toMatchObject({ iterationsPerLayer: 3, step: 100, width: 48, height: 32 });
    expect(text).toMatch(/no --weights given, so random filters/);
    expect(text).toMatch(/^block3_pool iteration 2\/3 - loss: [\d.]+ - \d+s - ETA: \d+s$/m);
  });

  it('deep-dream noise and filter variants', async () => {
    const { r } = await run('deep-dream', { variant: 'noise', out: join(tmp, 'noise.png'), iterations: 1 });
    expect(r.settings).toMatchObject({ width: 48, height: 48, iterationsPerLayer: 1 });
    expect(png(join(tmp, 'noise.png')).width).toBe(2 * 48 + 4);
    const f = await run('deep-dream', { variant: 'filter', out: join(tmp, 'filter.png'), iterations: 1 });
    expect(f.r.settings).toMatchObject({ filter: 24 });
  });

  it('style-transfer: the JPEG style, L-BFGS lowers the loss, a 32x32 PNG', async () => {
    const out = join(tmp, 'st', 'result.png');
    const { r, text } = await run('style-transfer', { out });
    expect([png(out).width, png(out).height]).toEqual([32, 32]);
    expect(r.metrics['loss']).toBeLessThan(r.metrics['initialLoss'] as number);
    expect(r.metrics['iterations']).toBe(2);
    expect(r.settings).toMatchObject({ size: 32, contentWeight: 0.1, styleWeight: 5, variationWeight: 0.01 });
    expect(text).toMatch(/^Iteration 2\/2 - loss: [\d.e+]+ - \d+ evaluations - \d+s - ETA: 0s$/m);
  });

  it('style-transfer --weights: a converted model loads through model-io', async () => {
    const dir = join(tmp, 'weights');
    const src = vgg16({ includeTop: false, inputShape: [32, 32, 3], rng: new Rng(9) });
    await saveModel(src, dir);
    src.dispose();
    const { r, text } = await run('style-transfer', {
      weights: join(dir, 'model.json'),
      iterations: 1,
      out: join(tmp, 'w.png'),
    });
    expect(r.metrics['features']).toBe('imagenet-weights');
    expect(text).toContain(`VGG16 features: weights of 13 layers from ${join(dir, 'model.json')}`);
  }, 60_000);

  it('bad arguments are one-line errors', async () => {
    await expect(run('style-transfer', { content: join(tmp, 'nope.jpg') })).rejects.toThrow(
      /--content .*nope.jpg: no such file/,
    );
    await expect(run('deep-dream', { dataDir: undefined })).rejects.toThrow(/deep-dream needs a picture/);
    await expect(run('style-transfer', { size: 20 })).rejects.toThrow(/--size must be an integer from 32/);
    await expect(run('deep-dream', { images: [join(DATA, 'images', 'SOURCE.md')] })).rejects.toThrow(
      /images\/SOURCE.md: not a PNG or JPEG file/,
    );
  });
});
