/**
 * Noisy nets (Fortunato et al. 2018, "Noisy Networks for Exploration"), factorised Gaussian noise:
 * a dense layer whose weights are `mu + sigma * epsilon`, with `mu` and `sigma` learned and
 * `epsilon` redrawn on request, so exploration comes from the parameters instead of epsilon-greedy.
 *
 *   y = x (W_mu + W_sigma * eps_w) + b_mu + b_sigma * eps_b
 *   eps_w[i, j] = f(eps_in[i]) f(eps_out[j]),  eps_b[j] = f(eps_out[j]),  f(x) = sign(x) sqrt(|x|)
 *
 * with `p + q` standard normal draws per resample for a `p -> q` layer (the paper's factorised
 * variant, section 3(b)). Initialisation as in the paper for factorised noise: `mu` uniform in
 * `[-1/sqrt(p), 1/sqrt(p)]`, every `sigma` `sigma0 / sqrt(p)` with `sigma0 = 0.5`.
 *
 * The noise is held on the backend as two non-trainable variables owned by the layer (not
 * weights: they are not saved, and optimizers never see them). It changes only on
 * {@link NoisyDense.resetNoise}, which draws from a tfgym {@link Rng}: the one passed (the agent's,
 * so a checkpoint that saves that Rng resumes the same noise) or the layer's own stream. The
 * agent calls it once per update (Rainbow resamples for every forward pass of a batch; one
 * sample per batch is the paper's NoisyNet-DQN) and at acting steps. With `noisy` false the layer
 * is deterministic (`mu` only), for evaluation.
 *
 * The product with the factorised noise is computed without forming `eps_w`:
 * `x (W_sigma * f(eps_in) f(eps_out)^T) = ((x * f(eps_in)) W_sigma) * f(eps_out)`.
 *
 * Registered for serialization as `NoisyDense`; a model holding it saves and loads with
 * `src/io/model-io.ts` once this module is imported.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/rng/rng.js';
import { tfjsSeed } from './init.js';
import { checkOneOf, checkPositiveInt, invalidValueMessage, ModelArgumentError } from './validate.js';

/** Activations a {@link NoisyDense} layer applies after the affine map. */
export const NOISY_ACTIVATIONS = ['linear', 'relu', 'tanh', 'sigmoid', 'elu', 'selu', 'softplus'] as const;
/** One of {@link NOISY_ACTIVATIONS}. */
export type NoisyActivation = (typeof NOISY_ACTIVATIONS)[number];

/** The paper's initial noise scale for factorised noise. */
export const NOISY_SIGMA0 = 0.5;

/** Options of {@link NoisyDense}: the base layer's (name, inputShape, ...) plus these. */
export interface NoisyDenseArgs extends NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]> {
  /** Output size q. */
  units: number;
  /** Initial `sigma` is `sigma0 / sqrt(p)`; default {@link NOISY_SIGMA0}. */
  sigma0?: number;
  /** Default `linear`. */
  activation?: NoisyActivation;
  /** Default true. */
  useBias?: boolean;
  /** Whether the noise is applied (default true); false: `mu` only, for evaluation. */
  noisy?: boolean;
  /**
   * Seeds of the `mu` initialisers (two draws) and the layer's own noise stream (a fork). Without
   * one, `mu` is drawn by tfjs' unseeded generator and the noise stream is `Rng(0)`'s fork.
   */
  rng?: Rng;
}

type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type DisposeResult = ReturnType<tf.layers.Layer['dispose']>;

/** `sign(x) sqrt(|x|)`: the paper's noise shaping function for factorised noise. */
export function noiseShape(x: number): number {
  return x < 0 ? -Math.sqrt(-x) : Math.sqrt(x);
}

