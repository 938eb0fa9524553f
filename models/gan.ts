/**
 * The generators and discriminators of the book's Chapter 4 GANs, channels last, each built
 * uncompiled (the adversarial training in `models/adversarial.ts` drives them):
 *
 * - `dcgan*`: jacobgil/keras-dcgan (`dcgan.py`), MNIST in [-1, 1], tanh throughout.
 * - `convGan*`: keras-adversarial's `example_gan_convolutional.py`, MNIST in [0, 1].
 * - `cifarGan*`: keras-adversarial's `example_gan_cifar10.py`, CIFAR-10 RGB in [0, 1].
 *
 * Keras 2 defaults carry over: glorot-uniform kernels (seeded through {@link SeededInit}), zero
 * biases, BatchNormalization with momentum 0.99 and epsilon 1e-3. Each generator maps a latent
 * vector of `latentDim` (100 in every script) to an image; each discriminator maps an image to
 * the probability that it is real (`[batch, 1]`, sigmoid).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { dropout as seededDropout } from './dropout.js';
import { SeededInit } from './init.js';
import { checkPositiveInt, checkRate } from './validate.js';

/** The latent size of every book GAN (`Dense(..., input_shape=(100,))`, `latent_dim = 100`). */
export const GAN_LATENT_DIM = 100;

/** Options of the generator factories. */
export interface GeneratorOptions {
  /** Size of the latent vector z (default 100). */
  latentDim?: number;
  /** Seeds the kernel initialisers. */
  rng?: Rng;
}

/** Options of the discriminator factories. */
export interface DiscriminatorOptions {
  /** Seeds the kernel initialisers (and the dropout masks, where there are any). */
  rng?: Rng;
}

/** Options of {@link convGanDiscriminator}. */
export interface ConvGanDiscriminatorOptions extends DiscriminatorOptions {
  /** `model_discriminator(dropout_rate=0.5)`. */
  dropoutRate?: number;
}

/** Image shapes the generators make and the discriminators read: `[height, width, channels]`. */
export const GAN_IMAGE_SHAPES = {
  mnist: [28, 28, 1],
  cifar10: [32, 32, 3],
} as const;

function latent(o: GeneratorOptions): number {
  return checkPositiveInt('latentDim', o.latentDim ?? GAN_LATENT_DIM);
}

/**
 * keras-dcgan's `generator_model`: z -> Dense 1024 tanh -> Dense 128*7*7 -> BatchNormalization
 * -> tanh -> 7x7x128 -> UpSampling2D -> Conv2D 64 5x5 same tanh -> UpSampling2D -> Conv2D 1 5x5
 * same tanh: `[batch, 28, 28, 1]` in [-1, 1]. 6,763,777 parameters (25,088 of them the
 * BatchNormalization's, half of those non-trainable moving statistics).
 */
export function dcganGenerator(o: GeneratorOptions = {}): tf.Sequential {
  const latentDim = latent(o);
  const init = new SeededInit(o.rng);
  return tf.sequential({
    name: 'dcgan_generator',
    layers: [
      tf.layers.dense({
        inputShape: [latentDim],
        units: 1024,
        activation: 'tanh',
        kernelInitializer: init.glorotUniform(),
      }),
      tf.layers.dense({ units: 128 * 7 * 7, kernelInitializer: init.glorotUniform() }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'tanh' }),
      tf.layers.reshape({ targetShape: [7, 7, 128] }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 5,
        padding: 'same',
        activation: 'tanh',
        kernelInitializer: init.glorotUniform(),
      }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      tf.layers.conv2d({
        filters: 1,
        kernelSize: 5,
        padding: 'same',
        activation: 'tanh',
        kernelInitializer: init.glorotUniform(),
      }),
    ],
  });
}

/**
 * keras-dcgan's `discriminator_model`: 28x28x1 -> Conv2D 64 5x5 same tanh -> MaxPooling 2 ->
 * Conv2D 128 5x5 (valid) tanh -> MaxPooling 2 -> Flatten -> Dense 1024 tanh -> Dense 1 sigmoid.
 * 3,485,441 parameters.
 */
