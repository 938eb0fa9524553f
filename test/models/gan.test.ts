/**
 * The book's Chapter 4 GAN nets (`models/gan.ts`) and the adversarial training helper
 * (`models/adversarial.ts`): shapes, parameter counts, argument errors, what each kind of step
 * updates and with which gradient, keras-adversarial's BatchNormalization merge and penalties,
 * and that no step leaves a tensor behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdversarialModel, GAN_TARGETS, PLAYERS } from '../../models/adversarial.js';
import {
  cifarGanDiscriminator,
  cifarGanGenerator,
  convGanDiscriminator,
  convGanGenerator,
  dcganDiscriminator,
  dcganGenerator,
} from '../../models/gan.js';
import { KerasAdam } from '../../models/keras-optimizers.js';
import { countParams } from '../../models/summary.js';
import { ModelArgumentError } from '../../models/validate.js';
import { useBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';

beforeAll(async () => {
  // Native when built (the GAN convolutions are slow on the pure-JS cpu backend), else wasm or cpu.
  await useBackend('auto');
  // tfjs-layers caches a few scalars (epsilon, ...) on first use: make them before any count.
  const rng = new Rng(1);
  const z = [normalZ(rng, 2, 2)];
  const gan = tinyGan(rng, z, 0.1, true);
  const real = tf.zeros([2, 3]);
  const fake = gan.generate(z[0] as tf.Tensor);
  gan.trainDiscriminator(real, fake);
  gan.trainGenerator(z[0] as tf.Tensor);
  gan.trainSimultaneous(real);
  gan.evaluate(real);
  gan.dispose();
  tf.dispose([real, fake, ...z]);
});

/** Seeded N(0, 1) latent vectors. */
function normalZ(rng: Rng, n: number, dim = 100): tf.Tensor2D {
  return tf.tensor2d(
    Float32Array.from({ length: n * dim }, () => rng.normal()),
    [n, dim],
  );
}

function values(vars: readonly tf.Tensor[]): Float32Array[] {
  return vars.map((v) => Float32Array.from(v.dataSync()));
}

function changed(a: readonly Float32Array[], b: readonly Float32Array[]): boolean[] {
  return a.map((x, i) => x.some((v, j) => v !== b[i]?.[j]));
}

describe('the book GAN nets', () => {
  const cases = [
    ['dcganGenerator', () => dcganGenerator(), [100], [28, 28, 1], 6763777, [-1, 1]],
    ['dcganDiscriminator', () => dcganDiscriminator(), [28, 28, 1], [1], 3485441, [0, 1]],
    ['convGanGenerator', () => convGanGenerator(), [100], [28, 28, 1], 5638145, [0, 1]],
    ['convGanDiscriminator', () => convGanDiscriminator(), [28, 28, 1], [1], 9707009, [0, 1]],
    ['cifarGanGenerator', () => cifarGanGenerator(), [100], [32, 32, 3], 1870083, [0, 1]],
    ['cifarGanDiscriminator', () => cifarGanDiscriminator(), [32, 32, 3], [1], 1035649, [0, 1]],
  ] as const;
  for (const [name, build, input, output, params, [lo, hi]] of cases) {
    it(`${name}: ${input.join('x')} -> ${output.join('x')}, ${params.toLocaleString('en')} parameters, outputs in [${lo}, ${hi}]`, () => {
      const before = tf.memory().numTensors;
      const model = build();
      const y = tf.tidy(() => model.predict(tf.randomUniform([2, ...input], -1, 1, 'float32', 3)) as tf.Tensor);
      expect(y.shape).toEqual([2, ...output]);
      const v = y.dataSync();
      expect(Math.min(...v)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...v)).toBeLessThanOrEqual(hi);
      y.dispose();
      expect(countParams(model).total).toBe(params);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the BatchNormalization moving statistics are the non-trainable parameters', () => {
    const g = dcganGenerator();
    expect(countParams(g).nonTrainable).toBe(2 * 128 * 7 * 7);
    g.dispose();
    const c = cifarGanGenerator();
    expect(countParams(c).nonTrainable).toBe(2 * (4096 + 128 + 128 + 64));
    c.dispose();
  });

  it('are seeded by the Rng and refuse bad arguments Keras-style', () => {
    const first = (seed: number): number[] => {
      const m = dcganDiscriminator({ rng: new Rng(seed) });
      const w = Array.from(m.getWeights()[0]?.dataSync() ?? []).slice(0, 10);
      m.dispose();
      return w;
    };
    expect(first(4)).toEqual(first(4));
    expect(first(4)).not.toEqual(first(5));
    expect(() => dcganGenerator({ latentDim: 0 })).toThrow(ModelArgumentError);
    expect(() => convGanGenerator({ latentDim: 2.5 })).toThrow(/`latentDim`, expected a positive integer/);
    expect(() => convGanDiscriminator({ dropoutRate: 1.5 })).toThrow(/`dropoutRate`/);
  });
});

