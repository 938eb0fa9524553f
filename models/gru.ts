/**
 * The GRU of Keras 3 (and cuDNN): `reset_after = true`, which tfjs' `GRUCell` refuses. The reset
 * gate multiplies the recurrent projection *after* the matmul, and the recurrent side has its own
 * bias, so the bias is `[2, 3 * units]` (row 0 the input bias, row 1 the recurrent one), kernel
 * `[inputDim, 3 * units]` and recurrent kernel `[units, 3 * units]` with the gates in Keras' order z,
 * r, h: the layout of a Keras 3 `GRU`'s weights, which load as they are.
 *
 *   z = sigmoid(x W_z + b_z + h U_z + c_z), r = sigmoid(x W_r + b_r + h U_r + c_r)
 *   hh = tanh(x W_h + b_h + r * (h U_h + c_h)),  h' = z * h + (1 - z) * hh
 *
 * Defaults are Keras 3's (tanh, sigmoid, Glorot uniform kernel, orthogonal recurrent kernel, zero
 * bias). On the `native` backend the layer runs as one fused kernel (src/backends/native/
 * recurrent.ts); elsewhere this cell's step runs in tfjs' RNN loop. The cell is registered for
 * serialization as `ResetAfterGRUCell`, so a model using it saves and loads as a tfjs layers model
 * (in this process: the class must be registered by importing this module).
 */
import * as tf from '@tensorflow/tfjs';
import { checkPositiveInt, ModelArgumentError } from './validate.js';

/** Options of {@link gruResetAfter}: tfjs' GRU options (`resetAfter` is implied). */
export type ResetAfterGruArgs = Omit<Parameters<typeof tf.layers.gru>[0], 'resetAfter'>;

/** tfjs' GRUCell class (not exported by tfjs: taken from an instance). */
const GRUCellBase = tf.layers.gruCell({ units: 1 }).constructor as unknown as new (
  args: Parameters<typeof tf.layers.gruCell>[0],
) => GruCellInternals;

/** tfjs' initializer type (not exported under a name). */
type Init = ReturnType<typeof tf.initializers.zeros>;

/** The parts of tfjs' GRUCell this subclass uses. */
interface GruCellInternals extends tf.layers.Layer {
  units: number;
  useBias: boolean;
  dropout: number;
  recurrentDropout: number;
  activation: { apply(x: tf.Tensor): tf.Tensor };
  recurrentActivation: { apply(x: tf.Tensor): tf.Tensor };
  kernelInitializer: Init;
  recurrentInitializer: Init;
  biasInitializer: Init;
  kernel: tf.LayerVariable;
  recurrentKernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  dropoutMask: tf.Tensor | tf.Tensor[] | null;
  recurrentDropoutMask: tf.Tensor | tf.Tensor[] | null;
  build(inputShape: tf.Shape | tf.Shape[]): void;
  getConfig(): tf.serialization.ConfigDict;
}

/** A GRU cell with Keras 3's reset-after formulation (see the module comment). */
export class ResetAfterGRUCell extends GRUCellBase {
  /** Serialization name. */
  static className = 'ResetAfterGRUCell';
  /** Always true: the point of this cell. */
  readonly resetAfter = true;

  constructor(args: Parameters<typeof tf.layers.gruCell>[0]) {
    super({
      recurrentActivation: 'sigmoid',
      kernelInitializer: 'glorotUniform',
      ...args,
      resetAfter: false,
    } as Parameters<typeof tf.layers.gruCell>[0]);
  }

