/**
 * Proportional prioritized experience replay (Schaul et al. 2016, "Prioritized Experience
 * Replay", section 3.3): transition i is drawn with probability p_i^alpha / sum_k p_k^alpha,
 * and its loss is weighted by (N * P(i))^-beta, normalised by the largest weight in the batch
 * (as SB3 and Dopamine do; the paper normalises by the largest weight overall). New transitions
 * get the largest priority seen so far, so each is replayed at least about once.
 */
import { at } from '../core/spaces.js';
import type { Rng } from '../rng/rng.js';
import { ReplayMemory, type ReplayBatch, type ReplayOptions } from './replay-memory.js';
import { SumTree } from './sum-tree.js';

/** Options of a {@link PrioritizedReplayMemory}. */
export interface PrioritizedOptions extends ReplayOptions {
  /** Priority exponent alpha (0 = uniform). Paper's proportional variant: 0.6. */
  readonly alpha?: number;
  /** Added to |TD error| so no transition gets priority 0. Default 1e-6. */
  readonly priorityEpsilon?: number;
}

/** Replay memory with proportional priorities in a {@link SumTree}; same interface as {@link ReplayMemory}. */
export class PrioritizedReplayMemory extends ReplayMemory {
  readonly alpha: number;
  readonly priorityEpsilon: number;
  /** Holds p_i^alpha per slot (0 for empty slots). */
  readonly tree: SumTree;
  /** Largest raw priority (|delta| + eps) seen so far; new transitions get it. */
  private maxP = 1;

  constructor(opts: PrioritizedOptions) {
    super(opts);
    this.alpha = opts.alpha ?? 0.6;
    this.priorityEpsilon = opts.priorityEpsilon ?? 1e-6;
    if (!(this.alpha >= 0)) {
      const alpha = String(this.alpha);
      throw new RangeError(`Received an invalid value for \`alpha\`; expected >= 0. Received: alpha=${alpha}`);
    }
    this.tree = new SumTree(this.capacity);
  }

  protected override onAdd(slot: number): void {
    this.tree.set(slot, Math.pow(this.maxP, this.alpha));
  }

  protected override onEvict(slot: number): void {
    this.tree.set(slot, 0);
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
    const n = this.size;
    if (n === 0) throw new Error('Replay.sample: the memory is empty');
    const total = this.tree.total();
    const seg = total / batch.size;
    let maxW = 0;
    for (let b = 0; b < batch.size; b++) {
      const slot = this.tree.find(Math.min((b + rng.nextFloat()) * seg, total * (1 - 1e-12)));
      this.fill(batch, b, this.idOfSlot(slot));
      const p = this.tree.get(slot) / total;
      const w = Math.pow(n * p, -beta);
      batch.weights[b] = w;
      if (w > maxW) maxW = w;
    }
    for (let b = 0; b < batch.size; b++) batch.weights[b] = at(batch.weights, b) / maxW;
    return batch;
  }

  /** The largest raw priority seen so far (new transitions get it). */
  get maxPriority(): number {
    return this.maxP;
  }

  /** Raises the largest priority to `p` (a memory shared by several envs keeps one maximum). */
  raiseMaxPriority(p: number): void {
    if (p > this.maxP) this.maxP = p;
  }

  /** Sets the priorities of sampled `slots` to (|tdErrors| + eps)^alpha. */
  updatePriorities(slots: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    for (let i = 0; i < slots.length; i++) {
      const slot = at(slots, i);
      // A slot evicted since it was sampled keeps priority 0.
      if (this.tree.get(slot) === 0) continue;
      const p = Math.abs(at(tdErrors, i)) + this.priorityEpsilon;
      if (p > this.maxP) this.maxP = p;
      this.tree.set(slot, Math.pow(p, this.alpha));
    }
  }

  protected override extraState(): Record<string, number> {
    return { maxPriority: this.maxP };
  }

  protected override extraArrays(): Record<string, Float64Array> {
    return { tree: this.tree.nodes };
  }

  protected override restoreExtra(extra: Record<string, number>): void {
    this.maxP = extra['maxPriority'] ?? 1;
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
