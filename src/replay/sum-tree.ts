/**
 * A sum-tree (Schaul et al. 2016, "Prioritized Experience Replay", appendix B.2.1): a complete
 * binary tree in a flat array whose leaves hold priorities and whose inner nodes hold the sum
 * of their children, so updating one priority and drawing an index with probability
 * proportional to its priority both take O(log n).
 */

/** Sum-tree over `capacity` leaves (priorities are non-negative finite numbers). */
export class SumTree {
  /** Number of leaves in use (the replay capacity). */
  readonly capacity: number;
  /** Leaves padded to a power of two so the tree is complete. */
  private readonly leaves: number;
  /** `nodes[1]` is the root; node `i` has children `2i`, `2i+1`; leaf `j` is `nodes[leaves + j]`. */
  readonly nodes: Float64Array;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Received an invalid value for \`capacity\`; expected a positive integer. Received: capacity=${String(capacity)}`,
      );
    }
    this.capacity = capacity;
    let l = 1;
    while (l < capacity) l *= 2;
    this.leaves = l;
    this.nodes = new Float64Array(2 * l);
  }

  /** Sum of all priorities. */
  total(): number {
    return this.nodes[1] as number;
  }

  /** Priority of leaf `i`. */
  get(i: number): number {
    return this.nodes[this.leaves + i] as number;
  }

  /** Sets leaf `i` to `p` and updates its ancestors. */
  set(i: number, p: number): void {
    if (!(p >= 0) || !Number.isFinite(p))
      throw new RangeError(`SumTree: priority must be finite and >= 0. Received: ${String(p)}`);
    if (!Number.isInteger(i) || i < 0 || i >= this.capacity)
      throw new RangeError(`SumTree: index ${String(i)} out of range [0, ${this.capacity})`);
    let node = this.leaves + i;
    this.nodes[node] = p;
    node >>= 1;
    // Recompute sums from children rather than adding a delta, so rounding errors never accumulate.
    while (node >= 1) {
      this.nodes[node] = (this.nodes[2 * node] as number) + (this.nodes[2 * node + 1] as number);
      node >>= 1;
    }
  }

  /**
   * The leaf whose cumulative range contains `prefix` (0 <= prefix < total): walks down taking
   * the left child when `prefix` is below its sum. Never returns a zero-priority leaf unless all
   * are zero: rounding that would end on one is steered to the nearest positive sibling path.
   */
  find(prefix: number): number {
    let node = 1;
    let u = prefix;
    while (node < this.leaves) {
      const left = 2 * node;
      const ls = this.nodes[left] as number;
      const rs = this.nodes[left + 1] as number;
      if ((u < ls && ls > 0) || rs <= 0) {
        node = left;
      } else {
        u -= ls;
        node = left + 1;
      }
    }
    return Math.min(node - this.leaves, this.capacity - 1);
  }

  /** Zeroes every leaf. */
  clear(): void {
    this.nodes.fill(0);
  }
}
