import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/backends/native/backend.js';
import { poolBytesFromEnv } from '../../src/backends/native/addon.js';

describe('native buffer pool', () => {
  it('TFGYM_NATIVE_POOL_MB: unset is 1 GiB, whole MiB are taken, anything else is refused', () => {
    expect(poolBytesFromEnv(undefined)).toBe(1024 * 1024 * 1024);
    expect(poolBytesFromEnv('')).toBe(1024 * 1024 * 1024);
    expect(poolBytesFromEnv('0')).toBe(0);
    expect(poolBytesFromEnv('64')).toBe(64 * 1024 * 1024);
    for (const bad of ['abc', '-1', '1.5', 'NaN']) expect(poolBytesFromEnv(bad)).toBeNull();
  });

  it('keeps released arrays up to its bound and hands them out again; beyond it they are dropped', () => {
    const n = BufferPool.MIN_LENGTH;
    const pool = new BufferPool(2 * n * 4);
    const arrays = [pool.take(n), pool.take(n), pool.take(n)];
    for (const a of arrays) pool.release(a);
    expect(pool.bytesFree).toBe(2 * n * 4);
    const again = [pool.take(n), pool.take(n)];
    expect(again.every((a) => arrays.includes(a))).toBe(true);
    expect(arrays.includes(pool.take(n))).toBe(false);
    // Small arrays and foreign ones are never kept.
    pool.release(new Float32Array(n));
    pool.release(pool.take(16));
    expect(pool.bytesFree).toBe(0);
  });
});
