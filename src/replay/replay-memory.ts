/**
 * Experience replay (Lin 1992; Mnih et al. 2015) in preallocated typed arrays.
 *
 * Layout: a ring of *frames* and a ring of *transitions*. Observations are stored as frames of
 * the env's dtype (uint8 pixels stay uint8). With a frame stack of `k`, an episode's first
 * observation contributes its `k` frames and each later step only its newest frame, so stacked
 * observations are stored once instead of `2k` times per transition. Transition `i` remembers
 * the index of its observation's newest frame; its observation is frames `end-k+1..end` and its
 * next observation frames `end-k+2..end+1`. Without stacking `k = 1` and the same layout stores
 * each observation once (plus one extra frame per episode for its first observation).
 *
 * Bootstrapping: every transition stores `terminated` and `truncated` separately. A terminated
 * transition has no bootstrap; a truncated one (time limit) bootstraps from its final
 * observation, which is kept as the next frame. n-step returns stop at either.
 *
 * Indices: transitions get increasing integer ids (`head` counts them all); the slot of id `i`
 * is `i % capacity`. Sampling is O(batch) for uniform replay and fills a reused batch.
 */
import type { DType } from '../core/env.js';
import type { Rng } from '../rng/rng.js';
import { allocTyped, shapeSize, type AnyTypedArray, type TypedArrayOf } from '../core/spaces.js';

/** Where the stacked frames are in an observation: `first` = (k, ...), `last` = (..., k). */
export type StackAxis = 'first' | 'last';

/** Construction options of a {@link ReplayMemory}. */
export interface ReplayOptions {
  /** Maximum number of transitions held. */
  readonly capacity: number;
  /** Shape of one (stacked) observation. */
  readonly obsShape: readonly number[];
  /** Observation dtype; frames are stored in it. */
  readonly obsDtype: DType;
  /**
   * Frame stacking of the observations: `k` frames along `axis`, each frame `channels` wide on
   * that axis when it is `last` (tfgym's `FrameStack`: element `(..., j * C + c)` is channel `c`
   * of frame `j`, oldest first). Default `{k: 1}` (no sharing).
   */
  readonly frameStack?: { readonly k: number; readonly axis: StackAxis; readonly channels?: number };
  /**
   * Extra frame slots as a fraction of `capacity` (default 0.25), for the `k` frames each episode
   * start adds. If episodes are so short that this runs out, the oldest transitions are dropped
   * early and `size` stays a little below `capacity`.
   */
  readonly frameOverhead?: number;
  /** n for n-step returns (default 1). */
  readonly nStep?: number;
  /** Discount used to sum n-step rewards (default 0.99). */
  readonly gamma?: number;
  /**
   * Number of first `add` calls whose `obs` is checked against the stored previous next
   * observation (default 64): catches a wrong `frameStack` layout early. 0 disables it.
   */
  readonly verifyAdds?: number;
}

/** A batch of transitions, in reused typed arrays (see {@link ReplayMemory.createBatch}). */
export interface ReplayBatch {
  /** Number of transitions. */
  readonly size: number;
  /** Observations, `size * obsSize` values in C order. */
  readonly obs: AnyTypedArray;
  /** Observations to bootstrap from (after `n` steps or at the episode's end). */
  readonly nextObs: AnyTypedArray;
  readonly actions: Int32Array;
  /** n-step discounted reward sums. */
  readonly rewards: Float32Array;
  /** `gamma^m` where m is the number of rewards summed (the bootstrap discount). */
  readonly discounts: Float32Array;
  /** 1 where the return reached a terminal state (no bootstrap), else 0. */
  readonly terminated: Float32Array;
  /** Importance-sampling weights (all 1 for uniform replay). */
  readonly weights: Float32Array;
  /** Slots of the sampled transitions (for priority updates). */
  readonly slots: Int32Array;
}

