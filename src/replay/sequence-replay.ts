/**
 * Sequence replay for recurrent Q-learning: DRQN (Hausknecht & Stone 2015, "Deep Recurrent
 * Q-Learning for Partially Observable MDPs") and R2D2 (Kapturowski et al. 2019, "Recurrent
 * Experience Replay in Distributed Reinforcement Learning"), in preallocated typed arrays.
 *
 * Layout: a ring of *rows*, one per step (observation, action, reward, end flags, and the
 * recurrent state the actor's network had before reading that observation), plus one row per
 * episode holding its final observation (flagged `FINAL`), so every step's next observation is the
 * next row. A second ring holds the *sequences* (R2D2's stored sequences), each a window of
 * `T = burnIn + seqLength` consecutive steps of one episode:
 *
 * - an episode's training parts start every `seqLength - overlap` steps from its first step
 *   (R2D2: length 80, overlap 40), each `seqLength` steps long (shorter at the episode's end);
 * - each is preceded by up to `burnIn` steps of the same episode that only warm the recurrent state
 *   up (R2D2's burn-in): fewer at the episode's start, where the stored state is exact anyway;
 *   the window then starts at the episode's first step and its training part starts earlier in it;
 * - a window never crosses into another episode: steps past the episode's end are padding
 *   (zeros, `valid` 0), and the row after the last step holds the final observation.
 *
 * A sample returns the window's `T + 1` observations (the last one to bootstrap the last step),
 * actions, rewards, `terminated`, a `valid` mask (real steps), the loss `mask` (real steps of the
 * training part), the number of burn-in steps, and the stored recurrent state at the window's
 * first step (R2D2's "stored state" strategy; zeros if the actor stores none).
 *
 * A sequence becomes available once the row after its window exists (or its episode has ended),
 * and is dropped when the ring overwrites its first row. Indices: rows and sequences get
 * increasing integer ids; the slot of id `i` is `i % capacity`.
 */
import type { DType } from '../core/env.js';
import type { Rng } from '../rng/rng.js';
import { allocTyped, at, shapeSize, type AnyTypedArray, type TypedArrayOf } from '../core/spaces.js';

/** Construction options of a {@link SequenceReplay}. */
export interface SequenceReplayOptions {
  /** Rows held: one per step plus one per episode (its final observation). */
  readonly capacity: number;
  /** Shape of one observation. */
  readonly obsShape: readonly number[];
  /** Observation dtype; rows store it as is. */
  readonly obsDtype: DType;
  /** Training steps per sequence (R2D2: 80; DRQN: 10). */
  readonly seqLength: number;
  /** Steps before the training part that only warm the recurrent state up (R2D2: 40). Default 0. */
  readonly burnIn?: number;
  /** Training steps shared by consecutive sequences of an episode, in [0, seqLength). Default 0. */
  readonly overlap?: number;
  /** Floats of recurrent state stored per step (e.g. 2 x units for an LSTM's h and c). Default 0. */
  readonly stateSize?: number;
  /** Number of first `add` calls whose `obs` is checked against the previous `nextObs` (default 64). */
  readonly verifyAdds?: number;
}

/** A batch of sequences, in reused typed arrays (see {@link SequenceReplay.createBatch}). */
export interface SequenceBatch {
  /** Number of sequences. */
  readonly size: number;
  /** Steps per sequence, `T = burnIn + seqLength`. */
  readonly steps: number;
  /** Observations, `size x (T + 1) x obsSize`: step t's, then the one after the last step. */
  readonly obs: AnyTypedArray;
  /** `size x T`. */
  readonly actions: Int32Array;
  /** `size x T`. */
  readonly rewards: Float32Array;
  /** `size x T`: 1 where the step ended its episode by termination (no bootstrap from the next observation). */
  readonly terminated: Float32Array;
  /** `size x T`: 1 for real steps of the episode, 0 for padding past its end. */
  readonly valid: Float32Array;
  /** `size x T`: 1 for real steps of the training part (the loss mask), 0 for burn-in, lookahead and padding. */
  readonly mask: Float32Array;
  /** `size`: burn-in steps before the training part (`burnIn`, or fewer at an episode's start). */
  readonly burnInSteps: Int32Array;
  /** `size x stateSize`: the recurrent state stored with the window's first step. */
  readonly states: Float32Array;
  /** Importance-sampling weights (all 1 for uniform sampling). */
  readonly weights: Float32Array;
  /** Slots of the sampled sequences (for priority updates). */
  readonly slots: Int32Array;
}