/** A dense layer with factorised Gaussian parameter noise (see the module comment). */
export class NoisyDense extends tf.layers.Layer {
  /** Registered name (model.json's `class_name`). */
  static readonly className = 'NoisyDense';
  readonly units: number;
  readonly sigma0: number;
  readonly activation: NoisyActivation;
  readonly useBias: boolean;
  /** Whether the forward pass adds the noise (false: deterministic, `mu` only). */
  noisy: boolean;

  private readonly muSeeds: [number | undefined, number | undefined];
  private readonly ownRng: Rng;
  private kernelMu: tf.LayerVariable | null = null;
  private kernelSigma: tf.LayerVariable | null = null;
  private biasMu: tf.LayerVariable | null = null;
  private biasSigma: tf.LayerVariable | null = null;
  /** f(eps_in), f(eps_out) on the backend, and their host copies. */
  private epsIn: tf.Variable | null = null;
  private epsOut: tf.Variable | null = null;
  private hostIn = new Float32Array(0);
  private hostOut = new Float32Array(0);

  constructor(args: NoisyDenseArgs) {
    const { units, sigma0, activation, useBias, noisy, rng, ...base } = args;
    super(base);
    this.units = checkPositiveInt('units', units);
    this.sigma0 = sigma0 ?? NOISY_SIGMA0;
    if (!Number.isFinite(this.sigma0) || this.sigma0 < 0) {
      throw new ModelArgumentError(invalidValueMessage('sigma0', 'a non-negative float', this.sigma0));
    }
    this.activation = checkOneOf('activation', activation ?? 'linear', NOISY_ACTIVATIONS);
    this.useBias = useBias ?? true;
    this.noisy = noisy ?? true;
    this.muSeeds = rng ? [tfjsSeed(rng), tfjsSeed(rng)] : [undefined, undefined];
    this.ownRng = (rng ?? new Rng(0)).fork();
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const p = shape[shape.length - 1];
    if (typeof p !== 'number') throw new ModelArgumentError('NoisyDense needs a known input size');
    const bound = 1 / Math.sqrt(p);
    const sigma = tf.initializers.constant({ value: this.sigma0 / Math.sqrt(p) });
    const mu = (seed: number | undefined) => tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed });
    const [s0, s1] = this.muSeeds;
    this.kernelMu = this.addWeight('kernel_mu', [p, this.units], 'float32', mu(s0), undefined, true);
    this.kernelSigma = this.addWeight('kernel_sigma', [p, this.units], 'float32', sigma, undefined, true);
    if (this.useBias) {
      this.biasMu = this.addWeight('bias_mu', [this.units], 'float32', mu(s1), undefined, true);
      this.biasSigma = this.addWeight('bias_sigma', [this.units], 'float32', sigma, undefined, true);
    }
    this.hostIn = new Float32Array(p);
    this.hostOut = new Float32Array(this.units);
    this.epsIn = tf.tidy(() => tf.variable(tf.zeros([p]), false));
    this.epsOut = tf.tidy(() => tf.variable(tf.zeros([this.units]), false));
    this.built = true;
    // A built layer is noisy from the start: the first sample comes from the layer's own stream.
    this.resetNoise();
  }

  /**
   * Draws new noise: `p + q` standard normals from `rng` (default: the layer's own stream),
   * shaped by {@link noiseShape}. The layer must be built (part of a model, or applied once).
   */
  resetNoise(rng: Rng = this.ownRng): void {
    const { epsIn, epsOut } = this;
    if (!epsIn || !epsOut) throw new Error(`NoisyDense ${this.name}: resetNoise before the layer is built`);
    for (let i = 0; i < this.hostIn.length; i++) this.hostIn[i] = noiseShape(rng.normal());
    for (let j = 0; j < this.hostOut.length; j++) this.hostOut[j] = noiseShape(rng.normal());
    tf.tidy(() => {
      epsIn.assign(tf.tensor1d(this.hostIn, 'float32'));
      epsOut.assign(tf.tensor1d(this.hostOut, 'float32'));
    });
  }

  /** Copies of the current shaped noise `f(eps_in)` (p values) and `f(eps_out)` (q values). */
  get noise(): { readonly epsIn: Float32Array; readonly epsOut: Float32Array } {
    return { epsIn: this.hostIn.slice(), epsOut: this.hostOut.slice() };
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const { kernelMu, kernelSigma, epsIn, epsOut } = this;
      if (!x || !kernelMu || !kernelSigma || !epsIn || !epsOut) throw new Error('NoisyDense: not built');
      const p = kernelMu.shape[0] as number;
      const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, p]);
      let y = tf.matMul(x2, kernelMu.read() as tf.Tensor2D);
      if (this.noisy) {
        const scaled = tf.mul(x2, epsIn) as tf.Tensor2D;
        y = tf.add(y, tf.mul(tf.matMul(scaled, kernelSigma.read() as tf.Tensor2D), epsOut));
      }
      if (this.biasMu && this.biasSigma) {
        const b = this.noisy ? tf.add(this.biasMu.read(), tf.mul(this.biasSigma.read(), epsOut)) : this.biasMu.read();
        y = tf.add(y, b);
      }
      const out = activate(y, this.activation);
      return x.rank === 2 ? out : tf.reshape(out, [...x.shape.slice(0, -1), this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      sigma0: this.sigma0,
      activation: this.activation,
      useBias: this.useBias,
      noisy: this.noisy,
    };
  }

  override getClassName(): string {
    return NoisyDense.className;
  }

  /** Disposes the weights (tfjs' reference counting) and, with them, the noise variables. */
  override dispose(): DisposeResult {
    const r = super.dispose();
    if (r.refCountAfterDispose !== 0 || !this.epsIn || !this.epsOut) return r;
    tf.dispose([this.epsIn, this.epsOut]);
    this.epsIn = null;
    this.epsOut = null;
    return { ...r, numDisposedVariables: r.numDisposedVariables + 2 };
  }
}