export function dcganDiscriminator(o: DiscriminatorOptions = {}): tf.Sequential {
  const init = new SeededInit(o.rng);
  return tf.sequential({
    name: 'dcgan_discriminator',
    layers: [
      tf.layers.conv2d({
        inputShape: [...GAN_IMAGE_SHAPES.mnist],
        filters: 64,
        kernelSize: 5,
        padding: 'same',
        activation: 'tanh',
        kernelInitializer: init.glorotUniform(),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 128, kernelSize: 5, activation: 'tanh', kernelInitializer: init.glorotUniform() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1024, activation: 'tanh', kernelInitializer: init.glorotUniform() }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init.glorotUniform() }),
    ],
  });
}

/**
 * keras-adversarial's convolutional MNIST generator (`model_generator`, nch = 256): z -> Dense
 * 256*14*14 -> BatchNormalization -> relu -> 14x14x256 -> UpSampling2D -> Conv2D 128 3x3 same ->
 * BatchNormalization -> relu -> Conv2D 64 3x3 same -> BatchNormalization -> relu -> Conv2D 1 1x1
 * -> sigmoid: `[batch, 28, 28, 1]` in [0, 1]. 5,638,145 parameters.
 */
export function convGanGenerator(o: GeneratorOptions = {}): tf.Sequential {
  const latentDim = latent(o);
  const init = new SeededInit(o.rng);
  const nch = 256;
  const conv = (filters: number, kernelSize: number): tf.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize, padding: 'same', kernelInitializer: init.glorotUniform() });
  return tf.sequential({
    name: 'gan_convolutional_generator',
    layers: [
      tf.layers.dense({ inputShape: [latentDim], units: nch * 14 * 14, kernelInitializer: init.glorotUniform() }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.reshape({ targetShape: [14, 14, nch] }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      conv(nch / 2, 3),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      conv(nch / 4, 3),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      conv(1, 1),
      tf.layers.activation({ activation: 'sigmoid' }),
    ],
  });
}

/**
 * keras-adversarial's convolutional MNIST discriminator (`model_discriminator`, nch = 512):
 * 28x28x1 -> Conv2D 256 5x5 stride 2 same relu -> LeakyReLU 0.2 -> Dropout -> Conv2D 512 5x5
 * stride 2 same relu -> LeakyReLU 0.2 -> Dropout -> Flatten -> Dense 256 -> LeakyReLU 0.2 ->
 * Dropout -> Dense 1 sigmoid. 9,707,009 parameters. The script gives both convolutions
 * `activation='relu'` and then a LeakyReLU, which passes the relu's non-negative output
 * unchanged: kept as written (the convolutions act as relu).
 */
export function convGanDiscriminator(o: ConvGanDiscriminatorOptions = {}): tf.Sequential {
  const rate = checkRate('dropoutRate', o.dropoutRate ?? 0.5);
  const init = new SeededInit(o.rng);
  // Dropout masks draw from their own stream, forked first (as the other factories do).
  const dropoutRng = o.rng?.fork();
  const nch = 512;
  const conv = (filters: number, first: boolean): tf.layers.Layer =>
    tf.layers.conv2d({
      ...(first ? { inputShape: [...GAN_IMAGE_SHAPES.mnist] } : {}),
      filters,
      kernelSize: 5,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init.glorotUniform(),
    });
  const leaky = (): tf.layers.Layer => tf.layers.leakyReLU({ alpha: 0.2 });
  const drop = (): tf.layers.Layer => seededDropout(rate, dropoutRng?.fork());
  return tf.sequential({
    name: 'gan_convolutional_discriminator',
    layers: [
      conv(nch / 2, true),
      leaky(),
      drop(),
      conv(nch, false),
      leaky(),
      drop(),
      tf.layers.flatten(),
      tf.layers.dense({ units: nch / 2, kernelInitializer: init.glorotUniform() }),
      leaky(),
      drop(),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init.glorotUniform() }),
    ],
  });
}

/** `l1l2(l1=1e-7, l2=1e-7)`, the kernel regularizer of every layer of the CIFAR-10 GAN. */
export const CIFAR_GAN_REGULARIZATION = { l1: 1e-7, l2: 1e-7 } as const;