/** Serialisable state: small JSON metadata plus the raw arrays. */
export interface SequenceReplayState {
  readonly meta: {
    readonly kind: string;
    readonly capacity: number;
    readonly obsSize: number;
    readonly obsDtype: DType;
    readonly stateSize: number;
    readonly seqLength: number;
    readonly burnIn: number;
    readonly overlap: number;
    readonly rowHead: number;
    readonly seqHead: number;
    readonly seqTail: number;
    readonly episodeStart: number;
    readonly pending: number;
    readonly extra?: Record<string, number>;
  };
  readonly arrays: Record<string, AnyTypedArray | Uint8Array | Float32Array | Float64Array | Int32Array>;
}

const TERMINATED = 1;
const TRUNCATED = 2;
/** The row holds an episode's final observation only (no action, reward or state). */
const FINAL = 4;

function intAtLeast(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(
      `Received an invalid value for \`${name}\`; expected an integer >= ${min}. Received: ${name}=${String(v)}`,
    );
  }
  return v;
}

/** Uniform sequence replay; see the module comment for the layout. */
export class SequenceReplay {
  readonly capacity: number;
  readonly obsShape: readonly number[];
  readonly obsDtype: DType;
  readonly obsSize: number;
  readonly stateSize: number;
  readonly seqLength: number;
  readonly burnIn: number;
  readonly overlap: number;
  /** Steps per sampled window, `burnIn + seqLength`. */
  readonly steps: number;
  /** Steps between the training starts of consecutive sequences, `seqLength - overlap`. */
  readonly period: number;

  private readonly obs: AnyTypedArray;
  private readonly actions: Int32Array;
  private readonly rewards: Float32Array;
  private readonly flags: Uint8Array;
  private readonly states: Float32Array;
  /** Per sequence slot: the window's first row id, and its burn-in steps. */
  private readonly seqWindow: Float64Array;
  private readonly seqBurnIn: Int32Array;
  /** The last `nextObs` added (becomes the final row when an episode is cut by `endEpisode`). */
  private readonly lastNextObs: AnyTypedArray;
  /** Next row id. */
  private rowHead = 0;
  /** Next sequence id, and the oldest still held. */
  protected seqHead = 0;
  protected seqTail = 0;
  /** First row of the open episode, or -1 when none is open. */
  private episodeStart = -1;
  /** Index (within the open episode) of the next sequence not yet available. */
  private pending = 0;
  private verifyLeft: number;

  constructor(opts: SequenceReplayOptions) {
    this.capacity = intAtLeast('capacity', opts.capacity, 1);
    this.obsShape = Object.freeze([...opts.obsShape]);
    this.obsDtype = opts.obsDtype;
    this.obsSize = shapeSize(this.obsShape);
    this.seqLength = intAtLeast('seqLength', opts.seqLength, 1);
    this.burnIn = intAtLeast('burnIn', opts.burnIn ?? 0, 0);
    this.overlap = intAtLeast('overlap', opts.overlap ?? 0, 0);
    if (this.overlap >= this.seqLength) {
      throw new RangeError(
        `Received an invalid value for \`overlap\`; expected less than seqLength=${this.seqLength}. Received: overlap=${this.overlap}`,
      );
    }
    this.stateSize = intAtLeast('stateSize', opts.stateSize ?? 0, 0);
    this.steps = this.burnIn + this.seqLength;
    this.period = this.seqLength - this.overlap;
    if (this.capacity < 2 * (this.steps + 1)) {
      throw new RangeError(
        `SequenceReplay: capacity ${this.capacity} is too small for windows of ${this.steps} steps ` +
          `(burnIn + seqLength); it needs at least ${2 * (this.steps + 1)} rows`,
      );
    }
    const cap = this.capacity;
    this.obs = allocTyped(this.obsDtype, cap * this.obsSize);
    this.actions = new Int32Array(cap);
    this.rewards = new Float32Array(cap);
    this.flags = new Uint8Array(cap);
    this.states = new Float32Array(cap * this.stateSize);
    // Sequences have distinct training starts among the held rows: at most `capacity` of them.
    this.seqWindow = new Float64Array(cap);
    this.seqBurnIn = new Int32Array(cap);
    this.lastNextObs = allocTyped(this.obsDtype, this.obsSize);
    this.verifyLeft = opts.verifyAdds ?? 64;
  }

