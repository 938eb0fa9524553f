/**
 * Proportional priorities (Schaul et al. 2016, section 3.3) over the slots of a ring memory: a
 * slot is drawn with probability p^alpha / sum_k p_k^alpha, stratified (one draw from each of
 * `size` equal slices of the total), its loss weighted by (N * P(i))^-beta normalised by the
 * batch's largest weight (as SB3 and Dopamine do); a new slot gets the largest priority seen so
 * far. One implementation for {@link PrioritizedReplayMemory} (transitions) and
 * {@link PrioritizedSequenceReplay} (R2D2's sequences), which differ only in what a slot holds.
 */
import { at } from '../core/spaces.js';
import type { Rng } from '../rng/rng.js';
import { SumTree } from './sum-tree.js';

/** The priorities of `capacity` slots; the memory that owns them calls it as slots fill and empty. */
export class ProportionalPriorities {
  /** Holds p_i^alpha per slot (0 for empty slots). */
  readonly tree: SumTree;
  /** Largest raw priority (|error| + epsilon) seen so far; new slots get it. */
  private maxP = 1;

  constructor(
    capacity: number,
    /** Priority exponent alpha (0 = uniform). */
    readonly alpha: number,
    /** Added to every |error| so no slot gets priority 0. */
    readonly priorityEpsilon: number,
  ) {
    if (!(alpha >= 0)) {
      throw new RangeError(`Received an invalid value for \`alpha\`; expected >= 0. Received: alpha=${String(alpha)}`);
    }
    this.tree = new SumTree(capacity);
  }

  /** The largest raw priority seen so far (new slots get it). */
  get maxPriority(): number {
    return this.maxP;
  }

  /** Raises the largest priority to `p` (memories sharing one maximum, e.g. one per env). */
  raiseMaxPriority(p: number): void {
    if (p > this.maxP) this.maxP = p;
  }

  /** A slot was filled: it gets the largest priority so far. */
  added(slot: number): void {
    this.tree.set(slot, Math.pow(this.maxP, this.alpha));
  }

  /** A slot was emptied: it can no longer be drawn. */
  evicted(slot: number): void {
    this.tree.set(slot, 0);
  }

  /**
   * Draws `size` slots (stratified), calling `take(b, slot)` for each, and writes their importance
   * weights for `beta` over `stored` items, normalised by the largest, into `weights[0..size)`.
   */
  draw(
    rng: Rng,
    beta: number,
    stored: number,
    size: number,
    weights: Float32Array,
    take: (b: number, slot: number) => void,
  ): void {
    const total = this.tree.total();
    const seg = total / size;
    let maxW = 0;
    for (let b = 0; b < size; b++) {
      const slot = this.tree.find(Math.min((b + rng.nextFloat()) * seg, total * (1 - 1e-12)));
      take(b, slot);
      const w = Math.pow(stored * (this.tree.get(slot) / total), -beta);
      weights[b] = w;
      if (w > maxW) maxW = w;
    }
    for (let b = 0; b < size; b++) weights[b] = at(weights, b) / maxW;
  }

  /** Sets the priorities of sampled `slots` to (|errors| + epsilon)^alpha; emptied slots stay 0. */
  update(slots: ArrayLike<number>, errors: ArrayLike<number>): void {
    for (let i = 0; i < slots.length; i++) {
      const slot = at(slots, i);
      // A slot emptied since it was sampled keeps priority 0.
      if (this.tree.get(slot) === 0) continue;
      const p = Math.abs(at(errors, i)) + this.priorityEpsilon;
      if (p > this.maxP) this.maxP = p;
      this.tree.set(slot, Math.pow(p, this.alpha));
    }
  }

  /** The scalar state a checkpoint keeps (the tree's nodes go as an array). */
  state(): Record<string, number> {
    return { maxPriority: this.maxP };
  }

  /** Restores {@link state}. */
  restore(extra: Record<string, number>): void {
    this.maxP = extra['maxPriority'] ?? 1;
  }
}
