// NoisyDense (Fortunato et al. 2018, factorised Gaussian noise): initialisation, the noise and
// its statistics, the forward pass against a hand computation, gradients, determinism,
// save/load, and tensor ownership.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NoisyDense,
  noisyDense,
  noisyLayers,
  noiseShape,
  resetModelNoise,
  setModelNoisy,
} from '../../models/noisy-dense.js';
import { loadModel, modelArtifacts, saveModel } from '../../src/io/model-io.js';
import { Rng } from '../../src/rng/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-noisy-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A two-layer model: NoisyDense relu 6 -> NoisyDense linear 3, input 4. */
function model(rng: Rng): tf.LayersModel {
  const input = tf.input({ shape: [4] });
  const h = noisyDense({ units: 6, activation: 'relu', rng, name: 'noisy1' }).apply(input) as tf.SymbolicTensor;
  const out = noisyDense({ units: 3, rng, name: 'noisy2' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** A standalone layer p -> q, built by one call (tfjs disposes only layers that have been applied). */
function layer(
  p: number,
  q: number,
  rng = new Rng(1),
  extra: Partial<ConstructorParameters<typeof NoisyDense>[0]> = {},
) {
  const l = new NoisyDense({ units: q, rng, ...extra });
  tf.tidy(() => {
    l.apply(tf.zeros([1, p]));
  });
  return l;
}

function values(l: NoisyDense): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const w of l.weights) out[w.originalName.split('/').pop() as string] = w.read().dataSync() as Float32Array;
  return out;
}

const x43 = () => tf.tensor2d([1, -2, 0.5, 3, 0, 1, -1, 2, 0.25, 0.5, 1.5, -0.75], [3, 4]);

describe('NoisyDense', () => {
  it('initialises mu uniform in +-1/sqrt(p) and every sigma to sigma0/sqrt(p)', () => {
    const l = layer(64, 32);
    const w = values(l);
    expect(Object.keys(w).sort()).toEqual(['bias_mu', 'bias_sigma', 'kernel_mu', 'kernel_sigma']);
    const bound = 1 / 8;
    const mu = w['kernel_mu'] as Float32Array;
    expect(mu.length).toBe(64 * 32);
    expect(mu.every((v) => Math.abs(v) <= bound)).toBe(true);
    // Uniform: mean ~0, variance bound^2 / 3, and the extremes close to the bounds.
    const mean = mu.reduce((a, b) => a + b, 0) / mu.length;
    const variance = mu.reduce((a, b) => a + (b - mean) ** 2, 0) / mu.length;
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(variance).toBeCloseTo(bound ** 2 / 3, 3);
    expect(Math.max(...mu)).toBeGreaterThan(0.99 * bound);
    expect((w['bias_mu'] as Float32Array).every((v) => Math.abs(v) <= bound)).toBe(true);
    for (const k of ['kernel_sigma', 'bias_sigma']) {
      expect((w[k] as Float32Array).every((v) => Math.abs(v - 0.5 / 8) < 1e-7)).toBe(true);
    }
    const custom = values(layer(16, 2, new Rng(1), { sigma0: 0.1, useBias: false }));
    expect(Object.keys(custom).sort()).toEqual(['kernel_mu', 'kernel_sigma']);
    expect(custom['kernel_sigma']?.[0]).toBeCloseTo(0.1 / 4, 7);
    l.dispose();
  });

  it('noise statistics: the underlying eps are standard normal, f(eps) = sign(eps) sqrt|eps|', () => {
    const l = layer(50, 30);
    const raw: number[] = [];
    const shaped: number[] = [];
    for (let r = 0; r < 300; r++) {
      l.resetNoise();
      const { epsIn, epsOut } = l.noise;
      for (const v of [...epsIn, ...epsOut]) {
        shaped.push(v);
        raw.push(Math.sign(v) * v * v);
      }
    }
    const n = raw.length; // 24 000
    const mean = raw.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(raw.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean)).toBeLessThan(0.03); // sd of the mean: 0.0065
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    // E[f(eps)] = 0, E[f(eps)^2] = E|eps| = sqrt(2 / pi).
    const m2 = shaped.reduce((a, b) => a + b * b, 0) / n;
    expect(Math.abs(shaped.reduce((a, b) => a + b, 0) / n)).toBeLessThan(0.02);
    expect(m2).toBeCloseTo(Math.sqrt(2 / Math.PI), 1);
    expect(noiseShape(4)).toBe(2);
    expect(noiseShape(-0.25)).toBe(-0.5);
    l.dispose();
  });

  it('computes y = x (W_mu + W_sigma * f(eps_in) f(eps_out)^T) + b_mu + b_sigma * f(eps_out), and mu only when not noisy', () => {
    const l = layer(4, 3, new Rng(2), { sigma0: 2 });
    l.resetNoise(new Rng(9));
    const w = values(l);
    const { epsIn, epsOut } = l.noise;
    const xs = x43();
    const x = xs.dataSync();
    const expected = (noisy: boolean): number[] => {
      const out: number[] = [];
      for (let b = 0; b < 3; b++)
        for (let j = 0; j < 3; j++) {
          let y = (w['bias_mu'] as Float32Array)[j] as number;
          if (noisy) y += ((w['bias_sigma'] as Float32Array)[j] as number) * (epsOut[j] as number);
          for (let i = 0; i < 4; i++) {
            let wij = (w['kernel_mu'] as Float32Array)[i * 3 + j] as number;
            if (noisy) wij += ((w['kernel_sigma'] as Float32Array)[i * 3 + j] as number) * epsIn[i]! * epsOut[j]!;
            y += (x[b * 4 + i] as number) * wij;
          }
          out.push(y);
        }
      return out;
    };
    const y = l.apply(xs) as tf.Tensor;
    Array.from(y.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(expected(true)[k] as number, 5));
    l.noisy = false;
    const y0 = l.apply(xs) as tf.Tensor;
    Array.from(y0.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(expected(false)[k] as number, 5));
    expect(expected(true)).not.toEqual(expected(false));
    // Rank 3 input: the same map on the last axis.
    l.noisy = true;
    const y3 = l.apply(tf.reshape(xs, [3, 1, 4])) as tf.Tensor;
    expect(y3.shape).toEqual([3, 1, 3]);
    Array.from(y3.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(expected(true)[k] as number, 5));
    tf.dispose([xs, y, y0, y3]);
    l.dispose();
  });

  it('gradients reach mu and sigma of the kernel and the bias (hand-derived for sum(y))', () => {
    const l = layer(4, 3, new Rng(3));
    l.resetNoise(new Rng(4));
    const { epsIn, epsOut } = l.noise;
    const xs = x43();
    const x = xs.dataSync();
    const before = tf.memory().numTensors;
    const vars = l.trainableWeights.map((v) => v.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.sum(l.apply(xs) as tf.Tensor) as tf.Scalar, vars);
    const byName = (suffix: string): Float32Array => gradOf(grads, l, suffix)!.dataSync() as Float32Array;
    const colSum = [0, 1, 2, 3].map((i) => x[i]! + x[4 + i]! + x[8 + i]!);
    const gKMu = byName('kernel_mu');
    const gKSigma = byName('kernel_sigma');
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++) {
        expect(gKMu[i * 3 + j]).toBeCloseTo(colSum[i]!, 5);
        expect(gKSigma[i * 3 + j]).toBeCloseTo(colSum[i]! * epsIn[i]! * epsOut[j]!, 5);
        expect(gKSigma[i * 3 + j]).not.toBe(0);
      }
    const gBMu = byName('bias_mu');
    const gBSigma = byName('bias_sigma');
    for (let j = 0; j < 3; j++) {
      expect(gBMu[j]).toBeCloseTo(3, 5);
      expect(gBSigma[j]).toBeCloseTo(3 * epsOut[j]!, 5);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    // Deterministic mode: the output does not depend on sigma, so it gets no gradient.
    l.noisy = false;
    const det = tf.variableGrads(() => tf.sum(l.apply(xs) as tf.Tensor) as tf.Scalar, vars);
    expect(gradOf(det.grads, l, 'kernel_sigma')).toBeUndefined();
    expect(gradOf(det.grads, l, 'bias_sigma')).toBeUndefined();
    expect(gradOf(det.grads, l, 'kernel_mu')?.dataSync()[0]).toBeCloseTo(colSum[0]!, 5);
    tf.dispose([det.value, ...Object.values(det.grads), xs]);
    l.dispose();
  });

  it('is deterministic under a seed: same weights, same noise, same outputs; other seeds differ', () => {
    const outputs = (initSeed: number, noiseSeed: number | null): number[] => {
      const m = model(new Rng(initSeed));
      if (noiseSeed !== null) resetModelNoise(m, new Rng(noiseSeed));
      const xs = x43();
      const y = m.predict(xs) as tf.Tensor;
      const v = Array.from(y.dataSync());
      tf.dispose([xs, y]);
      m.dispose();
      return v;
    };
    expect(outputs(5, 7)).toEqual(outputs(5, 7));
    expect(outputs(5, null)).toEqual(outputs(5, null)); // the layers' own streams
    expect(outputs(5, 8)).not.toEqual(outputs(5, 7));
    expect(outputs(6, 7)).not.toEqual(outputs(5, 7));
  });

  it('resetNoise changes the outputs; the helpers find and switch every noisy layer', () => {
    const m = model(new Rng(10));
    expect(noisyLayers(m).map((l) => l.name)).toEqual(['noisy1', 'noisy2']);
    const xs = x43();
    const run = (): number[] => {
      const y = m.predict(xs) as tf.Tensor;
      const v = Array.from(y.dataSync());
      y.dispose();
      return v;
    };
    const rng = new Rng(1);
    resetModelNoise(m, rng);
    const a = run();
    expect(run()).toEqual(a); // the noise holds until the next reset
    resetModelNoise(m, rng);
    expect(run()).not.toEqual(a);
    setModelNoisy(m, false);
    const det = run();
    resetModelNoise(m, rng);
    expect(run()).toEqual(det);
    xs.dispose();
    m.dispose();
  });

  it('save/load round trip (file handler and memory) keeps mu, sigma and the config', async () => {
    const m = model(new Rng(12));
    setModelNoisy(m, false);
    const path = join(dir, 'noisy');
    await saveModel(m, path);
    const fromFile = await loadModel(path);
    const fromMemory = await tf.loadLayersModel(tf.io.fromMemory(await modelArtifacts(m)));
    for (const loaded of [fromFile, fromMemory]) {
      expect(loaded.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'NoisyDense', 'NoisyDense']);
      const a = m.getWeights().map((w) => Array.from(w.dataSync()));
      const b = loaded.getWeights().map((w) => Array.from(w.dataSync()));
      expect(b).toEqual(a);
      expect(loaded.weights.map((w) => w.originalName)).toEqual(m.weights.map((w) => w.originalName));
      const l2 = noisyLayers(loaded)[1] as NoisyDense;
      expect([l2.units, l2.sigma0, l2.activation, l2.useBias, l2.noisy]).toEqual([3, 0.5, 'linear', true, false]);
      expect((noisyLayers(loaded)[0] as NoisyDense).activation).toBe('relu');
      // Same parameters and the same noise draws give the same outputs.
      setModelNoisy(loaded, true);
      setModelNoisy(m, true);
      resetModelNoise(m, new Rng(3));
      resetModelNoise(loaded, new Rng(3));
      const xs = x43();
      const [ya, yb] = [m.predict(xs) as tf.Tensor, loaded.predict(xs) as tf.Tensor];
      expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
      tf.dispose([xs, ya, yb]);
      loaded.dispose();
      setModelNoisy(m, false);
    }
    m.dispose();
  });

  it('no tensor growth over many resetNoise + forward passes; dispose frees the noise variables', () => {
    const start = tf.memory().numTensors;
    const m = model(new Rng(13));
    const rng = new Rng(2);
    const xs = x43();
    const warm = tf.tidy(() => m.predict(xs) as tf.Tensor);
    warm.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) {
      resetModelNoise(m, rng);
      tf.tidy(() => (m.predict(xs) as tf.Tensor).dataSync());
    }
    expect(tf.memory().numTensors).toBe(before);
    xs.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('rejects bad arguments with Keras-style messages, and resetNoise before build', () => {
    expect(() => new NoisyDense({ units: 0 })).toThrow(/`units`/);
    expect(() => new NoisyDense({ units: 2, sigma0: -1 })).toThrow(/`sigma0`/);
    expect(() => new NoisyDense({ units: 2, activation: 'gelu' as 'relu' })).toThrow(/`activation`/);
    expect(() => new NoisyDense({ units: 2 }).resetNoise(new Rng(0))).toThrow(/before the layer is built/);
  });
});

function gradOf(grads: tf.NamedTensorMap, l: NoisyDense, suffix: string): tf.Tensor | undefined {
  const v = l.trainableWeights.find((w) => w.originalName.endsWith(suffix)) as tf.LayerVariable;
  return grads[(v.read() as tf.Variable).name];
}
