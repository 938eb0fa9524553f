import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { KerasAdadelta } from '../../models/keras-optimizers.js';
import { useBackend } from '../../src/backends/index.js';
import { shapeSize } from '../../src/core/spaces.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData } from './helpers.js';

const have = await nativeAvailable();

/** The optimizers tfgym fuses on `native`, with settings that exercise every coefficient. */
const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.05),
  adam: () => tf.train.adam(0.01, 0.85, 0.995, 1e-6),
  rmsprop: () => tf.train.rmsprop(0.003, 0.9, 0.5, 1e-5),
  // tfgym's DQN passes a negative epsilon to tfjs's centered RMSProp (agents/dqn.ts).
  'rmsprop centered': () => tf.train.rmsprop(2.5e-4, 0.95, 0, -0.01, true),
  momentum: () => tf.train.momentum(0.02, 0.8),
  // keras-dcgan's and WaveNet's SGD(momentum=0.9, nesterov=True).
  nesterov: () => tf.train.momentum(5e-4, 0.9, true),
  adadelta: () => tf.train.adadelta(0.5, 0.9, 1e-6),
  // Keras 2.0's rule (models/keras-optimizers.ts): tfjs ops on cpu, the fused step on native.
  'keras adadelta': () => new KerasAdadelta(1.0, 0.95, 1e-8),
};

const SHAPES = [[7, 5], [5], [3, 3, 2, 4], [1]];

interface Trace {
  initial: Float32Array[];
  weights: Float32Array[];
  slots: Array<{ name: string; values: Float32Array }>;
  iterations: number;
}