/** Serialisable replay state: small JSON metadata plus the raw arrays. */
export interface ReplayState {
  readonly meta: {
    readonly kind: string;
    readonly capacity: number;
    readonly frameCapacity: number;
    readonly frameSize: number;
    readonly k: number;
    readonly obsDtype: DType;
    readonly head: number;
    readonly tail: number;
    readonly frameHead: number;
    readonly openFrameEnd: number;
    readonly extra?: Record<string, number>;
  };
  readonly arrays: Record<string, AnyTypedArray | Uint8Array | Float32Array | Float64Array>;
}

const TERMINATED = 1;
const TRUNCATED = 2;

function posInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(
      `Received an invalid value for \`${name}\`; expected a positive integer. Received: ${name}=${String(v)}`,
    );
  }
  return v;
}

/** Uniform experience replay; see the module comment for the layout. */
export class ReplayMemory {
  readonly capacity: number;
  readonly obsShape: readonly number[];
  readonly obsDtype: DType;
  readonly obsSize: number;
  /** Frames per observation. */
  readonly k: number;
  readonly axis: StackAxis;
  /** Channels per frame along a `last` stack axis. */
  readonly channels: number;
  /** Values per frame (`obsSize / k`). */
  readonly frameSize: number;
  readonly frameCapacity: number;
  readonly nStep: number;
  readonly gamma: number;

  private readonly frames: AnyTypedArray;
  private readonly frameEnd: Float64Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float32Array;
  private readonly flags: Uint8Array;
  /** Ids of all transitions ever added (next id). */
  protected head = 0;
  /** Oldest id still held. */
  protected tail = 0;
  /** Count of frames ever pushed (next frame id). */
  private frameHead = 0;
  /** Newest frame id of the open episode's current observation, or -1 when no episode is open. */
  private openFrameEnd = -1;
  private verifyLeft: number;
  private readonly scratch: AnyTypedArray;

  constructor(opts: ReplayOptions) {
    this.capacity = posInt('capacity', opts.capacity);
    this.obsShape = Object.freeze([...opts.obsShape]);
    this.obsDtype = opts.obsDtype;
    this.obsSize = shapeSize(this.obsShape);
    const fs = opts.frameStack ?? { k: 1, axis: 'last' as StackAxis };
    this.k = posInt('frameStack.k', fs.k);
    this.gatherSrcs = new Int32Array(this.k);
    this.axis = fs.axis;
    this.channels = this.axis === 'last' ? posInt('frameStack.channels', fs.channels ?? 1) : 1;
    if (this.k > 1) {
      const stackDim = this.axis === 'first' ? this.obsShape[0] : this.obsShape[this.obsShape.length - 1];
      if (stackDim !== this.k * this.channels) {
        const shape = this.obsShape.join(', ');
        throw new RangeError(
          `Replay: frame stack of ${this.k} along the ${this.axis} axis does not fit observation shape [${shape}]`,
        );
      }
    }
    this.frameSize = this.obsSize / this.k;
    this.nStep = posInt('nStep', opts.nStep ?? 1);
    this.gamma = opts.gamma ?? 0.99;
    if (!(this.gamma >= 0 && this.gamma <= 1)) {
      const gamma = String(this.gamma);
      throw new RangeError(`Received an invalid value for \`gamma\`; expected [0, 1]. Received: gamma=${gamma}`);
    }
    const overhead = opts.frameOverhead ?? 0.25;
    this.frameCapacity = this.capacity + Math.ceil(this.capacity * overhead) + 2 * this.k + 1;
    this.frames = allocTyped(this.obsDtype, this.frameCapacity * this.frameSize);
    this.frameEnd = new Float64Array(this.capacity);
    this.actions = new Int32Array(this.capacity);
    this.rewards = new Float32Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
    this.verifyLeft = opts.verifyAdds ?? 64;
    this.scratch = allocTyped(this.obsDtype, this.obsSize);
  }

  /** Number of transitions held. */
  get size(): number {
    return this.head - this.tail;
  }

  /** Total transitions ever added. */
  get added(): number {
    return this.head;
  }

  /** Bytes of preallocated storage (frames and per-transition fields). */
  get bytes(): number {
    const { frames, frameEnd, actions, rewards, flags } = this;
    return frames.byteLength + frameEnd.byteLength + actions.byteLength + rewards.byteLength + flags.byteLength;
  }

