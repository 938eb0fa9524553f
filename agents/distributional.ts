/**
 * Distributional DQN, C51 (Bellemare, Dabney & Munos 2017, "A Distributional Perspective on
 * Reinforcement Learning", Algorithm 1), the pure part: the return distribution of each action is
 * categorical over `numAtoms` fixed atoms `z_i = vMin + i * dz` in [vMin, vMax], and the learning
 * target is the distributional Bellman update `r + discount * Z(s', a*)` projected back onto the
 * atoms (the projection Phi of the paper). Plain typed arrays, no tensors: the agent copies the
 * target network's next-state distributions to the CPU (batch x actions x atoms, a few thousand
 * numbers), builds the targets here, and hands them to the cross-entropy of
 * `distributional-loss.ts`, the only part that needs TensorFlow.js.
 *
 * Rainbow's choices (Hessel et al. 2018) are supported: n-step returns (the bootstrap discount is
 * `gamma^n`, as the replay returns it) and double-DQN action selection (the online network picks
 * `a* = argmax_a E[Z_online(s', a)]`, the target network supplies the distribution `Z_target(s', a*)`).
 */
import { at } from '../src/core/spaces.js';
import { argmax } from './exploration.js';

/** The fixed atoms of a categorical return distribution. */
export interface CategoricalSupport {
  readonly numAtoms: number;
  readonly vMin: number;
  readonly vMax: number;
  /** Atom spacing `(vMax - vMin) / (numAtoms - 1)`. */
  readonly deltaZ: number;
  /** `z_i = vMin + i * deltaZ`, with `z_{N-1}` exactly `vMax`. */
  readonly atoms: Float64Array;
}

/**
 * The support `{z_i}`: `numAtoms` evenly spaced atoms from `vMin` to `vMax` (the paper's Atari
 * setting: 51 atoms in [-10, 10], the defaults). Throws a RangeError for fewer than 2 atoms or an
 * empty or non-finite range.
 */
export function categoricalSupport(numAtoms = 51, vMin = -10, vMax = 10): CategoricalSupport {
  if (!Number.isInteger(numAtoms) || numAtoms < 2) {
    throw new RangeError(
      `Received an invalid value for \`numAtoms\`; expected an integer >= 2. Received: numAtoms=${String(numAtoms)}`,
    );
  }
  if (!Number.isFinite(vMin) || !Number.isFinite(vMax) || !(vMin < vMax)) {
    throw new RangeError(
      `Received an invalid support; expected finite vMin < vMax. Received: vMin=${String(vMin)}, vMax=${String(vMax)}`,
    );
  }
  const deltaZ = (vMax - vMin) / (numAtoms - 1);
  const atoms = new Float64Array(numAtoms);
  for (let i = 0; i < numAtoms; i++) atoms[i] = vMin + i * deltaZ;
  atoms[numAtoms - 1] = vMax;
  return Object.freeze({ numAtoms, vMin, vMax, deltaZ, atoms });
}

/**
 * What a distributional agent shows for one observation (the viewer's distribution chart): the
 * return distribution of every action over the atoms and their means, the Q-values the agent
 * acts on. Plain arrays, from one forward pass.
 */
export interface ReturnDistributions {
  readonly numAtoms: number;
  readonly vMin: number;
  readonly vMax: number;
  /** The atoms `z_i`, `numAtoms` of them from `vMin` to `vMax`. */
  readonly atoms: Float64Array;
  /** `numActions x numAtoms` probabilities, row-major: row `a` is action a's distribution (sums to 1). */
  readonly probs: Float32Array;
  /** The means `sum_i z_i p_i` of the rows: Q(s, a). */
  readonly qValues: Float32Array;
}

/**
 * Means `sum_i z_i p_i` of consecutive distributions in `probs` (rows of `numAtoms` values):
 * the Q-values of C51. `out` receives one mean per row (`probs.length / numAtoms` of them).
 */
export function distributionMeans(
  probs: ArrayLike<number>,
  support: CategoricalSupport,
  out: Float32Array | Float64Array,
): Float32Array | Float64Array {
  const n = support.numAtoms;
  if (probs.length !== out.length * n) {
    throw new RangeError(
      `distributionMeans: probs has ${probs.length} values, expected ${out.length} rows of ${n} atoms`,
    );
  }
  const z = support.atoms;
  for (let r = 0; r < out.length; r++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += (z[i] as number) * at(probs, r * n + i);
    out[r] = m;
  }
  return out;
}

/**
 * The action whose return distribution has the largest mean: `numActions` consecutive rows of
 * `numAtoms` probabilities from `probs[offset]`; `means` (`numActions` values) is scratch space.
 */
