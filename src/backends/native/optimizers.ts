/**
 * Fused, in-place optimizer steps for the `native` backend.
 *
 * tfjs's optimizers update each weight with 4-14 element-wise ops (Adam: 14), each allocating a
 * fresh result array. For the book's Catch net that is ~14 passes and ~10 new 4.7 MB arrays per
 * step over its 2304x512 dense kernel, most of the cost being page faults on new memory: more
 * than all its convolutions. On `native`, `applyGradients` of tfjs's own {@link tf.SGDOptimizer},
 * {@link tf.MomentumOptimizer} (including Nesterov), {@link tf.AdamOptimizer},
 * {@link tf.RMSPropOptimizer} (including centered) and {@link tf.AdadeltaOptimizer}, and the
 * `keras-adadelta` fused step (Keras 2.0's Adadelta, models/keras-optimizers.ts), instead run one
 * addon pass per weight that updates the weight and its slots in place, with the same float32
 * arithmetic in the same order, so results equal the cpu backend's bit for bit (tested).
 * Everything else about those optimizers (slot variables and their names, `getWeights`,
 * `setWeights`, serialization) is unchanged, and on any other backend they run tfjs's code.
 *
 * In-place updates are safe because the weight and slot buffers are made private first: a buffer
 * is adopted (copied once into a new array) when it is shared with another tensor (`refCount` >
 * 1, e.g. a clone or a target network given the same weights), and the native backend's
 * `readSync` and its slicing kernels copy adopted buffers, so no array handed out to user code
 * or to another tensor ever changes under it.
 */
import * as tf from '@tensorflow/tfjs';
import {
  adadeltaInternals,
  adamInternals,
  momentumInternals,
  registerFusedStep,
  rmsPropInternals,
  sgdInternals,
  type AdadeltaInternals,
  type OptimizerSlot,
  type VariableGradients,
} from '../optimizer-internals.js';
import type { NativeAddon } from './addon.js';

/** Update rules, numbered as in native/src/elementwise.h. */
const RULE = {
  sgd: 0,
  adam: 1,
  rmsprop: 2,
  rmspropCentered: 3,
  momentum: 4,
  nesterov: 5,
  adadelta: 6,
  adadeltaKeras: 7,
} as const;

/** What the native backend offers this module (kept structural to avoid an import cycle). */
export interface InPlaceHost {
  readonly addon: NativeAddon;
  /** The cpu backend's storage entry for a tensor. */
  readonly data: { get(dataId: object): { values?: unknown; refCount: number } | undefined };
}

/** Buffers owned by in-place updates: the backend copies them before handing them out. */
export const adoptedBuffers = new WeakSet<ArrayBufferLike>();

/**
 * The variable's float32 buffer, private to it (adopted: no other tensor or view shares it), or
 * undefined when it is not plain float32 data.
 */
function privateBuffer(host: InPlaceHost, v: tf.Variable): Float32Array | undefined {
  if (v.dtype !== 'float32') return undefined;
  const d = host.data.get(v.dataId);
  if (!d || !(d.values instanceof Float32Array)) return undefined;
  if (d.refCount === 1 && adoptedBuffers.has(d.values.buffer)) return d.values;
  // A fresh copy: views or tensors made from the old buffer keep seeing the old values.
  const copy = d.values.slice();
  adoptedBuffers.add(copy.buffer);
  if (d.refCount === 1) {
    d.values = copy;
    return copy;
  }
  // Shared storage (a clone, or another model's variable given these weights): give this
  // variable storage of its own and leave the shared entry to the others.
  const t = tf.tensor(copy, v.shape, 'float32');
  v.assign(t);
  t.dispose();
  const mine = host.data.get(v.dataId);
  return mine?.values === copy ? copy : undefined;
}

/** The gradient's float32 data (read only), or undefined. */
function gradientBuffer(host: InPlaceHost, g: tf.Tensor): Float32Array | undefined {
  if (g.dtype !== 'float32') return undefined;
  const d = host.data.get(g.dataId);
  return d?.values instanceof Float32Array ? d.values : undefined;
}

/** The variables and gradients of one applyGradients call, in tfjs's order (undefined gradient: skipped). */
function pairs(variableGradients: VariableGradients): Array<{ name: string; gradient: tf.Tensor | undefined }> {
  if (Array.isArray(variableGradients)) return variableGradients.map((v) => ({ name: v.name, gradient: v.tensor }));
  return Object.keys(variableGradients).map((name) => ({ name, gradient: variableGradients[name] }));
}