  /** A batch whose arrays `sample` fills; make one and reuse it every update. */
  createBatch(size: number): ReplayBatch {
    posInt('batchSize', size);
    return {
      size,
      obs: allocTyped(this.obsDtype, size * this.obsSize),
      nextObs: allocTyped(this.obsDtype, size * this.obsSize),
      actions: new Int32Array(size),
      rewards: new Float32Array(size),
      discounts: new Float32Array(size),
      terminated: new Float32Array(size),
      weights: new Float32Array(size).fill(1),
      slots: new Int32Array(size),
    };
  }

  /**
   * Stores one transition. `obs` must be the previous call's `nextObs` unless that call ended
   * the episode (then `obs` starts a new one). Arrays are copied; the caller may reuse them.
   */
  add(
    obs: AnyTypedArray,
    action: number,
    reward: number,
    nextObs: AnyTypedArray,
    terminated: boolean,
    truncated: boolean,
  ): void {
    if (obs.length !== this.obsSize || nextObs.length !== this.obsSize) {
      throw new RangeError(
        `Replay.add: observations must have ${this.obsSize} values. Received: ${obs.length} and ${nextObs.length}`,
      );
    }
    if (this.openFrameEnd < 0) {
      // Episode start: every frame of the first observation.
      for (let c = 0; c < this.k; c++) this.pushFrame(obs, c);
      this.openFrameEnd = this.frameHead - 1;
    } else if (this.verifyLeft > 0) {
      this.verifyLeft--;
      this.gather(this.openFrameEnd, this.scratch, 0);
      for (let i = 0; i < this.obsSize; i++) {
        if (this.scratch[i] !== obs[i]) {
          throw new Error(
            `Replay.add: obs differs from the stored previous next observation at value ${i}; ` +
              'either transitions were added out of order or the frame stack is not ' +
              `${this.k} frames along the ${this.axis} axis`,
          );
        }
      }
    }
    // The newest frame of nextObs (the whole observation when k = 1).
    this.pushFrame(nextObs, this.k - 1);
    if (this.head - this.tail >= this.capacity) this.evictOldest();
    const slot = this.head % this.capacity;
    this.frameEnd[slot] = this.openFrameEnd;
    this.actions[slot] = action;
    this.rewards[slot] = reward;
    this.flags[slot] = (terminated ? TERMINATED : 0) | (truncated ? TRUNCATED : 0);
    this.head++;
    this.onAdd(slot);
    this.openFrameEnd = terminated || truncated ? -1 : this.openFrameEnd + 1;
  }

  /** Forgets the open episode so the next `add` starts a new one (e.g. after an env reset without a terminal step). */
  endEpisode(): void {
    this.openFrameEnd = -1;
  }

  /** Fills `batch` with `batch.size` transitions drawn uniformly (with replacement, as SB3 and the book). */
  sample(batch: ReplayBatch, rng: Rng): ReplayBatch {
    const n = this.size;
    if (n === 0) throw new Error('Replay.sample: the memory is empty');
    for (let b = 0; b < batch.size; b++) this.fill(batch, b, this.tail + rng.nextInt(n));
    return batch;
  }

  /**
   * Fills row `b` of `batch` with the `k`-th transition held (0 = the oldest) and its n-step
   * return: how a memory shared by several envs ({@link MultiEnvReplay}) samples from this one.
   */
  fillAt(batch: ReplayBatch, b: number, k: number): void {
    this.fill(batch, b, this.tail + k);
  }

  /** Fills row `b` of `batch` with the transition in `slot` (a slot a priority tree returned). */
  fillSlot(batch: ReplayBatch, b: number, slot: number): void {
    this.fill(batch, b, this.idOfSlot(slot));
  }

