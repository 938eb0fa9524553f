/**
 * The book's Chapter 7 tour of the Keras functional API (`func-api-seq.py`, `func-api-func.py`,
 * `func-api-multi.py` and the text around them): the same MLP as a Sequential model and as a
 * functional graph, a model with two inputs and two outputs, a layer shared by two branches, and
 * a whole model used as a layer inside `TimeDistributed`.
 *
 * The MLP throughout: `784 -> Dense(32) -> sigmoid -> Dense(10) -> softmax`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { SeededInit } from './init.js';

const IN = 784;
const HIDDEN = 32;
const OUT = 10;

/**
 * `func-api-seq.py`: `Sequential([Dense(32, input_dim=784), Activation("sigmoid"), Dense(10),
 * Activation("softmax")])`.
 */
export function sequentialMlp(rng: Rng): tf.Sequential {
  const init = new SeededInit(rng);
  return tf.sequential({
    name: 'sequential_mlp',
    layers: [
      tf.layers.dense({ units: HIDDEN, inputShape: [IN], kernelInitializer: init.glorotUniform() }),
      tf.layers.activation({ activation: 'sigmoid' }),
      tf.layers.dense({ units: OUT, kernelInitializer: init.glorotUniform() }),
      tf.layers.activation({ activation: 'softmax' }),
    ],
  });
}

/** The MLP's layers applied to `input` (fresh layers, so fresh weights). */
function mlpBranch(input: tf.SymbolicTensor, init: SeededInit, hidden?: tf.layers.Layer): tf.SymbolicTensor {
  let x = (hidden ?? tf.layers.dense({ units: HIDDEN, kernelInitializer: init.glorotUniform() })).apply(
    input,
  ) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: OUT, kernelInitializer: init.glorotUniform() }).apply(x) as tf.SymbolicTensor;
  return tf.layers.activation({ activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
}

/** `func-api-func.py`: the same MLP as `Model(inputs=Input(784), outputs=predictions)`. */
export function functionalMlp(rng: Rng): tf.LayersModel {
  const inputs = tf.input({ shape: [IN] });
  return tf.model({ name: 'functional_mlp', inputs, outputs: mlpBranch(inputs, new SeededInit(rng)) });
}

/** `func-api-multi.py`: two inputs, each through its own MLP, two softmax outputs. */
export function twoInTwoOutMlp(rng: Rng): tf.LayersModel {
  const init = new SeededInit(rng);
  const input1 = tf.input({ shape: [IN], name: 'input1' });
  const input2 = tf.input({ shape: [IN], name: 'input2' });
  return tf.model({
    name: 'two_in_two_out',
    inputs: [input1, input2],
    outputs: [mlpBranch(input1, init), mlpBranch(input2, init)],
  });
}

/**
 * Shared layers (book text): one `Dense(32)` applied to both inputs, so both branches use the
 * same weights; the rest of each branch is its own. The model has one hidden kernel, not two.
 */
export function sharedLayerMlp(rng: Rng): { model: tf.LayersModel; shared: tf.layers.Layer } {
  const init = new SeededInit(rng);
  const shared = tf.layers.dense({ units: HIDDEN, kernelInitializer: init.glorotUniform(), name: 'shared_dense' });
  const input1 = tf.input({ shape: [IN], name: 'left' });
  const input2 = tf.input({ shape: [IN], name: 'right' });
  const model = tf.model({
    name: 'shared_layer',
    inputs: [input1, input2],
    outputs: [mlpBranch(input1, init, shared), mlpBranch(input2, init, shared)],
  });
  return { model, shared };
}

/**
 * A model used as a layer (book text, after Keras' docs): `TimeDistributed(model)` applies the
 * per-vector classifier `model` to each of `steps` vectors of a sequence, `[batch, steps, 784]`
 * to `[batch, steps, 10]`, with the model's own weights.
 */
export function timeDistributedModel(model: tf.LayersModel, steps: number): tf.LayersModel {
  const sequences = tf.input({ shape: [steps, IN], name: 'sequences' });
  const processed = tf.layers.timeDistributed({ layer: model }).apply(sequences) as tf.SymbolicTensor;
  return tf.model({ name: 'time_distributed', inputs: sequences, outputs: processed });
}

/** Sizes used by these models (the MNIST MLP of Chapter 1, with 32 hidden units). */
export const FUNCTIONAL_MLP = { inputs: IN, hidden: HIDDEN, outputs: OUT } as const;
