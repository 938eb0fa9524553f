/**
 * Observation wrappers that keep state across steps (Gymnasium's `stateful_observation`):
 * `FrameStack` (the last k observations, concatenated along the last, channel, axis),
 * `MaxAndSkip` and `NormalizeObservation`, and `FrameDrop` (observations blanked at random).
 */
import type { Env, Info, ResetOptions, Space, StepResult } from '../env.js';
import { Rng } from '../../rng/rng.js';
import { allocTyped, Box, type AnyTypedArray } from '../spaces.js';
import { RunningMeanStd, type RunningMeanStdState } from './utils.js';
import { ObservationWrapper, requireBox, Wrapper } from './wrapper.js';

/** How the stack is filled at reset: copies of the first observation (`'reset'`) or zeros (`'zero'`). */
export type FramePadding = 'reset' | 'zero';

/**
 * Stacks the last `k` observations channels-last: an observation of shape `[..., C]` becomes
 * `[..., C * k]`, and element `(..., j * C + c)` is channel `c` of frame `j`, with `j = 0` the
 * oldest and `j = k - 1` the newest. So `[H, W, 1]` gray frames become the `[H, W, k]` input a
 * channels-last convnet expects (the book stacks 4 frames this way).
 *
 * At reset the older slots hold copies of the first observation (`padding: 'reset'`, the book's
 * "first frame repeated 4 times" and Gymnasium's default) or zeros (`'zero'`). Frames are copied
 * into a ring, so the inner env may reuse its buffers; the returned stack is one reused buffer.
 */
export class FrameStack<T extends AnyTypedArray, Act> extends Wrapper<T, Act> {
  private readonly space: Box;
  private readonly ring: T[];
  private head = 0;
  private readonly out: T;
  private readonly channels: number;
  private readonly positions: number;

  constructor(
    env: Env<T, Act>,
    readonly k: number,
    readonly padding: FramePadding = 'reset',
  ) {
    super(env);
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`FrameStack: k must be a positive integer. Received: ${String(k)}`);
    if (padding !== 'reset' && padding !== 'zero') {
      throw new RangeError(`FrameStack: padding must be 'reset' or 'zero'. Received: ${String(padding)}`);
    }
    const box = requireBox(env.observationSpace, 'FrameStack');
    if (box.shape.length === 0) throw new TypeError('FrameStack needs observations with at least one axis');
    this.channels = box.shape[box.shape.length - 1] as number;
    this.positions = box.size / this.channels;
    const shape = [...box.shape.slice(0, -1), this.channels * k];
    this.space = new Box(this.tile(box.low), this.tile(box.high), shape, box.dtype);
    this.ring = Array.from({ length: k }, () => allocTyped(box.dtype, box.size) as T);
    this.out = allocTyped(box.dtype, box.size * k) as T;
  }

  /** Repeats per-element values of one frame into the stacked layout. */
  private tile(v: Float64Array): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.positions; p++)
      for (let j = 0; j < this.k; j++)
        for (let c = 0; c < this.channels; c++) out.push(v[p * this.channels + c] as number);
    return out;
  }

  override get observationSpace(): Space<T> {
    return this.space as unknown as Space<T>;
  }

  override reset(opts?: ResetOptions): [T, Info] {
    const [obs, info] = this.env.reset(opts);
    for (let j = 0; j < this.k; j++) {
      const slot = this.ring[j] as T;
      if (this.padding === 'reset') slot.set(obs);
      else slot.fill(0);
    }
    this.head = 0;
    (this.ring[0] as T).set(obs);
    return [this.assemble(), info];
  }

  override step(action: Act): StepResult<T> {
    const out = this.env.step(action);
    this.head = (this.head + 1) % this.k;
    (this.ring[this.head] as T).set(out[0]);
    out[0] = this.assemble();
    return out;
  }

  private assemble(): T {
    const { k, channels: C, positions, out } = this;
    const stride = C * k;
    for (let j = 0; j < k; j++) {
      // Slot of the j-th oldest frame: the newest is at head.
      const frame = this.ring[(this.head + 1 + j) % k] as T;
      for (let p = 0; p < positions; p++) {
        const o = p * stride + j * C;
        const s = p * C;
        for (let c = 0; c < C; c++) out[o + c] = frame[s + c] as number;
      }
    }
    return out;
  }
}

