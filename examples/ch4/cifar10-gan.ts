/**
 * Chapter 4, `example_gan_cifar10.py` (keras-adversarial): a GAN on CIFAR-10 colour images
 * trained with simultaneous updates.
 *
 * Generator: Dense 256x4x4 + BatchNormalization, then three blocks of Conv2D 5x5 (128, 128, 64)
 * + BN + LeakyReLU 0.2 + UpSampling2D, Conv2D 3 5x5, sigmoid: 32x32x3 in [0, 1]. Discriminator:
 * Conv2D 64, 128, 256 5x5 each followed by MaxPooling 2 and LeakyReLU 0.2, Conv2D 1 5x5,
 * AveragePooling 4x4, sigmoid. Every kernel regularized l1l2(1e-7, 1e-7). Player optimizers
 * Adam(1e-4, decay=1e-5) and Adam(1e-3, decay=1e-5), `normal_latent_sampling((100,))`, binary
 * cross-entropy, `gan_targets`, 100 epochs of batch 32 with the test images for validation, and a
 * 10x10 grid per epoch of the same 100 latent vectors (drawn once), then `history.csv`.
 *
 * Not in the script: a checkpoint (`checkpoint.bin` in `--out`) after every epoch and when
 * interrupted, and `--resume` to continue exactly (`gan-checkpoint.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { AdversarialModel } from '../../models/adversarial.js';
import { cifarGanDiscriminator, cifarGanGenerator, GAN_LATENT_DIM } from '../../models/gan.js';
import { KerasAdam } from '../../models/keras-optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { Rng } from '../../src/rng/rng.js';
import { cifarData } from '../classifier.js';
import { checkVariant, type ExampleDef } from '../example.js';
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

const BATCH_SIZE = 32;
const NB_EPOCH = 100;
const RANGE = [0, 1] as const; // cifar10_process: x / 255.0; sigmoid output
const GENERATOR_LR = 1e-4; // opt_g=Adam(1e-4, decay=1e-5)
const DISCRIMINATOR_LR = 1e-3; // opt_d=Adam(1e-3, decay=1e-5)
const DECAY = 1e-5;

/** `tfgym example cifar10-gan`. */
export const cifar10GanExample: ExampleDef = {
  name: 'cifar10-gan',
  chapter: 4,
  script: 'cifar10/example_gan_cifar10.py (keras-adversarial)',
  description: 'GAN on CIFAR-10 colour images, keras-adversarial simultaneous updates, a 10x10 PNG grid per epoch',
  variants: ['default'],
  defaultVariant: 'default',
  defaults(variant) {
    checkVariant('cifar10-gan', variant, ['default']);
    return { epochs: NB_EPOCH, batchSize: BATCH_SIZE, optimizer: 'adam' };
  },
  async run(o) {
    const variant = checkVariant('cifar10-gan', o.variant, ['default']);
    const epochs = o.epochs ?? (o.quick ? GAN_QUICK.epochs : NB_EPOCH);
    const batchSize = o.batchSize ?? (o.quick ? GAN_QUICK.batchSize : BATCH_SIZE);
    const sampleEvery = sampleEveryOption(o);
    const out = outDir(o, 'cifar10-gan');
    GanRunCheckpoints.preflight(o, out);
    const rng = new Rng(o.seed);

    // generator (z -> x), discriminator (x -> y), the adversarial model of both
    const generator = cifarGanGenerator({ rng: rng.fork() });
    const discriminator = cifarGanDiscriminator({ rng: rng.fork() });
    const latentRng = rng.fork();
    const optimizers = {
      generator: new KerasAdam(GENERATOR_LR, 0.9, 0.999, 1e-8, DECAY),
      discriminator: new KerasAdam(DISCRIMINATOR_LR, 0.9, 0.999, 1e-8, DECAY),
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

      // the callback's zsamples = np.random.normal(size=(10 * 10, latent_dim)), drawn once
      const side = gridSide(o);
      const zRng = rng.fork();
      const zsamples = Float32Array.from({ length: side * side * GAN_LATENT_DIM }, () => zRng.normal());

      // xtrain, xtest = cifar10_data(): x / 255, 32x32x3 (every data_batch_N.bin present)
      const data = await cifarData(o);
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
        gridLatents: () => tf.tensor2d(zsamples, [side * side, GAN_LATENT_DIM]),
        ...(sampleEvery !== undefined ? { sampleEvery } : {}),
        // The other streams the training draws from (all forks are made by now).
        checkpoint: { o, example: 'cifar10-gan', variant, optimizers, streams: { latent: latentRng } },
      });
      o.log.write(`grids in ${out}, history in ${r.lossHistory}\n`);
      await saveGan(o, generator, discriminator);
      const last = (k: string): number => r.history[k]?.at(-1) ?? NaN;
      return {
        example: 'cifar10-gan',
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
          learningRates: { generator: GENERATOR_LR, discriminator: DISCRIMINATOR_LR },
          decay: DECAY,
          regularization: 'l1l2(1e-7, 1e-7)',
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
  },
};