describe.skipIf(!have)('fused optimizer updates on native', () => {
  async function trace(backend: string, tag: string, make: () => tf.Optimizer, steps: number): Promise<Trace> {
    await useBackend(backend as 'cpu');
    const rng = new Rng(5);
    const vars = SHAPES.map((s, i) =>
      tf.variable(tf.tensor(randomData(shapeSize(s), rng), s), true, `opt-${backend}-${tag.replace(' ', '_')}-${i}`),
    );
    const initial = vars.map((v) => Float32Array.from(v.dataSync()));
    const grads = Array.from({ length: steps }, () => SHAPES.map((s) => randomData(shapeSize(s), rng)));
    const opt = make();
    let base = -1;
    for (let t = 0; t < steps; t++) {
      // The last variable gets no gradient in odd steps: its slots must still exist, untouched.
      const list = vars
        .filter((_, i) => !(i === 3 && t % 2 === 1))
        .map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[t]?.[i] ?? new Float32Array(), v.shape) }));
      if (t === 2) {
        // The fused path runs no tfjs kernel over the weights (tfjs's own code runs ~5-14 per weight).
        const p = await tf.profile(() => opt.applyGradients(list));
        const overWeights = p.kernels.filter((k) => k.outputShapes.some((sh) => sh.join() === '7,5')).length;
        if (backend === 'native') expect(overWeights, 'kernels over the 7x5 weight on native').toBe(0);
        else expect(overWeights).toBeGreaterThan(0);
      } else {
        opt.applyGradients(list);
      }
      tf.dispose(list.map((l) => l.tensor));
      if (t === 1) base = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors, `${backend}: tensors after ${steps} steps`).toBe(base);
    const ws = await opt.saveIterations().then(() => opt.getWeights());
    const result: Trace = {
      initial,
      weights: vars.map((v) => Float32Array.from(v.dataSync())),
      slots: ws.map((w) => ({
        name: w.name.replace(/^opt-(cpu|native)-/, ''),
        values: Float32Array.from(w.tensor.dataSync()),
      })),
      iterations: opt.iterations,
    };
    tf.dispose(ws.map((w) => w.tensor));
    opt.dispose();
    tf.dispose(vars);
    return result;
  }

  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    it(`${name}: weights and slots equal the cpu backend's bit for bit after 6 steps`, async () => {
      const cpu = await trace('cpu', name, make, 6);
      const native = await trace('native', name, make, 6);
      expect(native.iterations).toBe(cpu.iterations);
      expect(native.slots.map((s) => s.name)).toEqual(cpu.slots.map((s) => s.name));
      native.slots.forEach((s, i) => expect(s.values, `slot ${s.name}`).toEqual(cpu.slots[i]?.values));
      native.weights.forEach((w, i) => expect(w, `weight ${i}`).toEqual(cpu.weights[i]));
      // The steps did something: every weight moved.
      native.weights.forEach((w, i) => {
        expect(
          w.every((x, j) => x !== native.initial[i]?.[j]),
          `weight ${i} moved`,
        ).toBe(true);
      });
    });
  }

  it('never changes an array or tensor handed out before the step', async () => {
    await useBackend('native');
    const w = tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), true, 'opt-safety-w');
    const read = w.dataSync(); // the storage on cpu; must stay as read
    const clone = tf.clone(w); // shares the storage (refCount 2)
    const row = tf.slice(w, [1, 0], [1, 3]); // a view into the storage on cpu
    const other = tf.variable(tf.zeros([2, 3]), true, 'opt-safety-other');
    other.assign(w); // another model given the same weights (target network)
    const opt = tf.train.adam(0.1);
    for (let i = 0; i < 3; i++) {
      const g = tf.onesLike(w);
      opt.applyGradients([{ name: w.name, tensor: g }]);
      g.dispose();
    }
    const after = w.dataSync();
    expect(after[0]).toBeLessThan(1);
    expect(Array.from(read)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(clone.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(row.dataSync())).toEqual([4, 5, 6]);
    expect(Array.from(other.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    // Arrays read after the step are snapshots too; slices taken now are copies.
    const snap = w.dataSync();
    const row2 = tf.slice(w, [0, 0], [1, 3]);
    const before = Array.from(snap);
    const rowBefore = Array.from(row2.dataSync());
    const g = tf.onesLike(w);
    opt.applyGradients([{ name: w.name, tensor: g }]);
    expect(Array.from(snap)).toEqual(before);
    expect(Array.from(row2.dataSync())).toEqual(rowBefore);
    expect(w.dataSync()[0]).toBeLessThan(snap[0] ?? 0);
    tf.dispose([g, w, clone, row, row2, other]);
    opt.dispose();
  });

  it('a target network given the online weights (setWeights) keeps them while the online one trains', async () => {
    await useBackend('native');
    const make = () =>
      tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, kernelInitializer: 'ones' })] });
    const online = make();
    const target = make();
    target.setWeights(online.getWeights()); // the target's variables now share the online storage
    const before = target.getWeights().map((w) => Array.from(w.dataSync()));
    const opt = tf.train.adam(0.1);
    const x = tf.ones([2, 4]);
    for (let i = 0; i < 3; i++) tf.dispose(opt.minimize(() => tf.sum(online.apply(x) as tf.Tensor), true) ?? []);
    expect(target.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(Array.from(online.getWeights()[0]?.dataSync() ?? [])).not.toEqual(before[0]);
    tf.dispose(x);
    opt.dispose();
    online.dispose();
    target.dispose();
  });

  it('a saved optimizer state restores and continues exactly as on cpu', async () => {
    const results: Record<string, Float32Array> = {};
    for (const backend of ['cpu', 'native']) {
      await useBackend(backend as 'cpu');
      const w = tf.variable(tf.tensor1d([0.5, -1, 2]), true, `opt-restore-${backend}`);
      const opt = tf.train.adam(0.05);
      const step = (k: number) => {
        const g = tf.tensor1d([k, -k / 2, 0.25]);
        opt.applyGradients([{ name: w.name, tensor: g }]);
        g.dispose();
      };
      step(1);
      step(2);
      const saved = await opt.getWeights();
      const copy = tf.train.adam(0.05);
      await copy.setWeights(saved); // the restored slots share storage with `saved`
      const snapshot = saved.map((s) => Array.from(s.tensor.dataSync()));
      const g = tf.tensor1d([3, -1.5, 0.25]);
      copy.applyGradients([{ name: w.name, tensor: g }]);
      g.dispose();
      saved.forEach((s, i) => {
        expect(Array.from(s.tensor.dataSync()), `${backend}: saved ${s.name}`).toEqual(snapshot[i]);
      });
      results[backend] = Float32Array.from(w.dataSync());
      tf.dispose(saved.map((s) => s.tensor));
      opt.dispose();
      copy.dispose();
      w.dispose();
    }
    expect(results['native']).toEqual(results['cpu']);
  });
});

describe.skipIf(!have)('recycled kernel outputs on native', () => {
  it('reuses a disposed output array, and nothing read from a tensor changes when it is reused', async () => {
    await useBackend('native');
    const backend = tf.backend() as unknown as { pool: { bytesFree: number } };
    const n = 1 << 15; // above the pool's minimum length
    const a = tf.fill([n], 2);
    const b = tf.fill([n], 3);
    const first = tf.mul(a, b); // a native kernel output from the pool
    const read = first.dataSync();
    const part = tf.slice(first, [0], [4]); // would be a view of the storage on cpu
    const keep = tf.clone(first); // shares the storage: the array is not recycled yet
    const free0 = backend.pool.bytesFree;
    first.dispose();
    expect(backend.pool.bytesFree).toBe(free0);
    keep.dispose(); // now no tensor refers to it
    expect(backend.pool.bytesFree).toBe(free0 + 4 * n);
    const second = tf.add(a, b); // takes the recycled array
    expect(backend.pool.bytesFree).toBe(free0);
    expect(second.dataSync()[0]).toBe(5);
    expect(read[0]).toBe(6);
    expect(read[n - 1]).toBe(6);
    expect(Array.from(part.dataSync())).toEqual([6, 6, 6, 6]);
    tf.dispose([a, b, part, second]);
  });
});
