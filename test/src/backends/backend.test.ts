import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  BackendError,
  parseBackendChoice,
  registerBackendProvider,
  requestedBackend,
  resolveBackend,
  useBackend,
} from '../../../src/backends/index.js';

describe('backend switch', () => {
  it('cpu and wasm compute the same small matmul', async () => {
    const a = [1.5, -2, 3, 0.25, 4, -1, 2, 2, 0.5, -3, 1, 1];
    const b = [2, 1, -1, 0.5, 3, -2, 1, 1, 0.25, 4, -0.5, 2];
    const results: number[][] = [];
    for (const name of ['cpu', 'wasm'] as const) {
      const sel = await useBackend(name);
      expect(sel.name).toBe(name);
      expect(tf.getBackend()).toBe(name);
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => tf.matMul(tf.tensor2d(a, [3, 4]), tf.tensor2d(b, [4, 3])));
      results.push(Array.from(out.dataSync()));
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(results[1]).toEqual(results[0]);
    // Hand-computed first entry: 1.5*2 + -2*0.5 + 3*1 + 0.25*4 = 6.
    expect(results[0]?.[0]).toBeCloseTo(6);
  });

  it('rejects unknown names and lists the choices', () => {
    expect(() => parseBackendChoice('gpu')).toThrow(BackendError);
    expect(() => parseBackendChoice('gpu')).toThrow(/auto, cpu, wasm, native, tensorflow/);
    expect(() => requestedBackend(undefined, 'webgl')).toThrow(/TFGYM_BACKEND/);
  });

  it('flag beats environment beats auto', () => {
    expect(requestedBackend('cpu', 'wasm')).toBe('cpu');
    expect(requestedBackend(undefined, 'WASM')).toBe('wasm');
    expect(requestedBackend(undefined, undefined)).toBe('auto');
  });

  it('an unavailable backend is a clear error; tensorflow without tfjs-node is one', async () => {
    await expect(resolveBackend('tensorflow')).rejects.toThrow(/not available.*tfjs-node/);
  });

  it('auto falls through unavailable providers in order', async () => {
    registerBackendProvider({
      name: 'native',
      tfName: 'native',
      probe: () => Promise.resolve({ available: false, reason: 'test: addon absent' }),
    });
    await expect(resolveBackend('native')).rejects.toThrow(/test: addon absent/);
    const sel = await resolveBackend('auto');
    expect(['wasm', 'cpu']).toContain(sel.name);
    expect(sel.reason).toMatch(/tfjs-node not installed/);
  });
});
