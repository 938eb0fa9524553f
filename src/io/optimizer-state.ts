/**
 * An optimizer's state in a checkpoint: its slot variables (momentum, Adam's moments, ...)
 * encoded as tfjs weights, plus Adam's running powers beta^t exactly (tfjs' `setWeights`
 * recomputes them from the iteration count, less exactly). Shared by the agents' checkpoints and
 * the GAN examples' (`examples/ch4/gan-checkpoint.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { adamAccBeta, setAdamAccBeta } from '../backends/optimizer-internals.js';
import { CheckpointError } from './errors.js';

/** An optimizer's state for a checkpoint: its slot variables, encoded, and Adam's exact beta powers. */
export interface OptimizerState {
  readonly specs: tf.io.WeightsManifestEntry[];
  readonly data: ArrayBuffer;
  readonly accBeta: readonly [number, number] | null;
}

/** Encodes `optimizer`'s state (no tensor is left behind). */
export async function saveOptimizerState(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const named = await optimizer.getWeights();
  const enc = await tf.io.encodeWeights(named);
  // getWeights returns the slot variables themselves plus a fresh `iter` scalar, which we own.
  for (const n of named) if (!(n.tensor instanceof tf.Variable)) n.tensor.dispose();
  return { specs: enc.specs, data: enc.data, accBeta: adamAccBeta(optimizer) };
}

/**
 * Restores {@link saveOptimizerState}'s state into `optimizer`; a one-line CheckpointError when it
 * does not fit the configured optimizer (`kind`, for the message).
 */
export async function loadOptimizerState(optimizer: tf.Optimizer, s: OptimizerState, kind: string): Promise<void> {
  const map = tf.io.decodeWeights(s.data, s.specs);
  try {
    await optimizer.setWeights(s.specs.map((sp) => ({ name: sp.name, tensor: map[sp.name] as tf.Tensor })));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError(`optimizer state does not fit the configured ${kind} optimizer (${why})`);
  } finally {
    // Variables made from these tensors hold their own references.
    tf.dispose(Object.values(map));
  }
  // After setWeights, which recomputes them less exactly (see adamAccBeta).
  if (s.accBeta) setAdamAccBeta(optimizer, s.accBeta);
}