  /** Sequences available for sampling. */
  get size(): number {
    return this.seqHead - this.seqTail;
  }

  /** Rows ever written (steps plus final observations). */
  get rowsAdded(): number {
    return this.rowHead;
  }

  /** Oldest row id still held. */
  private get oldestRow(): number {
    return Math.max(0, this.rowHead - this.capacity);
  }

  /** Bytes of preallocated storage. */
  get bytes(): number {
    const arrays = [this.obs, this.actions, this.rewards, this.flags, this.states, this.seqWindow, this.seqBurnIn];
    return arrays.reduce((n, a) => n + a.byteLength, 0);
  }

  /** A batch whose arrays `sample` fills; make one and reuse it every update. */
  createBatch(size: number): SequenceBatch {
    intAtLeast('batchSize', size, 1);
    const T = this.steps;
    return {
      size,
      steps: T,
      obs: allocTyped(this.obsDtype, size * (T + 1) * this.obsSize),
      actions: new Int32Array(size * T),
      rewards: new Float32Array(size * T),
      terminated: new Float32Array(size * T),
      valid: new Float32Array(size * T),
      mask: new Float32Array(size * T),
      burnInSteps: new Int32Array(size),
      states: new Float32Array(size * this.stateSize),
      weights: new Float32Array(size).fill(1),
      slots: new Int32Array(size),
    };
  }

  /**
   * Stores one step. `obs` must be the previous call's `nextObs` unless that call ended the
   * episode (or {@link endEpisode} was called): then `obs` starts a new one. `state` is the
   * recurrent state the network had before reading `obs` (`stateSize` values; zeros when
   * omitted). Arrays are copied; the caller may reuse them.
   */
  add(
    obs: AnyTypedArray,
    action: number,
    reward: number,
    nextObs: AnyTypedArray,
    terminated: boolean,
    truncated: boolean,
    state?: ArrayLike<number>,
  ): void {
    if (obs.length !== this.obsSize || nextObs.length !== this.obsSize) {
      throw new RangeError(
        `SequenceReplay.add: observations must have ${this.obsSize} values. Received: ${obs.length} and ${nextObs.length}`,
      );
    }
    if (state !== undefined && state.length !== this.stateSize) {
      throw new RangeError(
        `SequenceReplay.add: the state must have ${this.stateSize} values. Received: ${state.length}`,
      );
    }
    if (this.episodeStart < 0) {
      this.episodeStart = this.rowHead;
      this.pending = 0;
    } else if (this.verifyLeft > 0) {
      this.verifyLeft--;
      for (let i = 0; i < this.obsSize; i++) {
        if (obs[i] !== this.lastNextObs[i]) {
          throw new Error(
            `SequenceReplay.add: obs differs from the previous next observation at value ${i}; ` +
              'steps were added out of order, or a new episode started without endEpisode()',
          );
        }
      }
    }
    const flags = (terminated ? TERMINATED : 0) | (truncated ? TRUNCATED : 0);
    this.pushRow(obs, action, reward, flags, state);
    this.lastNextObs.set(nextObs);
    if (terminated || truncated) this.finishEpisode(nextObs);
    else this.releaseReady();
  }

  /**
   * Ends the open episode without a terminal step (e.g. an interrupted run): its last step's
   * next observation is kept as the final row, so that step bootstraps as after a truncation.
   */
  endEpisode(): void {
    if (this.episodeStart >= 0) this.finishEpisode(this.lastNextObs);
  }

  /** Fills `batch` with `batch.size` sequences drawn uniformly (with replacement). */
  sample(batch: SequenceBatch, rng: Rng): SequenceBatch {
    const n = this.size;
    if (n === 0) throw new Error('SequenceReplay.sample: no complete sequence stored yet');
    for (let b = 0; b < batch.size; b++) this.fill(batch, b, this.seqTail + rng.nextInt(n));
    return batch;
  }