  /** Copies frame `c` of `obs` into the frame ring (evicting transitions whose frames it overwrites). */
  private pushFrame(obs: AnyTypedArray, c: number): void {
    const f = this.frameHead;
    const dst = (f % this.frameCapacity) * this.frameSize;
    const fsz = this.frameSize;
    if (this.k === 1) {
      this.frames.set(obs, dst);
    } else if (this.axis === 'first') {
      this.frames.set(obs.subarray(c * fsz, (c + 1) * fsz), dst);
    } else {
      const C = this.channels;
      const stride = this.k * C;
      const frames = this.frames;
      if (C === 1) {
        for (let p = 0; p < fsz; p++) frames[dst + p] = obs[p * stride + c] as number;
      } else {
        for (let p = 0, q = 0; q < fsz; p++) {
          for (let ch = 0; ch < C; ch++, q++) frames[dst + q] = obs[p * stride + c * C + ch] as number;
        }
      }
    }
    this.frameHead = f + 1;
    // Oldest frame id still present after this push; drop transitions that need older ones.
    const oldest = this.frameHead - this.frameCapacity;
    while (this.tail < this.head && (this.frameEnd[this.tail % this.capacity] as number) - (this.k - 1) < oldest) {
      this.evictOldest();
    }
  }

  private evictOldest(): void {
    this.onEvict(this.tail % this.capacity);
    this.tail++;
  }

  /** Frame offsets of the observation being gathered (scratch for {@link interleave}). */
  private readonly gatherSrcs: Int32Array;

  /** Writes the observation whose newest frame is `end` into `out` at `offset`. */
  private gather(end: number, out: AnyTypedArray, offset: number): void {
    const fsz = this.frameSize;
    const k = this.k;
    const fc = this.frameCapacity;
    const frames = this.frames;
    if (k === 1) {
      const src = (end % fc) * fsz;
      out.set(frames.subarray(src, src + fsz), offset);
      return;
    }
    if (this.axis === 'last' && this.channels === 1) {
      const srcs = this.gatherSrcs;
      for (let c = 0; c < k; c++) srcs[c] = ((end - (k - 1) + c) % fc) * fsz;
      interleave(out, offset, frames, srcs, k, fsz);
      return;
    }
    for (let c = 0; c < k; c++) {
      const src = ((end - (k - 1) + c) % fc) * fsz;
      if (this.axis === 'first') {
        out.set(frames.subarray(src, src + fsz), offset + c * fsz);
      } else {
        const C = this.channels;
        const stride = k * C;
        for (let p = 0, q = 0; q < fsz; p++) {
          for (let ch = 0; ch < C; ch++, q++) out[offset + p * stride + c * C + ch] = frames[src + q] as number;
        }
      }
    }
  }

  /** Fills row `b` of `batch` with transition id `i` and its n-step return. */
  protected fill(batch: ReplayBatch, b: number, i: number): void {
    const cap = this.capacity;
    const slot = i % cap;
    this.gather(this.frameEnd[slot] as number, batch.obs, b * this.obsSize);
    let j = i;
    let ret = 0;
    let disc = 1;
    let term = 0;
    for (let m = 0; ; m++) {
      const s = j % cap;
      ret += disc * (this.rewards[s] as number);
      disc *= this.gamma;
      const fl = this.flags[s] as number;
      if (fl & TERMINATED) {
        term = 1;
        break;
      }
      // Stop at a truncation (bootstrap from its final obs), after n rewards, or at the newest transition.
      if (fl & TRUNCATED || m + 1 >= this.nStep || j + 1 >= this.head) break;
      j++;
    }
    this.gather((this.frameEnd[j % cap] as number) + 1, batch.nextObs, b * this.obsSize);
    batch.actions[b] = this.actions[slot] as number;
    batch.rewards[b] = ret;
    batch.discounts[b] = disc;
    batch.terminated[b] = term;
    batch.slots[b] = slot;
  }

  /** The id held in `slot` (the newest id congruent to it). */
  protected idOfSlot(slot: number): number {
    const newest = this.head - 1;
    return newest - ((((newest - slot) % this.capacity) + this.capacity) % this.capacity);
  }

  /** Hook: a transition was written to `slot`. */
  protected onAdd(_slot: number): void {}

  /** Hook: the transition in `slot` was dropped. */
  protected onEvict(_slot: number): void {}

