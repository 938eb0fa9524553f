/**
 * Backend switch: picks the tfjs backend every computing command runs on.
 *
 * Choices: `cpu` (pure JS, always there), `wasm` (tfjs-backend-wasm, SIMD, shipped inside its
 * npm package), `native` (tfgym's own C++ kernels, `native/`), `tensorflow` (the user's own
 * `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`, never a dependency of tfgym), and
 * `auto`, which takes the first available in the order tensorflow, native, wasm, cpu.
 *
 * Providers ({@link BackendProvider}, `provider.ts`) each know how to load one backend; the
 * native one lives in `native/backend.ts` and is wired in here. {@link registerBackendProvider}
 * lets a user plug in another.
 */
import * as tf from '@tensorflow/tfjs';
import { oneLine } from '../io/errors.js';
import { installDilatedConvGrad } from './dilated-conv-grad.js';
import { installResizeNearestGrad } from './resize-nearest-grad.js';
import { nativeProvider } from './native/backend.js';
import { patchWasmBackend } from './wasm-patch.js';
import {
  BackendError,
  type BackendChoice,
  type BackendProvider,
  type ConcreteBackend,
  type ProbeResult,
  AUTO_ORDER,
  BACKEND_CHOICES,
} from './provider.js';

export {
  AUTO_ORDER,
  BACKEND_CHOICES,
  BackendError,
  type BackendChoice,
  type BackendProvider,
  type ConcreteBackend,
  type ProbeResult,
} from './provider.js';

/** Reads an unknown thrown value as a one-line message. */
function errorMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] ?? msg;
}

const cpuProvider: BackendProvider = {
  name: 'cpu',
  tfName: 'cpu',
  probe: () => Promise.resolve({ available: true, detail: 'pure JS' }),
};

const wasmProvider: BackendProvider = {
  name: 'wasm',
  tfName: 'wasm',
  async probe() {
    try {
      // Side-effect import registers the 'wasm' backend factory; its .wasm files are read
      // from the package's own dist/ folder in Node, so nothing is downloaded.
      await import('@tensorflow/tfjs-backend-wasm');
      if (!tf.findBackendFactory('wasm')) return { available: false, reason: 'wasm backend did not register' };
      // Adds the gradient kernels wasm lacks (conv filter gradient, ...) and avoids its slow
      // transposed matmul, so every tfgym network trains on it.
      const patch = patchWasmBackend();
      return {
        available: true,
        detail: `WebAssembly SIMD, single-threaded; patched: ${patch.implemented.length + patch.routedToCpu.length} kernels added`,
      };
    } catch (e) {
      return { available: false, reason: `wasm failed to load: ${errorMessage(e)}` };
    }
  },
};

/** Module names tried for `tensorflow`, GPU build first. Held in variables so bundlers and tsc do not resolve them. */
const TFJS_NODE_MODULES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

const tensorflowProvider: BackendProvider = {
  name: 'tensorflow',
  tfName: 'tensorflow',
  async probe() {
    const reasons: string[] = [];
    for (const mod of TFJS_NODE_MODULES) {
      try {
        // Any failure (missing module, missing libtensorflow, ABI mismatch, a throw of a
        // non-Error) falls through to the next choice.
        await import(mod);
        if (tf.findBackendFactory('tensorflow')) return { available: true, detail: mod };
        reasons.push(`${mod} loaded but registered no backend with this @tensorflow/tfjs (version mismatch?)`);
      } catch (e) {
        const m = errorMessage(e);
        reasons.push(/Cannot find (package|module)/.test(m) ? `${mod} not installed` : `${mod}: ${m}`);
      }
    }
    return { available: false, reason: reasons.join('; ') };
  },
};

const providers = new Map<ConcreteBackend, BackendProvider>([
  ['cpu', cpuProvider],
  ['wasm', wasmProvider],
  ['native', nativeProvider],
  ['tensorflow', tensorflowProvider],
]);

const probeCache = new Map<ConcreteBackend, Promise<ProbeResult>>();

