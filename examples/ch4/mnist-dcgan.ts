/**
 * Chapter 4, `dcgan.py` (jacobgil/keras-dcgan): a deep convolutional GAN forging MNIST digits.
 *
 * The generator (Dense 1024 tanh, Dense 128x7x7 + BatchNormalization + tanh, two UpSampling2D +
 * Conv2D 5x5 tanh) turns 100 uniform [-1, 1] numbers into a 28x28 image in [-1, 1]; the
 * discriminator (Conv2D 64 and 128 5x5 tanh with max pooling, Dense 1024 tanh, Dense 1 sigmoid)
 * tells real from generated. Both SGD(lr=0.0005, momentum=0.9, nesterov=True), batch 128, trained
 * in turn by the script's own loop over the training images in order: for each batch, the
 * discriminator learns real (1) from generated (0) images, then the generator, through the frozen
 * discriminator, learns to make it answer 1. Every 20 batches the batch's generated images are
 * saved as one picture, `<epoch>_<batch>.png`. The script loops 100 epochs; the book shows its
 * forged digits after 32, the default here.
 *
 * Not in the script: at the book's settings a run takes hours here, so it writes a checkpoint
 * (`checkpoint.bin` in `--out`) after every epoch and when interrupted (`signal`), and `--resume`
 * continues it exactly (`gan-checkpoint.ts`).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AdversarialModel } from '../../models/adversarial.js';
import { dcganDiscriminator, dcganGenerator, GAN_LATENT_DIM } from '../../models/gan.js';
import { modelSummary } from '../../models/summary.js';
import { Rng } from '../../src/rng/rng.js';
import { mnistData } from '../classifier.js';
import { checkVariant, ExampleArgumentError, type ExampleDef } from '../example.js';
import {
  firstImages,
  GAN_QUICK,
  GanProgress,
  ganMetrics,
  imageTensor,
  LossCsv,
  outDir,
  RunningMeans,
  sampleEveryOption,
  saveGan,
  uniformLatent,
  writeSampleGrid,
} from './common.js';
import { GanRunCheckpoints } from './gan-checkpoint.js';

/** What a checkpoint of this example keeps besides weights and random streams. */
interface DcganProgress {
  csv: { columns: string[] | null; rows: string[] };
  epochMeans: { sums: Record<string, number>; count: number };
  samples: string[];
  history: Record<string, number[]>;
}

const BATCH_SIZE = 128; // get_args: --batch_size default 128
const NB_EPOCH = 32; // the book's picture; the script's loop runs 100
const SAMPLE_EVERY = 20; // `if index % 20 == 0`: save the batch's generated images
const LEARNING_RATE = 0.0005; // SGD(lr=0.0005, momentum=0.9, nesterov=True), both models
const MOMENTUM = 0.9;
const RANGE = [-1, 1] as const; // X_train = (X_train - 127.5) / 127.5; tanh output

