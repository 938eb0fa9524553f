/**
 * Adversarial training of a generator and a discriminator, the two ways the book's Chapter 4
 * scripts do it:
 *
 * - Alternating (jacobgil/keras-dcgan): {@link AdversarialModel.trainDiscriminator} is the
 *   discriminator's `train_on_batch` on real and generated images labelled 1 and 0;
 *   {@link AdversarialModel.trainGenerator} is the `train_on_batch` of the combined model
 *   (`generator_containing_discriminator`: D(G(z)), compiled while the discriminator is frozen)
 *   with labels 1. The combined model is that same graph with only the generator's weights in the
 *   variable list, which is what Keras' `trainable = False` at compile time amounts to.
 * - Simultaneous (keras-adversarial's `AdversarialModel` with `AdversarialOptimizerSimultaneous`):
 *   {@link AdversarialModel.trainSimultaneous} gives each player its own copy of the GAN
 *   (`simple_gan`: x -> [D(G(z)), D(x)], z sampled inside), so each draws its own z and dropout
 *   masks; each player's loss is the binary cross-entropy of both outputs against its targets
 *   ({@link GAN_TARGETS}, `gan_targets`) plus every regularization penalty; both gradients are
 *   taken at the same weights and then applied together, each by its player's optimizer; the two
 *   copies' BatchNormalization moving-statistic updates are averaged (keras-adversarial's
 *   `merge_updates`).
 *
 * Every method runs in `tf.tidy` or says who disposes what it returns; losses come back as numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeOptimizer } from './optimizers.js';
import { ModelArgumentError } from './validate.js';

/** The two players, in keras-adversarial's order (`player_names`). */
export const PLAYERS = ['generator', 'discriminator'] as const;
/** One of {@link PLAYERS}. */
export type Player = (typeof PLAYERS)[number];

/**
 * keras-adversarial's `gan_targets`: the label each player wants the discriminator to give a
 * generated (`fake`) and a real image. `[generator_fake, generator_real, discriminator_fake,
 * discriminator_real] = [1, 0, 0, 1]`. keras-dcgan uses the same labels (real 1, generated 0 for
 * the discriminator; 1 for the generator through the frozen discriminator).
 */
export const GAN_TARGETS: Readonly<Record<Player, { readonly fake: number; readonly real: number }>> = {
  generator: { fake: 1, real: 0 },
  discriminator: { fake: 0, real: 1 },
};

/** One player's loss (Keras' `{player}_loss`) and its two output terms (`{player}_yfake_loss`, `_yreal_loss`). */
export interface PlayerLosses {
  /** `yfake + yreal` plus the regularization penalties. */
  loss: number;
  /** Binary cross-entropy of D(G(z)) against the player's `fake` target. */
  yfake: number;
  /** Binary cross-entropy of D(x) against the player's `real` target. */
  yreal: number;
}

/** What keras-adversarial reports for a batch: `loss` (both players' summed) and each player's. */
export interface AdversarialLosses {
  loss: number;
  generator: PlayerLosses;
  discriminator: PlayerLosses;
}

/** The parts of an {@link AdversarialModel}. */
export interface AdversarialModelArgs {
  /** z `[batch, latentDim]` -> image. */
  generator: tf.LayersModel;
  /** image -> probability real `[batch, 1]`. */
  discriminator: tf.LayersModel;
  /** Each player's optimizer; the model owns them ({@link AdversarialModel.dispose} frees them). */
  optimizers: Readonly<Record<Player, tf.Optimizer>>;
  /**
   * Draws `n` latent vectors `[n, latentDim]` (keras-adversarial's `normal_latent_sampling`, or a
   * uniform one). Called once per player per simultaneous step; seeded by the caller.
   */
  latentSampling: (n: number) => tf.Tensor2D;
}

/** Keras' `binary_crossentropy` (predictions clipped to [1e-7, 1 - 1e-7]) averaged over the batch. */
function bce(target: number, yPred: tf.Tensor): tf.Scalar {
  return tf.mean(tf.metrics.binaryCrossentropy(tf.fill(yPred.shape, target), yPred));
}

