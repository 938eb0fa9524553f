/**
 * Chapter 4, `example_gan_convolutional.py` (keras-adversarial): a convolutional GAN on MNIST
 * trained with simultaneous updates.
 *
 * Generator: Dense 256x14x14 + BatchNormalization + relu, UpSampling2D, Conv2D 128 3x3 + BN +
 * relu, Conv2D 64 3x3 + BN + relu, Conv2D 1 1x1 sigmoid (images in [0, 1], as `x / 255`).
 * Discriminator: Conv2D 256 5x5 stride 2 + LeakyReLU 0.2 + Dropout 0.5, Conv2D 512 5x5 stride 2
 * (same), Dense 256 (same), Dense 1 sigmoid. `simple_gan` with `normal_latent_sampling((100,))`,
 * `AdversarialModel` with `AdversarialOptimizerSimultaneous`, player optimizers Adam(1e-4,
 * decay=1e-4) for the generator and Adam(1e-3, decay=1e-4) for the discriminator, binary
 * cross-entropy, targets `gan_targets`; `model.fit(xtrain, y, validation_data=(xtest, ytest),
 * epochs=100, batch_size=32)` with `ImageGridCallback` writing a 10x10 grid of new samples per
 * epoch (`epoch-NNN.png`), then `history.csv`.
 *
 * Not in the script: a checkpoint (`checkpoint.bin` in `--out`) after every epoch and when
 * interrupted, and `--resume` to continue exactly (`gan-checkpoint.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { AdversarialModel } from '../../models/adversarial.js';
import { convGanDiscriminator, convGanGenerator, GAN_LATENT_DIM } from '../../models/gan.js';
import { KerasAdam } from '../../models/keras-optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { Rng } from '../../src/rng/rng.js';
import { mnistData } from '../classifier.js';
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
const RANGE = [0, 1] as const; // mnist_process: x / 255.0; sigmoid output
// Adam(1e-4, decay=1e-4) and Adam(1e-3, decay=1e-4): Keras 2.0's Adam with time-based decay
const GENERATOR_LR = 1e-4;
const DISCRIMINATOR_LR = 1e-3;
const DECAY = 1e-4;

/** `tfgym example mnist-gan`. */
export const mnistGanExample: ExampleDef = {
  name: 'mnist-gan',
  chapter: 4,
  script: 'cifar10/example_gan_convolutional.py (keras-adversarial)',
  description: 'convolutional GAN on MNIST, keras-adversarial simultaneous updates, a 10x10 PNG grid per epoch',
  variants: ['default'],
  defaultVariant: 'default',
  defaults(variant) {
    checkVariant('mnist-gan', variant, ['default']);
    return { epochs: NB_EPOCH, batchSize: BATCH_SIZE, optimizer: 'adam' };
  },
  async run(o) {
    const variant = checkVariant('mnist-gan', o.variant, ['default']);
    const epochs = o.epochs ?? (o.quick ? GAN_QUICK.epochs : NB_EPOCH);
    const batchSize = o.batchSize ?? (o.quick ? GAN_QUICK.batchSize : BATCH_SIZE);
    const sampleEvery = sampleEveryOption(o);
    const out = outDir(o, 'mnist-gan');
    GanRunCheckpoints.preflight(o, out);
    const rng = new Rng(o.seed);

    // generator (z -> x), discriminator (x -> y)
    const generator = convGanGenerator({ rng: rng.fork() });
    const discriminator = convGanDiscriminator({ rng: rng.fork() });
    // gan (x -> yfake, yreal), z from N(0, 1) for each player's copy
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

      // xtrain, xtest = mnist_data(): x / 255, 28x28x1
      const data = await mnistData(o);
      const train = o.quick ? firstImages(data.train, GAN_QUICK.train) : data.train;
      const test = o.quick ? firstImages(data.test, GAN_QUICK.test) : data.test;
      const xTrain = imageTensor(train, RANGE);
      const xTest = imageTensor(test, RANGE);
      tensors = [xTrain, xTest];

      // model.fit(x=xtrain, y=gan_targets, validation_data=(xtest, ...), callbacks=[generator_cb])
      // generator_sampler: 10 x 10 new N(0, 1) samples for every grid
      const gridRng = rng.fork();
      const side = gridSide(o);
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
        gridLatents: () => normalLatent(gridRng, side * side, GAN_LATENT_DIM),
        ...(sampleEvery !== undefined ? { sampleEvery } : {}),
        // The other streams the training draws from (all forks are made by now).
        checkpoint: { o, example: 'mnist-gan', variant, optimizers, streams: { latent: latentRng, grid: gridRng } },
      });
      o.log.write(`grids in ${out}, history in ${r.lossHistory}\n`);
      await saveGan(o, generator, discriminator);
      const last = (k: string): number => r.history[k]?.at(-1) ?? NaN;
      return {
        example: 'mnist-gan',
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
