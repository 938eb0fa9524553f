/**
 * The book's Chapter 7 custom layers ("Customizing Keras"), as real tfjs layer classes:
 * registered for serialization, so a model holding them saves and loads like any other.
 *
 * - {@link EuclideanDistance}: the book's `Lambda(euclidean_distance)` example, the distance
 *   between two branches' vectors (`sqrt(sum((x - y)^2, axis=-1))`, one value per example). A
 *   Lambda of an arbitrary function cannot be serialized in tfjs, so the function is a class.
 * - {@link LocalResponseNormalization}: the book's `LocalResponseNormalization(Layer)` (n 5,
 *   alpha 0.0005, beta 0.75, k 2), computed exactly as its `call` does for channels-last input:
 *   `x / (k + alpha * sum_c avgpool_nxn(x^2))^beta`, where the average pool runs over an
 *   `n x n` spatial window (stride 1, "same" padding, which averages only the pixels inside the
 *   image, as TensorFlow's `avg_pool` does) and the sum runs over all channels and is broadcast
 *   back to each. This is the book's variant, not AlexNet's cross-channel LRN
 *   (`tf.localResponseNormalization`), which sums `n` neighbouring channels at one pixel.
 */
import * as tf from '@tensorflow/tfjs';

/** Shape of one layer input (tfjs-layers' `Shape`, which it does not export by name). */
type Shape = Array<number | null>;
/** A layer's config dictionary. */
type Config = tf.serialization.ConfigDict;
/** Keyword arguments of `Layer.call`. */
type Kwargs = Record<string, unknown>;

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (!x) throw new Error('expected one input tensor');
  return x;
}

/** Options of {@link EuclideanDistance}: the base layer's (name, ...). */
export type EuclideanDistanceArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/**
 * Euclidean distance between two inputs of the same shape `[batch, ..., d]`: output
 * `[batch, ..., 1]`. As the book's function, no epsilon under the square root: its gradient is
 * infinite where the two vectors are equal.
 */
export class EuclideanDistance extends tf.layers.Layer {
  /** Registered name (model.json's `class_name`). */
  static readonly className = 'EuclideanDistance';

  constructor(args: EuclideanDistanceArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const first = Array.isArray(inputShape[0]) ? (inputShape[0] as Shape) : (inputShape as Shape);
    return [...first.slice(0, -1), 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2 || !inputs[0] || !inputs[1])
        throw new Error('EuclideanDistance takes a list of two tensors');
      return tf.sqrt(tf.sum(tf.square(tf.sub(inputs[0], inputs[1])), -1, true));
    });
  }

  override getClassName(): string {
    return EuclideanDistance.className;
  }
}

/** The book's LRN settings. */
export const BOOK_LRN = { n: 5, alpha: 0.0005, beta: 0.75, k: 2 } as const;

/** Options of {@link LocalResponseNormalization}; each defaults to the book's value. */
export interface LocalResponseNormalizationArgs extends EuclideanDistanceArgs {
  n?: number;
  alpha?: number;
  beta?: number;
  k?: number;
}

/** The book's local response normalisation for channels-last `[batch, rows, cols, channels]` input. */
export class LocalResponseNormalization extends tf.layers.Layer {
  /** Registered name (model.json's `class_name`). */
  static readonly className = 'LocalResponseNormalization';
  readonly n: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(args: LocalResponseNormalizationArgs = {}) {
    super(args);
    this.n = args.n ?? BOOK_LRN.n;
    this.alpha = args.alpha ?? BOOK_LRN.alpha;
    this.beta = args.beta ?? BOOK_LRN.beta;
    this.k = args.k ?? BOOK_LRN.k;
    if (!Number.isInteger(this.n) || this.n < 1)
      throw new RangeError(`LRN n must be a positive integer, got ${this.n}`);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return Array.isArray(inputShape[0]) ? (inputShape[0] as Shape) : (inputShape as Shape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      if (x.rank !== 4)
        throw new Error(`LocalResponseNormalization expects rank-4 input, got shape [${x.shape.join(', ')}]`);
      // The channel sum of per-channel n x n averages is the n x n average of the channel sum
      // (every channel has the same in-image pixel count), so pool one channel. The window sum
      // comes from a "valid" pool over explicitly zero-padded input, divided by the in-image
      // count: tfjs' "same" average pool divides by that count going forward but by n*n in its
      // gradient, which would make the gradient wrong at the borders.
      const summedSquares = tf.sum(tf.square(x), 3, true) as tf.Tensor4D;
      const before = Math.floor((this.n - 1) / 2);
      const pads: Array<[number, number]> = [
        [0, 0],
        [before, this.n - 1 - before],
        [before, this.n - 1 - before],
        [0, 0],
      ];
      const windowSum = (t: tf.Tensor4D): tf.Tensor4D =>
        tf.mul(tf.avgPool(tf.pad(t, pads), this.n, 1, 'valid'), this.n * this.n);
      const count = windowSum(tf.onesLike(summedSquares));
      const summed = tf.div(windowSum(summedSquares), count);
      const denom = tf.pow(tf.add(this.k, tf.mul(this.alpha, summed)), this.beta);
      return tf.div(x, denom);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), n: this.n, alpha: this.alpha, beta: this.beta, k: this.k };
  }

  override getClassName(): string {
    return LocalResponseNormalization.className;
  }
}

// Registered once on import, so tf.loadLayersModel and fromConfig find the classes by name.
tf.serialization.registerClass(EuclideanDistance);
tf.serialization.registerClass(LocalResponseNormalization);

/**
 * The book's `test_layer` harness: rebuilds `layer` from its config with `x`'s shape as the
 * input shape, puts it alone in a Sequential model (compiled with RMSprop and MSE, as the book),
 * and returns the model's prediction for `x` (one example, without its batch axis). Disposes
 * what it makes.
 */
export function testLayer(layer: tf.layers.Layer, x: tf.Tensor): tf.Tensor {
  const config: Config = { ...layer.getConfig(), inputShape: x.shape, batchInputShape: null };
  delete config['batchInputShape'];
  // `layer.__class__.from_config(layer_config)`: the class registered under the layer's name.
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry) throw new Error(`layer class ${layer.getClassName()} is not registered for serialization`);
  const [cls, fromConfig] = entry;
  const rebuilt = fromConfig(cls, config) as unknown as tf.layers.Layer;
  const model = tf.sequential({ layers: [rebuilt] });
  model.compile({ optimizer: 'rmsprop', loss: 'meanSquaredError' });
  try {
    return tf.tidy(() => {
      const y = model.predict(tf.expandDims(x, 0)) as tf.Tensor;
      return tf.squeeze(y, [0]);
    });
  } finally {
    model.dispose();
  }
}

/**
 * Disposes `model` and the weights of every layer in it, including a layer applied more than
 * once (a shared encoder): tfjs counts one reference per call of a layer, and the model's own
 * `dispose` releases only one, which would leave a shared layer's weights behind. Only for a
 * model whose layers no other live model uses.
 */
export function disposeModelAndSharedLayers(model: tf.LayersModel): void {
  model.dispose();
  for (const layer of model.layers) {
    for (;;) {
      try {
        if (layer.dispose().refCountAfterDispose <= 0) break;
      } catch {
        break; // already disposed
      }
    }
  }
}
