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
 * The driver is keras-adversarial's, shared with `mnist-gan` (`keras-adversarial.ts`), checkpoints
 * and `--resume` included.
 */
import { cifarGanDiscriminator, cifarGanGenerator } from '../../models/gan.js';
import { cifarData } from '../classifier.js';
import { checkVariant, type ExampleDef } from '../example.js';
import { KERAS_ADVERSARIAL_DEFAULTS, runKerasAdversarial } from './keras-adversarial.js';

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
    return { ...KERAS_ADVERSARIAL_DEFAULTS };
  },
  run(o) {
    return runKerasAdversarial(o, {
      example: 'cifar10-gan',
      generator: (rng) => cifarGanGenerator({ rng }),
      discriminator: (rng) => cifarGanDiscriminator({ rng }),
      // xtrain, xtest = cifar10_data(): x / 255, 32x32x3 (every data_batch_N.bin present)
      data: cifarData,
      // opt_g=Adam(1e-4, decay=1e-5), opt_d=Adam(1e-3, decay=1e-5)
      learningRates: { generator: 1e-4, discriminator: 1e-3 },
      decay: 1e-5,
      // the callback's zsamples = np.random.normal(size=(10 * 10, latent_dim)), drawn once
      gridLatents: 'fixed',
      settings: { regularization: 'l1l2(1e-7, 1e-7)' },
    });
  },
};
