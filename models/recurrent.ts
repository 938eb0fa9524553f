/**
 * Seeded Keras 2 recurrent layers: tfjs' `simpleRNN`, `lstm` and `gru` have Keras 2's defaults
 * (Glorot-uniform kernels, orthogonal recurrent kernels, hard-sigmoid gates) except that their
 * initialisers and dropout masks are unseeded; these builders seed both. On the `native` backend
 * the layers run on the fused recurrent kernels (src/backends/native/recurrent.ts) unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { seededDropoutFunc } from './dropout.js';
import type { SeededInit } from './init.js';

/** The recurrent cells of the book's Chapters 6-7. */
export type CellKind = 'simpleRnn' | 'lstm' | 'gru';

/** Options of {@link recurrent}. */
export interface RecurrentArgs {
  units: number;
  returnSequences?: boolean;
  /** Also output the final states (`[output, h]`, LSTM `[output, h, c]`). Default false. */
  returnState?: boolean;
  /** The gates' activation (Keras 2, tfjs' default: `hardSigmoid`; Keras 3 and PyTorch: `sigmoid`). */
  recurrentActivation?: 'sigmoid' | 'hardSigmoid';
  /** LSTM: forget-gate bias initialised to 1 (Jozefowicz et al. 2015; Keras' default, tfjs' is false). */
  unitForgetBias?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  stateful?: boolean;
  inputShape?: number[];
  batchInputShape?: number[];
  name?: string;
}

/**
 * A Keras 2 recurrent layer with seeded initial weights (`init`) and dropout masks (`rng`):
 * tfjs' defaults are Keras 2's except that its initialisers and dropout masks are unseeded.
 */
export function recurrent(kind: CellKind, a: RecurrentArgs, init: SeededInit, rng: Rng): tf.layers.Layer {
  const args = {
    units: a.units,
    returnSequences: a.returnSequences ?? false,
    kernelInitializer: init.glorotUniform(),
    recurrentInitializer: init.orthogonal(),
    dropout: a.dropout ?? 0,
    recurrentDropout: a.recurrentDropout ?? 0,
    dropoutFunc: seededDropoutFunc(rng),
    ...(a.stateful ? { stateful: true } : {}),
    ...(a.returnState ? { returnState: true } : {}),
    ...(a.recurrentActivation !== undefined && kind !== 'simpleRnn'
      ? { recurrentActivation: a.recurrentActivation }
      : {}),
    ...(a.unitForgetBias !== undefined && kind === 'lstm' ? { unitForgetBias: a.unitForgetBias } : {}),
    ...(a.inputShape ? { inputShape: a.inputShape } : {}),
    ...(a.batchInputShape ? { batchInputShape: a.batchInputShape } : {}),
    ...(a.name !== undefined ? { name: a.name } : {}),
  };
  switch (kind) {
    case 'simpleRnn':
      return tf.layers.simpleRNN(args);
    case 'lstm':
      return tf.layers.lstm(args);
    case 'gru':
      return tf.layers.gru(args);
  }
}

/** The parts of a tfjs RNN layer and cell that {@link bidirectional} re-seeds. */
interface RnnInternals {
  cell: {
    kernelInitializer: unknown;
    recurrentInitializer: unknown;
    dropoutFunc: unknown;
  };
}

/** How Keras' `Bidirectional` merges its two directions (`concat` is Keras' default). */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

/**
 * Keras' `Bidirectional(layer, merge_mode)` over a {@link recurrent} layer. tfjs clones the
 * wrapped layer through its config, which drops the seeded `dropoutFunc` and gives both
 * directions the same initialiser seeds (identical starting weights): each direction gets its
 * own initialisers and mask stream back before the layer is built. `a.name` names the wrapper.
 */
export function bidirectional(
  kind: CellKind,
  a: RecurrentArgs,
  init: SeededInit,
  rng: Rng,
  mergeMode: MergeMode = 'concat',
): tf.layers.Layer {
  const { inputShape, name, ...inner } = a;
  const bi = tf.layers.bidirectional({
    layer: recurrent(kind, inner, init, rng) as tf.RNN,
    mergeMode,
    ...(inputShape ? { inputShape } : {}),
    ...(name !== undefined ? { name } : {}),
  });
  const dirs = bi as unknown as { forwardLayer: RnnInternals; backwardLayer: RnnInternals };
  for (const layer of [dirs.forwardLayer, dirs.backwardLayer]) {
    layer.cell.kernelInitializer = init.glorotUniform();
    layer.cell.recurrentInitializer = init.orthogonal();
    layer.cell.dropoutFunc = seededDropoutFunc(rng.fork());
  }
  return bi;
}
