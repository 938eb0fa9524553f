/** Turning byte images and integer labels into the tensors the book's models take. */
import * as tf from '@tensorflow/tfjs';
import { shapeSize } from '../src/core/spaces.js';

/**
 * Bytes `[count * h * w * c]` -> float32 `[count, ...shape]` scaled by `scale` (1/255 as the
 * book's `X /= 255`). `shape` is the per-example shape, e.g. `[784]` or `[28, 28, 1]`.
 * The caller disposes the result.
 */
export function imagesToTensor(bytes: Uint8Array, count: number, shape: readonly number[], scale = 1 / 255): tf.Tensor {
  const per = shapeSize(shape);
  const f = new Float32Array(count * per);
  for (let i = 0; i < f.length; i++) f[i] = (bytes[i] ?? 0) * scale;
  return tf.tensor(f, [count, ...shape], 'float32');
}

/** Integer labels -> one-hot float32 `[count, numClasses]` (`to_categorical`); caller disposes. */
export function oneHotLabels(labels: ArrayLike<number>, numClasses: number): tf.Tensor2D {
  const f = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) f[i * numClasses + (labels[i] ?? 0)] = 1;
  return tf.tensor2d(f, [labels.length, numClasses]);
}
