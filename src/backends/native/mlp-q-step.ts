/**
 * DQN's forward passes and gradient for a plain MLP Q-network as direct addon calls on `native`.
 *
 * A gradient step of the 256-256 MLP of RL Zoo's classic-control presets runs ~150 tfjs kernels
 * (the tape, reshapes, casts, one-hot, the Huber pieces, the global-norm clip), each a fresh
 * tensor, for ~0.45 ms of GEMMs: the kernels cost twice the arithmetic. For a network that is
 * only `Input -> Dense* -> Dense` with ReLU or linear activations, this module runs the same
 * forward passes (the same fused GEMM + bias + activation calls the `_FusedMatMul` kernel makes),
 * the TD loss and its gradient in plain loops, the backward GEMMs the tape would run, and the
 * global-norm clip, into preallocated arrays. The optimizer step stays tfjs's optimizer (the
 * native fused update), so its slots, checkpoints and resume are unchanged.
 *
 * Results agree with the tape's to float32 rounding: the forward passes are bit-identical, the
 * gradients differ by the order of a few float32 roundings in the loss derivative and the norm
 * (tested against the tape within 1e-5 relative).
 */
import * as tf from '@tensorflow/tfjs';
import { NATIVE_BACKEND_NAME } from './backend.js';
import { f32, type NativeHost } from './host.js';

/** The addon's activation codes used here (native/backend.ts ACTIVATIONS). */
const LINEAR = 0;
const RELU = 1;

/** One Dense layer of a plain MLP. */
export interface DenseLayerVars {
  readonly kernel: tf.LayerVariable;
  readonly bias: tf.LayerVariable;
  readonly inSize: number;
  readonly outSize: number;
  readonly relu: boolean;
}

/**
 * The Dense layers of `model` when it is exactly `Input [n] -> Dense -> ... -> Dense`, each with a
 * bias and a `relu` or `linear` activation, chained one after the other; otherwise undefined.
 */
export function plainDenseStack(model: tf.LayersModel): DenseLayerVars[] | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const inputShape = model.inputs[0]?.shape;
  if (!inputShape || inputShape.length !== 2) return undefined;
  const layers = model.layers;
  if (layers.length < 2 || layers[0]?.getClassName() !== 'InputLayer') return undefined;
  const out: DenseLayerVars[] = [];
  let inSize = inputShape[1] as number;
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i] as tf.layers.Layer;
    if (layer.getClassName() !== 'Dense' || layer.inboundNodes.length !== 1) return undefined;
    const from = layer.inboundNodes[0]?.inboundLayers;
    if (!from || from.length !== 1 || from[0] !== layers[i - 1]) return undefined;
    const config = layer.getConfig();
    if (config['useBias'] === false) return undefined;
    const activation = config['activation'];
    if (activation !== 'relu' && activation !== 'linear') return undefined;
    const [kernel, bias] = layer.trainableWeights;
    if (!kernel || !bias || layer.trainableWeights.length !== 2 || kernel.shape.length !== 2) return undefined;
    if (kernel.shape[0] !== inSize) return undefined;
    const outSize = kernel.shape[1] as number;
    out.push({ kernel, bias, inSize, outSize, relu: activation === 'relu' });
    inSize = outSize;
  }
  if (layers[layers.length - 1] !== model.outputs[0]?.sourceLayer) return undefined;
  return out;
}

/** What a gradient step reports. */
export interface MlpQGradientResult {
  /** mean_i w_i L(Q(s_i, a_i) - y_i) */
  readonly loss: number;
  /** mean_i Q(s_i, a_i) */
  readonly q: number;
}

/**
 * Forward passes and TD-loss gradients of an online MLP Q-network (and its target copy) on the
 * native backend, in arrays allocated once. Holds no tensors; {@link MlpQStep.gradientTensors}
 * hands out tensors the caller disposes.
 */
