/**
 * One replay memory fed by N envs stepped in lockstep (a vector env), laid out as
 * Stable-Baselines3's `ReplayBuffer` with `n_envs > 1` lays out its arrays: one column per env,
 * each of `floor(capacity / N)` transitions. Here each column is a whole {@link ReplayMemory} (or
 * {@link PrioritizedReplayMemory}), so everything that follows an env's own sequence of steps stays
 * per env: frame sharing, episode starts, n-step returns (which never mix two envs' rewards) and
 * truncation bootstrapping. Sampling is over all transitions held, as if in one memory:
 *
 * - uniform: each draw picks one of the `size` transitions (one `nextInt(size)`), so with N = 1
 *   it draws exactly what the single memory draws;
 * - prioritized: one stratified draw over the sum of every column's priorities, importance weights
 *   from the overall probability and size, and one largest priority for all columns (new
 *   transitions of every env get it), as in one memory.
 *
 * Sampled slots are reported as `env * columnCapacity + slot` so priorities go back to the right
 * column.
 */
import type { AnyTypedArray } from '../core/spaces.js';
import type { Rng } from '../rng/rng.js';
import { PrioritizedReplayMemory } from './prioritized.js';
import type { ReplayBatch, ReplayMemory, ReplayState } from './replay-memory.js';

/** A replay memory shared by the envs of a vector env; see the module comment. */
export class MultiEnvReplay {
  /** One memory per env. */
  readonly columns: readonly ReplayMemory[];
  readonly numEnvs: number;
  /** Transitions each column holds at most. */
  readonly columnCapacity: number;
  private readonly prioritized: boolean;

  /** @param columns one memory per env, all built with the same options */
  constructor(columns: readonly ReplayMemory[]) {
    if (columns.length === 0) throw new RangeError('MultiEnvReplay needs at least one memory');
    const first = columns[0] as ReplayMemory;
    this.columns = columns;
    this.numEnvs = columns.length;
    this.columnCapacity = first.capacity;
    this.prioritized = first instanceof PrioritizedReplayMemory;
    for (const c of columns) {
      if (c.capacity !== first.capacity || c.constructor !== first.constructor) {
        throw new RangeError('MultiEnvReplay: every column must be the same kind of memory with the same capacity');
      }
    }
  }

  /** Each env's column capacity in a memory of `capacity` shared by `numEnvs` envs (SB3: `buffer_size // n_envs`). */
  static columnCapacityFor(capacity: number, numEnvs: number): number {
    return Math.max(1, Math.floor(capacity / numEnvs));
  }

  /** Whether the columns are prioritized. */
  get isPrioritized(): boolean {
    return this.prioritized;
  }

  /** Transitions held, over all envs. */
  get size(): number {
    let n = 0;
    for (const c of this.columns) n += c.size;
    return n;
  }

  /** The column of env `env`; throws for an index out of range. */
  column(env: number): ReplayMemory {
    const c = this.columns[env];
    if (c === undefined) throw new RangeError(`replay: env index ${env} is outside 0..${this.numEnvs - 1}`);
    return c;
  }

  /** Stores one transition of env `env` (see {@link ReplayMemory.add}). */
  add(
    env: number,
    obs: AnyTypedArray,
    action: number,
    reward: number,
    nextObs: AnyTypedArray,
    terminated: boolean,
    truncated: boolean,
  ): void {
    this.column(env).add(obs, action, reward, nextObs, terminated, truncated);
  }

  /** Forgets env `env`'s open episode (see {@link ReplayMemory.endEpisode}). */
  endEpisode(env: number): void {
    this.column(env).endEpisode();
  }

  /** A batch that {@link MultiEnvReplay.sample} fills (reused every update). */
  createBatch(size: number): ReplayBatch {
    return (this.columns[0] as ReplayMemory).createBatch(size);
  }

  /** The column holding the `k`-th of all held transitions (columns in env order), and its index there. */
  private locate(k: number): [ReplayMemory, number, number] {
    let rest = k;
    for (let e = 0; e < this.numEnvs; e++) {
      const c = this.columns[e] as ReplayMemory;
      if (rest < c.size) return [c, e, rest];
      rest -= c.size;
    }
    throw new RangeError(`replay: transition ${k} is outside the ${this.size} held`);
  }

