import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';
import {
  bookCatchQNetwork,
  buildQNetwork,
  minatarQNetwork,
  mlpQNetwork,
  natureQNetwork,
} from '../../models/q-networks.js';
import { countParams as countParamsOf } from '../../models/summary.js';

const countParams = (m: Parameters<typeof countParamsOf>[0]): number => countParamsOf(m).total;

beforeAll(async () => {
  await useBackend('cpu');
});

describe('Q-network factories', () => {
  it('book Catch net: shapes and parameter count (hand-computed)', () => {
    const m = bookCatchQNetwork(3, { rng: new Rng(0) });
    expect(m.outputs[0]!.shape).toEqual([null, 3]);
    // conv 8*8*4*32+32, 4*4*32*64+64, 3*3*64*64+64, dense 10*10*64*512+512, out 512*3+3
    expect(countParams(m)).toBe(8224 + 32832 + 36928 + 3277312 + 1539);
    m.dispose();
  });

  it('Nature and MinAtar nets: parameter counts', () => {
    const n = natureQNetwork(4);
    expect(countParams(n)).toBe(8224 + 32832 + 36928 + (3136 * 512 + 512) + (512 * 4 + 4));
    n.dispose();
    const mm = minatarQNetwork([10, 10, 4], 6);
    expect(countParams(mm)).toBe(3 * 3 * 4 * 16 + 16 + (8 * 8 * 16 * 128 + 128) + (128 * 6 + 6));
    mm.dispose();
  });

  it('column convolutions: kernelHeight 0 spans the whole input height, other heights give h x w kernels', () => {
    const m = buildQNetwork({
      inputShape: [20, 20, 1],
      numActions: 3,
      torso: 'cnn',
      conv: [{ filters: 16, kernel: 9, kernelHeight: 0, stride: 1 }],
      hiddenSizes: [128],
    });
    expect(m.getLayer('conv1').outputShape).toEqual([null, 1, 12, 16]);
    // conv 20*9*1*16+16, dense 12*16*128+128, out 128*3+3
    expect(countParams(m)).toBe(2896 + 24704 + 387);
    m.dispose();
    const r = buildQNetwork({
      inputShape: [10, 12, 2],
      numActions: 2,
      torso: 'cnn',
      conv: [
        { filters: 4, kernel: 5, kernelHeight: 3, stride: 1 },
        { filters: 2, kernel: 2, kernelHeight: 0, stride: 1 },
      ],
      hiddenSizes: [],
    });
    expect(r.getLayer('conv1').getWeights()[0]!.shape).toEqual([3, 5, 2, 4]);
    expect(r.getLayer('conv2').getWeights()[0]!.shape).toEqual([8, 2, 4, 2]); // the full 8 rows left by conv1
    expect(r.getLayer('conv2').outputShape).toEqual([null, 1, 7, 2]);
    r.dispose();
    expect(() =>
      buildQNetwork({
        inputShape: [20, 20, 1],
        numActions: 3,
        torso: 'cnn',
        conv: [{ filters: 4, kernel: 3, kernelHeight: -1, stride: 1 }],
      }),
    ).toThrow(/kernelHeight=-1/);
    expect(() =>
      buildQNetwork({
        inputShape: [4, 20, 1],
        numActions: 3,
        torso: 'cnn',
        conv: [{ filters: 4, kernel: 3, kernelHeight: 5, stride: 1 }],
      }),
    ).toThrow(/5x3 convolution/);
  });

  it('same Rng seed, same weights; "normal" init has stddev ~0.05', () => {
    const a = mlpQNetwork(50, 3, [32], { rng: new Rng(4), init: 'normal' });
    const b = mlpQNetwork(50, 3, [32], { rng: new Rng(4), init: 'normal' });
    const wa = a.getWeights()[0]!.dataSync();
    expect(Array.from(b.getWeights()[0]!.dataSync())).toEqual(Array.from(wa));
    let s = 0;
    for (const v of wa) s += v * v;
    expect(Math.sqrt(s / wa.length)).toBeGreaterThan(0.04);
    expect(Math.sqrt(s / wa.length)).toBeLessThan(0.06);
    a.dispose();
    b.dispose();
  });

  it('"torch" init is PyTorch\'s nn.Linear / nn.Conv2d default: weights and biases uniform in +-1/sqrt(fanIn)', () => {
    const m = buildQNetwork({
      inputShape: [6, 6, 2],
      numActions: 3,
      torso: 'cnn',
      conv: [{ filters: 8, kernel: 3, stride: 1 }],
      hiddenSizes: [120, 84],
      init: 'torch',
      rng: new Rng(7),
    });
    // Fan-in per layer: conv 3*3*2, dense1 the flattened 4*4*8, dense2 120, q 84.
    const fanIns = [18, 18, 128, 128, 120, 120, 84, 84];
    m.getWeights().forEach((w, i) => {
      const v = Array.from(w.dataSync());
      const bound = 1 / Math.sqrt(fanIns[i] as number);
      expect(Math.max(...v.map(Math.abs)), `weight ${i}`).toBeLessThanOrEqual(bound);
      // Spread over the whole interval (uniform: the largest |value| is close to the bound).
      expect(Math.max(...v.map(Math.abs)), `weight ${i}`).toBeGreaterThan(bound * (v.length > 50 ? 0.9 : 0.5));
    });
    // Seeded: the same Rng gives the same weights, biases included.
    const again = buildQNetwork({
      inputShape: [6, 6, 2],
      numActions: 3,
      torso: 'cnn',
      conv: [{ filters: 8, kernel: 3, stride: 1 }],
      hiddenSizes: [120, 84],
      init: 'torch',
      rng: new Rng(7),
    });
    expect(again.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
      m.getWeights().map((w) => Array.from(w.dataSync())),
    );
    m.dispose();
    again.dispose();
  });

  it('dueling head computes V + A - mean(A), with only V and A trainable', () => {
    const m = buildQNetwork({ inputShape: [5], numActions: 3, hiddenSizes: [8], dueling: true, rng: new Rng(1) });
    const names = m.trainableWeights.map((w) => w.originalName);
    expect(names).toEqual([
      'dense1/kernel',
      'dense1/bias',
      'value/kernel',
      'value/bias',
      'advantage/kernel',
      'advantage/bias',
    ]);
    tf.tidy(() => {
      const x = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
      const torso = m.getLayer('dense1').apply(x) as tf.Tensor;
      const v = m.getLayer('value').apply(torso) as tf.Tensor;
      const a = m.getLayer('advantage').apply(torso) as tf.Tensor;
      const want = v.add(a.sub(a.mean(1, true)));
      const got = m.predict(x) as tf.Tensor;
      const d = got.sub(want).abs().max().dataSync()[0]!;
      expect(d).toBeLessThan(1e-5);
    });
    m.dispose();
  });

  it('Keras-style argument errors', () => {
    expect(() => mlpQNetwork(4, 2, [0])).toThrow(
      'Received an invalid value for `units`, expected a positive integer. Received: units=0',
    );
    expect(() => buildQNetwork({ inputShape: [4], numActions: 0 })).toThrow(/numActions=0/);
    expect(() => buildQNetwork({ inputShape: [4], numActions: 2, torso: 'book' })).toThrow(/inputShape/);
    expect(() => buildQNetwork({ inputShape: [4, 4, 1], numActions: 2, torso: 'nature' })).toThrow(/conv1/);
    expect(() => buildQNetwork({ inputShape: [4], numActions: 2, torso: 'resnet' as 'mlp' })).toThrow(/torso/);
  });

  it('no tensor leak from building and disposing', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) buildQNetwork({ inputShape: [6], numActions: 2, dueling: i % 2 === 0 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