export class MlpQStep {
  private readonly widest: number;
  /** Activations of each layer of the last online forward pass with gradients, `[batch, out]`. */
  private readonly acts: Float32Array[];
  private readonly dA: Float32Array;
  private readonly dB: Float32Array;
  private readonly kernelGrads: Float32Array[];
  private readonly biasGrads: Float32Array[];
  /** Every gradient array, kernels then biases (the clip's order). */
  private readonly allGrads: Float32Array[];
  /** Q(s_i, a_i) - y_i of the last {@link MlpQStep.gradients} call, `[batch]`. */
  readonly td: Float32Array;
  /**
   * Forward-only activations, per network and batch size (two ping-pong arrays each): the online
   * and target outputs of one batch live side by side (double DQN reads both).
   */
  private readonly scratch = new Map<string, [Float32Array, Float32Array]>();

  /**
   * @param online the online network's layers ({@link plainDenseStack})
   * @param target the target network's layers (same sizes), or null
   * @param batch the training batch size
   */
  constructor(
    private readonly online: DenseLayerVars[],
    private readonly target: DenseLayerVars[] | null,
    private readonly batch: number,
  ) {
    if (target && (target.length !== online.length || target.some((l, i) => l.outSize !== online[i]?.outSize))) {
      throw new Error('MlpQStep: the target network does not match the online network');
    }
    this.widest = Math.max(...online.map((l) => l.outSize), ...online.map((l) => l.inSize));
    this.acts = online.map((l) => new Float32Array(batch * l.outSize));
    this.dA = new Float32Array(batch * this.widest);
    this.dB = new Float32Array(batch * this.widest);
    this.kernelGrads = online.map((l) => new Float32Array(l.inSize * l.outSize));
    this.biasGrads = online.map((l) => new Float32Array(l.outSize));
    this.allGrads = [...this.kernelGrads, ...this.biasGrads];
    this.td = new Float32Array(batch);
  }

  /** Number of Q-values (actions) per row. */
  get numActions(): number {
    return (this.online[this.online.length - 1] as DenseLayerVars).outSize;
  }

  /**
   * Q-values of `n` input rows `x` (`[n, inSize]`, float32) from the online or target network;
   * the returned array is reused by the next call for the same network and `n` (copy what you keep).
   */
  forward(host: NativeHost, which: 'online' | 'target', x: Float32Array, n: number): Float32Array {
    const layers = which === 'target' && this.target ? this.target : this.online;
    const key = `${which} ${n}`;
    let pair = this.scratch.get(key);
    if (!pair) {
      pair = [new Float32Array(n * this.widest), new Float32Array(n * this.widest)];
      this.scratch.set(key, pair);
    }
    let input = x;
    layers.forEach((l, i) => {
      const out = (pair as [Float32Array, Float32Array])[i % 2] as Float32Array;
      dense(host, l, input, out, n);
      input = out;
    });
    return input.subarray(0, n * this.numActions);
  }

