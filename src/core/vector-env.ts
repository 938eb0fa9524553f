/**
 * `SyncVectorEnv`: N envs stepped one after another in this thread, with batched observations
 * in one typed array and Gymnasium 1.1's three autoreset modes.
 *
 * - `'next-step'` (default, Gymnasium 1.x): when sub-env i ends on step t, step t+1 resets it
 *   instead of stepping it (its action is ignored) and returns the reset observation, reward 0,
 *   `terminated = truncated = 0` and the reset info.
 * - `'same-step'`: an ending sub-env is reset within the same step; the returned observation is
 *   the reset observation, and the final observation (a copy) and final step info are kept in
 *   `infos[i].finalObs` / `infos[i].finalInfo` (`infos[i]` is otherwise the reset info).
 * - `'disabled'`: nothing resets by itself; the caller resets the ended sub-envs with
 *   `reset({ resetMask })` (Gymnasium 1.1's `reset_mask`), each with a seed of its choosing,
 *   before the next step (stepping an ended sub-env throws). tfgym's trainer uses it: it seeds
 *   every episode, so a checkpoint can rebuild each sub-env from its episode's seed and actions.
 *
 * `reset({ resetMask })` resets only the sub-envs whose mask entry is true, in every mode; the
 * others keep their state and their row of the batched observation.
 *
 * Buffers: the batched observation, rewards, flags and the `infos` array of `step` are reused,
 * valid until the next `reset`/`step`; copy them to keep them. Only `same-step` episode ends allocate (the final obs
 * copy).
 */
import type { DType, Env, Info, Space } from './env.js';
import { allocTyped, Box, Discrete, MultiDiscrete, shapeSize, type AnyTypedArray } from './spaces.js';

/** Gymnasium 1.1's autoreset modes (`AutoresetMode.NEXT_STEP`, `SAME_STEP`, `DISABLED`). */
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

/** Every {@link AutoresetMode}, for validation. */
export const AUTORESET_MODES: readonly AutoresetMode[] = ['next-step', 'same-step', 'disabled'];

/** `[obs, rewards, terminated, truncated, infos]` for all sub-envs (flags are 0/1). */
export type VectorStepResult = [
  obs: AnyTypedArray,
  rewards: Float64Array,
  terminated: Uint8Array,
  truncated: Uint8Array,
  infos: Info[],
];

/** Options of {@link SyncVectorEnv}. */
export interface SyncVectorEnvOptions {
  autoresetMode?: AutoresetMode;
}

/** Arguments of {@link SyncVectorEnv.reset}: `seed` seeds sub-env i with `seed + i` (or `seed[i]` for an array). */
export interface VectorResetOptions {
  seed?: number | readonly (number | undefined)[];
  options?: Record<string, unknown>;
  /**
   * Reset only the sub-envs whose entry is true (or non-zero): Gymnasium 1.1's `reset_mask`, how
   * a `'disabled'`-mode caller resets its ended sub-envs. Default: all of them.
   */
  resetMask?: ArrayLike<boolean | number>;
}

/**
 * What `SyncVectorEnv` and `AsyncVectorEnv` share (Gymnasium's `VectorEnv`): code that takes
 * either (the trainer) types its argument with this.
 */
export interface VectorEnv<Obs = unknown, Act = unknown> {
  readonly numEnvs: number;
  readonly autoresetMode: AutoresetMode;
  /** Space of one sub-env's observation. */
  readonly singleObservationSpace: Space<Obs>;
  /** Space of one sub-env's action. */
  readonly singleActionSpace: Space<Act>;
  /** Space of the batched observation (`[N, ...shape]`). */
  readonly observationSpace: Space<unknown>;
  /** Space of the batched actions. */
  readonly actionSpace: Space<unknown>;
  /** Resets every sub-env (or those of `resetMask`): the batched observation and per-env infos. */
  reset(opts?: VectorResetOptions): [AnyTypedArray, Info[]];
  /** Steps every sub-env with its action, autoresetting as the mode says. */
  step(actions: ArrayLike<Act>): VectorStepResult;
  /** Closes every sub-env. */
  close(): void;
}

