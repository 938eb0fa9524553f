/**
 * VGG16 exactly as `keras.applications.VGG16` builds it (same layer names, shapes and
 * parameter count: 138,357,544 with the top), so weights converted from Keras load by name.
 *
 * Input `[batch, 224, 224, 3]` BGR, mean-subtracted (see {@link vgg16Preprocess}); output
 * `[batch, classes]` softmax with the top, else the block5 feature map (or pooled features).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { SeededInit } from './init.js';
import { checkOneOf, checkPositiveInt, checkShape, ModelArgumentError, invalidValueMessage } from './validate.js';

/** Options of {@link vgg16}. */
export interface Vgg16Options {
  /** Include the three fully connected layers (default true). */
  includeTop?: boolean;
  /** Per-example input shape; must be `[224, 224, 3]` with the top, sides >= 32 without. */
  inputShape?: readonly number[];
  /** Without the top: `none` (4-D feature map), `avg` or `max` global pooling. */
  pooling?: 'none' | 'avg' | 'max';
  /** Output classes with the top (1000 for ImageNet). */
  classes?: number;
  /** Seeds the initialisers (only matters when no weights are loaded). */
  rng?: Rng;
}

/** Convolution blocks: [block, filters, convs]. */
const BLOCKS: ReadonlyArray<readonly [number, number, number]> = [
  [1, 64, 2],
  [2, 128, 2],
  [3, 256, 3],
  [4, 512, 3],
  [5, 512, 3],
];

/** Builds (uncompiled) VGG16 with Keras' layer names. */
export function vgg16(options: Vgg16Options = {}): tf.LayersModel {
  const includeTop = options.includeTop ?? true;
  const inputShape = checkShape('inputShape', options.inputShape ?? [224, 224, 3], 3);
  if (includeTop && (inputShape[0] !== 224 || inputShape[1] !== 224 || inputShape[2] !== 3)) {
    throw new ModelArgumentError(
      invalidValueMessage('inputShape', '[224, 224, 3] when includeTop is true', inputShape),
    );
  }
  if ((inputShape[0] ?? 0) < 32 || (inputShape[1] ?? 0) < 32) {
    throw new ModelArgumentError(invalidValueMessage('inputShape', 'height and width >= 32', inputShape));
  }
  const pooling = checkOneOf('pooling', options.pooling ?? 'none', ['none', 'avg', 'max'] as const);
  const classes = checkPositiveInt('classes', options.classes ?? 1000);
  const init = new SeededInit(options.rng);
  const input = tf.input({ shape: inputShape, name: 'input_1' });
  let x: tf.SymbolicTensor = input;
  for (const [block, filters, convs] of BLOCKS) {
    for (let i = 1; i <= convs; i++) {
      x = tf.layers
        .conv2d({
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: `block${block}_conv${i}`,
          kernelInitializer: init.glorotUniform(),
        })
        .apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${block}_pool` }).apply(x) as tf.SymbolicTensor;
  }
  if (includeTop) {
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .dense({ units: 4096, activation: 'relu', name: 'fc1', kernelInitializer: init.glorotUniform() })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .dense({ units: 4096, activation: 'relu', name: 'fc2', kernelInitializer: init.glorotUniform() })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .dense({ units: classes, activation: 'softmax', name: 'predictions', kernelInitializer: init.glorotUniform() })
      .apply(x) as tf.SymbolicTensor;
  } else if (pooling === 'avg') {
    x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tf.SymbolicTensor;
  } else if (pooling === 'max') {
    x = tf.layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }).apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x, name: 'vgg16' });
}

/** Keras' ImageNet "caffe" preprocessing means (BGR order). */
export const VGG16_BGR_MEAN = [103.939, 116.779, 123.68] as const;

/**
 * `keras.applications.vgg16.preprocess_input`: RGB in [0, 255] -> BGR, minus the ImageNet
 * channel means. Input and output `[batch, h, w, 3]`; the caller disposes the result.
 */
export function vgg16Preprocess(rgb: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const bgr = tf.reverse(rgb, -1);
    return tf.sub(bgr, tf.tensor1d([...VGG16_BGR_MEAN])) as tf.Tensor4D;
  });
}

/**
 * Copies weights from a loaded model (e.g. a Keras VGG16 converted to tfjs) into `target`,
 * layer by layer by name, checking shapes. Throws naming the first mismatch.
 */
export function copyWeightsByName(source: tf.LayersModel, target: tf.LayersModel): number {
  let copied = 0;
  for (const layer of target.layers) {
    const targetWeights = layer.getWeights();
    if (targetWeights.length === 0) continue;
    let src: tf.layers.Layer;
    try {
      src = source.getLayer(layer.name);
    } catch {
      throw new ModelArgumentError(`The weights file has no layer named "${layer.name}".`);
    }
    const srcWeights = src.getWeights();
    if (
      srcWeights.length !== targetWeights.length ||
      srcWeights.some((w, i) => !tf.util.arraysEqual(w.shape, targetWeights[i]?.shape ?? []))
    ) {
      throw new ModelArgumentError(
        `Layer "${layer.name}": weight shapes ${JSON.stringify(srcWeights.map((w) => w.shape))} in the file do not match ${JSON.stringify(targetWeights.map((w) => w.shape))}.`,
      );
    }
    layer.setWeights(srcWeights);
    copied++;
  }
  return copied;
}
