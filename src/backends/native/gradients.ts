/**
 * Gradients that tfjs computes with one small kernel per element of a loop, replaced on the `native`
 * backend by a whole-tensor formulation (other backends keep tfjs' own, so `cpu` stays the
 * reference). Gradients are registered per kernel for every backend at once, hence the switch.
 */
import * as tf from '@tensorflow/tfjs';

let installed = false;

/**
 * Tile: tfjs adds up one slice of dy per repetition (RepeatVector 250 of the book's POS tagger: 250
 * slices and adds per step, 0.6 s); here dy `[r0*d0, r1*d1, ...]` is viewed as `[r0, d0, r1, d1, ...]`
 * and summed over the repetition axes in one reduction.
 */
export function installNativeGradients(active: () => boolean): void {
  if (installed) return;
  installed = true;
  const stock = tf.getGradient('Tile');
  if (stock === undefined) return;
  tf.registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      if (!active()) return stock.gradFunc(dy, saved, attrs);
      const [x] = saved as [tf.Tensor];
      const reps = (attrs as unknown as { reps: number[] }).reps;
      const g = dy as tf.Tensor;
      return {
        x: () => {
          const split = x.shape.flatMap((d, i) => [reps[i] ?? 1, d]);
          const axes = x.shape.map((_, i) => 2 * i);
          return tf.sum(tf.reshape(g, split), axes);
        },
      };
    },
  });
}
