/**
 * The driver of keras-adversarial's example scripts, which `mnist-gan`
 * (`example_gan_convolutional.py`) and `cifar10-gan` (`example_gan_cifar10.py`) share line for
 * line apart from their two models, their data, the players' learning rates and decay, and the
 * latent vectors of their image grids: `simple_gan(generator, discriminator,
 * normal_latent_sampling((100,)))`, `AdversarialModel` with `AdversarialOptimizerSimultaneous`
 * and Keras 2.0's Adam with time-based decay for each player, binary cross-entropy,
 * `model.fit(xtrain, gan_targets, validation_data=(xtest, ...), epochs=100, batch_size=32)` with
 * an `ImageGridCallback` writing a 10x10 grid per epoch (`epoch-NNN.png`), then `history.csv`.
 *
 * Not in the scripts: a checkpoint (`checkpoint.bin` in `--out`) after every epoch and when
 * interrupted, and `--resume` to continue exactly (`gan-checkpoint.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { AdversarialModel } from '../../models/adversarial.js';
import { GAN_LATENT_DIM } from '../../models/gan.js';
import { KerasAdam } from '../../models/keras-optimizers.js';
import { modelSummary } from '../../models/summary.js';
import type { ImageDataset } from '../../src/data/datasets.js';
import { Rng } from '../../src/rng/rng.js';
import { checkVariant, type ExampleOptions, type ExampleOutcome } from '../example.js';
import {
  firstImages,
  fitAdversarial,
  GAN_QUICK,
  ganMetrics,
  gridSide,
  imageTensor,
  normalLatent,
  outDir,
  sampleEveryOption,
  saveGan,
} from './common.js';
import { GanRunCheckpoints } from './gan-checkpoint.js';

/** keras-adversarial's examples: batch 32, 100 epochs. */
export const KERAS_ADVERSARIAL_DEFAULTS = { epochs: 100, batchSize: 32, optimizer: 'adam' } as const;

/** `x / 255.0` in both scripts' data functions; both generators end in a sigmoid. */
const RANGE = [0, 1] as const;

/** What one keras-adversarial example script sets. */
export interface KerasAdversarialScript {
  /** The tfgym example's name (also the default `--out` folder and the checkpoint's identity). */
  example: string;
  /** The generator (z -> x), built from its own random stream. */
  generator(rng: Rng): tf.LayersModel;
  /** The discriminator (x -> y), built from its own random stream. */
  discriminator(rng: Rng): tf.LayersModel;
  /** The script's data function: training and test images. */
  data(o: ExampleOptions): Promise<ImageDataset>;
  /** The players' Adam learning rates. */
  learningRates: { generator: number; discriminator: number };
  /** Keras 2.0's time-based decay of both players' learning rates. */
  decay: number;
  /**
   * The grid's latent vectors: `fresh` draws new ones for every grid (the MNIST script's
   * `generator_sampler`), `fixed` draws one set before training and shows it every epoch (the
   * CIFAR-10 script's `zsamples`).
   */
  gridLatents: 'fresh' | 'fixed';
  /** More settings for the result line (what else the script sets, e.g. its regularization). */
  settings?: Record<string, unknown>;
}

/** Runs `script` on the example options: builds, trains, writes grids, history and checkpoints. */
export async function runKerasAdversarial(o: ExampleOptions, script: KerasAdversarialScript): Promise<ExampleOutcome> {
  const { example } = script;
  const variant = checkVariant(example, o.variant, ['default']);
  const epochs = o.epochs ?? (o.quick ? GAN_QUICK.epochs : KERAS_ADVERSARIAL_DEFAULTS.epochs);
  const batchSize = o.batchSize ?? (o.quick ? GAN_QUICK.batchSize : KERAS_ADVERSARIAL_DEFAULTS.batchSize);
  const sampleEvery = sampleEveryOption(o);
  const out = outDir(o, example);
  GanRunCheckpoints.preflight(o, out);
  const rng = new Rng(o.seed);

  const generator = script.generator(rng.fork());
  const discriminator = script.discriminator(rng.fork());
  // gan (x -> yfake, yreal), z from N(0, 1) for each player's copy
  const latentRng = rng.fork();
  const { learningRates, decay } = script;
  const optimizers = {
    generator: new KerasAdam(learningRates.generator, 0.9, 0.999, 1e-8, decay),
    discriminator: new KerasAdam(learningRates.discriminator, 0.9, 0.999, 1e-8, decay),
  };
  const gan = new AdversarialModel({
    generator,
    discriminator,
    optimizers,
    latentSampling: (n) => normalLatent(latentRng, n, GAN_LATENT_DIM),
  });
  let tensors: tf.Tensor[] = [];
  try {
    o.log.write(`${modelSummary(generator)}\n${modelSummary(discriminator)}\n`);
    const side = gridSide(o);
    const gridRng = rng.fork();
    // zsamples = np.random.normal(size=(10 * 10, latent_dim)), drawn once (the `fixed` script)
    const zsamples =
      script.gridLatents === 'fixed'
        ? Float32Array.from({ length: side * side * GAN_LATENT_DIM }, () => gridRng.normal())
        : undefined;

    const data = await script.data(o);
    const train = o.quick ? firstImages(data.train, GAN_QUICK.train) : data.train;
    const test = o.quick ? firstImages(data.test, GAN_QUICK.test) : data.test;
    const xTrain = imageTensor(train, RANGE);
    const xTest = imageTensor(test, RANGE);
    tensors = [xTrain, xTest];

    const r = await fitAdversarial({
      gan,
      xTrain,
      xTest,
      epochs,
      batchSize,
      rng,
      log: o.log,
      range: RANGE,
      out,
      gridSide: side,
      gridLatents: () =>
        zsamples
          ? tf.tensor2d(zsamples, [side * side, GAN_LATENT_DIM])
          : normalLatent(gridRng, side * side, GAN_LATENT_DIM),
      ...(sampleEvery !== undefined ? { sampleEvery } : {}),
      // The other streams the training draws from (all forks are made by now); a fixed grid's
      // stream is spent before training and drawn again the same way on resuming.
      checkpoint: {
        o,
        example,
        variant,
        optimizers,
        streams: zsamples ? { latent: latentRng } : { latent: latentRng, grid: gridRng },
      },
    });
    o.log.write(`grids in ${out}, history in ${r.lossHistory}\n`);
    await saveGan(o, generator, discriminator);
    const last = (k: string): number => r.history[k]?.at(-1) ?? NaN;
    return {
      example,
      variant,
      metrics: ganMetrics(last('generator_loss'), last('discriminator_loss'), { out, ...r }, r.trainSeconds, {
        loss: last('loss'),
        valGeneratorLoss: last('val_generator_loss'),
        valDiscriminatorLoss: last('val_discriminator_loss'),
      }),
      settings: {
        epochs,
        batchSize,
        optimizer: 'adam',
        learningRates,
        decay,
        ...script.settings,
        latentDim: GAN_LATENT_DIM,
        trainSamples: train.count,
        testSamples: test.count,
        ...(sampleEvery !== undefined ? { sampleEvery } : {}),
        out,
      },
      history: r.history,
      ...(r.earlierSegments.length > 0 ? { earlierSegments: r.earlierSegments } : {}),
    };
  } finally {
    tf.dispose(tensors);
    gan.dispose();
  }
}