function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A generator and a discriminator trained against each other (see the module comment). */
export class AdversarialModel {
  readonly generator: tf.LayersModel;
  readonly discriminator: tf.LayersModel;
  private readonly optimizers: Readonly<Record<Player, tf.Optimizer>>;
  private readonly latentSampling: (n: number) => tf.Tensor2D;

  constructor(args: AdversarialModelArgs) {
    const { generator, discriminator } = args;
    const image = generator.outputs[0]?.shape ?? [];
    const input = discriminator.inputs[0]?.shape ?? [];
    if (generator.outputs.length !== 1 || discriminator.inputs.length !== 1 || !sameShape(image, input))
      throw new ModelArgumentError(
        `The generator's output [${image.join(', ')}] must be the discriminator's one input [${input.join(', ')}].`,
      );
    const out = discriminator.outputs[0]?.shape ?? [];
    if (discriminator.outputs.length !== 1 || !sameShape(out, [null, 1]))
      throw new ModelArgumentError(`The discriminator must output [null, 1] (a probability), got [${out.join(', ')}].`);
    this.generator = generator;
    this.discriminator = discriminator;
    this.optimizers = args.optimizers;
    this.latentSampling = args.latentSampling;
  }

  /** The trainable weights a player updates (keras-adversarial's `player_params`). */
  playerWeights(player: Player): tf.Variable[] {
    const model = player === 'generator' ? this.generator : this.discriminator;
    return model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Images from latent vectors in inference mode (`generator.predict(z)`); the caller disposes them. */
  generate(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.generator.apply(z, { training: false }) as tf.Tensor);
  }

  /**
   * keras-dcgan's `discriminator.train_on_batch(concat(real, fake), [1] * n + [0] * n)`: one step
   * of the discriminator's optimizer on the mean binary cross-entropy of both halves; returns it.
   */
  trainDiscriminator(real: tf.Tensor, fake: tf.Tensor): number {
    const t = GAN_TARGETS.discriminator;
    return this.step('discriminator', () => {
      const y = this.discriminator.apply(tf.concat([real, fake]), { training: true }) as tf.Tensor;
      const n = real.shape[0] ?? 0;
      const labels = tf.concat([tf.fill([n, 1], t.real), tf.fill([fake.shape[0] ?? 0, 1], t.fake)]);
      return tf.mean(tf.metrics.binaryCrossentropy(labels, y));
    });
  }

  /**
   * keras-dcgan's `discriminator_on_generator.train_on_batch(z, [1] * n)`: one step of the
   * generator's optimizer on the binary cross-entropy of D(G(z)) against the generator's `fake`
   * target (1), the discriminator frozen; returns that loss.
   */
  trainGenerator(z: tf.Tensor): number {
    return this.step('generator', () => {
      const fake = this.generator.apply(z, { training: true }) as tf.Tensor;
      return bce(GAN_TARGETS.generator.fake, this.discriminator.apply(fake, { training: true }) as tf.Tensor);
    });
  }