  /** Uniform draws with replacement (prioritized columns: proportional with beta 1, as their `sample`). */
  sample(batch: ReplayBatch, rng: Rng): ReplayBatch {
    if (this.prioritized) return this.samplePrioritized(batch, rng, 1);
    if (this.numEnvs === 1) return (this.columns[0] as ReplayMemory).sample(batch, rng);
    const n = this.size;
    if (n === 0) throw new Error('Replay.sample: the memory is empty');
    for (let b = 0; b < batch.size; b++) {
      const [c, e, k] = this.locate(rng.nextInt(n));
      c.fillAt(batch, b, k);
      batch.slots[b] = e * this.columnCapacity + (batch.slots[b] as number);
    }
    return batch;
  }

  /**
   * Proportional, stratified draws over every column's priorities with importance weights for
   * `beta` (see {@link PrioritizedReplayMemory.samplePrioritized}, which one column uses as is).
   */
  samplePrioritized(batch: ReplayBatch, rng: Rng, beta: number): ReplayBatch {
    const cols = this.columns as readonly PrioritizedReplayMemory[];
    if (this.numEnvs === 1) return (cols[0] as PrioritizedReplayMemory).samplePrioritized(batch, rng, beta);
    const n = this.size;
    if (n === 0) throw new Error('Replay.sample: the memory is empty');
    let total = 0;
    for (const c of cols) total += c.tree.total();
    const seg = total / batch.size;
    let maxW = 0;
    for (let b = 0; b < batch.size; b++) {
      let u = Math.min((b + rng.nextFloat()) * seg, total * (1 - 1e-12));
      let e = 0;
      // The column whose share of the total holds u (an empty column has total 0 and is skipped).
      for (; e < this.numEnvs - 1; e++) {
        const t = (cols[e] as PrioritizedReplayMemory).tree.total();
        if (u < t) break;
        u -= t;
      }
      const c = cols[e] as PrioritizedReplayMemory;
      const slot = c.tree.find(Math.min(u, c.tree.total() * (1 - 1e-12)));
      c.fillSlot(batch, b, slot);
      batch.slots[b] = e * this.columnCapacity + slot;
      const w = Math.pow((n * c.tree.get(slot)) / total, -beta);
      batch.weights[b] = w;
      if (w > maxW) maxW = w;
    }
    for (let b = 0; b < batch.size; b++) batch.weights[b] = (batch.weights[b] as number) / maxW;
    return batch;
  }

  /** Sets the priorities of sampled `slots` (as {@link MultiEnvReplay.samplePrioritized} reported them). */
  updatePriorities(slots: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    const cols = this.columns as readonly PrioritizedReplayMemory[];
    if (this.numEnvs === 1) {
      (cols[0] as PrioritizedReplayMemory).updatePriorities(slots, tdErrors);
      return;
    }
    const one = new Int32Array(1);
    const td = new Float64Array(1);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i] as number;
      one[0] = s % this.columnCapacity;
      td[0] = tdErrors[i] as number;
      (cols[Math.floor(s / this.columnCapacity)] as PrioritizedReplayMemory).updatePriorities(one, td);
    }
    // One largest priority for all columns, as in a single memory.
    let max = 0;
    for (const c of cols) max = Math.max(max, c.maxPriority);
    for (const c of cols) c.raiseMaxPriority(max);
  }

  /** Each column's state (the arrays are live buffers: write them out before mutating). */
  getState(): ReplayState[] {
    return this.columns.map((c) => c.getState());
  }

  /** Restores {@link MultiEnvReplay.getState}; throws when the number of columns or any column does not fit. */
  setState(states: readonly ReplayState[]): void {
    if (states.length !== this.numEnvs) {
      throw new Error(`Replay state holds ${states.length} env column(s); this memory has ${this.numEnvs}`);
    }
    states.forEach((s, e) => (this.columns[e] as ReplayMemory).setState(s));
  }
}