/** A tiny GAN without dropout: G = Dense 3 tanh from 2 latents, D = Dense 1 sigmoid from 3. */
function tinyGan(rng: Rng, z: readonly tf.Tensor2D[], lr = 0.1, withBatchNorm = false): AdversarialModel {
  let draw = 0;
  const generator = tf.sequential({
    layers: [
      ...(withBatchNorm ? [tf.layers.batchNormalization({ inputShape: [2] })] : []),
      tf.layers.dense({
        ...(withBatchNorm ? {} : { inputShape: [2] }),
        units: 3,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
      }),
    ],
  });
  const discriminator = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [3],
        units: 1,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
        biasInitializer: tf.initializers.constant({ value: 0.3 }),
      }),
    ],
  });
  return new AdversarialModel({
    generator,
    discriminator,
    optimizers: { generator: tf.train.sgd(lr), discriminator: tf.train.sgd(lr) },
    // The given latents in turn (a copy each time: the callers dispose what they get).
    latentSampling: () => (z[draw++ % z.length] as tf.Tensor2D).clone(),
  });
}

/** The discriminator's probabilities for `x` (inference), as numbers. */
function probs(gan: AdversarialModel, x: tf.Tensor): Float32Array {
  const y = tf.tidy(() => gan.discriminator.predict(x) as tf.Tensor);
  const v = Float32Array.from(y.dataSync());
  y.dispose();
  return v;
}

/** Keras' binary cross-entropy of probabilities `p` against one label, as plain numbers. */
function bceOf(p: ArrayLike<number>, label: number): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(Math.max(p[i] ?? 0, 1e-7), 1 - 1e-7);
    s -= label * Math.log(q) + (1 - label) * Math.log(1 - q);
  }
  return s / p.length;
}