  /** A snapshot for checkpoints (the arrays are the live buffers: write them out before mutating). */
  getState(): ReplayState {
    return {
      meta: {
        kind: this.constructor.name,
        capacity: this.capacity,
        frameCapacity: this.frameCapacity,
        frameSize: this.frameSize,
        k: this.k,
        obsDtype: this.obsDtype,
        head: this.head,
        tail: this.tail,
        frameHead: this.frameHead,
        openFrameEnd: this.openFrameEnd,
        extra: this.extraState(),
      },
      arrays: {
        frames: this.frames,
        frameEnd: this.frameEnd,
        actions: this.actions,
        rewards: this.rewards,
        flags: this.flags,
        ...this.extraArrays(),
      },
    };
  }

  /** Restores a snapshot taken from a memory built with the same options; throws on any mismatch. */
  setState(state: ReplayState): void {
    const m = state.meta;
    const mine = this.getState().meta;
    for (const key of ['kind', 'capacity', 'frameCapacity', 'frameSize', 'k', 'obsDtype'] as const) {
      if (m[key] !== mine[key]) {
        const [got, want] = [String(m[key]), String(mine[key])];
        throw new Error(`Replay state does not match this memory: ${key} is ${got}, expected ${want}`);
      }
    }
    // The counters only ever grow, with at most `capacity` transitions between tail and head.
    const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
    if (
      !int(m.head) ||
      !int(m.tail) ||
      !int(m.frameHead) ||
      !int(m.openFrameEnd) ||
      m.tail < 0 ||
      m.tail > m.head ||
      m.head - m.tail > this.capacity ||
      m.frameHead < 0 ||
      m.openFrameEnd < -1 ||
      m.openFrameEnd >= Math.max(m.frameHead, 1)
    ) {
      const got = `head ${String(m.head)}, tail ${String(m.tail)}, frameHead ${String(m.frameHead)}`;
      throw new Error(`Replay state is inconsistent (${got}, capacity ${this.capacity})`);
    }
    const mineArrays = this.getState().arrays;
    for (const [name, arr] of Object.entries(mineArrays)) {
      const src = state.arrays[name];
      if (!src || src.constructor !== arr.constructor || src.length !== arr.length) {
        throw new Error(
          `Replay state does not match this memory: array ${name} is missing or has the wrong type or length`,
        );
      }
    }
    for (const [name, arr] of Object.entries(mineArrays)) {
      (arr as TypedArrayOf<DType>).set(state.arrays[name] as TypedArrayOf<DType>);
    }
    this.head = m.head;
    this.tail = m.tail;
    this.frameHead = m.frameHead;
    this.openFrameEnd = m.openFrameEnd;
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

  /** Subclass hook to restore {@link ReplayMemory.extraState}. */
  protected restoreExtra(_extra: Record<string, number>): void {}
}

/**
 * Channels-last stacking of one-channel frames: `out[offset + p * k + c] = frames[srcs[c] + p]`.
 * Pixel by pixel with all k frames per pixel, so `out` is written in order: about twice as fast
 * as frame by frame (strided writes) when the book's 80x80x4 batches are gathered every step.
 */
function interleave(
  out: AnyTypedArray,
  offset: number,
  frames: AnyTypedArray,
  srcs: Int32Array,
  k: number,
  fsz: number,
): void {
  if (k === 4) {
    const s0 = srcs[0] as number;
    const s1 = srcs[1] as number;
    const s2 = srcs[2] as number;
    const s3 = srcs[3] as number;
    for (let p = 0, o = offset; p < fsz; p++, o += 4) {
      out[o] = frames[s0 + p] as number;
      out[o + 1] = frames[s1 + p] as number;
      out[o + 2] = frames[s2 + p] as number;
      out[o + 3] = frames[s3 + p] as number;
    }
    return;
  }
  for (let p = 0, o = offset; p < fsz; p++, o += k) {
    for (let c = 0; c < k; c++) out[o + c] = frames[(srcs[c] as number) + p] as number;
  }
}