export function argmaxMean(
  probs: ArrayLike<number>,
  offset: number,
  numActions: number,
  support: CategoricalSupport,
  means: Float64Array,
): number {
  const n = support.numAtoms;
  for (let a = 0; a < numActions; a++) {
    let m = 0;
    const row = offset + a * n;
    for (let i = 0; i < n; i++) m += (support.atoms[i] as number) * at(probs, row + i);
    means[a] = m;
  }
  return argmax(means, numActions);
}

/** Adds mass `p` at value `tz` (already clipped to the support) to the two atoms around it. */
function spread(support: CategoricalSupport, tz: number, p: number, out: Float32Array | Float64Array, o: number): void {
  const last = support.numAtoms - 1;
  // b in [0, N - 1]: clipped again because (vMax - vMin) / dz can round past N - 1.
  const b = Math.min(Math.max((tz - support.vMin) / support.deltaZ, 0), last);
  const l = Math.floor(b);
  const u = Math.ceil(b);
  if (l === u) {
    // On an atom: Algorithm 1's two updates would each add p * 0 and lose the mass.
    out[o + l] = (out[o + l] as number) + p;
  } else {
    out[o + l] = (out[o + l] as number) + p * (u - b);
    out[o + u] = (out[o + u] as number) + p * (b - l);
  }
}

/**
 * One projected target distribution (Algorithm 1, lines 5-11): for every atom `z_j` with mass
 * `p_j`, the value `Tz_j = clip(r + discount * z_j, vMin, vMax)` shares `p_j` between its two
 * neighbouring atoms in proportion to closeness. For a terminal transition the target is the
 * point mass at `clip(r)`, whatever `probs` holds (there is no next state). Writes the `numAtoms`
 * values at `out[outOffset..]`; reads `probs[probsOffset..]`. Mass is conserved: the output sums
 * to the input's sum (1 for a distribution, exactly 1 for a terminal one).
 */
export function projectDistribution(
  support: CategoricalSupport,
  reward: number,
  discount: number,
  terminated: boolean,
  probs: ArrayLike<number>,
  probsOffset: number,
  out: Float32Array | Float64Array,
  outOffset: number,
): void {
  const { numAtoms: n, vMin, vMax, atoms } = support;
  out.fill(0, outOffset, outOffset + n);
  if (terminated) {
    spread(support, Math.min(Math.max(reward, vMin), vMax), 1, out, outOffset);
    return;
  }
  for (let j = 0; j < n; j++) {
    const p = at(probs, probsOffset + j);
    if (p === 0) continue;
    const tz = Math.min(Math.max(reward + discount * (atoms[j] as number), vMin), vMax);
    spread(support, tz, p, out, outOffset);
  }
}

/**
 * The C51 targets of a batch: for each transition b, `a* = argmax_a Q(s'_b, a)` and the
 * projection of `r_b + discount_b * Z_target(s'_b, a*)`.
 *
 * @param rewards n-step discounted reward sums (the replay batch's `rewards`)
 * @param discounts `gamma^m` of each return (the replay batch's `discounts`)
 * @param terminated 1 where the return reached a terminal state (point mass at the reward)
 * @param nextProbsTarget the target network's next-state distributions, `batch x numActions x numAtoms`
 *   row-major (softmax outputs)
 * @param nextQOnline the online network's next-state means, `batch x numActions` (double DQN: the
 *   online network selects the action), or null to select by the target distribution's means
 * @param out receives `batch x numAtoms` target probabilities (reused between calls)
 */
export function categoricalTargets(
  rewards: ArrayLike<number>,
  discounts: ArrayLike<number>,
  terminated: ArrayLike<number>,
  nextProbsTarget: ArrayLike<number>,
  nextQOnline: ArrayLike<number> | null,
  numActions: number,
  support: CategoricalSupport,
  out: Float32Array,
): Float32Array {
  const n = support.numAtoms;
  const batch = rewards.length;
  if (out.length !== batch * n || nextProbsTarget.length !== batch * numActions * n) {
    throw new RangeError(
      `categoricalTargets: expected ${batch} x ${numActions} x ${n} next-state probabilities and ${batch} x ${n} ` +
        `outputs. Received: ${nextProbsTarget.length} and ${out.length}`,
    );
  }
  if (nextQOnline !== null && nextQOnline.length !== batch * numActions) {
    throw new RangeError(`categoricalTargets: nextQOnline must have ${batch * numActions} values`);
  }
  const means = new Float64Array(numActions);
  for (let b = 0; b < batch; b++) {
    const term = at(terminated, b) !== 0;
    let best = 0;
    if (!term) {
      best =
        nextQOnline !== null
          ? argmax(nextQOnline, numActions, b * numActions)
          : argmaxMean(nextProbsTarget, b * numActions * n, numActions, support, means);
    }
    const row = (b * numActions + best) * n;
    projectDistribution(support, at(rewards, b), at(discounts, b), term, nextProbsTarget, row, out, b * n);
  }
  return out;
}
