/**
 * The body of an `AsyncVectorEnv` worker thread (see `async-vector-protocol.ts` for the protocol;
 * `async-vector-worker.ts` is the thread's entry). It
 * imports the env-registering modules, makes its slice of the envs with `make(id, options)`, runs
 * them with a {@link SyncVectorEnv} (so autoreset behaves exactly as in `SyncVectorEnv`), and
 * copies each step's results into the shared arrays. It parks in `Atomics.wait` between commands:
 * its event loop never runs, so nothing but the main thread's commands can wake it.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import type { Env, Info, ResetOptions, StepResult } from './env.js';
import { make } from './registry.js';
import { spaceToJSON, type AnyTypedArray, type SpaceJSON } from './spaces.js';
import { SyncVectorEnv } from './vector-env.js';
import { Wrapper } from './wrappers/wrapper.js';
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
  STATUS_ERROR,
  STATUS_OK,
  STATUS_OK_MESSAGE,
  type AttachMessage,
  type ErrorMessage,
  type InfosMessage,
  type ResetMessage,
  type SpacesMessage,
  type WorkerInit,
} from './async-vector-protocol.js';
import { sharedTyped } from './async-vector-shared.js';

/** An error thrown by sub-env `index` (the wrapper below tags it so the main thread can name the env). */
class SubEnvError extends Error {
  constructor(
    readonly index: number,
    readonly original: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** Tags whatever sub-env `index` throws with its index. */
class Tagged<Obs, Act> extends Wrapper<Obs, Act> {
  constructor(
    env: Env<Obs, Act>,
    readonly index: number,
  ) {
    super(env);
  }

  override reset(opts?: ResetOptions): [Obs, Info] {
    try {
      return this.env.reset(opts);
    } catch (e) {
      throw new SubEnvError(this.index, e);
    }
  }

  override step(action: Act): StepResult<Obs> {
    try {
      return this.env.step(action);
    } catch (e) {
      throw new SubEnvError(this.index, e);
    }
  }
}

function errorMessage(e: unknown, phase: string, index: number | null): ErrorMessage {
  const cause = e instanceof SubEnvError ? e.original : e;
  return {
    type: 'error',
    index: e instanceof SubEnvError ? e.index : index,
    phase,
    name: cause instanceof Error ? cause.name : 'Error',
    message: cause instanceof Error ? cause.message : String(cause),
    stack: cause instanceof Error ? cause.stack : undefined,
  };
}

function isEmpty(info: Info): boolean {
  for (const _ in info) return false;
  return true;
}

/** Runs one worker: construction handshake, then commands until `CMD_CLOSE`. */
export async function runWorker(init: WorkerInit): Promise<void> {
  const ctrl = new Int32Array(init.ctrl);
  const base = init.worker * CTRL_STRIDE;
  const port = init.port;
  let seq = 0;
  const finish = (status: number): void => {
    Atomics.store(ctrl, base + STATUS, status);
    Atomics.store(ctrl, base + DONE, seq);
    Atomics.notify(ctrl, base + DONE);
  };
  // Construction: handshake number 1.
  seq = 1;
  let venv: SyncVectorEnv<unknown, unknown>;
  let made = init.start;
  try {
    for (const m of init.modules) await import(m);
    const envs: Env<unknown, unknown>[] = [];
    for (let i = 0; i < init.count; i++, made++) envs.push(new Tagged(make(init.envId, init.envOptions), made));
    venv = new SyncVectorEnv(envs, { autoresetMode: init.autoresetMode });
    const os = venv.singleObservationSpace;
    const as = venv.singleActionSpace;
    const msg: SpacesMessage = {
      type: 'spaces',
      observationSpace: spaceToJSON(os) as SpaceJSON,
      actionSpace: spaceToJSON(as) as SpaceJSON,
      signature: `${os.toString()} / ${as.toString()}`,
    };
    port.postMessage(msg);
    finish(STATUS_OK_MESSAGE);
  } catch (e) {
    port.postMessage(errorMessage(e, 'make', made < init.start + init.count ? made : null));
    finish(STATUS_ERROR);
    return;
  }

  let shared: {
    a: AttachMessage;
    obs: AnyTypedArray;
    actions: AnyTypedArray;
    rewards: Float64Array;
    terminated: Uint8Array;
    truncated: Uint8Array;
  } | null = null;
  const actionsView: unknown[] = new Array<unknown>(init.count);
  for (;;) {
    // Park until the main thread bumps REQ past the last command seen. The waits are timed:
    // Node 20's Atomics.wait occasionally misses a notify (about one in 20 000 round trips in a
    // stress test), which an unbounded wait would turn into a hang. Slices start at 1 ms, so a
    // missed wake-up during stepping costs little, and grow to 50 ms, so an idle worker is cheap.
    for (let slice = 1; ;) {
      const req = Atomics.load(ctrl, base + REQ);
      if (req > seq) break;
      if (Atomics.wait(ctrl, base + REQ, req, slice) === 'timed-out') slice = Math.min(slice * 2, 50);
    }
    seq = Atomics.load(ctrl, base + REQ);
    const cmd = Atomics.load(ctrl, base + CMD);
    if (cmd === CMD_CLOSE) {
      try {
        venv.close();
      } catch {
        // Closing is best effort: the thread ends right after anyway.
      }
      finish(STATUS_OK);
      port.close();
      return;
    }
    try {
      if (cmd === CMD_ATTACH) {
        const a = (receiveMessageOnPort(port)?.message as AttachMessage | undefined) ?? null;
        if (a === null || a.type !== 'attach') throw new Error('attach command without its buffers');
        shared = {
          a,
          obs: sharedTyped(a.obsDtype, a.obs),
          actions: sharedTyped(a.actDtype, a.actions),
          rewards: new Float64Array(a.rewards),
          terminated: new Uint8Array(a.terminated),
          truncated: new Uint8Array(a.truncated),
        };
        finish(STATUS_OK);
        continue;
      }
      if (shared === null) throw new Error('command before the shared buffers were attached');
      const { a, obs, actions, rewards, terminated, truncated } = shared;
      let infos: Info[];
      let localObs: AnyTypedArray;
      if (cmd === CMD_RESET) {
        const r = receiveMessageOnPort(port)?.message as ResetMessage | undefined;
        if (r === undefined || r.type !== 'reset') throw new Error('reset command without its seeds');
        // A slice the mask leaves entirely alone has nothing to do (its rows stay as they are).
        if (r.mask !== null && !r.mask.includes(true)) {
          finish(STATUS_OK);
          continue;
        }
        const resetMask = r.mask ?? undefined;
        [localObs, infos] = venv.reset({ seed: r.seeds, options: r.options, resetMask }) as [AnyTypedArray, Info[]];
        for (let i = 0; i < init.count; i++) {
          if (r.mask !== null && !r.mask[i]) continue;
          rewards[init.start + i] = 0;
          terminated[init.start + i] = 0;
          truncated[init.start + i] = 0;
        }
      } else if (cmd === CMD_STEP) {
        for (let i = 0; i < init.count; i++) {
          const g = init.start + i;
          // Discrete actions are numbers; array actions get a copy (envs may keep them).
          actionsView[i] = a.actDiscrete ? actions[g] : actions.slice(g * a.actSize, (g + 1) * a.actSize);
        }
        const out = venv.step(actionsView);
        localObs = out[0];
        rewards.set(out[1], init.start);
        terminated.set(out[2], init.start);
        truncated.set(out[3], init.start);
        infos = out[4];
      } else {
        throw new Error(`unknown command ${cmd}`);
      }
      obs.set(localObs, init.start * a.obsSize);
      if (infos.every(isEmpty)) finish(STATUS_OK);
      else {
        const msg: InfosMessage = { type: 'infos', infos };
        port.postMessage(msg);
        finish(STATUS_OK_MESSAGE);
      }
    } catch (e) {
      port.postMessage(errorMessage(e, cmd === CMD_RESET ? 'reset' : cmd === CMD_STEP ? 'step' : 'attach', null));
      finish(STATUS_ERROR);
    }
  }
}