  /** Fills row `b` of `batch` with the `index`-th held sequence (0 = oldest), e.g. to go through all of them. */
  fillSequence(batch: SequenceBatch, b: number, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`SequenceReplay.fillSequence: index ${index} out of [0, ${this.size})`);
    }
    this.fill(batch, b, this.seqTail + index);
  }

  private pushRow(obs: AnyTypedArray, action: number, reward: number, flags: number, state?: ArrayLike<number>): void {
    const r = this.rowHead;
    const slot = r % this.capacity;
    // Row r overwrites row r - capacity: drop the sequences whose window starts there or before.
    const oldestAfter = r + 1 - this.capacity;
    while (this.seqTail < this.seqHead && (this.seqWindow[this.seqTail % this.capacity] as number) < oldestAfter) {
      this.onEvict(this.seqTail % this.capacity);
      this.seqTail++;
    }
    this.obs.set(obs, slot * this.obsSize);
    this.actions[slot] = action;
    this.rewards[slot] = reward;
    this.flags[slot] = flags;
    if (this.stateSize > 0) {
      const o = slot * this.stateSize;
      if (state === undefined) this.states.fill(0, o, o + this.stateSize);
      else for (let i = 0; i < this.stateSize; i++) this.states[o + i] = at(state, i);
    }
    this.rowHead = r + 1;
  }

  /** First row of the window of the open episode's `k`-th sequence, and its training start. */
  private windowOf(k: number): { w: number; s: number } {
    const s = this.episodeStart + k * this.period;
    return { w: Math.max(this.episodeStart, s - this.burnIn), s };
  }

  /** Makes the open episode's sequences whose window and following row exist available. */
  private releaseReady(): void {
    const newest = this.rowHead - 1;
    for (;;) {
      const { w, s } = this.windowOf(this.pending);
      if (w + this.steps > newest) return;
      this.pushSequence(w, s - w);
      this.pending++;
    }
  }

  /** Writes the final row and makes every remaining sequence with a training step available. */
  private finishEpisode(finalObs: AnyTypedArray): void {
    const finalRow = this.rowHead;
    this.pushRow(finalObs, 0, 0, FINAL);
    for (;;) {
      const { w, s } = this.windowOf(this.pending);
      if (s >= finalRow) break;
      this.pushSequence(w, s - w);
      this.pending++;
    }
    this.episodeStart = -1;
  }

  private pushSequence(w: number, burnIn: number): void {
    // An episode longer than the ring: its early windows are already gone.
    if (w < this.oldestRow) return;
    const slot = this.seqHead % this.capacity;
    this.seqWindow[slot] = w;
    this.seqBurnIn[slot] = burnIn;
    this.seqHead++;
    this.onAdd(slot);
  }

  /** Fills row `b` of `batch` with sequence id `i`. */
  protected fill(batch: SequenceBatch, b: number, i: number): void {
    const cap = this.capacity;
    const T = this.steps;
    const os = this.obsSize;
    const slot = i % cap;
    const w = this.seqWindow[slot] as number;
    const burn = this.seqBurnIn[slot] as number;
    const obsBase = b * (T + 1) * os;
    const base = b * T;
    let ended = false;
    for (let t = 0; t <= T; t++) {
      const row = (w + t) % cap;
      const fl = this.flags[row] as number;
      const o = obsBase + t * os;
      if (ended) batch.obs.fill(0, o, o + os);
      else batch.obs.set(this.obs.subarray(row * os, row * os + os), o);
      if (t === T) break;
      const real = !ended && (fl & FINAL) === 0;
      batch.actions[base + t] = real ? (this.actions[row] as number) : 0;
      batch.rewards[base + t] = real ? (this.rewards[row] as number) : 0;
      batch.terminated[base + t] = real && fl & TERMINATED ? 1 : 0;
      batch.valid[base + t] = real ? 1 : 0;
      batch.mask[base + t] = real && t >= burn && t < burn + this.seqLength ? 1 : 0;
      if (!real) ended = true;
    }
    batch.burnInSteps[b] = burn;
    const ss = this.stateSize;
    if (ss > 0) {
      const src = (w % cap) * ss;
      batch.states.set(this.states.subarray(src, src + ss), b * ss);
    }
    batch.slots[b] = slot;
  }

  /** The sequence id held in `slot` (the newest id congruent to it). */
  protected idOfSlot(slot: number): number {
    const newest = this.seqHead - 1;
    return newest - ((((newest - slot) % this.capacity) + this.capacity) % this.capacity);
  }

  /** Hook: a sequence was stored in `slot`. */
  protected onAdd(_slot: number): void {}

  /** Hook: the sequence in `slot` was dropped. */
  protected onEvict(_slot: number): void {}

  /** A snapshot for checkpoints (the arrays are the live buffers: write them out before mutating). */
  getState(): SequenceReplayState {
    return {
      meta: {
        kind: this.constructor.name,
        capacity: this.capacity,
        obsSize: this.obsSize,
        obsDtype: this.obsDtype,
        stateSize: this.stateSize,
        seqLength: this.seqLength,
        burnIn: this.burnIn,
        overlap: this.overlap,
        rowHead: this.rowHead,
        seqHead: this.seqHead,
        seqTail: this.seqTail,
        episodeStart: this.episodeStart,
        pending: this.pending,
        extra: this.extraState(),
      },
      arrays: {
        obs: this.obs,
        actions: this.actions,
        rewards: this.rewards,
        flags: this.flags,
        states: this.states,
        seqWindow: this.seqWindow,
        seqBurnIn: this.seqBurnIn,
        lastNextObs: this.lastNextObs,
        ...this.extraArrays(),
      },
    };
  }

  /** Restores a snapshot taken from a memory built with the same options; throws on any mismatch. */
  setState(state: SequenceReplayState): void {
    const m = state.meta;
    const mine = this.getState();
    const keys = ['kind', 'capacity', 'obsSize', 'obsDtype', 'stateSize', 'seqLength', 'burnIn', 'overlap'] as const;
    for (const key of keys) {
      if (m[key] !== mine.meta[key]) {
        const [got, want] = [String(m[key]), String(mine.meta[key])];
        throw new Error(`Sequence replay state does not match this memory: ${key} is ${got}, expected ${want}`);
      }
    }
    const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
    if (
      !int(m.rowHead) ||
      !int(m.seqHead) ||
      !int(m.seqTail) ||
      !int(m.episodeStart) ||
      !int(m.pending) ||
      m.rowHead < 0 ||
      m.seqTail < 0 ||
      m.seqTail > m.seqHead ||
      m.seqHead - m.seqTail > this.capacity ||
      m.episodeStart < -1 ||
      m.episodeStart >= Math.max(m.rowHead, 1) ||
      m.pending < 0
    ) {
      const got = `rowHead ${String(m.rowHead)}, seqHead ${String(m.seqHead)}, seqTail ${String(m.seqTail)}`;
      throw new Error(`Sequence replay state is inconsistent (${got}, capacity ${this.capacity})`);
    }
    for (const [name, arr] of Object.entries(mine.arrays)) {
      const src = state.arrays[name];
      if (!src || src.constructor !== arr.constructor || src.length !== arr.length) {
        throw new Error(
          `Sequence replay state does not match this memory: array ${name} is missing or has the wrong type or length`,
        );
      }
    }
    for (const [name, arr] of Object.entries(mine.arrays)) {
      (arr as TypedArrayOf<DType>).set(state.arrays[name] as TypedArrayOf<DType>);
    }
    this.rowHead = m.rowHead;
    this.seqHead = m.seqHead;
    this.seqTail = m.seqTail;
    this.episodeStart = m.episodeStart;
    this.pending = m.pending;
    this.verifyLeft = 0;
    this.restoreExtra(m.extra ?? {});
  }

  /** Subclass hook for extra scalar state. */
  protected extraState(): Record<string, number> {
    return {};
  }

  /** Subclass hook for extra arrays. */
  protected extraArrays(): Record<string, Float64Array> {
    return {};
  }

  /** Subclass hook to restore {@link SequenceReplay.extraState}. */
  protected restoreExtra(_extra: Record<string, number>): void {}
}
