/**
 * A right gradient of `resizeNearestNeighbor` (Keras' `UpSampling2D`, the GAN generators of the
 * book's Chapter 4) on the `cpu` backend.
 *
 * tfjs 4.22's cpu `ResizeNearestNeighborGrad` kernel is wrong for a batch of more than one image:
 * the second image's gradient repeats parts of the first's instead of its own, so a generator
 * trained on `cpu` would learn from garbage without any error. The wasm, native and tfjs-node
 * kernels are right and keep their own gradient. {@link installResizeNearestGrad} replaces the
 * registered gradient with one that, on `cpu` only, computes the exact adjoint of the forward
 * pass from the forward kernel itself: it resizes an image of pixel indices to learn which input
 * pixel each output pixel copies, then adds up `dy` per input pixel (`unsortedSegmentSum`), for
 * any size, `alignCorners` and `halfPixelCenters`.
 */
import * as tf from '@tensorflow/tfjs';

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** The gradient with respect to `images` of `resizeNearestNeighbor(images, [oh, ow], ...)`. */
export function resizeNearestAdjoint(images: tf.Tensor4D, dy: tf.Tensor4D, attrs: ResizeAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = images.shape;
    const [, oh, ow] = dy.shape;
    // Float32 holds every index exactly up to 2^24 pixels per image.
    const ids = tf.reshape(tf.range(0, h * w, 1, 'float32'), [1, h, w, 1]);
    const source = tf.reshape(
      tf.image.resizeNearestNeighbor(ids as tf.Tensor4D, [oh, ow], attrs.alignCorners, attrs.halfPixelCenters),
      [oh * ow],
    );
    const perPixel = tf.transpose(tf.reshape(dy, [b, oh * ow, c]), [1, 0, 2]);
    const summed = tf.unsortedSegmentSum(perPixel, tf.cast(source, 'int32') as tf.Tensor1D, h * w);
    return tf.reshape(tf.transpose(summed, [1, 0, 2]), [b, h, w, c]);
  });
}

let installed = false;

/** Installs the right `cpu` gradient of `ResizeNearestNeighbor` (idempotent; other backends unchanged). */
export function installResizeNearestGrad(): void {
  if (installed) return;
  const stock = tf.getGradient('ResizeNearestNeighbor');
  if (stock === undefined) return;
  installed = true;
  tf.registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== 'cpu') return stock.gradFunc(dy, saved, attrs);
      const [images] = saved as [tf.Tensor4D];
      const a = attrs as unknown as ResizeAttrs;
      return { images: () => resizeNearestAdjoint(images, dy as tf.Tensor4D, a) };
    },
  });
}