/**
 * Repeats each action `skip` times, summing the rewards and stopping early when the episode
 * ends; the observation is the elementwise max of the last two frames of those repeats (it
 * removes Atari sprite flicker), or the only frame when the episode ended on the first repeat.
 * `info` is the last inner step's.
 */
export class MaxAndSkip<T extends AnyTypedArray, Act> extends Wrapper<T, Act> {
  private readonly a: T;
  private readonly b: T;

  constructor(
    env: Env<T, Act>,
    readonly skip = 4,
  ) {
    super(env);
    if (!Number.isInteger(skip) || skip < 1)
      throw new RangeError(`MaxAndSkip: skip must be a positive integer. Received: ${String(skip)}`);
    const box = requireBox(env.observationSpace, 'MaxAndSkip');
    this.a = allocTyped(box.dtype, box.size) as T;
    this.b = allocTyped(box.dtype, box.size) as T;
  }

  override step(action: Act): StepResult<T> {
    let total = 0;
    let terminated = false;
    let truncated = false;
    let info: Info = {};
    let seen = 0;
    for (let i = 0; i < this.skip; i++) {
      const [obs, r, term, trunc, inf] = this.env.step(action);
      total += r;
      info = inf;
      // Keep the two most recent frames: a holds the previous one, b the latest.
      if (seen > 0) this.a.set(this.b);
      this.b.set(obs);
      seen++;
      terminated = term;
      truncated = trunc;
      if (term || trunc) break;
    }
    const out = this.b;
    if (seen > 1) {
      for (let i = 0; i < out.length; i++) {
        const x = this.a[i] as number;
        if (x > (out[i] as number)) out[i] = x;
      }
    }
    return [out, total, terminated, truncated, info];
  }
}

/** What {@link NormalizeObservation.getState} returns: the running statistics, as plain JSON data. */
export type NormalizeObservationState = RunningMeanStdState;

/**
 * Normalizes each observation component to zero mean and unit variance with running statistics
 * (Gymnasium 1.x's `NormalizeObservation`): every observation first updates a
 * {@link RunningMeanStd} (unless {@link NormalizeObservation.updateRunningMean} is false, e.g. for
 * evaluation), then becomes `float32((obs - mean) / sqrt(var + epsilon))`. The observation space is
 * `Box(-inf, inf, shape, float32)`.
 *
 * For float32 observations (the classic-control envs) the statistics are float32 and every
 * operation is rounded as numpy rounds it, so outputs equal Gymnasium's bit for bit; for other
 * dtypes numpy promotes the statistics to float64, and so does this wrapper.
 *
 * The statistics persist across episodes (that is their point), so two runs with the same seed
 * differ unless the statistics are frozen: `checkEnv` passes with `updateRunningMean = false`.
 * {@link NormalizeObservation.getState} / {@link NormalizeObservation.setState} save and restore
 * them for checkpoints. The returned observation is a buffer the wrapper reuses.
 */
export class NormalizeObservation<Act> extends ObservationWrapper<Float32Array, Act, AnyTypedArray> {
  /** Whether observations update the statistics (Gymnasium's `update_running_mean`). */
  updateRunningMean = true;
  /** The running statistics of the raw observations. */
  readonly obsRms: RunningMeanStd;
  private readonly space: Box<'float32'>;
  private readonly out: Float32Array;
  private readonly f32: boolean;
  /** `epsilon` as the variance's dtype sees it (numpy casts the Python float into float32 arrays). */
  private readonly eps: number;

  constructor(
    env: Env<AnyTypedArray, Act>,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    if (!(epsilon >= 0) || !Number.isFinite(epsilon))
      throw new RangeError(`NormalizeObservation: epsilon must be a non-negative number. Received: ${String(epsilon)}`);
    const box = requireBox(env.observationSpace, 'NormalizeObservation');
    this.space = new Box(-Infinity, Infinity, box.shape, 'float32');
    this.f32 = box.dtype === 'float32';
    this.obsRms = new RunningMeanStd(box.size, this.f32);
    this.eps = this.f32 ? Math.fround(epsilon) : epsilon;
    this.out = new Float32Array(box.size);
  }

