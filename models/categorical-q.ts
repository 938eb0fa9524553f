/**
 * Q-values from C51 logits inside a model: {@link CategoricalQ} turns `[batch, actions, atoms]`
 * logits into `[batch, actions]` means `sum_i z_i softmax(logits)_i` over the fixed atoms
 * `z_i = vMin + i (vMax - vMin) / (numAtoms - 1)` (Bellemare et al. 2017); a recurrent network's
 * `[batch, time, actions, atoms]` into `[batch, time, actions]`. A weight-free layer whose
 * config holds the support, registered for serialization, so a C51 network topped with it
 * ({@link categoricalPolicyModel}) saves as a plain Q-network: everything that reads Q-values from
 * a saved model (evaluation, the viewer, `modelPolicy`) works on it unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { checkPositiveInt, invalidValueMessage, ModelArgumentError } from './validate.js';

/** Options of {@link CategoricalQ}. */
export interface CategoricalQArgs extends NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]> {
  numAtoms: number;
  vMin: number;
  vMax: number;
}

type Kwargs = Parameters<tf.layers.Layer['call']>[1];

/** `[batch, actions, atoms]` logits -> `[batch, actions]` distribution means. */
export class CategoricalQ extends tf.layers.Layer {
  /** Registered name (model.json's `class_name`). */
  static readonly className = 'CategoricalQ';
  readonly numAtoms: number;
  readonly vMin: number;
  readonly vMax: number;

  constructor(args: CategoricalQArgs) {
    const { numAtoms, vMin, vMax, ...base } = args;
    super(base);
    this.numAtoms = checkPositiveInt('numAtoms', numAtoms);
    if (numAtoms < 2) throw new ModelArgumentError(invalidValueMessage('numAtoms', 'an integer >= 2', numAtoms));
    if (!Number.isFinite(vMin) || !Number.isFinite(vMax) || !(vMin < vMax)) {
      throw new ModelArgumentError(invalidValueMessage('vMax', `a finite number above vMin=${vMin}`, vMax));
    }
    this.vMin = vMin;
    this.vMax = vMax;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return shape.slice(0, -1);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!x || x.shape[x.rank - 1] !== this.numAtoms) {
        throw new ModelArgumentError(`CategoricalQ expects logits with ${this.numAtoms} atoms on the last axis`);
      }
      const dz = (this.vMax - this.vMin) / (this.numAtoms - 1);
      const z = tf.add(tf.mul(tf.range(0, this.numAtoms, 1, 'float32'), dz), this.vMin);
      return tf.sum(tf.mul(tf.softmax(x, -1), z), -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numAtoms: this.numAtoms, vMin: this.vMin, vMax: this.vMax };
  }

  override getClassName(): string {
    return CategoricalQ.className;
  }
}

tf.serialization.registerClass(CategoricalQ);

/**
 * A model that shares `logitsModel`'s layers and weights and outputs its Q-values (the
 * distribution means), for acting, evaluation and saving the policy. Its first output gives the
 * logits (`[batch, actions, atoms]`, or a recurrent network's `[batch, time, actions, atoms]`);
 * further outputs (a recurrent network's states) are passed through. It owns no weights: dispose
 * the logits model, not this one (disposing this one would release the shared layers).
 */
export function categoricalPolicyModel(
  logitsModel: tf.LayersModel,
  support: { readonly numAtoms: number; readonly vMin: number; readonly vMax: number },
  name = `${logitsModel.name}_q`,
): tf.LayersModel {
  const [out, ...rest] = logitsModel.outputs;
  if (!out || out.shape.length < 3) {
    throw new ModelArgumentError(
      `categoricalPolicyModel needs a model with [batch, actions, atoms] logits (a recurrent one: [batch, time, actions, atoms]). Received output shape [${String(out?.shape)}]`,
    );
  }
  const q = new CategoricalQ({ ...support, name: 'q_mean' }).apply(out) as tf.SymbolicTensor;
  return tf.model({ inputs: logitsModel.inputs, outputs: rest.length === 0 ? q : [q, ...rest], name });
}

/**
 * Whether `model`'s first output already gives Q-values from logits (a {@link CategoricalQ}
 * layer, as {@link categoricalPolicyModel} adds), so a saved policy is not wrapped twice.
 */
export function outputsCategoricalMeans(model: tf.LayersModel): boolean {
  const out = model.outputs[0];
  return out !== undefined && out.sourceLayer instanceof CategoricalQ;
}