  /** One optimizer step of `player` on `loss`; the loss before the step. */
  private step(player: Player, loss: () => tf.Scalar): number {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, this.playerWeights(player));
      this.optimizers[player].applyGradients(grads);
      return value.dataSync()[0] ?? NaN;
    });
  }

  /**
   * One keras-adversarial simultaneous step on a batch of real images: both players' losses and
   * gradients at the current weights, then both updates. Returns the losses before the step.
   */
  trainSimultaneous(real: tf.Tensor): AdversarialLosses {
    const n = real.shape[0] ?? 0;
    const moving = [...this.generator.nonTrainableWeights, ...this.discriminator.nonTrainableWeights];
    // Scalars of both players' loss terms, kept out of variableGrads' scope and freed below.
    const kept: tf.Tensor[] = [];
    const values: number[][] = [];
    try {
      tf.tidy(() => {
        const before = moving.map((w) => w.read().clone());
        const grads: Record<Player, tf.NamedTensorMap> = { generator: {}, discriminator: {} };
        const updated: tf.Tensor[][] = [];
        for (const player of PLAYERS) {
          // Each player's copy of the GAN starts from the same moving statistics.
          moving.forEach((w, i) => w.write(before[i] as tf.Tensor));
          const r = tf.variableGrads(() => {
            const terms = this.terms(player, real, n);
            kept.push(tf.keep(terms.yfake), tf.keep(terms.yreal));
            return tf.addN([terms.yfake, terms.yreal, ...this.penalties()]) as tf.Scalar;
          }, this.playerWeights(player));
          grads[player] = r.grads;
          updated.push(moving.map((w) => w.read().clone()));
          const [yfake, yreal] = kept.slice(-2);
          values.push([r.value.dataSync()[0] ?? NaN, yfake?.dataSync()[0] ?? NaN, yreal?.dataSync()[0] ?? NaN]);
        }
        // merge_updates: the mean of the two copies' new moving statistics.
        moving.forEach((w, i) => w.write(tf.mean(tf.stack(updated.map((u) => u[i] as tf.Tensor)), 0)));
        for (const player of PLAYERS) this.optimizers[player].applyGradients(grads[player]);
      });
      return losses(values);
    } finally {
      tf.dispose(kept);
    }
  }

  /**
   * keras-adversarial's test function on real images (inference mode: no dropout, moving
   * statistics), in batches of `batchSize`, weighted by batch size as Keras' `evaluate` averages.
   * Each player's fake term uses its own z; D(x) is the same for both (inference is deterministic).
   */
  evaluate(real: tf.Tensor, batchSize = 32): AdversarialLosses {
    const total = real.shape[0] ?? 0;
    const sums = [0, 0, 0, 0, 0, 0];
    for (let start = 0; start < total; start += batchSize) {
      const n = Math.min(batchSize, total - start);
      const v = tf.tidy(() => {
        const x = tf.slice(real, start, n);
        const yreal = this.discriminator.apply(x, { training: false }) as tf.Tensor;
        const penalty = tf.addN([tf.scalar(0), ...this.penalties()]);
        return PLAYERS.flatMap((player) => {
          const fake = this.generate(this.latentSampling(n));
          const yfake = this.discriminator.apply(fake, { training: false }) as tf.Tensor;
          const t = GAN_TARGETS[player];
          const lf = bce(t.fake, yfake);
          const lr = bce(t.real, yreal);
          return [tf.addN([lf, lr, penalty]), lf, lr].map((s) => s.dataSync()[0] ?? NaN);
        });
      });
      v.forEach((x, i) => (sums[i] = (sums[i] ?? 0) + x * n));
    }
    const mean = sums.map((s) => s / Math.max(total, 1));
    return losses([mean.slice(0, 3), mean.slice(3, 6)]);
  }

  /** A player's two output losses on a batch in training mode (inside a tidy or a gradient scope). */
  private terms(player: Player, real: tf.Tensor, n: number): { yfake: tf.Scalar; yreal: tf.Scalar } {
    const t = GAN_TARGETS[player];
    const fake = this.generator.apply(this.latentSampling(n), { training: true }) as tf.Tensor;
    const yfake = this.discriminator.apply(fake, { training: true }) as tf.Tensor;
    const yreal = this.discriminator.apply(real, { training: true }) as tf.Tensor;
    return { yfake: bce(t.fake, yfake), yreal: bce(t.real, yreal) };
  }

  /** The regularization penalties of both models (Keras adds them all to each player's loss). */
  penalties(): tf.Scalar[] {
    return [...regularizationLosses(this.generator), ...regularizationLosses(this.discriminator)];
  }

  /** Frees both models' weights and both optimizers. */
  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
    for (const p of PLAYERS) disposeOptimizer(this.optimizers[p]);
  }
}

/**
 * The current penalties of a model's weight regularizers, layer by layer (a `tf.Sequential`'s own
 * `calculateLosses` finds none: it looks for the layers' nodes in the wrong container).
 */
function regularizationLosses(model: tf.LayersModel): tf.Scalar[] {
  return model.layers.flatMap((l) => (l instanceof tf.LayersModel ? regularizationLosses(l) : l.calculateLosses()));
}

/** `[[loss, yfake, yreal] of the generator, of the discriminator]` as {@link AdversarialLosses}. */
function losses(v: number[][]): AdversarialLosses {
  const player = (i: number): PlayerLosses => ({
    loss: v[i]?.[0] ?? NaN,
    yfake: v[i]?.[1] ?? NaN,
    yreal: v[i]?.[2] ?? NaN,
  });
  const generator = player(0);
  const discriminator = player(1);
  return { loss: generator.loss + discriminator.loss, generator, discriminator };
}
