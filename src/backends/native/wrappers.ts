/**
 * `TimeDistributed` on the `native` backend as Keras computes it: the wrapped layer applied once to
 * the `[B * T, ...]` reshaped input instead of tfjs' step loop (which slices every time step, calls
 * the layer T times and stacks the results: for the book's POS tagger, 250 small Dense + softmax
 * calls and their 250 slices' gradients, ~90% of a train step). Only for layers that treat every
 * row on its own, so the result is the same; any other layer (batch normalization, recurrent
 * layers, containers) keeps tfjs' loop.
 */
import * as tf from '@tensorflow/tfjs';

/** Layers whose output row depends on its input row only (their dropout draws per element). */
const ROW_WISE = new Set([
  'Dense',
  'Activation',
  'Dropout',
  'Flatten',
  'Reshape',
  'Conv1D',
  'Conv2D',
  'MaxPooling1D',
  'MaxPooling2D',
  'AveragePooling1D',
  'AveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalAveragePooling1D',
  'Embedding',
  'LeakyReLU',
  'ReLU',
  'ELU',
  'Softmax',
]);

/** The parts of tfjs-layers' TimeDistributed the fast path reads. */
interface TimeDistributedLike {
  layer: {
    getClassName(): string;
    call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  };
}

type Call = (
  this: TimeDistributedLike,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor | tf.Tensor[];

/** How many `TimeDistributed.call`s took the reshaped path (tests check that it ran). */
export const reshapedCalls = { timeDistributed: 0 };

let installed = false;

/** Routes `TimeDistributed.call` of row-wise layers through one reshaped call while `active()`. */
export function installFastTimeDistributed(active: () => boolean): void {
  if (installed) return;
  installed = true;
  const proto = (tf.layers.timeDistributed as unknown as (a: { layer: tf.layers.Layer }) => object)({
    layer: tf.layers.dense({ units: 1 }),
  }).constructor.prototype as { call: Call };
  const stock = proto.call;
  proto.call = function (this: TimeDistributedLike, inputs, kwargs) {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
    if (!active() || x === undefined || x.rank < 3 || !ROW_WISE.has(this.layer.getClassName())) {
      return stock.call(this, inputs, kwargs);
    }
    reshapedCalls.timeDistributed++;
    return tf.tidy(() => {
      const [B = 0, T = 0, ...rest] = x.shape;
      const y = this.layer.call(tf.reshape(x, [B * T, ...rest]), kwargs);
      const out = Array.isArray(y) ? y[0] : y;
      if (out === undefined) throw new Error('TimeDistributed: the wrapped layer returned no tensor');
      return tf.reshape(out, [B, T, ...out.shape.slice(1)]);
    });
  };
}
