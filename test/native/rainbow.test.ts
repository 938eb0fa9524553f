/**
 * Rainbow's pieces on native against cpu: a noisy dueling C51 network's logits (DQN's and DRQN's)
 * and the gradients of the categorical loss with respect to every trainable weight (mu and sigma
 * included).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { categoricalLoss } from '../../agents/distributional-loss.js';
import { resetModelNoise } from '../../models/noisy-dense.js';
import { buildQNetwork } from '../../models/q-networks.js';
import { buildRecurrentQNetwork, recurrentQForward } from '../../models/recurrent-q.js';
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

/** A noisy dueling C51 network and its logits `[batch, actions, atoms]` for a batch of inputs. */
interface Case {
  readonly build: () => tf.LayersModel;
  readonly logits: (m: tf.LayersModel, x: Float32Array) => tf.Tensor;
}

const [B, A, N] = [8, 4, 11];
const cases: Array<[string, Case]> = [
  [
    'feed-forward',
    {
      build: () =>
        buildQNetwork({
          inputShape: [10],
          numActions: A,
          hiddenSizes: [32],
          dueling: true,
          numAtoms: N,
          noisy: true,
          rng: new Rng(3),
        }),
      logits: (m, x) => m.apply(tf.tensor2d(x, [B, 10])) as tf.Tensor,
    },
  ],
  [
    'recurrent (LSTM, 2 steps from a state; DRQN)',
    {
      build: () =>
        buildRecurrentQNetwork({
          inputShape: [5],
          numActions: A,
          hiddenSizes: [16],
          units: 8,
          dueling: true,
          numAtoms: N,
          noisy: true,
          rng: new Rng(3),
        }),
      logits: (m, x) => {
        const s = tf.split(tf.tensor2d(x.subarray(B * 10 - (B / 2) * 16), [B / 2, 16]), 2, 1);
        const out = recurrentQForward(m, tf.tensor3d(x.subarray(0, B * 5), [B / 2, 2, 5]), s).q;
        return tf.reshape(out, [B, A, N]);
      },
    },
  ],
];

describe('noisy dueling C51 on native', () => {
  itNative.each(cases)('same logits and loss gradients as cpu: %s', (_name, c) => {
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
      const m = c.build();
      resetModelNoise(m, new Rng(4));
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const out = runOn(backend, () => {
        const { value, grads } = tf.variableGrads(() => {
          const r = categoricalLoss(c.logits(m, x), tf.tensor1d(actions, 'int32'), tf.tensor2d(targets, [B, N]), null);
          return r.loss;
        }, vars);
        return [c.logits(m, x), value, ...vars.map((v) => grads[v.name] as tf.Tensor)];
      });
      m.dispose();
      return { out, weights: vars.length };
    });
    const [cpu, native] = results as [(typeof results)[0], (typeof results)[0]];
    expect(native.out.length).toBe(cpu.out.length);
    // Logits, loss, then one gradient per trainable weight (the noisy head: mu and sigma of kernel and bias).
    expect(cpu.out.length).toBe(2 + cpu.weights);
    expect(cpu.weights).toBeGreaterThanOrEqual(8);
    cpu.out.forEach((o, i) => {
      expect(native.out[i]?.shape, `output ${i}`).toEqual(o.shape);
      expect(relErr(native.out[i]!.values, o.values), `output ${i}`).toBeLessThan(1e-4);
    });
  });
});
