/** Shared helpers of the native-backend tests: seeded data and cross-backend comparison. */
import * as tf from '@tensorflow/tfjs';
import { probeBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';

/** Seeded uniform values in [-1, 1). */
export function randomData(n: number, rng: Rng): Float32Array {
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform(-1, 1);
  return d;
}

/** max|a-b| / max|b| (0 when both are all zeros); Infinity on NaN or length mismatch. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Number.isNaN(x) || Number.isNaN(y)) return Infinity;
    d = Math.max(d, Math.abs(x - y));
    m = Math.max(m, Math.abs(y));
  }
  return m === 0 ? d : d / m;
}

/** Runs fn on a backend (inside tidy) and returns every output's values and shape. */
export function runOn(
  backend: string,
  fn: () => tf.Tensor | tf.Tensor[],
): Array<{ shape: number[]; values: Float32Array }> {
  if (!tf.setBackend(backend)) throw new Error(`cannot set backend ${backend}`);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const res = outs.map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) }));
  tf.dispose(outs);
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`${leaked} tensors leaked on ${backend}`);
  return res;
}

/**
 * Whether the native addon is there; logs why not (tests then skip native cases). Under CI
 * (`CI=true`, where .ci/run builds the addon) a missing addon is an error, never a skip.
 */
export async function nativeAvailable(): Promise<boolean> {
  const r = await probeBackend('native');
  if (!r.available && process.env['CI'] === 'true') throw new Error(`native backend unavailable under CI: ${r.reason}`);
  if (!r.available) process.stderr.write(`native backend unavailable, skipping native cases: ${r.reason}\n`);
  return r.available;
}
