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
import { ProportionalPriorities } from './proportional.js';
import type { SumTree } from './sum-tree.js';

/** Options of a {@link PrioritizedSequenceReplay}. */
export interface PrioritizedSequenceOptions extends SequenceReplayOptions {
  /** Priority exponent alpha (0 = uniform). R2D2: 0.9. Default 0.9. */
  readonly alpha?: number;
  /** Added to every priority so none is 0. Default 1e-6. */
  readonly priorityEpsilon?: number;
}

/** Sequence replay with proportional priorities in a {@link SumTree}; same interface as {@link SequenceReplay}. */
export class PrioritizedSequenceReplay extends SequenceReplay {
  private readonly priorities: ProportionalPriorities;

  constructor(opts: PrioritizedSequenceOptions) {
    super(opts);
    this.priorities = new ProportionalPriorities(this.capacity, opts.alpha ?? 0.9, opts.priorityEpsilon ?? 1e-6);
  }

  /** Priority exponent alpha. */
  get alpha(): number {
    return this.priorities.alpha;
  }

  /** Added to every priority so none is 0. */
  get priorityEpsilon(): number {
    return this.priorities.priorityEpsilon;
  }

  /** Holds p_i^alpha per sequence slot (0 for empty slots). */
  get tree(): SumTree {
    return this.priorities.tree;
  }

  protected override onAdd(slot: number): void {
    this.priorities.added(slot);
  }

  protected override onEvict(slot: number): void {
    this.priorities.evicted(slot);
  }

  /** Proportional sampling with beta = 1 weights. */
  override sample(batch: SequenceBatch, rng: Rng): SequenceBatch {
    return this.samplePrioritized(batch, rng, 1);
  }

  /** Draws `batch.size` sequences proportionally to priority (stratified) and sets importance weights for `beta`. */
  samplePrioritized(batch: SequenceBatch, rng: Rng, beta: number): SequenceBatch {
    if (this.size === 0) throw new Error('SequenceReplay.sample: no complete sequence stored yet');
    this.priorities.draw(rng, beta, this.size, batch.size, batch.weights, (b, slot) =>
      this.fill(batch, b, this.idOfSlot(slot)),
    );
    return batch;
  }

  /** Sets the priorities of sampled `slots` to (priority + eps)^alpha (see {@link sequencePriorities}). */
  updatePriorities(slots: ArrayLike<number>, priorities: ArrayLike<number>): void {
    this.priorities.update(slots, priorities);
  }

  protected override extraState(): Record<string, number> {
    return this.priorities.state();
  }

  protected override extraArrays(): Record<string, Float64Array> {
    return { tree: this.priorities.tree.nodes };
  }

  protected override restoreExtra(extra: Record<string, number>): void {
    this.priorities.restore(extra);
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