/** `tfgym example mnist-dcgan`. */
export const mnistDcganExample: ExampleDef = {
  name: 'mnist-dcgan',
  chapter: 4,
  script: 'dcgan.py (jacobgil/keras-dcgan)',
  description: 'DCGAN forging MNIST digits: generator and discriminator trained in turn, a PNG grid every 20 batches',
  variants: ['default'],
  defaultVariant: 'default',
  defaults(variant) {
    checkVariant('mnist-dcgan', variant, ['default']);
    return { epochs: NB_EPOCH, batchSize: BATCH_SIZE, optimizer: 'sgd' };
  },
  async run(o) {
    const variant = checkVariant('mnist-dcgan', o.variant, ['default']);
    const epochs = o.epochs ?? (o.quick ? GAN_QUICK.epochs : NB_EPOCH);
    const batchSize = o.batchSize ?? (o.quick ? GAN_QUICK.batchSize : BATCH_SIZE);
    const sampleEvery = sampleEveryOption(o) ?? (o.quick ? GAN_QUICK.sampleEvery : SAMPLE_EVERY);
    const out = outDir(o, 'mnist-dcgan');
    GanRunCheckpoints.preflight(o, out);
    const rng = new Rng(o.seed);

    // (X_train, y_train), (X_test, y_test) = mnist.load_data(); scaled to [-1, 1]
    const data = await mnistData(o);
    const train = o.quick ? firstImages(data.train, GAN_QUICK.train) : data.train;
    const nbBatches = Math.floor(train.count / batchSize); // int(X_train.shape[0] / BATCH_SIZE)
    if (nbBatches < 1)
      throw new ExampleArgumentError(`--batch-size ${batchSize} is larger than the ${train.count} training images`);

    // the two models; the combined one is D(G(z)) with the discriminator frozen
    const discriminator = dcganDiscriminator({ rng: rng.fork() });
    const generator = dcganGenerator({ rng: rng.fork() });
    const noiseRng = rng.fork();
    const noise = (n: number): tf.Tensor2D => uniformLatent(noiseRng, n, GAN_LATENT_DIM);
    const sgd = (): tf.Optimizer => tf.train.momentum(LEARNING_RATE, MOMENTUM, true);
    const optimizers = { generator: sgd(), discriminator: sgd() };
    const gan = new AdversarialModel({ generator, discriminator, optimizers, latentSampling: noise });
    const checkpoints = new GanRunCheckpoints({
      o,
      out,
      // What a resumed run must share with the run it continues.
      identity: {
        example: 'mnist-dcgan',
        variant,
        seed: o.seed,
        epochs,
        batchSize,
        sampleEvery,
        trainSamples: train.count,
        quick: o.quick === true,
      },
      models: { generator, discriminator },
      optimizers,
      rngs: { noise: noiseRng },
    });
    const xTrain = imageTensor(train, RANGE);
    try {
      o.log.write(`${modelSummary(generator)}\n${modelSummary(discriminator)}\n`);
      const csv = new LossCsv(join(out, 'losses.csv'));
      let samples: string[] = [];
      const epochMeans = new RunningMeans();
      let history: Record<string, number[]> = { d_loss: [], g_loss: [] };
      let start = { epoch: 0, batch: 0 };
      const resumed = await checkpoints.restore();
      if (resumed) {
        const p = resumed.progress as DcganProgress;
        csv.restore(p.csv);
        epochMeans.restore(p.epochMeans);
        samples = [...p.samples];
        history = p.history;
        start = { epoch: resumed.epoch, batch: resumed.batch };
      }
      const progress = new GanProgress(o.log, epochs, nbBatches, start.epoch * nbBatches + start.batch);
      const state = (): DcganProgress => ({ csv: csv.state(), epochMeans: epochMeans.state(), samples, history });
      for (let epoch = start.epoch; epoch < epochs; epoch++) {
        const first = epoch === start.epoch ? start.batch : 0;
        if (first === 0) {
          o.log.write(`Epoch is ${epoch}\nNumber of batches ${nbBatches}\n`);
          epochMeans.reset();
        }
        for (let index = first; index < nbBatches; index++) {
          await checkpoints.stopIfAsked(epoch, index, () => {
            csv.flush();
            return { progress: state(), trainSeconds: progress.seconds() };
          });
          const [dLoss, gLoss] = tf.tidy(() => {
            const imageBatch = tf.slice(xTrain, index * batchSize, batchSize);
            const generatedImages = gan.generate(noise(batchSize));
            if (index % sampleEvery === 0) {
              const path = join(out, `${epoch}_${index}.png`);
              writeSampleGrid(path, generatedImages, RANGE);
              samples.push(path);
            }
            // the discriminator: real images labelled 1, generated ones 0
            const d = gan.trainDiscriminator(imageBatch, generatedImages);
            // the generator, through the frozen discriminator, on fresh noise labelled 1
            const g = gan.trainGenerator(noise(batchSize));
            return [d, g];
          });
          csv.add({ epoch, batch: index, d_loss: dLoss, g_loss: gLoss });
          epochMeans.add({ d_loss: dLoss, g_loss: gLoss }, 1);
          progress.batch(epoch, index, epochMeans.means());
        }
        csv.flush();
        const m = epochMeans.means();
        history['d_loss']?.push(m['d_loss'] ?? NaN);
        history['g_loss']?.push(m['g_loss'] ?? NaN);
        await checkpoints.save(epoch + 1, 0, state(), progress.seconds());
      }
      const trainSeconds = checkpoints.trainBefore + progress.seconds();
      o.log.write(`samples in ${out} (${samples.length} grids), losses per batch in ${csv.path}\n`);

      await saveGan(o, generator, discriminator);
      const last = (k: string): number => history[k]?.at(-1) ?? NaN;
      return {
        example: 'mnist-dcgan',
        variant,
        // the last epoch's mean losses
        metrics: ganMetrics(last('g_loss'), last('d_loss'), { out, samples, lossHistory: csv.path }, trainSeconds),
        settings: {
          epochs,
          batchSize,
          optimizer: 'sgd',
          learningRate: LEARNING_RATE,
          momentum: MOMENTUM,
          nesterov: true,
          latentDim: GAN_LATENT_DIM,
          batchesPerEpoch: nbBatches,
          sampleEvery,
          trainSamples: train.count,
          out,
        },
        history,
        ...(checkpoints.earlier.length > 0 ? { earlierSegments: checkpoints.earlier } : {}),
      };
    } finally {
      xTrain.dispose();
      gan.dispose();
    }
  },
};