  /**
   * Runs the online network on `obs` (`[batch, inSize]`) and writes the gradient of
   * mean_i w_i L(Q(s_i, a_i) - y_i) (L: Huber with delta 1, or the square) into the gradient
   * arrays, clipped to global norm `maxGradNorm` when it is > 0 (as the tfjs path clips it);
   * {@link MlpQStep.td} receives Q(s_i, a_i) - y_i.
   */
  gradients(
    host: NativeHost,
    obs: Float32Array,
    actions: ArrayLike<number>,
    targets: Float32Array,
    weights: ArrayLike<number>,
    loss: 'huber' | 'mse',
    maxGradNorm: number,
  ): MlpQGradientResult {
    const B = this.batch;
    const td = this.td;
    const L = this.online.length;
    let input = obs;
    for (let i = 0; i < L; i++) {
      const act = this.acts[i] as Float32Array;
      dense(host, this.online[i] as DenseLayerVars, input, act, B);
      input = act;
    }
    // The loss and dL/dQ: only the taken action's column is non-zero.
    const A = this.numActions;
    const q = this.acts[L - 1] as Float32Array;
    const dq = this.dA;
    dq.fill(0, 0, B * A);
    const invB = Math.fround(1 / B);
    let lossSum = 0;
    let qSum = 0;
    for (let i = 0; i < B; i++) {
      const a = actions[i] as number;
      const qa = q[i * A + a] as number;
      const d = Math.fround(qa - (targets[i] as number));
      td[i] = d;
      qSum += qa;
      const w = weights[i] as number;
      const abs = Math.abs(d);
      let elem: number;
      let slope: number;
      if (loss === 'huber') {
        elem = abs <= 1 ? 0.5 * d * d : abs - 0.5;
        slope = abs <= 1 ? d : Math.sign(d);
      } else {
        elem = d * d;
        slope = 2 * d;
      }
      lossSum += Math.fround(elem) * w;
      dq[i * A + a] = Math.fround(Math.fround(invB * w) * slope);
    }
    // Backward, last layer first: dW = x^T dY, db = sum_rows dY, dX = dY W^T (ReLU: masked).
    let dY = dq;
    for (let i = L - 1; i >= 0; i--) {
      const l = this.online[i] as DenseLayerVars;
      const x = i === 0 ? obs : (this.acts[i - 1] as Float32Array);
      host.addon.matmul(
        x,
        dY,
        this.kernelGrads[i] as Float32Array,
        1,
        l.inSize,
        l.outSize,
        B,
        true,
        false,
        0,
        0,
        null,
        LINEAR,
        0,
      );
      host.addon.sumRows(dY, this.biasGrads[i] as Float32Array, B, l.outSize);
      if (i === 0) break;
      const dX = dY === this.dA ? this.dB : this.dA;
      host.addon.matmul(
        dY,
        weightsOf(host, l.kernel),
        dX,
        1,
        B,
        l.inSize,
        l.outSize,
        false,
        true,
        0,
        0,
        null,
        LINEAR,
        0,
      );
      const below = this.online[i - 1] as DenseLayerVars;
      if (below.relu) host.addon.reluMask(dX.subarray(0, B * l.inSize), this.acts[i - 1] as Float32Array);
      dY = dX;
    }
    if (maxGradNorm > 0) this.clip(host, maxGradNorm);
    return { loss: Math.fround(lossSum / B), q: qSum / B };
  }

  /** Scales every gradient by min(1, maxNorm / (norm + 1e-6)) in float32, as the tfjs path does. */
  private clip(host: NativeHost, maxNorm: number): void {
    let total = 0;
    for (const g of this.allGrads) total = Math.fround(total + Math.fround(host.addon.sumSquares(g)));
    const norm = Math.fround(Math.sqrt(total));
    const scale = Math.min(1, Math.fround(maxNorm / Math.fround(norm + 1e-6)));
    // x * 1 is x: below the bound the gradients are left as they are.
    if (scale >= 1) return;
    for (const g of this.allGrads) for (let j = 0; j < g.length; j++) g[j] = Math.fround((g[j] as number) * scale);
  }

  /**
   * The last gradients as tensors named as `tf.variableGrads` names them (the online network's
   * variables), sharing the gradient arrays: the caller disposes them before the next step.
   */
  gradientTensors(): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    this.online.forEach((l, i) => {
      out[(l.kernel.read() as tf.Variable).name] = tf.tensor2d(
        this.kernelGrads[i] as Float32Array,
        [l.inSize, l.outSize],
        'float32',
      );
      out[(l.bias.read() as tf.Variable).name] = tf.tensor1d(this.biasGrads[i] as Float32Array, 'float32');
    });
    return out;
  }
}

/** The float32 array behind a layer variable on the native backend. */
function weightsOf(host: NativeHost, v: tf.LayerVariable): Float32Array {
  const values = f32(host, v.read());
  if (!values) throw new Error(`MlpQStep: ${v.name} is not float32 data on the native backend`);
  return values;
}

/** out = act(x W + b) for `n` rows, as the `_FusedMatMul` kernel computes it. */
function dense(host: NativeHost, l: DenseLayerVars, x: Float32Array, out: Float32Array, n: number): void {
  host.addon.matmul(
    x,
    weightsOf(host, l.kernel),
    out,
    1,
    n,
    l.outSize,
    l.inSize,
    false,
    false,
    0,
    0,
    weightsOf(host, l.bias),
    l.relu ? RELU : LINEAR,
    0,
  );
}

/** The native backend's storage and addon while `native` is the current tfjs backend, else undefined. */
export function activeNativeHost(): NativeHost | undefined {
  if (tf.getBackend() !== NATIVE_BACKEND_NAME) return undefined;
  const b = tf.backend() as unknown as Partial<NativeHost>;
  return b.addon && b.data ? (b as NativeHost) : undefined;
}