function cifarRegularizer(): ReturnType<typeof tf.regularizers.l1l2> {
  return tf.regularizers.l1l2(CIFAR_GAN_REGULARIZATION);
}

/**
 * keras-adversarial's CIFAR-10 generator (`model_generator`, nch = 256, h = 5): z -> Dense
 * 256*4*4 -> BatchNormalization -> 4x4x256 -> Conv2D 128 5x5 -> BatchNormalization -> LeakyReLU
 * 0.2 -> UpSampling2D -> Conv2D 128 5x5 -> BN -> LeakyReLU -> UpSampling2D -> Conv2D 64 5x5 -> BN
 * -> LeakyReLU -> UpSampling2D -> Conv2D 3 5x5 -> sigmoid: `[batch, 32, 32, 3]` in [0, 1]. Every
 * kernel has the l1l2(1e-7, 1e-7) regularizer; convolutions are `same`. 1,870,083 parameters.
 * The script's `BatchNormalization(axis=1)` is the channel axis of its channels-first (Theano)
 * layout; here, channels last, the channel axis is the last.
 */
export function cifarGanGenerator(o: GeneratorOptions = {}): tf.Sequential {
  const latentDim = latent(o);
  const init = new SeededInit(o.rng);
  const nch = 256;
  const conv = (filters: number): tf.layers.Layer =>
    tf.layers.conv2d({
      filters,
      kernelSize: 5,
      padding: 'same',
      kernelInitializer: init.glorotUniform(),
      kernelRegularizer: cifarRegularizer(),
    });
  const block = (filters: number): tf.layers.Layer[] => [
    conv(filters),
    tf.layers.batchNormalization(),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.upSampling2d({ size: [2, 2] }),
  ];
  return tf.sequential({
    name: 'gan_cifar10_generator',
    layers: [
      tf.layers.dense({
        inputShape: [latentDim],
        units: nch * 4 * 4,
        kernelInitializer: init.glorotUniform(),
        kernelRegularizer: cifarRegularizer(),
      }),
      tf.layers.batchNormalization(),
      tf.layers.reshape({ targetShape: [4, 4, nch] }),
      ...block(nch / 2),
      ...block(nch / 2),
      ...block(nch / 4),
      conv(3),
      tf.layers.activation({ activation: 'sigmoid' }),
    ],
  });
}

/**
 * keras-adversarial's CIFAR-10 discriminator (`model_discriminator`, nch = 256, h = 5): 32x32x3
 * -> Conv2D 64 5x5 -> MaxPooling 2 -> LeakyReLU 0.2 -> Conv2D 128 -> MaxPooling -> LeakyReLU ->
 * Conv2D 256 -> MaxPooling -> LeakyReLU -> Conv2D 1 5x5 -> AveragePooling 4x4 -> Flatten ->
 * sigmoid. Convolutions `same`, each kernel regularized l1l2(1e-7, 1e-7). 1,035,649 parameters.
 */
export function cifarGanDiscriminator(o: DiscriminatorOptions = {}): tf.Sequential {
  const init = new SeededInit(o.rng);
  const nch = 256;
  const conv = (filters: number, first = false): tf.layers.Layer =>
    tf.layers.conv2d({
      ...(first ? { inputShape: [...GAN_IMAGE_SHAPES.cifar10] } : {}),
      filters,
      kernelSize: 5,
      padding: 'same',
      kernelInitializer: init.glorotUniform(),
      kernelRegularizer: cifarRegularizer(),
    });
  const down = (): tf.layers.Layer[] => [tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.leakyReLU({ alpha: 0.2 })];
  return tf.sequential({
    name: 'gan_cifar10_discriminator',
    layers: [
      conv(nch / 4, true),
      ...down(),
      conv(nch / 2),
      ...down(),
      conv(nch),
      ...down(),
      conv(1),
      tf.layers.averagePooling2d({ poolSize: 4, padding: 'valid' }),
      tf.layers.flatten(),
      tf.layers.activation({ activation: 'sigmoid' }),
    ],
  });
}
