import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeOptimizer } from '../../agents/dqn.js';
import { resolveDqnConfig } from '../../agents/dqn-config.js';
import { inputDivisor, makeAgentEnv } from '../../agents/envs.js';
import { Box } from '../../src/core/spaces.js';

describe('agent envs: network input scaling', () => {
  it('divides pixels by 255 but leaves 0/1 cells and floats alone', () => {
    expect(inputDivisor(new Box(0, 255, [4, 4, 3], 'uint8'))).toBe(255);
    expect(inputDivisor(new Box(0, 1, [10, 10, 4], 'uint8'))).toBe(1);
    expect(inputDivisor(new Box(-1, 1, [3], 'float32'))).toBe(1);
  });

  it('MinAtar observations reach the network as 0/1, book Catch pixels as [0, 1]', () => {
    expect(makeAgentEnv('MinAtar/Breakout-v1', {}, 'none').obsDivisor).toBe(1);
    expect(makeAgentEnv('Catch-v0', { size: 40 }, 'book', 20).obsDivisor).toBe(255);
  });

  it("the book's pipeline stacks 4 frames by default, frameStack of them when given", () => {
    const four = makeAgentEnv('Catch-v0', { size: 40 }, 'book', 20);
    expect(four.obsShape).toEqual([20, 20, 4]);
    expect(four.frameStack).toEqual({ k: 4, axis: 'last', channels: 1 });
    const one = makeAgentEnv('Catch-v0', { size: 40 }, 'book', 20, 1);
    expect(one.obsShape).toEqual([20, 20, 1]);
    expect(one.frameStack).toEqual({ k: 1, axis: 'last', channels: 1 });
    const [obs] = one.env.reset({ seed: 3 });
    expect(obs.length).toBe(20 * 20);
    expect(resolveDqnConfig(undefined).frameStack).toBe(4);
  });

  it("the 'stack' pipeline stacks raw observations: masked-velocity CartPole and MinAtar", () => {
    const cp = makeAgentEnv('CartPole-v1', { maskVelocity: true }, 'stack', 80, 3);
    expect(cp.obsShape).toEqual([12]);
    expect(cp.frameStack).toEqual({ k: 3, axis: 'last', channels: 4 });
    const [o0] = cp.env.reset({ seed: 1 });
    const first = Array.from(o0.subarray(8, 12));
    expect(Array.from(o0)).toEqual([...first, ...first, ...first]);
    const [o1] = cp.env.step(1);
    expect(Array.from(o1.subarray(4, 12))).toEqual([...first, ...Array.from(o1.subarray(8, 12))]);
    expect([o1[9], o1[11]]).toEqual([0, 0]);
    const m = makeAgentEnv('MinAtar/Breakout-v1', {}, 'stack', 80, 2);
    expect(m.obsShape).toEqual([10, 10, 8]);
    expect(m.obsDivisor).toBe(1);
    expect(() => makeAgentEnv('CartPole-v1', {}, 'stack', 80, 0)).toThrow(/k must be a positive integer/);
  });
});

describe('centered RMSProp (tfjs subtracts its epsilon; makeOptimizer compensates)', () => {
  it('stays finite with small gradients and moves against the gradient', () => {
    const cfg = resolveDqnConfig('minatar', {}, {});
    expect(cfg.rmspropCentered).toBe(true);
    const opt = makeOptimizer(cfg);
    const w = tf.variable(tf.tensor1d([1, -1]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      // Loss 0.001 * sum(w): gradient 0.001 each, far below sqrt(epsilon = 0.01).
      opt.minimize(() => tf.mul(tf.sum(w), 0.001) as tf.Scalar);
    }
    const v = Array.from(w.dataSync());
    expect(v.every(Number.isFinite)).toBe(true);
    expect(v[0]).toBeLessThan(1);
    expect(v[1]).toBeLessThan(-1);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 3 * 1);
    opt.dispose();
    w.dispose();
  });
});
