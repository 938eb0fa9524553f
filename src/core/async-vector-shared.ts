/** Typed arrays over `SharedArrayBuffer`s, shared by `AsyncVectorEnv` and its workers. */
import type { DType } from './env.js';
import type { AnyTypedArray } from './spaces.js';

const BYTES: Record<DType, number> = { uint8: 1, int32: 4, float32: 4, float64: 8 };

/** A new zero-filled shared buffer for `length` elements of `dtype`. */
export function sharedBuffer(dtype: DType, length: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(1, length) * BYTES[dtype]);
}

/** The typed array of `dtype` over all of `buf`. */
export function sharedTyped(dtype: DType, buf: SharedArrayBuffer): AnyTypedArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'float32':
      return new Float32Array(buf);
    default:
      return new Float64Array(buf);
  }
}
