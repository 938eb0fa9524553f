/**
 * `AsyncVectorEnv`: N envs stepped in `worker_threads` (Gymnasium's `AsyncVectorEnv`, with threads
 * instead of processes), with the API and both autoreset modes of {@link SyncVectorEnv}.
 *
 * Envs cannot be passed to a thread, so each worker builds its own with `make(id, envOptions)`
 * after importing `modules` (the built-in envs by default; add a module that calls `register` to
 * use your own env). Envs are split into `numWorkers` contiguous slices; each worker runs its slice
 * with a `SyncVectorEnv`, so autoreset, seeding (`reset({seed})` seeds env i with `seed + i`) and
 * the results are exactly those of a `SyncVectorEnv` over the same envs.
 *
 * `reset` and `step` are synchronous, as in `SyncVectorEnv`: the main thread writes the actions into
 * a `SharedArrayBuffer`, wakes the workers with `Atomics.notify` and blocks in `Atomics.wait` until
 * they are done; observations, rewards and flags come back through shared arrays, and only
 * non-empty infos (and errors) as structured-clone messages (see `async-vector-protocol.ts`). The
 * returned arrays are reused: valid until the next `reset`/`step`, as with `SyncVectorEnv`.
 *
 * Failures never hang: an env that throws makes `reset`/`step` throw an {@link AsyncVectorEnvError}
 * naming the env id and index; a worker that exits (or does not answer within `timeoutMs`) does the
 * same. After an error the vector env is closed. Workers are `unref`'d, so a forgotten `close()`
 * does not keep the process alive; `close()` ends them.
 *
 * The worker script is `async-vector-worker.js` beside this module after `npm run build`; from the
 * TypeScript sources (vitest) the worker registers `ts-worker-hooks.mjs`, which loads `.ts` files
 * with esbuild.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { DType, Info, Space } from './env.js';
import {
  Box,
  Discrete,
  MultiDiscrete,
  shapeSize,
  type AnyTypedArray,
  type JsonNumber,
  type SpaceJSON,
} from './spaces.js';
import {
  AUTORESET_MODES,
  batchSpace,
  checkResetArgs,
  endedSubEnvError,
  seedOf,
  type AutoresetMode,
  type VectorEnv,
  type VectorResetOptions,
  type VectorStepResult,
} from './vector-env.js';
import {
  CMD,
  CMD_ATTACH,
  CMD_CLOSE,
  CMD_RESET,
  CMD_STEP,
  CTRL_STRIDE,
  DONE,
  REQ,
  STATUS,
  STATUS_DEAD,
  STATUS_ERROR,
  STATUS_OK_MESSAGE,
  type AttachMessage,
  type ErrorMessage,
  type InfosMessage,
  type ResetMessage,
  type SpacesMessage,
  type WorkerInit,
} from './async-vector-protocol.js';
import { sharedBuffer, sharedTyped } from './async-vector-shared.js';

/** Options of {@link AsyncVectorEnv}. */
export interface AsyncVectorEnvOptions {
  /** Number of envs (N). */
  numEnvs: number;
  /** Options passed to `make(id, envOptions)` in the workers (structured-cloneable values). */
  envOptions?: Record<string, unknown>;
  /** Gymnasium's autoreset mode (default `'next-step'`, as `SyncVectorEnv`). */
  autoresetMode?: AutoresetMode;
  /** Worker threads (default `min(numEnvs, os.availableParallelism())`); envs are split among them. */
  numWorkers?: number;
  /**
   * Modules each worker imports before `make`, to register envs: `file:` URLs, absolute paths or
   * bare specifiers. Default: the built-in envs (`envs/index.js`). Given, it replaces the default.
   */
  modules?: readonly (string | URL)[];
  /** Longest wait for the workers in one call, in ms, before giving up with an error (default 60 000). */
  timeoutMs?: number;
}

/** Thrown when a worker's env fails, a worker exits, or a worker does not answer in time. */
export class AsyncVectorEnvError extends Error {
  override name = 'AsyncVectorEnvError';
  constructor(
    message: string,
    /** Global index of the env at fault, when known. */
    readonly envIndex: number | null = null,
    /** The worker's stack of the original error, when there is one. */
    readonly workerStack?: string,
  ) {
    super(message);
  }
}