  override get observationSpace(): Space<Float32Array> {
    return this.space;
  }

  observation(obs: AnyTypedArray): Float32Array {
    const rms = this.obsRms;
    if (this.updateRunningMean) rms.update(obs);
    const out = this.out;
    const m = rms.mean;
    const v = rms.var;
    if (this.f32) {
      const f = Math.fround;
      for (let i = 0; i < out.length; i++) {
        // Float32Array stores round the division to float32, numpy's last float32 operation.
        out[i] = f((obs[i] as number) - (m[i] as number)) / f(Math.sqrt(f((v[i] as number) + this.eps)));
      }
    } else {
      for (let i = 0; i < out.length; i++) {
        out[i] = ((obs[i] as number) - (m[i] as number)) / Math.sqrt((v[i] as number) + this.eps);
      }
    }
    return out;
  }

  /** The running statistics as plain data (for checkpoints). */
  getState(): NormalizeObservationState {
    return this.obsRms.getState();
  }

  /** Restores {@link NormalizeObservation.getState}; throws when it does not fit this observation shape. */
  setState(s: NormalizeObservationState): void {
    this.obsRms.setState(s, 'NormalizeObservation');
  }
}

/**
 * With probability `p`, replaces an observation by zeros (every value 0): a partially observable
 * env for recurrent agents, as Hausknecht & Stone (2015)'s "flickering" Atari games, where each
 * frame is blanked with p = 0.5. Reset observations can be dropped too. Where 0 lies outside the
 * inner space's bounds the space is widened to include it; otherwise it is unchanged.
 *
 * Randomness: the `rng` given, or `new Rng(0)`; `reset({seed})` replaces it with a stream derived
 * from the seed (the second `fork()` of `new Rng(seed)`: not the env's own `Rng(seed)` nor
 * `StickyAction`'s first fork, so stacking both keeps them independent). One draw per
 * observation, so the stream position depends only on the number of resets and steps.
 */
export class FrameDrop<T extends AnyTypedArray, Act> extends Wrapper<T, Act> {
  private rng: Rng;
  private readonly zeros: T;
  private readonly space: Space<T>;
  private lastDropped = false;

  constructor(
    env: Env<T, Act>,
    readonly p: number,
    rng?: Rng,
  ) {
    super(env);
    if (!(p >= 0 && p < 1)) throw new RangeError(`FrameDrop: p must be in [0, 1). Received: ${String(p)}`);
    const box = requireBox(env.observationSpace, 'FrameDrop');
    this.rng = rng ?? new Rng(0);
    this.zeros = allocTyped(box.dtype, box.size) as T;
    let inside = true;
    for (let i = 0; i < box.size && inside; i++) inside = (box.low[i] as number) <= 0 && (box.high[i] as number) >= 0;
    const widened = (): Box => {
      const low = Array.from(box.low, (v) => Math.min(v, 0));
      const high = Array.from(box.high, (v) => Math.max(v, 0));
      return new Box(low, high, box.shape, box.dtype);
    };
    this.space = (inside ? box : widened()) as unknown as Space<T>;
  }

  override get observationSpace(): Space<T> {
    return this.space;
  }

  /** Whether the last observation returned was dropped (replaced by zeros). */
  get dropped(): boolean {
    return this.lastDropped;
  }

  override reset(opts?: ResetOptions): [T, Info] {
    if (opts?.seed !== undefined) {
      const r = new Rng(opts.seed);
      r.fork();
      this.rng = r.fork();
    }
    const [obs, info] = this.env.reset(opts);
    return [this.observation(obs), info];
  }

  override step(action: Act): StepResult<T> {
    const out = this.env.step(action);
    out[0] = this.observation(out[0]);
    return out;
  }

  private observation(obs: T): T {
    this.lastDropped = this.rng.nextFloat() < this.p;
    if (!this.lastDropped) return obs;
    // Cleared every time: a caller may have written into the buffer it was given last time.
    this.zeros.fill(0);
    return this.zeros;
  }
}
