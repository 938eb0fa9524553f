/**
 * What the native backend's helper modules (dense.ts, mlp-q-step.ts) and its kernels read of the
 * backend: the addon and the cpu backend's storage. Structural, so those modules need not import
 * backend.ts (which imports them).
 */
import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';

/** The addon and the storage of the native backend (a `NativeBackend` is one). */
export interface NativeHost {
  readonly addon: NativeAddon;
  readonly data: { get(dataId: object): { values?: unknown } | undefined };
}

/** The Float32Array behind a tensor (undefined when it is not plain float32 data). */
export function f32(host: NativeHost, t: Pick<tf.TensorInfo, 'dtype' | 'dataId'>): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const v = host.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : undefined;
}