describe('AdversarialModel', () => {
  it("keras-adversarial's gan_targets: generator fake 1 / real 0, discriminator fake 0 / real 1", () => {
    expect(PLAYERS).toEqual(['generator', 'discriminator']);
    expect(GAN_TARGETS).toEqual({ generator: { fake: 1, real: 0 }, discriminator: { fake: 0, real: 1 } });
  });

  it('refuses a discriminator that does not read the generator output', () => {
    const g = dcganGenerator();
    const d = cifarGanDiscriminator();
    const opt = { generator: tf.train.sgd(0.1), discriminator: tf.train.sgd(0.1) };
    expect(
      () =>
        new AdversarialModel({
          generator: g,
          discriminator: d,
          optimizers: opt,
          latentSampling: () => tf.zeros([1, 100]),
        }),
    ).toThrow(/generator's output \[, 28, 28, 1\] must be the discriminator's one input \[, 32, 32, 3\]/);
    g.dispose();
    d.dispose();
    opt.generator.dispose();
    opt.discriminator.dispose();
  });

  it('keras-dcgan steps: the discriminator on real (1) and fake (0), the generator through the frozen discriminator', () => {
    const rng = new Rng(11);
    const z = [normalZ(rng, 4, 2)];
    const gan = tinyGan(rng, z);
    const real = tf.randomUniform([4, 3], -1, 1, 'float32', 5);
    const before = tf.memory().numTensors;
    const g0 = values(gan.playerWeights('generator'));
    const d0 = values(gan.playerWeights('discriminator'));
    // The loss each step reports is the mean BCE before its update.
    const fake = gan.generate(z[0] as tf.Tensor);
    const pReal = probs(gan, real);
    const pFake = probs(gan, fake);
    const dLoss = gan.trainDiscriminator(real, fake);
    expect(dLoss).toBeCloseTo((bceOf(pReal, 1) + bceOf(pFake, 0)) / 2, 5);
    expect(changed(values(gan.playerWeights('generator')), g0)).toEqual([false, false]);
    expect(changed(values(gan.playerWeights('discriminator')), d0)).toEqual([true, true]);
    fake.dispose();

    const d1 = values(gan.playerWeights('discriminator'));
    const generated = gan.generate(z[0] as tf.Tensor);
    const pGen = probs(gan, generated);
    generated.dispose();
    const gLoss = gan.trainGenerator(z[0] as tf.Tensor);
    expect(gLoss).toBeCloseTo(bceOf(pGen, 1), 5);
    expect(changed(values(gan.playerWeights('discriminator')), d1)).toEqual([false, false]);
    expect(changed(values(gan.playerWeights('generator')), g0)).toEqual([true, true]);
    expect(tf.memory().numTensors).toBe(before);
    gan.dispose();
    tf.dispose([real, ...z]);
  });

  it('a simultaneous step takes both gradients at the same weights, then applies both', () => {
    const rng = new Rng(12);
    const z = [normalZ(rng, 5, 2), normalZ(rng, 5, 2)];
    const lr = 0.1;
    const gan = tinyGan(rng, z, lr);
    const real = tf.randomUniform([5, 3], -1, 1, 'float32', 6);
    const gVars = gan.playerWeights('generator');
    const dVars = gan.playerWeights('discriminator');
    // The reference: each player's loss on its own latent batch, differentiated at the old weights.
    const expected = tf.tidy(() => {
      const lossOf = (player: 'generator' | 'discriminator', zi: tf.Tensor) => () => {
        const t = GAN_TARGETS[player];
        const yfake = gan.discriminator.apply(gan.generator.apply(zi)) as tf.Tensor;
        const yreal = gan.discriminator.apply(real) as tf.Tensor;
        const bce = (label: number, y: tf.Tensor) => tf.mean(tf.metrics.binaryCrossentropy(tf.fill(y.shape, label), y));
        return tf.add(bce(t.fake, yfake), bce(t.real, yreal)) as tf.Scalar;
      };
      const g = tf.variableGrads(lossOf('generator', z[0] as tf.Tensor), gVars);
      const d = tf.variableGrads(lossOf('discriminator', z[1] as tf.Tensor), dVars);
      return {
        losses: [g.value.dataSync()[0], d.value.dataSync()[0]],
        g: gVars.map((v) => Float32Array.from(tf.sub(v, tf.mul(g.grads[v.name] as tf.Tensor, lr)).dataSync())),
        d: dVars.map((v) => Float32Array.from(tf.sub(v, tf.mul(d.grads[v.name] as tf.Tensor, lr)).dataSync())),
      };
    });
    const before = tf.memory().numTensors;
    const l = gan.trainSimultaneous(real);
    expect(tf.memory().numTensors).toBe(before);
    expect(l.generator.loss).toBeCloseTo(expected.losses[0] ?? NaN, 5);
    expect(l.discriminator.loss).toBeCloseTo(expected.losses[1] ?? NaN, 5);
    expect(l.loss).toBeCloseTo(l.generator.loss + l.discriminator.loss, 6);
    expect(l.generator.yfake + l.generator.yreal).toBeCloseTo(l.generator.loss, 5);
    values(gVars).forEach((w, i) => w.forEach((x, j) => expect(x).toBeCloseTo(expected.g[i]?.[j] ?? NaN, 5)));
    values(dVars).forEach((w, i) => w.forEach((x, j) => expect(x).toBeCloseTo(expected.d[i]?.[j] ?? NaN, 5)));
    gan.dispose();
    tf.dispose([real, ...z]);
  });

  it("merges the two players' BatchNormalization updates as keras-adversarial does (their mean)", () => {
    const rng = new Rng(13);
    const z = [normalZ(rng, 6, 2), tf.add(normalZ(rng, 6, 2), 3) as tf.Tensor2D];
    const gan = tinyGan(rng, z, 0.1, true);
    const real = tf.zeros([6, 3]);
    gan.trainSimultaneous(real);
    const [movingMean, movingVar] = gan.generator.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    const stats = (t: tf.Tensor) => tf.tidy(() => tf.moments(t, 0));
    const m = z.map((t) => {
      const s = stats(t);
      const r = { mean: Array.from(s.mean.dataSync()), variance: Array.from(s.variance.dataSync()) };
      tf.dispose([s.mean, s.variance]);
      return r;
    });
    // Keras' update from (0, 1) with momentum 0.99, once per player copy, then averaged.
    for (let k = 0; k < 2; k++) {
      const avgMean = ((m[0]?.mean[k] ?? NaN) + (m[1]?.mean[k] ?? NaN)) / 2;
      const avgVar = ((m[0]?.variance[k] ?? NaN) + (m[1]?.variance[k] ?? NaN)) / 2;
      expect(movingMean?.[k]).toBeCloseTo(0.01 * avgMean, 6);
      expect(movingVar?.[k]).toBeCloseTo(0.99 + 0.01 * avgVar, 6);
    }
    gan.dispose();
    tf.dispose([real, ...z]);
  });

  it('evaluate: inference-mode losses, batch-size weighted, each player its own z', () => {
    const rng = new Rng(14);
    // Batches of 5 then 2: the generator player draws z[0] and the discriminator z[1] for the
    // first, z[2] and z[3] for the second.
    const z = [normalZ(rng, 5, 2), normalZ(rng, 5, 2), normalZ(rng, 2, 2), normalZ(rng, 2, 2)];
    const gan = tinyGan(rng, z);
    const real = tf.randomUniform([7, 3], -1, 1, 'float32', 8);
    const p = (x: tf.Tensor): Float32Array => probs(gan, x);
    const pReal = p(real);
    const pf = z.map((zi) => {
      const fake = gan.generate(zi);
      const r = p(fake);
      fake.dispose();
      return r;
    });
    const before = tf.memory().numTensors;
    const l = gan.evaluate(real, 5);
    expect(tf.memory().numTensors).toBe(before);
    const weighted = (a: number, b: number) => (5 * a + 2 * b) / 7;
    const realG = weighted(bceOf(pReal.slice(0, 5), 0), bceOf(pReal.slice(5), 0));
    expect(l.generator.yreal).toBeCloseTo(realG, 5);
    expect(l.discriminator.yreal).toBeCloseTo(weighted(bceOf(pReal.slice(0, 5), 1), bceOf(pReal.slice(5), 1)), 5);
    expect(l.generator.yfake).toBeCloseTo(weighted(bceOf(pf[0] ?? [], 1), bceOf(pf[2] ?? [], 1)), 5);
    expect(l.discriminator.yfake).toBeCloseTo(weighted(bceOf(pf[1] ?? [], 0), bceOf(pf[3] ?? [], 0)), 5);
    gan.dispose();
    tf.dispose([real, ...z]);
  });

  it('adds every regularization penalty to both players (the CIFAR-10 nets: l1l2 1e-7)', () => {
    const rng = new Rng(15);
    const gan = new AdversarialModel({
      generator: cifarGanGenerator({ rng: rng.fork() }),
      discriminator: cifarGanDiscriminator({ rng: rng.fork() }),
      optimizers: {
        generator: new KerasAdam(1e-4, 0.9, 0.999, 1e-8, 1e-5),
        discriminator: new KerasAdam(1e-3, 0.9, 0.999, 1e-8, 1e-5),
      },
      latentSampling: (n) => normalZ(rng, n),
    });
    const penalties = gan.penalties();
    // One per regularized kernel: the generator's Dense and 4 convolutions, the discriminator's 4.
    expect(penalties).toHaveLength(9);
    const penalty = tf.addN(penalties).dataSync()[0] ?? NaN;
    tf.dispose(penalties);
    // sum(1e-7 |w| + 1e-7 w^2) over about 2.9 million glorot weights.
    expect(penalty).toBeGreaterThan(1e-4);
    expect(penalty).toBeLessThan(1e-1);
    const real = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 9);
    const before = tf.memory().numTensors;
    const l = gan.trainSimultaneous(real);
    for (const p of PLAYERS) expect(l[p].loss - l[p].yfake - l[p].yreal).toBeCloseTo(penalty, 4);
    const e = gan.evaluate(real);
    for (const p of PLAYERS) expect(e[p].loss - e[p].yfake - e[p].yreal).toBeCloseTo(penalty, 4);
    // Adam's two slots per trainable weight, and nothing else.
    const weights = gan.playerWeights('generator').length + gan.playerWeights('discriminator').length;
    expect(tf.memory().numTensors).toBe(before + 2 * weights);
    gan.dispose();
    real.dispose();
  });

  it('a step of the book nets (dcgan alternating, convolutional simultaneous) leaves no tensor behind', () => {
    const rng = new Rng(16);
    const before = tf.memory().numTensors;
    const dcgan = new AdversarialModel({
      generator: dcganGenerator({ rng: rng.fork() }),
      discriminator: dcganDiscriminator({ rng: rng.fork() }),
      optimizers: { generator: tf.train.momentum(5e-4, 0.9, true), discriminator: tf.train.momentum(5e-4, 0.9, true) },
      latentSampling: (n) => normalZ(rng, n),
    });
    const real = tf.randomUniform([3, 28, 28, 1], -1, 1, 'float32', 10);
    const inside = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const z = normalZ(rng, 3);
      const fake = dcgan.generate(z);
      expect(Number.isFinite(dcgan.trainDiscriminator(real, fake))).toBe(true);
      expect(Number.isFinite(dcgan.trainGenerator(z))).toBe(true);
      tf.dispose([z, fake]);
      // One momentum slot per weight appears on the first step; nothing grows after it.
      const slots = dcgan.playerWeights('generator').length + dcgan.playerWeights('discriminator').length;
      expect(tf.memory().numTensors).toBe(inside + slots);
    }
    dcgan.dispose();
    const conv = new AdversarialModel({
      generator: convGanGenerator({ rng: rng.fork() }),
      discriminator: convGanDiscriminator({ rng: rng.fork() }),
      optimizers: {
        generator: new KerasAdam(1e-4, 0.9, 0.999, 1e-8, 1e-4),
        discriminator: new KerasAdam(1e-3, 0.9, 0.999, 1e-8, 1e-4),
      },
      latentSampling: (n) => normalZ(rng, n),
    });
    const unit = tf.tidy(() => tf.add(tf.mul(real, 0.5), 0.5));
    const l = conv.trainSimultaneous(unit);
    for (const p of PLAYERS) expect(Number.isFinite(l[p].loss)).toBe(true);
    conv.dispose();
    tf.dispose([real, unit]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
