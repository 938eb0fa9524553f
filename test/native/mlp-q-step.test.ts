/**
 * The fused MLP Q-step (src/backends/native/mlp-q-step.ts) against tfjs's own tape: the same
 * forward passes bit for bit, the TD-loss gradients (Huber and square, importance weights, the
 * global-norm clip on and off) within float32 rounding, and a DQN agent trained with it against one
 * trained through the tape. Also the two addon helpers it uses.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../../src/backends/native/backend.js';
import { activeNativeHost, MlpQStep, plainDenseStack } from '../../src/backends/native/mlp-q-step.js';
import { buildQNetwork } from '../../models/q-networks.js';
import { clipByGlobalNorm, DqnAgent, huber } from '../../agents/dqn.js';
import { resolveDqnConfig } from '../../agents/dqn-config.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData, relErr } from './helpers.js';

const have = await nativeAvailable();
const itNative = have ? it : it.skip;

beforeAll(async () => {
  if (have) await tf.setBackend('native');
});
afterEach(() => {
  delete process.env['TFGYM_FUSED_MLP'];
});

function net(seed: number, hidden = [32, 16], extra: { dueling?: boolean } = {}): tf.LayersModel {
  return buildQNetwork({
    inputShape: [5],
    numActions: 3,
    torso: 'mlp',
    hiddenSizes: hidden,
    rng: new Rng(seed),
    ...extra,
  });
}

/** The tape's gradients of DqnAgent's TD loss, clipped as the agent clips them. */
function tapeGradients(
  model: tf.LayersModel,
  obs: Float32Array,
  actions: Int32Array,
  targets: Float32Array,
  weights: Float32Array,
  loss: 'huber' | 'mse',
  maxNorm: number,
): { grads: Float32Array[]; loss: number } {
  return tf.tidy(() => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const q = model.apply(tf.tensor2d(obs, [actions.length, 5])) as tf.Tensor;
      const qa = tf.sum(tf.mul(q, tf.oneHot(tf.tensor1d(actions, 'int32'), 3)), 1);
      const td = tf.sub(qa, tf.tensor1d(targets));
      const elem = loss === 'huber' ? huber(td) : tf.square(td);
      return tf.mean(tf.mul(elem, tf.tensor1d(weights))) as tf.Scalar;
    }, vars);
    const clipped = maxNorm > 0 ? clipByGlobalNorm(grads, maxNorm) : grads;
    return {
      grads: vars.map((v) => Float32Array.from((clipped[v.name] as tf.Tensor).dataSync())),
      loss: (value.dataSync() as Float32Array)[0] as number,
    };
  });
}

describe('plainDenseStack', () => {
  itNative('accepts an MLP Q-network and refuses other heads', () => {
    const mlp = net(1);
    const stack = plainDenseStack(mlp);
    expect(stack?.map((l) => [l.inSize, l.outSize, l.relu])).toEqual([
      [5, 32, true],
      [32, 16, true],
      [16, 3, false],
    ]);
    const dueling = net(1, [8], { dueling: true });
    expect(plainDenseStack(dueling)).toBeUndefined();
    const conv = buildQNetwork({
      inputShape: [6, 6, 1],
      numActions: 2,
      torso: 'cnn',
      conv: [{ filters: 2, kernel: 3, stride: 1 }],
      rng: new Rng(1),
    });
    expect(plainDenseStack(conv)).toBeUndefined();
    tf.dispose([mlp, dueling, conv].flatMap((m) => m.weights.map((w) => w.read())));
  });
});