function registeredVariable(name: string): tf.Variable | undefined {
  return (tf.engine().registeredVariables as Record<string, tf.Variable | undefined>)[name];
}

/** A zero slot variable named as tfjs names it (so getWeights/setWeights see no difference). */
function zeroSlot(value: tf.Variable, suffix: string): OptimizerSlot {
  return { originalName: `${value.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
}

/**
 * Runs `update(w, g, slots)` over every (weight, gradient) pair when every buffer involved is
 * plain float32; returns false (and changes nothing) otherwise, so the caller runs tfjs's code.
 */
function forEachPair(
  host: InPlaceHost,
  variableGradients: VariableGradients,
  slotsFor: (i: number, value: tf.Variable) => tf.Variable[],
  update: (w: Float32Array, g: Float32Array, slots: Float32Array[]) => void,
): boolean {
  const list = pairs(variableGradients);
  const values: tf.Variable[] = [];
  for (const { name, gradient } of list) {
    const value = registeredVariable(name);
    if (!value || value.dtype !== 'float32') return false; // tfjs's code throws its own error
    if (gradient && (!gradientBuffer(host, gradient) || gradient.size !== value.size)) return false;
    values.push(value);
  }
  list.forEach(({ gradient }, i) => {
    const value = values[i] as tf.Variable;
    // Slots are made for every variable, with or without a gradient, as tfjs does.
    const slotVars = slotsFor(i, value);
    if (!gradient) return;
    const w = privateBuffer(host, value);
    const slots = slotVars.map((s) => privateBuffer(host, s));
    const g = gradientBuffer(host, gradient);
    // Cannot fail after the checks above (float32 variables we just made private).
    if (!w || !g || slots.some((s) => s === undefined)) throw new Error('tfgym native optimizer: unexpected storage');
    update(w, g.buffer === w.buffer ? g.slice() : g, slots as Float32Array[]);
  });
  return true;
}

let installed = false;

/**
 * Makes tfjs's SGD, momentum, Adam, RMSProp and Adadelta optimizers (and the registered
 * `keras-adadelta` step) run fused in-place updates whenever `isActive()` (the native backend is
 * the current one). Idempotent.
 */
export function installNativeOptimizers(isActive: () => InPlaceHost | undefined): void {
  if (installed) return;
  installed = true;
  const f32 = Math.fround;

  const sgd = tf.SGDOptimizer.prototype;
  const sgdOriginal = sgd.applyGradients;
  sgd.applyGradients = function (this: tf.SGDOptimizer, variableGradients: VariableGradients): void {
    const host = isActive();
    const self = sgdInternals(this);
    // MomentumOptimizer extends SGDOptimizer with its own applyGradients; only plain SGD lands here.
    if (host && this.constructor === tf.SGDOptimizer) {
      const coefs = Float32Array.of(-self.learningRate);
      const update = (w: Float32Array, g: Float32Array): void =>
        host.addon.optimizerUpdate(RULE.sgd, w, g, null, null, null, coefs);
      if (forEachPair(host, variableGradients, () => [], update)) {
        self.incrementIterations();
        return;
      }
    }
    sgdOriginal.call(this, variableGradients);
  };

  const adam = tf.AdamOptimizer.prototype;
  const adamOriginal = adam.applyGradients;
  type AdamGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];
  adam.applyGradients = function (this: tf.AdamOptimizer, variableGradients: AdamGradients): void {
    const host = isActive();
    const self = adamInternals(this);
    if (host) {
      // tfjs: 1 - accBeta (float32 scalars), then (1 - beta) etc. as float32 scalars.
      const accBeta1 = (self.accBeta1.dataSync() as Float32Array)[0] ?? 0;
      const accBeta2 = (self.accBeta2.dataSync() as Float32Array)[0] ?? 0;
      const coefs = Float32Array.of(
        self.beta1,
        1 - self.beta1,
        self.beta2,
        1 - self.beta2,
        f32(1 - accBeta1),
        f32(1 - accBeta2),
        self.epsilon,
        -self.learningRate,
      );
      const slotsFor = (i: number, value: tf.Variable): tf.Variable[] => {
        const m = (self.accumulatedFirstMoment[i] ??= zeroSlot(value, 'm'));
        const v = (self.accumulatedSecondMoment[i] ??= zeroSlot(value, 'v'));
        return [m.variable, v.variable];
      };
      const done = forEachPair(host, variableGradients, slotsFor, (w, g, [m, v]) =>
        host.addon.optimizerUpdate(RULE.adam, w, g, m ?? null, v ?? null, null, coefs),
      );
      if (done) {
        tf.tidy(() => {
          self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
          self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
        });
        self.incrementIterations();
        return;
      }
    }
    adamOriginal.call(this, variableGradients);
  };

  const momentum = tf.MomentumOptimizer.prototype;
  const momentumOriginal = momentum.applyGradients;
  type MomentumGradients = Parameters<tf.MomentumOptimizer['applyGradients']>[0];
  momentum.applyGradients = function (this: tf.MomentumOptimizer, variableGradients: MomentumGradients): void {
    const host = isActive();
    const self = momentumInternals(this);
    if (host) {
      // tfjs' scalars: m = scalar(momentum), c = scalar(-learningRate), both float32.
      const coefs = Float32Array.of(self.momentum, -self.learningRate);
      const rule = self.useNesterov ? RULE.nesterov : RULE.momentum;
      const slotsFor = (i: number, value: tf.Variable): tf.Variable[] => [
        (self.accumulations[i] ??= zeroSlot(value, 'momentum')).variable,
      ];
      const done = forEachPair(host, variableGradients, slotsFor, (w, g, [acc]) =>
        host.addon.optimizerUpdate(rule, w, g, acc ?? null, null, null, coefs),
      );
      if (done) {
        self.incrementIterations();
        return;
      }
    }
    momentumOriginal.call(this, variableGradients);
  };

  /** Adadelta's fused step by `rule` (tfjs' or Keras 2.0's); false when the buffers are not plain float32. */
  const adadeltaStep = (
    host: InPlaceHost,
    self: AdadeltaInternals,
    rule: number,
    variableGradients: VariableGradients,
  ): boolean => {
    const coefs = Float32Array.of(self.rho, 1 - self.rho, self.epsilon, -self.learningRate);
    const slotsFor = (i: number, value: tf.Variable): tf.Variable[] => [
      (self.accumulatedGrads[i] ??= zeroSlot(value, 'accum_grad')).variable,
      (self.accumulatedUpdates[i] ??= zeroSlot(value, 'accum_var')).variable,
    ];
    const done = forEachPair(host, variableGradients, slotsFor, (w, g, [ag, au]) =>
      host.addon.optimizerUpdate(rule, w, g, ag ?? null, au ?? null, null, coefs),
    );
    if (done) self.incrementIterations();
    return done;
  };

  const adadelta = tf.AdadeltaOptimizer.prototype;
  const adadeltaOriginal = adadelta.applyGradients;
  type AdadeltaGradients = Parameters<tf.AdadeltaOptimizer['applyGradients']>[0];
  adadelta.applyGradients = function (this: tf.AdadeltaOptimizer, variableGradients: AdadeltaGradients): void {
    const host = isActive();
    if (host && adadeltaStep(host, adadeltaInternals(this), RULE.adadelta, variableGradients)) return;
    adadeltaOriginal.call(this, variableGradients);
  };
  registerFusedStep('keras-adadelta', (opt, variableGradients) => {
    const host = isActive();
    if (!host || !(opt instanceof tf.AdadeltaOptimizer)) return false;
    return adadeltaStep(host, adadeltaInternals(opt), RULE.adadeltaKeras, variableGradients);
  });

  const rms = tf.RMSPropOptimizer.prototype;
  const rmsOriginal = rms.applyGradients;
  rms.applyGradients = function (this: tf.RMSPropOptimizer, variableGradients: VariableGradients): void {
    const host = isActive();
    const self = rmsPropInternals(this);
    if (host) {
      const coefs = Float32Array.of(self.decay, 1 - self.decay, self.momentum, self.learningRate, self.epsilon);
      const rule = self.centered ? RULE.rmspropCentered : RULE.rmsprop;
      const slotsFor = (i: number, value: tf.Variable): tf.Variable[] => {
        const ms = (self.accumulatedMeanSquares[i] ??= zeroSlot(value, 'rms'));
        const mom = (self.accumulatedMoments[i] ??= zeroSlot(value, 'momentum'));
        if (!self.centered) return [ms.variable, mom.variable];
        const mg = (self.accumulatedMeanGrads[i] ??= zeroSlot(value, 'mg'));
        return [ms.variable, mom.variable, mg.variable];
      };
      const done = forEachPair(host, variableGradients, slotsFor, (w, g, [ms, mom, mg]) =>
        host.addon.optimizerUpdate(rule, w, g, ms ?? null, mom ?? null, mg ?? null, coefs),
      );
      if (done) {
        self.incrementIterations();
        return;
      }
    }
    rmsOriginal.call(this, variableGradients);
  };
}