/** Installs (or replaces) the provider for a backend name. */
export function registerBackendProvider(p: BackendProvider): void {
  providers.set(p.name, p);
  probeCache.delete(p.name);
}

/** Probes one backend (cached: each is loaded at most once per process). */
export function probeBackend(name: ConcreteBackend): Promise<ProbeResult> {
  let cached = probeCache.get(name);
  if (!cached) {
    const p = providers.get(name);
    cached = p ? p.probe() : Promise.resolve({ available: false, reason: 'no provider' } as ProbeResult);
    probeCache.set(name, cached);
  }
  return cached;
}

/** Availability of every concrete backend, in `auto` order. */
export async function probeAllBackends(): Promise<Array<{ name: ConcreteBackend } & ProbeResult>> {
  const out: Array<{ name: ConcreteBackend } & ProbeResult> = [];
  for (const name of AUTO_ORDER) out.push({ name, ...(await probeBackend(name)) });
  return out;
}

/** Validates a backend name from a flag or the environment. */
export function parseBackendChoice(value: string, source = '--backend'): BackendChoice {
  const v = value.trim().toLowerCase();
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new BackendError(`Unknown backend "${value}" (from ${source}). Choose one of: ${BACKEND_CHOICES.join(', ')}.`);
}

/**
 * The requested backend: the flag wins over the environment variable, which wins over `auto`.
 * @param flag value of `--backend`, if given
 * @param envValue value of `TFGYM_BACKEND`, if set
 */
export function requestedBackend(flag: string | undefined, envValue: string | undefined): BackendChoice {
  if (flag !== undefined) return parseBackendChoice(flag, '--backend');
  if (envValue !== undefined && envValue !== '') return parseBackendChoice(envValue, 'TFGYM_BACKEND');
  return 'auto';
}

/** What {@link resolveBackend} chose and why. */
export interface BackendSelection {
  readonly name: ConcreteBackend;
  /** Human-readable reason, e.g. "pure JS; tfjs-node not installed". */
  readonly reason: string;
}

/**
 * Works out which concrete backend a choice means, loading what it needs, without activating it.
 * Throws {@link BackendError} when an explicitly requested backend is unavailable.
 */
export async function resolveBackend(choice: BackendChoice): Promise<BackendSelection> {
  if (choice !== 'auto') {
    const r = await probeBackend(choice);
    if (!r.available) throw new BackendError(`Backend "${choice}" is not available: ${r.reason}.`);
    return { name: choice, reason: `${r.detail}; requested` };
  }
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    const r = await probeBackend(name);
    if (r.available) {
      const why = skipped.length ? `; ${skipped.join('; ')}` : '';
      return { name, reason: `${r.detail}${why}` };
    }
    skipped.push(name === 'tensorflow' ? 'tfjs-node not installed' : `${name}: ${r.reason}`);
  }
  // cpu is always available, so this is unreachable in practice.
  throw new BackendError('No tfjs backend is available.');
}

let prodModeSet = false;

/**
 * Resolves and activates a backend for this process: `tf.setBackend` + `tf.ready`.
 * Also switches tfjs to production mode, which hides its "running in Node" banner and debug
 * checks (tfgym prints its own one-line backend notice instead).
 */
export async function useBackend(choice: BackendChoice): Promise<BackendSelection> {
  if (!prodModeSet) {
    tf.enableProdMode();
    prodModeSet = true;
  }
  // tfjs refuses gradients of dilated convolutions on every backend (WaveNet's Conv1D stack).
  installDilatedConvGrad();
  // tfjs' cpu gradient of UpSampling2D (nearest resize) is wrong for batches of two or more.
  installResizeNearestGrad();
  const sel = await resolveBackend(choice);
  const tfName = providers.get(sel.name)?.tfName ?? sel.name;
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new BackendError(`Backend "${sel.name}" failed to initialise.`);
  await tf.ready();
  return sel;
}

/** The one line printed at start: `backend: cpu (pure JS; tfjs-node not installed)`. */
export function describeSelection(sel: BackendSelection): string {
  return oneLine(`backend: ${sel.name} (${sel.reason})`);
}
