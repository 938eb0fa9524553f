// The addon-absent path: TFGYM_NATIVE_DISABLE hides the addon (vitest runs each file in its own
// process, so this does not affect the other native tests), and a broken build never fails
// the install script.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs';

process.env['TFGYM_NATIVE_DISABLE'] = '1';
const tf = await import('@tensorflow/tfjs');
const { probeBackend, resolveBackend, useBackend } = await import('../../src/backends/index.js');
const { Rng } = await import('../../src/rng/rng.js');

describe('fallback when the native addon is absent', () => {
  it('native is unavailable with a reason and auto picks the patched wasm', async () => {
    const r = await probeBackend('native');
    expect(r.available).toBe(false);
    if (!r.available) expect(r.reason).toMatch(/TFGYM_NATIVE_DISABLE/);
    const sel = await resolveBackend('auto');
    expect(sel.name).toBe('wasm');
    expect(sel.reason).toMatch(/native: disabled by TFGYM_NATIVE_DISABLE/);
    await expect(resolveBackend('native')).rejects.toThrow(/not available/);
  });

  it('a conv DQN-style net trains on auto (patched wasm) without leaks', async () => {
    const sel = await useBackend('auto');
    expect(tf.getBackend()).toBe(sel.name);
    const rng = new Rng(41);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [10, 10, 4],
          filters: 8,
          kernelSize: 3,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 6, kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }) }),
      ],
    });
    const opt = tf.train.adam(0.01);
    const xs = new Float32Array(16 * 400).map(() => rng.uniform(0, 1));
    const x = tf.tensor4d(xs, [16, 10, 10, 4]);
    const y = tf.zeros([16, 6]);
    const losses: number[] = [];
    const step = () => {
      const l = opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as Tensor), true);
      losses.push(l?.dataSync()[0] ?? NaN);
      l?.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] ?? 0) * 0.5);
    model.dispose();
    opt.dispose();
    tf.dispose([x, y]);
  });

  it('a failing addon build still exits 0 and records why in status.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfgym-native-'));
    try {
      const native = join(process.cwd(), 'native');
      cpSync(join(native, 'build.mjs'), join(dir, 'build.mjs'));
      cpSync(join(native, 'binding.gyp'), join(dir, 'binding.gyp'));
      cpSync(join(native, 'src'), join(dir, 'src'), { recursive: true });
      writeFileSync(join(dir, 'src', 'addon.cc'), 'this is not C++;\n');
      const r = spawnSync(process.execPath, [join(dir, 'build.mjs')], {
        encoding: 'utf8',
        env: { ...process.env, TFGYM_NATIVE_JOBS: '1' },
      });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/native addon not built/);
      const status = JSON.parse(readFileSync(join(dir, 'build', 'status.json'), 'utf8')) as {
        ok: boolean;
        reason: string;
      };
      expect(status.ok).toBe(false);
      expect(status.reason).toMatch(/build failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
