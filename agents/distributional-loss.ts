/**
 * C51's tensor side (Bellemare et al. 2017): the network outputs one logit per action and atom,
 * `[batch, numActions, numAtoms]`; a softmax over the atoms gives each action's return
 * distribution, its mean the Q-value, and the loss is the cross-entropy between the projected
 * target distribution (`categoricalTargets` in `distributional.ts`, plain arrays) and the
 * predicted distribution of the action taken. Every function runs in `tf.tidy` and returns new
 * tensors the caller disposes (inside `tf.variableGrads` they are tracked as usual).
 */
import * as tf from '@tensorflow/tfjs';
import { distributionMeans, type CategoricalSupport, type ReturnDistributions } from './distributional.js';

/** Softmax over the atoms (last axis) of `[batch, numActions, numAtoms]` logits. */
export function categoricalProbs(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.softmax(logits, -1));
}

/** The atoms as a float32 tensor `[numAtoms]` (the caller disposes it). */
export function supportTensor(support: CategoricalSupport): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(support.atoms), 'float32');
}

/**
 * Q-values `Q(s, a) = sum_i z_i softmax(logits[s, a])_i`, `[batch, numActions]`: the means of the
 * return distributions, what acting greedily and double-DQN selection use.
 */
export function categoricalQValues(logits: tf.Tensor, support: CategoricalSupport): tf.Tensor2D {
  return tf.tidy(() => {
    const z = supportTensor(support);
    return tf.sum(tf.mul(tf.softmax(logits, -1), z), -1) as tf.Tensor2D;
  });
}

/**
 * The return distributions behind one observation's Q-values, as plain arrays: `logits` runs the
 * forward pass (inside this function's tidy scope, so its tensors are freed) and must give
 * `[1, numActions, numAtoms]` logits; the means are computed from the same probabilities, so the
 * chart and the Q-values shown next to it agree.
 */
export function readReturnDistributions(logits: () => tf.Tensor, support: CategoricalSupport): ReturnDistributions {
  const probs = tf.tidy(() => {
    const l = logits();
    if (l.rank !== 3 || l.shape[0] !== 1 || l.shape[2] !== support.numAtoms) {
      throw new Error(
        `readReturnDistributions expects logits of shape [1, numActions, ${support.numAtoms}]. ` +
          `Received: [${l.shape.join(', ')}]`,
      );
    }
    return tf.softmax(l, -1).dataSync() as Float32Array;
  });
  const qValues = new Float32Array(probs.length / support.numAtoms);
  distributionMeans(probs, support, qValues);
  const { numAtoms, vMin, vMax, atoms } = support;
  return { numAtoms, vMin, vMax, atoms, probs, qValues };
}

/** The loss of a batch and its per-transition parts, all new tensors for the caller to dispose. */
export interface CategoricalLoss {
  /** `mean_b w_b * crossEntropy_b`: the scalar to minimise. */
  readonly loss: tf.Scalar;
  /** `-sum_i m_i log p_i(s_b, a_b)`, one per transition. */
  readonly crossEntropy: tf.Tensor1D;
  /**
   * `KL(m || p) = crossEntropy - H(m)`, one per transition: the same gradient as the cross-entropy
   * (H(m) does not depend on the network) but 0 when the prediction matches the target, so it is
   * Rainbow's priority for prioritized replay (Hessel et al. 2018, section "Prioritized replay").
   */
  readonly kl: tf.Tensor1D;
}

/**
 * Cross-entropy between target distributions and the predicted distributions of the actions taken.
 *
 * @param logits `[batch, numActions, numAtoms]` online-network output for the observations
 * @param actions int32 `[batch]` actions taken
 * @param targets `[batch, numAtoms]` projected target distributions (a constant: no gradient)
 * @param weights `[batch]` importance-sampling weights, or null for all 1
 */
export function categoricalLoss(
  logits: tf.Tensor,
  actions: tf.Tensor,
  targets: tf.Tensor,
  weights: tf.Tensor | null,
): CategoricalLoss {
  if (logits.rank !== 3) {
    throw new Error(
      `categoricalLoss expects logits of shape [batch, numActions, numAtoms]. Received: [${logits.shape.join(', ')}]`,
    );
  }
  const [batch, numActions, numAtoms] = logits.shape as [number, number, number];
  if (targets.shape[0] !== batch || targets.shape[1] !== numAtoms || actions.shape[0] !== batch) {
    throw new Error(
      `categoricalLoss: targets must be [${batch}, ${numAtoms}] and actions [${batch}]. ` +
        `Received: [${targets.shape.join(', ')}] and [${actions.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    // log p of the taken action: a one-hot mask over actions, summed, keeps the op set to what
    // every backend differentiates (no gather gradient needed).
    const logP = tf.logSoftmax(logits, -1);
    const mask = tf.expandDims(tf.oneHot(tf.cast(actions, 'int32'), numActions), 2);
    const logPa = tf.sum(tf.mul(logP, mask), 1);
    const crossEntropy = tf.neg(tf.sum(tf.mul(targets, logPa), 1)) as tf.Tensor1D;
    // sum m log m with 0 log 0 = 0 (the floor only stands in for log 0, where m is 0 anyway).
    const negEntropy = tf.sum(tf.mul(targets, tf.log(tf.maximum(targets, 1e-30))), 1);
    const kl = tf.add(crossEntropy, negEntropy) as tf.Tensor1D;
    const weighted = weights ? tf.mul(crossEntropy, weights) : crossEntropy;
    const loss = tf.mean(weighted) as tf.Scalar;
    return { loss, crossEntropy, kl };
  });
}
