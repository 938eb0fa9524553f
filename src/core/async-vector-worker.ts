/**
 * Entry of an `AsyncVectorEnv` worker thread. It imports nothing heavy before it has hooked the
 * thread's exit: however the thread ends (an env calling `process.exit`, a module that fails to
 * load, an uncaught error), the hook marks the worker dead in the shared control block and wakes the
 * main thread, which waits in `Atomics.wait` where it cannot see the Worker's 'exit' event. Only
 * then does it load the worker's body (`async-vector-worker-main.ts`) and run it.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import {
  CTRL_STRIDE,
  DONE,
  REQ,
  STATUS,
  STATUS_DEAD,
  STATUS_ERROR,
  type ErrorMessage,
  type WorkerInit,
} from './async-vector-protocol.js';

if (!isMainThread) {
  const init = workerData as WorkerInit;
  const ctrl = new Int32Array(init.ctrl);
  const base = init.worker * CTRL_STRIDE;
  process.on('exit', () => {
    Atomics.store(ctrl, base + STATUS, STATUS_DEAD);
    Atomics.store(ctrl, base + DONE, Atomics.load(ctrl, base + REQ));
    Atomics.notify(ctrl, base + DONE);
  });
  let body: typeof import('./async-vector-worker-main.js') | null = null;
  try {
    body = await import('./async-vector-worker-main.js');
  } catch (e) {
    // The construction handshake is number 1: answer it with the error.
    const msg: ErrorMessage = {
      type: 'error',
      index: null,
      phase: 'worker start',
      name: e instanceof Error ? e.name : 'Error',
      message: e instanceof Error ? e.message : String(e),
      stack: e instanceof Error ? e.stack : undefined,
    };
    init.port.postMessage(msg);
    Atomics.store(ctrl, base + STATUS, STATUS_ERROR);
    Atomics.store(ctrl, base + DONE, 1);
    Atomics.notify(ctrl, base + DONE);
  }
  if (body !== null) await body.runWorker(init);
}