/** The built-in envs' module, the default of {@link AsyncVectorEnvOptions.modules}. */
const BUILTIN_ENVS = new URL('../../envs/index.js', import.meta.url).href;

function moduleSpecifier(m: string | URL): string {
  if (m instanceof URL) return m.href;
  return isAbsolute(m) ? pathToFileURL(m).href : m;
}

/** The space `toJSON()` described (Box, Discrete or MultiDiscrete). */
export function spaceFromJSON(j: SpaceJSON): Space<unknown> {
  const num = (x: JsonNumber): number => (x === 'inf' ? Infinity : x === '-inf' ? -Infinity : x);
  const nums = (x: JsonNumber | JsonNumber[]): number | number[] => (Array.isArray(x) ? x.map(num) : num(x));
  switch (j.type) {
    case 'Discrete':
      return new Discrete(j.n, j.start);
    case 'MultiDiscrete':
      return new MultiDiscrete(j.nvec, j.start);
    case 'Box':
      return new Box(nums(j.low), nums(j.high), j.shape, j.dtype);
  }
}

/**
 * How to start a worker: the compiled `async-vector-worker.js` when it exists (after `npm run
 * build`), else the `.ts` source through a bootstrap that registers the TypeScript hooks first.
 */
function workerScript(): { url: URL; ts: { hooks: string; entry: string } | null } {
  const js = new URL('./async-vector-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, ts: null };
  const entry = new URL('./async-vector-worker.ts', import.meta.url);
  const hooks = new URL('./ts-worker-hooks.mjs', import.meta.url);
  if (!existsSync(fileURLToPath(entry)) || !existsSync(fileURLToPath(hooks))) {
    throw new Error(`AsyncVectorEnv: worker script not found beside ${import.meta.url}`);
  }
  const boot = [
    "import { register } from 'node:module';",
    "import { workerData } from 'node:worker_threads';",
    'register(workerData.tsHooks);',
    'await import(workerData.tsEntry);',
  ].join('\n');
  return {
    url: new URL(`data:text/javascript,${encodeURIComponent(boot)}`),
    ts: { hooks: hooks.href, entry: entry.href },
  };
}

interface Slot {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly start: number;
  readonly count: number;
  /** Set by the 'exit'/'error' events, when the event loop gets to run them between calls. */
  exited: string | null;
}

/** Runs N envs in worker threads, in lockstep (Gymnasium's `AsyncVectorEnv`); see the module doc. */
export class AsyncVectorEnv<Obs = unknown, Act = unknown> implements VectorEnv<Obs, Act> {
  readonly envId: string;
  readonly numEnvs: number;
  readonly numWorkers: number;
  readonly autoresetMode: AutoresetMode;
  /** Space of one sub-env's observation. */
  readonly singleObservationSpace: Space<Obs>;
  /** Space of one sub-env's action. */
  readonly singleActionSpace: Space<Act>;
  /** Space of the batched observation (`[N, ...shape]`). */
  readonly observationSpace: Space<unknown>;
  /** Space of the batched actions. */
  readonly actionSpace: Space<unknown>;
  private readonly timeoutMs: number;
  private readonly ctrl: Int32Array;
  private readonly slots: Slot[] = [];
  private readonly obs: AnyTypedArray;
  private readonly actions: AnyTypedArray;
  private readonly actSize: number;
  private readonly actDiscrete: boolean;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly infos: Info[] = [];
  /** `'disabled'` mode: sub-envs that ended and were not reset yet (stepping them is refused here, not in a worker). */
  private readonly ended: Uint8Array;
  private seq = 1;
  private started = false;
  private closed = false;

  constructor(id: string, opts: AsyncVectorEnvOptions) {
    const n = opts.numEnvs;
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`AsyncVectorEnv: numEnvs must be a positive integer. Received: ${String(n)}`);
    const w = opts.numWorkers ?? Math.min(n, availableParallelism());
    if (!Number.isInteger(w) || w < 1 || w > n) {
      throw new RangeError(`AsyncVectorEnv: numWorkers must be an integer in [1, ${n}]. Received: ${String(w)}`);
    }
    this.autoresetMode = opts.autoresetMode ?? 'next-step';
    if (!AUTORESET_MODES.includes(this.autoresetMode)) {
      throw new RangeError(
        `autoresetMode must be 'next-step', 'same-step' or 'disabled'. Received: ${String(opts.autoresetMode)}`,
      );
    }
    this.ended = new Uint8Array(n);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    if (!(this.timeoutMs > 0))
      throw new RangeError(`AsyncVectorEnv: timeoutMs must be positive. Received: ${String(opts.timeoutMs)}`);
    this.envId = id;
    this.numEnvs = n;
    this.numWorkers = w;
    this.ctrl = new Int32Array(new SharedArrayBuffer(w * CTRL_STRIDE * 4));
    const modules = (opts.modules ?? [BUILTIN_ENVS]).map(moduleSpecifier);
    const script = workerScript();

    // Start every worker first so that they import and make their envs in parallel.
    for (let k = 0, start = 0; k < w; k++) {
      const count = Math.floor(n / w) + (k < n % w ? 1 : 0);
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = {
        ctrl: this.ctrl.buffer as SharedArrayBuffer,
        worker: k,
        envId: id,
        envOptions: { ...(opts.envOptions ?? {}) },
        start,
        count,
        autoresetMode: this.autoresetMode,
        modules,
        port: port2,
      };
      const data = script.ts === null ? init : { ...init, tsHooks: script.ts.hooks, tsEntry: script.ts.entry };
      const worker = new Worker(script.url, { workerData: data, transferList: [port2] });
      // Neither the worker nor the port may keep the process alive (a forgotten close() must not hang it).
      worker.unref();
      port1.unref();
      const slot: Slot = { worker, port: port1, start, count, exited: null };
      worker.on('error', (e) => {
        slot.exited ??= `worker error: ${e.message}`;
      });
      worker.on('exit', (code) => {
        slot.exited ??= `worker exited with code ${code}`;
      });
      this.slots.push(slot);
      start += count;
    }

    let spaces: SpacesMessage | null = null;
    try {
      this.waitAll(1, 'make');
      for (const s of this.slots) {
        const m = this.take(s) as SpacesMessage;
        if (spaces === null) spaces = m;
        else if (m.signature !== spaces.signature) {
          throw new AsyncVectorEnvError(
            `AsyncVectorEnv: sub-env ${s.start} ('${id}') has spaces ${m.signature}, sub-env 0 has ${spaces.signature}`,
            s.start,
          );
        }
      }
    } catch (e) {
      this.shutdown();
      throw e;
    }
    const sp = spaces as SpacesMessage;
    this.singleObservationSpace = spaceFromJSON(sp.observationSpace) as Space<Obs>;
    this.singleActionSpace = spaceFromJSON(sp.actionSpace) as Space<Act>;
    this.observationSpace = batchSpace(this.singleObservationSpace, n);
    this.actionSpace = batchSpace(this.singleActionSpace, n);

    const os = this.singleObservationSpace;
    const obsDtype: DType = os.dtype;
    const obsSize = shapeSize(os.shape);
    const as = this.singleActionSpace;
    this.actDiscrete = as instanceof Discrete;
    const actDtype: DType = this.actDiscrete ? 'float64' : as.dtype;
    this.actSize = this.actDiscrete ? 1 : shapeSize(as.shape);
    const buf = {
      obs: sharedBuffer(obsDtype, obsSize * n),
      actions: sharedBuffer(actDtype, this.actSize * n),
      rewards: sharedBuffer('float64', n),
      terminated: sharedBuffer('uint8', n),
      truncated: sharedBuffer('uint8', n),
    };
    this.obs = sharedTyped(obsDtype, buf.obs).subarray(0, obsSize * n);
    this.actions = sharedTyped(actDtype, buf.actions);
    this.rewards = new Float64Array(buf.rewards);
    this.terminated = new Uint8Array(buf.terminated);
    this.truncated = new Uint8Array(buf.truncated);
    const attach: AttachMessage = {
      type: 'attach',
      obsDtype,
      obsSize,
      actDtype,
      actSize: this.actSize,
      actDiscrete: this.actDiscrete,
      ...buf,
    };
    for (const s of this.slots) s.port.postMessage(attach);
    this.command(CMD_ATTACH, 'attach');
  }

  /**
   * Resets every sub-env (or, after a first full reset, only those of `resetMask`); returns the
   * batched observation and the per-env infos (`{}` for the sub-envs the mask leaves alone).
   */
  reset(opts: VectorResetOptions = {}): [AnyTypedArray, Info[]] {
    this.checkOpen();
    const mask = checkResetArgs(opts, this.numEnvs);
    if (mask !== null && !this.started)
      throw new Error('reset: the first reset must reset every sub-env (no resetMask)');
    for (const s of this.slots) {
      const seeds: (number | undefined)[] = [];
      for (let i = s.start; i < s.start + s.count; i++) seeds.push(seedOf(opts.seed, i));
      const slice = mask === null ? null : Array.from(mask.subarray(s.start, s.start + s.count), (m) => m === 1);
      const msg: ResetMessage = { type: 'reset', seeds, options: opts.options, mask: slice };
      s.port.postMessage(msg);
    }
    const infos = this.command(CMD_RESET, 'reset');
    for (let i = 0; i < this.numEnvs; i++) if (mask === null || mask[i]) this.ended[i] = 0;
    this.started = true;
    return [this.obs, infos.slice()];
  }

  /** Steps every sub-env with its action (autoresetting as the mode says). */
  step(actions: ArrayLike<Act>): VectorStepResult {
    this.checkOpen();
    if (!this.started) throw new Error('Cannot call step() before reset()');
    if (actions.length !== this.numEnvs) {
      throw new RangeError(`step: expected ${this.numEnvs} actions. Received: ${actions.length}`);
    }
    const disabled = this.autoresetMode === 'disabled';
    if (disabled) for (let i = 0; i < this.numEnvs; i++) if (this.ended[i]) throw endedSubEnvError(i);
    const buf = this.actions;
    if (this.actDiscrete) {
      for (let i = 0; i < this.numEnvs; i++) buf[i] = actions[i] as number;
    } else {
      for (let i = 0; i < this.numEnvs; i++) {
        const a = actions[i] as ArrayLike<number>;
        if (a === null || typeof a !== 'object' || a.length !== this.actSize) {
          throw new RangeError(`step: action ${i} must have ${this.actSize} elements. Received: ${String(a)}`);
        }
        buf.set(a, i * this.actSize);
      }
    }
    this.command(CMD_STEP, 'step');
    if (disabled)
      for (let i = 0; i < this.numEnvs; i++)
        this.ended[i] = (this.terminated[i] as number) | (this.truncated[i] as number);
    return [this.obs, this.rewards, this.terminated, this.truncated, this.infos];
  }

  /** Ends the workers (closing their envs); idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Ask politely (the workers close their envs), wait briefly, then terminate regardless.
    const seq = ++this.seq;
    for (let k = 0; k < this.slots.length; k++) {
      if (Atomics.load(this.ctrl, k * CTRL_STRIDE + STATUS) === STATUS_DEAD) continue;
      this.issue(k, CMD_CLOSE, seq);
    }
    const deadline = Date.now() + 2000;
    for (let k = 0; k < this.slots.length; k++) {
      const i = k * CTRL_STRIDE + DONE;
      for (
        let cur = Atomics.load(this.ctrl, i);
        cur !== seq && Date.now() < deadline;
        cur = Atomics.load(this.ctrl, i)
      ) {
        if (Atomics.load(this.ctrl, k * CTRL_STRIDE + STATUS) === STATUS_DEAD) break;
        Atomics.wait(this.ctrl, i, cur, 50);
      }
    }
    this.shutdown();
  }

  private shutdown(): void {
    this.closed = true;
    for (const s of this.slots) {
      s.port.close();
      void s.worker.terminate();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new AsyncVectorEnvError(`AsyncVectorEnv('${this.envId}') is closed`);
    for (const s of this.slots) {
      if (s.exited !== null) this.fail(new AsyncVectorEnvError(this.describeDeath(s, s.exited), s.start));
    }
  }

  private issue(k: number, cmd: number, seq: number): void {
    const base = k * CTRL_STRIDE;
    Atomics.store(this.ctrl, base + CMD, cmd);
    Atomics.store(this.ctrl, base + REQ, seq);
    Atomics.notify(this.ctrl, base + REQ);
  }

  /** Issues `cmd` to every worker, waits for all, and gathers the infos (throws on any failure). */
  private command(cmd: number, phase: string): Info[] {
    const seq = ++this.seq;
    for (let k = 0; k < this.slots.length; k++) this.issue(k, cmd, seq);
    this.waitAll(seq, phase);
    const infos = this.infos;
    infos.length = this.numEnvs;
    for (let k = 0; k < this.slots.length; k++) {
      const s = this.slots[k] as Slot;
      if (Atomics.load(this.ctrl, k * CTRL_STRIDE + STATUS) === STATUS_OK_MESSAGE) {
        const m = this.take(s) as InfosMessage | undefined;
        if (m !== undefined && m.type === 'infos') {
          for (let j = 0; j < s.count; j++) infos[s.start + j] = m.infos[j] as Info;
          continue;
        }
      }
      for (let j = 0; j < s.count; j++) infos[s.start + j] = {};
    }
    return infos;
  }

  /** Blocks until every worker has finished command `seq`; throws (and closes) on an error, an exit or the timeout. */
  private waitAll(seq: number, phase: string): void {
    const deadline = Date.now() + this.timeoutMs;
    let failure: AsyncVectorEnvError | null = null;
    for (let k = 0; k < this.slots.length; k++) {
      const s = this.slots[k] as Slot;
      const base = k * CTRL_STRIDE;
      // Timed slices, growing from 1 ms to 100 ms: a notify Atomics.wait misses (it happens in
      // Node 20) costs at most one slice, and a worker that died without notifying is noticed.
      let slice = 1;
      for (let cur = Atomics.load(this.ctrl, base + DONE); cur !== seq; cur = Atomics.load(this.ctrl, base + DONE)) {
        // A worker that exited while idle never answers: its sticky status says so.
        if (Atomics.load(this.ctrl, base + STATUS) === STATUS_DEAD) break;
        const left = deadline - Date.now();
        if (left <= 0) {
          failure ??= new AsyncVectorEnvError(
            `AsyncVectorEnv('${this.envId}'): worker ${k} (sub-envs ${s.start}..${s.start + s.count - 1}) did not answer ${phase} within ${this.timeoutMs} ms`,
            s.start,
          );
          break;
        }
        if (Atomics.wait(this.ctrl, base + DONE, cur, Math.min(left, slice)) === 'timed-out') {
          slice = Math.min(slice * 2, 100);
        }
      }
      const status = Atomics.load(this.ctrl, base + STATUS);
      // A worker that failed posts its error and then exits; its exit hook may mark it dead before
      // this reads the status, so a dead worker's port is asked for that error first.
      const posted = status === STATUS_DEAD ? (this.take(s) as ErrorMessage | undefined) : undefined;
      if (failure === null && (status === STATUS_ERROR || posted?.type === 'error')) {
        const m = posted ?? (this.take(s) as ErrorMessage | undefined);
        const idx = m?.index ?? null;
        const who = idx === null ? `worker ${k} (sub-envs ${s.start}..${s.start + s.count - 1})` : `sub-env ${idx}`;
        failure = new AsyncVectorEnvError(
          `AsyncVectorEnv: ${who} ('${this.envId}') failed in ${m?.phase ?? phase}: ${m?.name ?? 'Error'}: ${m?.message ?? 'unknown error'}`,
          idx ?? s.start,
          m?.stack,
        );
      } else if (failure === null && status === STATUS_DEAD) {
        failure = new AsyncVectorEnvError(this.describeDeath(s, `the worker thread exited during ${phase}`), s.start);
      }
    }
    if (failure !== null) this.fail(failure);
  }

  private describeDeath(s: Slot, what: string): string {
    return `AsyncVectorEnv: the worker of sub-envs ${s.start}..${s.start + s.count - 1} ('${this.envId}') died: ${what}`;
  }

  private fail(e: AsyncVectorEnvError): never {
    this.shutdown();
    throw e;
  }

  /** The next message from a worker (posted before it signalled, so it is already queued). */
  private take(s: Slot): unknown {
    return receiveMessageOnPort(s.port)?.message;
  }
}