describe('MlpQStep on native', () => {
  itNative('forward equals the model bit for bit; gradients equal the tape within float32 rounding', () => {
    const host = activeNativeHost();
    if (!host) throw new Error('native is not active');
    const B = 24;
    const rng = new Rng(7);
    const obs = randomData(B * 5, rng);
    const actions = Int32Array.from({ length: B }, (_, i) => i % 3);
    // Targets far from Q on some rows, so Huber's linear part is exercised as well as its square.
    const targets = Float32Array.from({ length: B }, (_, i) => (i % 4 === 0 ? 5 : 0.1) * rng.uniform(-1, 1));
    const weights = Float32Array.from({ length: B }, () => rng.uniform(0.2, 1));
    const before = tf.memory().numTensors;
    for (const loss of ['huber', 'mse'] as const) {
      for (const maxNorm of [0, 10, 0.05]) {
        const model = net(3);
        const stack = plainDenseStack(model);
        if (!stack) throw new Error('not a plain MLP');
        const step = new MlpQStep(stack, null, B);
        const q = step.forward(host, 'online', obs, B).slice();
        const expected = tf.tidy(() => (model.predict(tf.tensor2d(obs, [B, 5])) as tf.Tensor).dataSync());
        expect(Array.from(q)).toEqual(Array.from(expected));

        const r = step.gradients(host, obs, actions, targets, weights, loss, maxNorm);
        const tape = tapeGradients(model, obs, actions, targets, weights, loss, maxNorm);
        const mine = step.gradientTensors();
        const names = model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
        names.forEach((name, i) => {
          const g = mine[name] as tf.Tensor;
          expect(relErr(g.dataSync(), tape.grads[i] as Float32Array), `${loss} clip ${maxNorm} ${name}`).toBeLessThan(
            1e-5,
          );
        });
        tf.dispose(Object.values(mine));
        // Q(s, a) - y in float32, exactly; the loss and mean Q(s, a) as the tape has them.
        let qSum = 0;
        for (let i = 0; i < B; i++) {
          const qa = q[i * 3 + (actions[i] as number)] as number;
          expect(step.td[i]).toBe(Math.fround(qa - (targets[i] as number)));
          qSum += qa;
        }
        expect(r.q).toBeCloseTo(qSum / B, 12);
        expect(Math.abs(r.loss - tape.loss)).toBeLessThan(1e-6 * tape.loss);
        tf.dispose(model.weights.map((w) => w.read()));
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  itNative('a DQN agent trains the same with the fused step as through the tape, with few kernels a step', async () => {
    const cfg = resolveDqnConfig('acrobot', {
      learningStarts: 0,
      trainFrequency: 1,
      gradientSteps: 1,
      hiddenSizes: [32, 32],
      batchSize: 16,
      targetUpdateInterval: 5,
      doubleDqn: true,
    });
    const env = { obsShape: [6], obsDtype: 'float32' as const, numActions: 3 };
    const train = async (fused: boolean): Promise<{ weights: Float32Array[]; kernels: number }> => {
      process.env['TFGYM_FUSED_MLP'] = fused ? '1' : '0';
      const agent = new DqnAgent(cfg, env, new Rng(11), { steps: 1000 });
      const rng = new Rng(12);
      const o = (): Float32Array => Float32Array.from({ length: 6 }, () => rng.uniform(-1, 1));
      let obs = o();
      for (let i = 0; i < 200; i++) {
        const next = o();
        agent.observe(obs, i % 3, i % 7 === 0 ? 0 : -1, next, i % 50 === 49, false);
        obs = next;
      }
      let step = 200;
      for (let i = 0; i < 30; i++) agent.train(++step, 0);
      const numTensors = tf.memory().numTensors;
      const kernels = (
        await tf.profile(() => {
          agent.train(++step, 0);
        })
      ).kernels.length;
      expect(tf.memory().numTensors).toBe(numTensors);
      const weights = agent.online.getWeights().map((w) => Float32Array.from(w.dataSync()));
      expect(Array.from(agent.qValues(obs))).toEqual(
        Array.from(tf.tidy(() => (agent.online.predict(tf.tensor2d(obs, [1, 6])) as tf.Tensor).dataSync())),
      );
      agent.dispose();
      return { weights, kernels };
    };
    const fused = await train(true);
    const tape = await train(false);
    fused.weights.forEach((w, i) => expect(relErr(w, tape.weights[i] as Float32Array)).toBeLessThan(1e-4));
    // The tape runs ~150 kernels a step; the fused step only wraps its gradients and updates Adam.
    expect(fused.kernels).toBeLessThanOrEqual(2); // Adam's two beta-power updates; nothing else is a kernel
    expect(tape.kernels).toBeGreaterThan(60);
  });
});

describe('addon helpers', () => {
  itNative('reluMask zeroes where the output is not positive (NaN too); sumSquares sums in double', () => {
    const a = nativeAddon();
    if (!a) throw new Error('addon missing');
    const n = 37; // a vector body and a scalar tail
    const rng = new Rng(5);
    const y = randomData(n, rng);
    y[3] = NaN;
    y[4] = 0;
    const dx = randomData(n, rng);
    const expected = Array.from(dx, (v, i) => ((y[i] as number) > 0 ? v : 0));
    a.reluMask(dx, y);
    expect(Array.from(dx)).toEqual(expected);
    expect(() => a.reluMask(new Float32Array(4), new Float32Array(3))).toThrow(/reluMask/);
    const x = randomData(1003, rng);
    let s = 0;
    for (const v of x) s += v * v;
    expect(a.sumSquares(x)).toBeCloseTo(s, 9);
  });
});
