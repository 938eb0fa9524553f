/**
 * Proportional prioritized experience replay (Schaul et al. 2016, "Prioritized Experience
 * Replay", section 3.3): transition i is drawn with probability p_i^alpha / sum_k p_k^alpha,
 * and its loss is weighted by (N * P(i))^-beta, normalised by the largest weight in the batch
 * (as SB3 and Dopamine do; the paper normalises by the largest weight overall). New transitions
 * get the largest priority seen so far, so each is replayed at least about once.
 */
import type { Rng } from '../rng/rng.js';
import { ReplayMemory, type ReplayBatch, type ReplayOptions } from './replay-memory.js';
import { ProportionalPriorities } from './proportional.js';
import type { SumTree } from './sum-tree.js';

/** Options of a {@link PrioritizedReplayMemory}. */
export interface PrioritizedOptions extends ReplayOptions {
  /** Priority exponent alpha (0 = uniform). Paper's proportional variant: 0.6. */
  readonly alpha?: number;
  /** Added to |TD error| so no transition gets priority 0. Default 1e-6. */
  readonly priorityEpsilon?: number;
}

/** Replay memory with proportional priorities in a {@link SumTree}; same interface as {@link ReplayMemory}. */
export class PrioritizedReplayMemory extends ReplayMemory {
  private readonly priorities: ProportionalPriorities;

  constructor(opts: PrioritizedOptions) {
    super(opts);
    this.priorities = new ProportionalPriorities(this.capacity, opts.alpha ?? 0.6, opts.priorityEpsilon ?? 1e-6);
  }

  /** Priority exponent alpha. */
  get alpha(): number {
    return this.priorities.alpha;
  }

  /** Added to |TD error| so no transition gets priority 0. */
  get priorityEpsilon(): number {
    return this.priorities.priorityEpsilon;
  }

  /** Holds p_i^alpha per slot (0 for empty slots). */
  get tree(): SumTree {
    return this.priorities.tree;
  }

  protected override onAdd(slot: number): void {
    this.priorities.added(slot);
  }

  protected override onEvict(slot: number): void {
    this.priorities.evicted(slot);
  }

  /** Uniform sampling is replaced by proportional, stratified sampling with beta = 1 weights. */
  override sample(batch: ReplayBatch, rng: Rng): ReplayBatch {
    return this.samplePrioritized(batch, rng, 1);
  }

  /**
   * Draws `batch.size` transitions proportionally to priority, one from each of `batch.size`
   * equal slices of the total (stratified, as in the paper), and sets importance weights for `beta`.
   */
  samplePrioritized(batch: ReplayBatch, rng: Rng, beta: number): ReplayBatch {
    if (this.size === 0) throw new Error('Replay.sample: the memory is empty');
    this.priorities.draw(rng, beta, this.size, batch.size, batch.weights, (b, slot) =>
      this.fill(batch, b, this.idOfSlot(slot)),
    );
    return batch;
  }

  /** The largest raw priority seen so far (new transitions get it). */
  get maxPriority(): number {
    return this.priorities.maxPriority;
  }

  /** Raises the largest priority to `p` (a memory shared by several envs keeps one maximum). */
  raiseMaxPriority(p: number): void {
    this.priorities.raiseMaxPriority(p);
  }

  /** Sets the priorities of sampled `slots` to (|tdErrors| + eps)^alpha. */
  updatePriorities(slots: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    this.priorities.update(slots, tdErrors);
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
 * Linear importance-sampling exponent annealing from `beta0` to 1 over `duration` units of
 * progress (paper, section 3.4: to 1 by the end of learning); `duration` <= 0 means 1 at once.
 */
export function annealedBeta(beta0: number, duration: number, t: number): number {
  if (duration <= 0 || t >= duration) return 1;
  return beta0 + ((1 - beta0) * Math.max(0, t)) / duration;
}
