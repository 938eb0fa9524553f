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
 * The driver is keras-adversarial's, shared with `cifar10-gan` (`keras-adversarial.ts`), checkpoints
 * and `--resume` included.
 */
import { convGanDiscriminator, convGanGenerator } from '../../models/gan.js';
import { mnistData } from '../classifier.js';
import { checkVariant, type ExampleDef } from '../example.js';
import { KERAS_ADVERSARIAL_DEFAULTS, runKerasAdversarial } from './keras-adversarial.js';

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
    return { ...KERAS_ADVERSARIAL_DEFAULTS };
  },
  run(o) {
    return runKerasAdversarial(o, {
      example: 'mnist-gan',
      generator: (rng) => convGanGenerator({ rng }),
      discriminator: (rng) => convGanDiscriminator({ rng }),
      // xtrain, xtest = mnist_data(): x / 255, 28x28x1
      data: mnistData,
      // Adam(1e-4, decay=1e-4) and Adam(1e-3, decay=1e-4)
      learningRates: { generator: 1e-4, discriminator: 1e-3 },
      decay: 1e-4,
      // generator_sampler: 10 x 10 new N(0, 1) samples for every grid
      gridLatents: 'fresh',
    });
  },
};
