/**
 * Rainbow's pieces on native against cpu: a noisy dueling C51 network's logits and the gradients
 * of the categorical loss with respect to every trainable weight (mu and sigma included).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { categoricalLoss } from '../../agents/distributional-loss.js';
import { resetModelNoise } from '../../models/noisy-dense.js';
import { buildQNetwork } from '../../models/q-networks.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData, relErr, runOn } from './helpers.js';

const have = await nativeAvailable();
const itNative = have ? it : it.skip;

beforeAll(async () => {
  if (have) {
    const { useBackend } = await import('../../src/backends/index.js');
    await useBackend('native');
  }
});

describe('noisy dueling C51 on native', () => {
  itNative('same logits and loss gradients as cpu', () => {
    const [B, A, N] = [8, 4, 11];
    const x = randomData(B * 10, new Rng(1));
    const targets = new Float32Array(B * N);
    const rng = new Rng(2);
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += targets[b * N + i] = rng.nextFloat();
      for (let i = 0; i < N; i++) targets[b * N + i] = (targets[b * N + i] as number) / s;
    }
    const actions = Int32Array.from({ length: B }, (_, b) => b % A);
    const results = ['cpu', 'native'].map((backend) => {
      tf.setBackend(backend);
      const m = buildQNetwork({
        inputShape: [10],
        numActions: A,
        hiddenSizes: [32],
        dueling: true,
        numAtoms: N,
        noisy: true,
        rng: new Rng(3),
      });
      resetModelNoise(m, new Rng(4));
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const out = runOn(backend, () => {
        const xs = tf.tensor2d(x, [B, 10]);
        const { value, grads } = tf.variableGrads(() => {
          const r = categoricalLoss(
            m.apply(xs) as tf.Tensor,
            tf.tensor1d(actions, 'int32'),
            tf.tensor2d(targets, [B, N]),
            null,
          );
          return r.loss;
        }, vars);
        return [m.apply(xs) as tf.Tensor, value, ...vars.map((v) => grads[v.name] as tf.Tensor)];
      });
      m.dispose();
      return out;
    });
    const [cpu, native] = results as [ReturnType<typeof runOn>, ReturnType<typeof runOn>];
    expect(native.length).toBe(cpu.length);
    // Logits, loss, then one gradient per trainable weight (6 noisy weights per noisy layer pair).
    expect(cpu.length).toBe(2 + 12);
    cpu.forEach((c, i) => {
      expect(native[i]?.shape, `output ${i}`).toEqual(c.shape);
      expect(relErr(native[i]!.values, c.values), `output ${i}`).toBeLessThan(1e-4);
    });
  });
});
