/**
 * `SyncVectorEnv`: N envs stepped one after another in this thread, with batched observations
 * in one typed array and Gymnasium's autoreset modes.
 *
 * - `'next-step'` (default, Gymnasium 1.x): when sub-env i ends on step t, step t+1 resets it
 *   instead of stepping it (its action is ignored) and returns the reset observation, reward 0,
 *   `terminated = truncated = 0` and the reset info.
 * - `'same-step'`: an ending sub-env is reset within the same step; the returned observation is
 *   the reset observation, and the final observation (a copy) and final step info are kept in
 *   `infos[i].finalObs` / `infos[i].finalInfo` (`infos[i]` is otherwise the reset info).
 *
 * Buffers: the batched observation, rewards, flags and the `infos` array of `step` are reused,
 * valid until the next `reset`/`step`; copy them to keep them. Only `same-step` episode ends allocate (the final obs
 * copy).
 */
import type { DType, Env, Info, Space } from './env.js';
import { allocTyped, Box, Discrete, MultiDiscrete, shapeSize, type AnyTypedArray } from './spaces.js';

/** Gymnasium's autoreset modes. */
export type AutoresetMode = 'next-step' | 'same-step';

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
}

/** The space of N stacked elements of `space` (Gymnasium's `batch_space`). */
export function batchSpace(space: Space<unknown>, n: number): Space<unknown> {
  if (space instanceof Discrete) {
    return new MultiDiscrete(new Array<number>(n).fill(space.n), new Array<number>(n).fill(space.start));
  }
  if (space instanceof Box) {
    const tile = (v: Float64Array): number[] => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(...v);
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
export class SyncVectorEnv<Obs, Act> {
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
  private readonly autoreset: Uint8Array;
  private readonly infos: Info[] = [];
  private started = false;

  /** @param envs the sub-envs (or factories making them); all must have equal spaces */
  constructor(envs: readonly (Env<Obs, Act> | (() => Env<Obs, Act>))[], opts: SyncVectorEnvOptions = {}) {
    if (envs.length === 0) throw new RangeError('SyncVectorEnv needs at least one env');
    this.envs = envs.map((e) => (typeof e === 'function' ? e() : e));
    this.numEnvs = this.envs.length;
    this.autoresetMode = opts.autoresetMode ?? 'next-step';
    if (this.autoresetMode !== 'next-step' && this.autoresetMode !== 'same-step') {
      throw new RangeError(`autoresetMode must be 'next-step' or 'same-step'. Received: ${String(opts.autoresetMode)}`);
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

  /** Resets every sub-env; returns the batched observation and the per-env infos. */
  reset(opts: VectorResetOptions = {}): [AnyTypedArray, Info[]] {
    const { seed } = opts;
    if (Array.isArray(seed) && seed.length !== this.numEnvs) {
      throw new RangeError(`reset: seed array must have ${this.numEnvs} entries. Received: ${seed.length}`);
    }
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const s =
        seed === undefined
          ? undefined
          : typeof seed === 'number'
            ? seed + i
            : (seed as readonly (number | undefined)[])[i];
      const [o, info] = (this.envs[i] as Env<Obs, Act>).reset(
        s === undefined ? { options: opts.options } : { seed: s, options: opts.options },
      );
      this.write(i, o);
      infos.push(info);
    }
    this.autoreset.fill(0);
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.started = true;
    return [this.obs, infos];
  }

  /** Steps every sub-env with its action (autoresetting as the mode says). */
  step(actions: ArrayLike<Act>): VectorStepResult {
    if (!this.started) throw new Error('Cannot call step() before reset()');
    if (actions.length !== this.numEnvs) {
      throw new RangeError(`step: expected ${this.numEnvs} actions. Received: ${actions.length}`);
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
        if (this.autoresetMode === 'next-step') {
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