  override getClassName(): string {
    return ResetAfterGRUCell.className;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1];
    if (typeof inputDim !== 'number') throw new ModelArgumentError('ResetAfterGRUCell needs a known input size');
    const g = 3 * this.units;
    this.kernel = this.addWeight('kernel', [inputDim, g], 'float32', this.kernelInitializer, undefined, true);
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [this.units, g],
      'float32',
      this.recurrentInitializer,
      undefined,
      true,
    );
    this.bias = this.useBias ? this.addWeight('bias', [2, g], 'float32', this.biasInitializer, undefined, true) : null;
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor[] {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new ModelArgumentError('ResetAfterGRUCell expects 2 input tensors (inputs, h)');
      }
      const h = inputs[1] as tf.Tensor2D;
      let x = inputs[0] as tf.Tensor2D;
      const training = kwargs['training'] === true;
      // One mask per sequence, as tfjs' cells draw them (the layer clears them before each call).
      if (training && this.dropout > 0 && this.dropout < 1) {
        this.dropoutMask ??= tf.keep(tf.dropout(tf.onesLike(x), this.dropout));
        x = tf.mul(x, this.dropoutMask as tf.Tensor);
      }
      let hRec = h;
      if (training && this.recurrentDropout > 0 && this.recurrentDropout < 1) {
        this.recurrentDropoutMask ??= tf.keep(tf.dropout(tf.onesLike(h), this.recurrentDropout));
        hRec = tf.mul(h, this.recurrentDropoutMask as tf.Tensor);
      }
      const [bIn, bRec] = this.bias ? tf.unstack(this.bias.read(), 0) : [undefined, undefined];
      let xw = tf.matMul(x, this.kernel.read());
      if (bIn) xw = tf.add(xw, bIn);
      let hu = tf.matMul(hRec, this.recurrentKernel.read());
      if (bRec) hu = tf.add(hu, bRec);
      const [xz, xr, xh] = tf.split(xw, 3, 1);
      const [hz, hr, hh0] = tf.split(hu, 3, 1);
      const z = this.recurrentActivation.apply(tf.add(xz as tf.Tensor, hz as tf.Tensor));
      const r = this.recurrentActivation.apply(tf.add(xr as tf.Tensor, hr as tf.Tensor));
      const hh = this.activation.apply(tf.add(xh as tf.Tensor, tf.mul(r, hh0 as tf.Tensor)));
      const next = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
      return [next, next];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: true };
  }
}
tf.serialization.registerClass(
  ResetAfterGRUCell as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** The cell's share of a layer's options. */
function cellArgs(args: ResetAfterGruArgs): Parameters<typeof tf.layers.gruCell>[0] {
  const { units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer } =
    args;
  return {
    units,
    activation,
    recurrentActivation,
    useBias,
    kernelInitializer,
    recurrentInitializer,
    biasInitializer,
    dropout: args.dropout,
    recurrentDropout: args.recurrentDropout,
  } as Parameters<typeof tf.layers.gruCell>[0];
}

/**
 * A Keras 3 GRU layer (reset after): tfjs' `RNN` over a {@link ResetAfterGRUCell}, with the same
 * options as `tf.layers.gru`. Its own class (as tfjs' LSTM and GRU are) so that it serializes
 * without a nested cell config, which `tf.layers.bidirectional` needs to clone it.
 */
export class ResetAfterGRU extends tf.RNN {
  /** Serialization name. */
  static override className = 'ResetAfterGRU';

  constructor(args: ResetAfterGruArgs) {
    checkPositiveInt('units', args.units);
    super({ ...args, cell: new ResetAfterGRUCell(cellArgs(args)) as unknown as RnnCellArg } as RnnArgs);
  }

  override getClassName(): string {
    return ResetAfterGRU.className;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      // Fresh dropout masks for every sequence, as tfjs' GRU layer does.
      const cell = this.cell as unknown as GruCellInternals;
      tf.dispose([cell.dropoutMask ?? [], cell.recurrentDropoutMask ?? []].flat());
      cell.dropoutMask = null;
      cell.recurrentDropoutMask = null;
      return super.call(inputs, kwargs as never);
    });
  }

  /** Rebuilds the layer from its flat config (the cell's options are part of it). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}
tf.serialization.registerClass(ResetAfterGRU);

type RnnArgs = ConstructorParameters<typeof tf.RNN>[0];
type RnnCellArg = RnnArgs['cell'];

/** A {@link ResetAfterGRU} layer: Keras 3's GRU, with `tf.layers.gru`'s options. */
export function gruResetAfter(args: ResetAfterGruArgs): ResetAfterGRU {
  return new ResetAfterGRU(args);
}
