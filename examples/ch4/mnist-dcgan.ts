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
import { Rng, type RngState } from '../../src/rng/rng.js';
import { mnistData } from '../classifier.js';
import {
  checkVariant,
  ExampleArgumentError,
  ExampleInterrupted,
  type ExampleDef,
  type RunSegment,
} from '../example.js';
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
import {
  checkResumeIdentity,
  GAN_CHECKPOINT_FILE,
  readGanCheckpoint,
  unfinishedCheckpoint,
  writeGanCheckpoint,
  type GanCheckpointHeader,
} from './gan-checkpoint.js';
import { pathExists } from '../../src/io/files.js';

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
    const t0 = performance.now();
    const variant = checkVariant('mnist-dcgan', o.variant, ['default']);
    const epochs = o.epochs ?? (o.quick ? GAN_QUICK.epochs : NB_EPOCH);
    const batchSize = o.batchSize ?? (o.quick ? GAN_QUICK.batchSize : BATCH_SIZE);
    const sampleEvery = sampleEveryOption(o) ?? (o.quick ? GAN_QUICK.sampleEvery : SAMPLE_EVERY);
    const out = outDir(o, 'mnist-dcgan');
    const checkpointPath = join(out, GAN_CHECKPOINT_FILE);
    if (o.resume === true && !pathExists(checkpointPath))
      throw new ExampleArgumentError(
        `--resume: no checkpoint at ${checkpointPath} (a run writes one after every epoch and when interrupted)`,
      );
    if (o.resume !== true && unfinishedCheckpoint(checkpointPath))
      throw new ExampleArgumentError(
        `${out} holds the checkpoint of an unfinished run: continue it with --resume, or give another --out`,
      );
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
    // What a resumed run must share with the run it continues.
    const identity = {
      example: 'mnist-dcgan',
      variant,
      seed: o.seed,
      epochs,
      batchSize,
      sampleEvery,
      trainSamples: train.count,
      quick: o.quick === true,
    };
    const xTrain = imageTensor(train, RANGE);
    try {
      o.log.write(`${modelSummary(generator)}\n${modelSummary(discriminator)}\n`);
      const csv = new LossCsv(join(out, 'losses.csv'));
      let samples: string[] = [];
      const epochMeans = new RunningMeans();
      let history: Record<string, number[]> = { d_loss: [], g_loss: [] };
      let start = { epoch: 0, batch: 0 };
      let trainBefore = 0;
      let earlier: readonly RunSegment[] = [];
      if (o.resume === true) {
        const h = await readGanCheckpoint(checkpointPath, { generator, discriminator }, optimizers);
        checkResumeIdentity(checkpointPath, h.identity, identity);
        if (h.epoch >= epochs)
          throw new ExampleArgumentError(`--resume: the run in ${out} has finished (${epochs} epochs)`);
        const p = h.progress as DcganProgress;
        noiseRng.setState(h.rngs['noise'] as RngState);
        csv.restore(p.csv);
        epochMeans.restore(p.epochMeans);
        samples = [...p.samples];
        history = p.history;
        start = { epoch: h.epoch, batch: h.batch };
        trainBefore = h.trainSeconds;
        earlier = h.segments;
        o.log.write(`resumed from ${checkpointPath}: epoch ${h.epoch + 1}, batch ${h.batch + 1}\n`);
      }
      const progress = new GanProgress(o.log, epochs, nbBatches, start.epoch * nbBatches + start.batch);
      const checkpoint = async (epoch: number, batch: number): Promise<void> => {
        const segment = {
          commit: o.provenance?.commit ?? 'unknown',
          dirty: o.provenance?.dirty ?? null,
          wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
        };
        const header: GanCheckpointHeader = {
          identity,
          epoch,
          batch,
          rngs: { noise: noiseRng.getState() },
          progress: { csv: csv.state(), epochMeans: epochMeans.state(), samples, history } satisfies DcganProgress,
          trainSeconds: trainBefore + progress.seconds(),
          segments: [...earlier, segment],
        };
        await writeGanCheckpoint(checkpointPath, header, { generator, discriminator }, optimizers);
      };
      for (let epoch = start.epoch; epoch < epochs; epoch++) {
        const first = epoch === start.epoch ? start.batch : 0;
        if (first === 0) {
          o.log.write(`Epoch is ${epoch}\nNumber of batches ${nbBatches}\n`);
          epochMeans.reset();
        }
        for (let index = first; index < nbBatches; index++) {
          if (o.signal) {
            // A turn of the event loop, so that a Ctrl-C reaches the signal between batches.
            await new Promise<void>((resolve) => setImmediate(resolve));
            if (o.signal.aborted) {
              csv.flush();
              await checkpoint(epoch, index);
              throw new ExampleInterrupted(
                `interrupted at epoch ${epoch + 1}, batch ${index + 1}: checkpoint in ${checkpointPath}; ` +
                  'run the same command with --resume to continue',
              );
            }
          }
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
        await checkpoint(epoch + 1, 0);
      }
      const trainSeconds = trainBefore + progress.seconds();
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
        ...(earlier.length > 0 ? { earlierSegments: earlier } : {}),
      };
    } finally {
      xTrain.dispose();
      gan.dispose();
    }
  },
};