function activate(y: tf.Tensor, a: NoisyActivation): tf.Tensor {
  switch (a) {
    case 'linear':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'tanh':
      return tf.tanh(y);
    case 'sigmoid':
      return tf.sigmoid(y);
    case 'elu':
      return tf.elu(y);
    case 'selu':
      return tf.selu(y);
    case 'softplus':
      return tf.softplus(y);
  }
}

// Registered once on import, so tf.loadLayersModel and fromConfig find the class by name.
tf.serialization.registerClass(NoisyDense);

/** A {@link NoisyDense} layer. */
export function noisyDense(args: NoisyDenseArgs): NoisyDense {
  return new NoisyDense(args);
}

/** The {@link NoisyDense} layers of a model, in layer order (nested models included). */
export function noisyLayers(model: tf.LayersModel): NoisyDense[] {
  const out: NoisyDense[] = [];
  for (const layer of model.layers) {
    if (layer instanceof NoisyDense) out.push(layer);
    else if (layer instanceof tf.LayersModel) out.push(...noisyLayers(layer));
  }
  return out;
}

/** Resamples the noise of every noisy layer of `model`, in layer order, from `rng`. */
export function resetModelNoise(model: tf.LayersModel, rng: Rng): void {
  for (const layer of noisyLayers(model)) layer.resetNoise(rng);
}

/** Switches every noisy layer of `model` between noisy (training) and deterministic (`mu` only). */
export function setModelNoisy(model: tf.LayersModel, noisy: boolean): void {
  for (const layer of noisyLayers(model)) layer.noisy = noisy;
}

/**
 * Noisy nets in an agent's networks: switches every noisy layer of `models` on or off, and when
 * on with an `rng`, draws fresh noise for them from it, model after model (the agents' online
 * then target network).
 */
export function setModelsNoise(models: readonly tf.LayersModel[], on: boolean, rng?: Rng): void {
  for (const m of models) {
    setModelNoisy(m, on);
    if (on && rng) resetModelNoise(m, rng);
  }
}