/** Checks a reset's `seed` and `resetMask` against `numEnvs`; returns the mask as 0/1 flags (null: every sub-env). */
export function checkResetArgs(opts: VectorResetOptions, numEnvs: number): Uint8Array | null {
  const { seed, resetMask } = opts;
  if (Array.isArray(seed) && seed.length !== numEnvs) {
    throw new RangeError(`reset: seed array must have ${numEnvs} entries. Received: ${seed.length}`);
  }
  if (seed !== undefined && typeof seed === 'number' && !Number.isInteger(seed)) {
    throw new RangeError(`reset: seed must be an integer. Received: ${String(seed)}`);
  }
  if (resetMask === undefined) return null;
  if (resetMask === null || typeof resetMask !== 'object' || resetMask.length !== numEnvs) {
    const got = resetMask === null || typeof resetMask !== 'object' ? String(resetMask) : resetMask.length;
    throw new RangeError(`reset: resetMask must have ${numEnvs} entries. Received: ${got}`);
  }
  const mask = new Uint8Array(numEnvs);
  for (let i = 0; i < numEnvs; i++) mask[i] = resetMask[i] ? 1 : 0;
  return mask;
}

/** The seed a reset gives sub-env `i`: `seed + i` for a number, `seed[i]` for an array. */
export function seedOf(seed: VectorResetOptions['seed'], i: number): number | undefined {
  if (seed === undefined) return undefined;
  return typeof seed === 'number' ? seed + i : (seed as readonly (number | undefined)[])[i];
}

/** The error of a `'disabled'`-mode step on a sub-env that ended and was not reset. */
export function endedSubEnvError(i: number): Error {
  return new Error(
    `step: sub-env ${i} ended on an earlier step; in 'disabled' autoreset mode reset it first (reset({ resetMask }))`,
  );
}

/** The space of N stacked elements of `space` (Gymnasium's `batch_space`). */
export function batchSpace(space: Space<unknown>, n: number): Space<unknown> {
  if (space instanceof Discrete) {
    return new MultiDiscrete(new Array<number>(n).fill(space.n), new Array<number>(n).fill(space.start));
  }
  if (space instanceof Box) {
    // Copied in place: spreading an image-sized bound into push() overflows the call stack.
    const tile = (v: Float64Array): Float64Array => {
      const out = new Float64Array(v.length * n);
      for (let i = 0; i < n; i++) out.set(v, i * v.length);
      return out;
    };
    return new Box(tile(space.low), tile(space.high), [n, ...space.shape], space.dtype);
  }
  if (space instanceof MultiDiscrete) {
    const nv: number[] = [];
    const st: number[] = [];
    for (let i = 0; i < n; i++) {
      nv.push(...space.nvec);
      st.push(...space.start);
    }
    // MultiDiscrete here is one-dimensional, so N copies are flattened: element i*len + j.
    return new MultiDiscrete(nv, st);
  }
  throw new TypeError(`batchSpace: unsupported space ${space.toString()}`);
}

function copyObs(obs: unknown): unknown {
  if (ArrayBuffer.isView(obs)) return (obs as AnyTypedArray).slice();
  return obs;
}

/** Runs N envs in lockstep in this thread (Gymnasium's `SyncVectorEnv`). */
export class SyncVectorEnv<Obs, Act> implements VectorEnv<Obs, Act> {
  readonly numEnvs: number;
  readonly autoresetMode: AutoresetMode;
  /** Space of one sub-env's observation. */
  readonly singleObservationSpace: Space<Obs>;
  /** Space of one sub-env's action. */
  readonly singleActionSpace: Space<Act>;
  /** Space of the batched observation (`[N, ...shape]`). */
  readonly observationSpace: Space<unknown>;
  /** Space of the batched actions. */
  readonly actionSpace: Space<unknown>;
  private readonly obsSize: number;
  private readonly obs: AnyTypedArray;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  /** Sub-envs whose episode ended: reset on the next step (`next-step`) or by the caller (`disabled`). */
  private readonly autoreset: Uint8Array;
  private readonly infos: Info[] = [];
  private started = false;

