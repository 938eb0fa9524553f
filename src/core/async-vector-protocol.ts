/**
 * The shared-memory protocol between `AsyncVectorEnv` (`async-vector-env.ts`) and its workers
 * (`async-vector-worker.ts`). Kept in one module so both sides agree on every slot and code.
 *
 * Control block: an `Int32Array` over a `SharedArrayBuffer` with {@link CTRL_STRIDE} slots per
 * worker. The main thread writes a command code, then bumps `REQ` and notifies; the worker, parked
 * in `Atomics.wait` on `REQ`, runs the command, writes `STATUS`, sets `DONE = REQ` and notifies.
 * Bulk data (actions, observations, rewards, flags) lives in further shared typed arrays; anything
 * else (reset seeds and options, non-empty infos, errors) travels as structured-clone messages on a
 * `MessagePort` that both sides read synchronously with `receiveMessageOnPort`, so neither side
 * needs its event loop while stepping.
 */
import type { MessagePort } from 'node:worker_threads';
import type { DType } from './env.js';
import type { AutoresetMode } from './vector-env.js';
import type { SpaceJSON } from './spaces.js';

/** Int32 slots per worker in the control block. */
export const CTRL_STRIDE = 4;
/** Slot: request sequence number, bumped by the main thread to issue a command. */
export const REQ = 0;
/** Slot: sequence number of the last command the worker finished. */
export const DONE = 1;
/** Slot: the command code. */
export const CMD = 2;
/** Slot: outcome of the last command (`STATUS_*`); `STATUS_DEAD` is sticky once the worker exits. */
export const STATUS = 3;

/** Command: map the shared data buffers (sent as a message). */
export const CMD_ATTACH = 1;
/** Command: reset the worker's envs (seeds and options sent as a message). */
export const CMD_RESET = 2;
/** Command: step the worker's envs with the actions in shared memory. */
export const CMD_STEP = 3;
/** Command: close the envs and end the worker. */
export const CMD_CLOSE = 4;

/** Done, every info empty: no message was posted. */
export const STATUS_OK = 0;
/** Done, one {@link InfosMessage} was posted. */
export const STATUS_OK_MESSAGE = 1;
/** Failed, one {@link ErrorMessage} was posted. */
export const STATUS_ERROR = 2;
/** The worker thread exited. */
export const STATUS_DEAD = 3;

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  ctrl: SharedArrayBuffer;
  worker: number;
  envId: string;
  envOptions: Record<string, unknown>;
  /** Global index of the worker's first env, and how many it runs. */
  start: number;
  count: number;
  autoresetMode: AutoresetMode;
  /** Modules imported before `make`, to register envs (file: URLs or bare specifiers). */
  modules: string[];
  port: MessagePort;
}

/** Worker -> main after construction: the spaces of its first env. */
export interface SpacesMessage {
  type: 'spaces';
  observationSpace: SpaceJSON;
  actionSpace: SpaceJSON;
  /** `toString()` of both, to check every env agrees. */
  signature: string;
}

/** Main -> worker with {@link CMD_ATTACH}. */
export interface AttachMessage {
  type: 'attach';
  obsDtype: DType;
  obsSize: number;
  obs: SharedArrayBuffer;
  /** Discrete actions are float64 (so an invalid action reaches the env as is); others their dtype. */
  actDtype: DType;
  actSize: number;
  actDiscrete: boolean;
  actions: SharedArrayBuffer;
  rewards: SharedArrayBuffer;
  terminated: SharedArrayBuffer;
  truncated: SharedArrayBuffer;
}

/** Main -> worker with {@link CMD_RESET}. */
export interface ResetMessage {
  type: 'reset';
  seeds: (number | undefined)[];
  options: Record<string, unknown> | undefined;
  /** The worker's slice of `resetMask` (null: reset all of its envs). */
  mask: boolean[] | null;
}

/** Worker -> main after a reset or step with non-empty infos. */
export interface InfosMessage {
  type: 'infos';
  infos: Record<string, unknown>[];
}

/** Worker -> main when a command (or construction) failed. */
export interface ErrorMessage {
  type: 'error';
  /** Global index of the env that threw, or null when no single env is to blame. */
  index: number | null;
  phase: string;
  name: string;
  message: string;
  stack: string | undefined;
}
