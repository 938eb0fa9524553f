/**
 * Typed access to the fields of tfjs 4.22's optimizers that its declarations keep protected or
 * leave out: the hyperparameters and slot variables the native backend's fused updates read,
 * the learning rate a schedule sets, and Adam's running powers beta^t, which checkpoints save.
 * Every cast to tfjs internals in tfgym happens here, so a tfjs upgrade that renames one of
 * them breaks one file, and its tests.
 */
import * as tf from '@tensorflow/tfjs';

/** A slot variable as tfjs keeps it (the name is what `getWeights` reports). */
export interface OptimizerSlot {
  originalName: string;
  variable: tf.Variable;
}

/** What every tfjs optimizer has. */
export interface OptimizerInternals {
  /** Advances the `iterations` counter (`applyGradients` does it once per call). */
  incrementIterations(): void;
}

/** tf.SGDOptimizer's fields. */
export interface SgdInternals extends OptimizerInternals {
  learningRate: number;
}

/** tf.AdamOptimizer's fields (Kingma & Ba 2015's beta1, beta2, epsilon and moment slots). */
export interface AdamInternals extends OptimizerInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** beta1^t and beta2^t for the next step t, as running products (bias correction). */
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<OptimizerSlot | undefined>;
  accumulatedSecondMoment: Array<OptimizerSlot | undefined>;
}

/** tf.RMSPropOptimizer's fields (Tieleman & Hinton 2012; centered: Graves 2013). */
export interface RmsPropInternals extends OptimizerInternals {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: Array<OptimizerSlot | undefined>;
  accumulatedMoments: Array<OptimizerSlot | undefined>;
  accumulatedMeanGrads: Array<OptimizerSlot | undefined>;
}

/** tf.MomentumOptimizer's fields (SGD with momentum; Nesterov 1983 / Sutskever et al. 2013). */
export interface MomentumInternals extends SgdInternals {
  momentum: number;
  useNesterov: boolean;
  accumulations: Array<OptimizerSlot | undefined>;
}

/** tf.AdadeltaOptimizer's fields (Zeiler 2012). */
export interface AdadeltaInternals extends OptimizerInternals {
  learningRate: number;
  rho: number;
  epsilon: number;
  accumulatedGrads: Array<OptimizerSlot | undefined>;
  accumulatedUpdates: Array<OptimizerSlot | undefined>;
}

/** The internals of a momentum optimizer. */
export function momentumInternals(opt: tf.MomentumOptimizer): MomentumInternals {
  return opt as unknown as MomentumInternals;
}

/** The internals of an Adadelta optimizer. */
export function adadeltaInternals(opt: tf.AdadeltaOptimizer): AdadeltaInternals {
  return opt as unknown as AdadeltaInternals;
}

/** An optimizer's `applyGradients` argument. */
export type VariableGradients = Parameters<tf.Optimizer['applyGradients']>[0];

/**
 * A fused step a backend offers for an update rule tfjs has no class for (e.g. Keras 2.0's
 * Adadelta): applies it to every pair and returns true, or returns false (changing nothing) when
 * it cannot, and the optimizer then runs its own tfjs ops.
 */
export type FusedStep = (opt: tf.Optimizer, variableGradients: VariableGradients) => boolean;

const fusedSteps = new Map<string, FusedStep>();

/** Registers the fused step of a named rule (the native backend does, for the rules it fuses). */
export function registerFusedStep(rule: string, step: FusedStep): void {
  fusedSteps.set(rule, step);
}

/** Runs the registered fused step of `rule`, if any; true when it applied the update. */
export function tryFusedStep(rule: string, opt: tf.Optimizer, variableGradients: VariableGradients): boolean {
  return fusedSteps.get(rule)?.(opt, variableGradients) ?? false;
}

/** The internals of an SGD optimizer. */
export function sgdInternals(opt: tf.SGDOptimizer): SgdInternals {
  return opt as unknown as SgdInternals;
}

/** The internals of an Adam optimizer. */
export function adamInternals(opt: tf.AdamOptimizer): AdamInternals {
  return opt as unknown as AdamInternals;
}

/** The internals of an RMSprop optimizer. */
export function rmsPropInternals(opt: tf.RMSPropOptimizer): RmsPropInternals {
  return opt as unknown as RmsPropInternals;
}

/** The learning rate of a tfjs optimizer, or undefined when it has none. */
export function learningRateOf(opt: tf.Optimizer): number | undefined {
  const lr = (opt as unknown as { learningRate?: unknown }).learningRate;
  return typeof lr === 'number' ? lr : undefined;
}

/**
 * Sets the learning-rate field that every tfjs optimizer but SGD reads on each step (SGD
 * caches it in a tensor: use its public `setLearningRate`).
 */
export function setLearningRateField(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

/**
 * Adam's bias-correction variables, or null for an optimizer without them. Adam (and its
 * subclasses) is recognised by these fields, not by `instanceof`: tfjs' optimizer classes define
 * `Symbol.hasInstance` by duck typing, so `rmsprop instanceof tf.AdamOptimizer` is true.
 */
function accBetaVariables(opt: tf.Optimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } | null {
  const a = opt as unknown as Partial<AdamInternals>;
  return a.accBeta1 && a.accBeta2 ? { accBeta1: a.accBeta1, accBeta2: a.accBeta2 } : null;
}

/**
 * Adam's running products [beta1^t, beta2^t], or null for other optimizers. tfjs' `setWeights`
 * recomputes them with `pow`, which is not bit-exact with the products, so exact resume saves them.
 */
export function adamAccBeta(opt: tf.Optimizer): [number, number] | null {
  const v = accBetaVariables(opt);
  return v ? [v.accBeta1.dataSync()[0] ?? NaN, v.accBeta2.dataSync()[0] ?? NaN] : null;
}

/** Restores {@link adamAccBeta}'s values; does nothing for other optimizers. */
export function setAdamAccBeta(opt: tf.Optimizer, [beta1Power, beta2Power]: readonly [number, number]): void {
  const v = accBetaVariables(opt);
  if (!v) return;
  tf.tidy(() => {
    v.accBeta1.assign(tf.scalar(beta1Power));
    v.accBeta2.assign(tf.scalar(beta2Power));
  });
}

/**
 * Whether a compiled model owns its optimizer: tfjs disposes the optimizer with the model only
 * when it built it from a name (`compile({optimizer: 'adam'})`), not when given an instance.
 */
export function modelOwnsOptimizer(model: tf.LayersModel): boolean {
  return (model as unknown as { isOptimizerOwned?: boolean }).isOptimizerOwned === true;
}