  /** @param envs the sub-envs (or factories making them); all must have equal spaces */
  constructor(envs: readonly (Env<Obs, Act> | (() => Env<Obs, Act>))[], opts: SyncVectorEnvOptions = {}) {
    if (envs.length === 0) throw new RangeError('SyncVectorEnv needs at least one env');
    this.envs = envs.map((e) => (typeof e === 'function' ? e() : e));
    this.numEnvs = this.envs.length;
    this.autoresetMode = opts.autoresetMode ?? 'next-step';
    if (!AUTORESET_MODES.includes(this.autoresetMode)) {
      throw new RangeError(
        `autoresetMode must be 'next-step', 'same-step' or 'disabled'. Received: ${String(opts.autoresetMode)}`,
      );
    }
    const first = this.envs[0] as Env<Obs, Act>;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.envs.forEach((e, i) => {
      if (
        e.observationSpace.toString() !== first.observationSpace.toString() ||
        e.actionSpace.toString() !== first.actionSpace.toString()
      ) {
        throw new TypeError(
          `SyncVectorEnv: sub-env ${i} has spaces ${e.observationSpace.toString()} / ${e.actionSpace.toString()}, sub-env 0 has ${first.observationSpace.toString()} / ${first.actionSpace.toString()}`,
        );
      }
    });
    const os = first.observationSpace;
    if (!(os instanceof Box || os instanceof Discrete || os instanceof MultiDiscrete)) {
      throw new TypeError(
        `SyncVectorEnv: observation space must be Box, Discrete or MultiDiscrete. Received: ${os.toString()}`,
      );
    }
    this.observationSpace = batchSpace(os, this.numEnvs);
    this.actionSpace = batchSpace(first.actionSpace, this.numEnvs);
    this.obsSize = shapeSize(os.shape);
    this.obs = allocTyped(os.dtype as DType, this.obsSize * this.numEnvs);
    this.rewards = new Float64Array(this.numEnvs);
    this.terminated = new Uint8Array(this.numEnvs);
    this.truncated = new Uint8Array(this.numEnvs);
    this.autoreset = new Uint8Array(this.numEnvs);
  }

  /** The sub-envs. */
  readonly envs: readonly Env<Obs, Act>[];

  private write(i: number, obs: Obs): void {
    if (typeof obs === 'number') this.obs[i] = obs;
    else this.obs.set(obs as unknown as ArrayLike<number>, i * this.obsSize);
  }

  /**
   * Resets every sub-env (or, after a first full reset, only those of `resetMask`); returns the
   * batched observation and the per-env infos (`{}` for the sub-envs the mask leaves alone).
   */
  reset(opts: VectorResetOptions = {}): [AnyTypedArray, Info[]] {
    const mask = checkResetArgs(opts, this.numEnvs);
    if (mask !== null && !this.started)
      throw new Error('reset: the first reset must reset every sub-env (no resetMask)');
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      if (mask !== null && !mask[i]) {
        infos.push({});
        continue;
      }
      const s = seedOf(opts.seed, i);
      const [o, info] = (this.envs[i] as Env<Obs, Act>).reset(
        s === undefined ? { options: opts.options } : { seed: s, options: opts.options },
      );
      this.write(i, o);
      infos.push(info);
      this.autoreset[i] = 0;
      this.rewards[i] = 0;
      this.terminated[i] = 0;
      this.truncated[i] = 0;
    }
    this.started = true;
    return [this.obs, infos];
  }

  /** Steps every sub-env with its action (autoresetting as the mode says). */
  step(actions: ArrayLike<Act>): VectorStepResult {
    if (!this.started) throw new Error('Cannot call step() before reset()');
    if (actions.length !== this.numEnvs) {
      throw new RangeError(`step: expected ${this.numEnvs} actions. Received: ${actions.length}`);
    }
    if (this.autoresetMode === 'disabled') {
      for (let i = 0; i < this.numEnvs; i++) if (this.autoreset[i]) throw endedSubEnvError(i);
    }
    const infos = this.infos;
    infos.length = 0;
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i] as Env<Obs, Act>;
      if (this.autoresetMode === 'next-step' && this.autoreset[i]) {
        const [o, info] = env.reset();
        this.write(i, o);
        this.rewards[i] = 0;
        this.terminated[i] = 0;
        this.truncated[i] = 0;
        this.autoreset[i] = 0;
        infos.push(info);
        continue;
      }
      const [o, r, term, trunc, info] = env.step(actions[i] as Act);
      this.rewards[i] = r;
      this.terminated[i] = term ? 1 : 0;
      this.truncated[i] = trunc ? 1 : 0;
      if (term || trunc) {
        // next-step resets it on the next step; disabled leaves that to the caller.
        if (this.autoresetMode !== 'same-step') {
          this.write(i, o);
          this.autoreset[i] = 1;
          infos.push(info);
        } else {
          const finalObs = copyObs(o);
          const [o2, info2] = env.reset();
          this.write(i, o2);
          infos.push({ ...info2, finalObs, finalInfo: info });
        }
      } else {
        this.write(i, o);
        infos.push(info);
      }
    }
    return [this.obs, this.rewards, this.terminated, this.truncated, infos];
  }

  /** Closes every sub-env. */
  close(): void {
    for (const e of this.envs) e.close();
  }
}
