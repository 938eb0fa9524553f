/**
 * Prioritized sequence replay (Kapturowski et al. 2019, R2D2, section 2 and table 2): sequences
 * are drawn with probability p_i^alpha / sum_k p_k^alpha, where a sequence's priority mixes the
 * largest and the mean absolute TD error over its training steps,
 * `p = eta * max_t |delta_t| + (1 - eta) * mean_t |delta_t|` (R2D2: eta 0.9, alpha 0.9, beta 0.6),
 * because averaging over a long sequence washes out the large errors that make it worth replaying.
 * Sampling and importance weights are those of {@link PrioritizedReplayMemory} (stratified, weights
 * normalised by the batch's largest); new sequences get the largest priority seen so far.
 */
import { at } from '../core/spaces.js';
import type { Rng } from '../rng/rng.js';
import { SequenceReplay, type SequenceBatch, type SequenceReplayOptions } from './sequence-replay.js';
import { SumTree } from './sum-tree.js';

/** Options of a {@link PrioritizedSequenceReplay}. */
export interface PrioritizedSequenceOptions extends SequenceReplayOptions {
  /** Priority exponent alpha (0 = uniform). R2D2: 0.9. Default 0.9. */
  readonly alpha?: number;
  /** Added to every priority so none is 0. Default 1e-6. */
  readonly priorityEpsilon?: number;
}

/** Sequence replay with proportional priorities in a {@link SumTree}; same interface as {@link SequenceReplay}. */
export class PrioritizedSequenceReplay extends SequenceReplay {
  readonly alpha: number;
  readonly priorityEpsilon: number;
  /** Holds p_i^alpha per sequence slot (0 for empty slots). */
  readonly tree: SumTree;
  private maxPriority = 1;

  constructor(opts: PrioritizedSequenceOptions) {
    super(opts);
    this.alpha = opts.alpha ?? 0.9;
    this.priorityEpsilon = opts.priorityEpsilon ?? 1e-6;
    if (!(this.alpha >= 0)) {
      const alpha = String(this.alpha);
      throw new RangeError(`Received an invalid value for \`alpha\`; expected >= 0. Received: alpha=${alpha}`);
    }
    this.tree = new SumTree(this.capacity);
  }

  protected override onAdd(slot: number): void {
    this.tree.set(slot, Math.pow(this.maxPriority, this.alpha));
  }

  protected override onEvict(slot: number): void {
    this.tree.set(slot, 0);
  }

  /** Proportional sampling with beta = 1 weights. */
  override sample(batch: SequenceBatch, rng: Rng): SequenceBatch {
    return this.samplePrioritized(batch, rng, 1);
  }

  /** Draws `batch.size` sequences proportionally to priority (stratified) and sets importance weights for `beta`. */
  samplePrioritized(batch: SequenceBatch, rng: Rng, beta: number): SequenceBatch {
    const n = this.size;
    if (n === 0) throw new Error('SequenceReplay.sample: no complete sequence stored yet');
    const total = this.tree.total();
    const seg = total / batch.size;
    let maxW = 0;
    for (let b = 0; b < batch.size; b++) {
      const slot = this.tree.find(Math.min((b + rng.nextFloat()) * seg, total * (1 - 1e-12)));
      this.fill(batch, b, this.idOfSlot(slot));
      const w = Math.pow(n * (this.tree.get(slot) / total), -beta);
      batch.weights[b] = w;
      if (w > maxW) maxW = w;
    }
    for (let b = 0; b < batch.size; b++) batch.weights[b] = at(batch.weights, b) / maxW;
    return batch;
  }

  /** Sets the priorities of sampled `slots` to (priority + eps)^alpha (see {@link sequencePriorities}). */
  updatePriorities(slots: ArrayLike<number>, priorities: ArrayLike<number>): void {
    for (let i = 0; i < slots.length; i++) {
      const slot = at(slots, i);
      // A sequence dropped since it was sampled keeps priority 0.
      if (this.tree.get(slot) === 0) continue;
      const p = Math.abs(at(priorities, i)) + this.priorityEpsilon;
      if (p > this.maxPriority) this.maxPriority = p;
      this.tree.set(slot, Math.pow(p, this.alpha));
    }
  }

  protected override extraState(): Record<string, number> {
    return { maxPriority: this.maxPriority };
  }

  protected override extraArrays(): Record<string, Float64Array> {
    return { tree: this.tree.nodes };
  }

  protected override restoreExtra(extra: Record<string, number>): void {
    this.maxPriority = extra['maxPriority'] ?? 1;
  }
}

/**
 * R2D2's sequence priorities: for each of the `out.length` sequences (rows of `steps` values),
 * `eta * max |delta_t| + (1 - eta) * mean |delta_t|` over the steps where `mask` is 1 (0 for a
 * sequence with no such step).
 */
export function sequencePriorities(
  tdErrors: ArrayLike<number>,
  mask: ArrayLike<number>,
  steps: number,
  eta: number,
  out: Float32Array,
): Float32Array {
  if (tdErrors.length !== out.length * steps || mask.length !== tdErrors.length) {
    throw new RangeError(
      `sequencePriorities: expected ${out.length} x ${steps} TD errors and mask values. Received: ${tdErrors.length} and ${mask.length}`,
    );
  }
  for (let b = 0; b < out.length; b++) {
    let max = 0;
    let sum = 0;
    let n = 0;
    for (let t = 0; t < steps; t++) {
      if (at(mask, b * steps + t) === 0) continue;
      const d = Math.abs(at(tdErrors, b * steps + t));
      if (d > max) max = d;
      sum += d;
      n++;
    }
    out[b] = n === 0 ? 0 : eta * max + ((1 - eta) * sum) / n;
  }
  return out;
}
