// Rainbow's Q-network heads: C51 logits [batch, actions, atoms], dueling per atom, noisy layers.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { categoricalSupport } from '../../agents/distributional.js';
import { categoricalQValues } from '../../agents/distributional-loss.js';
import { NoisyDense, noisyLayers, resetModelNoise, setModelNoisy } from '../../models/noisy-dense.js';
import { buildQNetwork, type QNetworkOptions } from '../../models/q-networks.js';
import { modelArtifacts } from '../../src/io/model-io.js';
import { Rng } from '../../src/rng/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const base = (o: Partial<QNetworkOptions> = {}): QNetworkOptions => ({
  inputShape: [6],
  numActions: 3,
  hiddenSizes: [16],
  rng: new Rng(1),
  ...o,
});
const input = () =>
  tf.tensor2d(
    Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)),
    [2, 6],
  );

function run(m: tf.LayersModel, x: tf.Tensor): number[] {
  const y = m.predict(x) as tf.Tensor;
  const v = Array.from(y.dataSync());
  y.dispose();
  return v;
}

describe('Q-network heads for Rainbow', () => {
  it('numAtoms 1 and noisy false keep the plain networks (layers and outputs)', () => {
    const names = {
      false: ['obs', 'dense1', 'q'],
      true: ['obs', 'dense1', 'value', 'advantage', 'value_spread', 'advantage_centred', 'q'],
    };
    for (const dueling of [false, true]) {
      const a = buildQNetwork(base({ dueling }));
      const b = buildQNetwork(base({ dueling, numAtoms: 1, noisy: false }));
      expect(a.layers.map((l) => l.name).sort()).toEqual([...names[`${dueling}`]].sort());
      expect(a.layers.some((l) => l instanceof NoisyDense)).toBe(false);
      expect(a.outputs[0]?.shape).toEqual([null, 3]);
      const x = input();
      expect(run(b, x)).toEqual(run(a, x));
      x.dispose();
      a.dispose();
      b.dispose();
    }
  });

  it('C51: logits [batch, actions, atoms] whose softmax means are Q-values', () => {
    const m = buildQNetwork(base({ numAtoms: 11 }));
    expect(m.outputs[0]?.shape).toEqual([null, 3, 11]);
    expect(m.name).toBe('q_mlp_c51x11');
    const x = input();
    const logits = m.predict(x) as tf.Tensor;
    const q = categoricalQValues(logits, categoricalSupport(11, -5, 5));
    expect(q.shape).toEqual([2, 3]);
    tf.dispose([x, logits, q]);
    m.dispose();
  });

  it('dueling C51: logits = V + A - mean_a A, atom by atom', () => {
    const m = buildQNetwork(base({ numAtoms: 5, dueling: true, rng: new Rng(3) }));
    const parts = tf.model({
      inputs: m.inputs,
      outputs: [m.getLayer('value').output as tf.SymbolicTensor, m.getLayer('advantage').output as tf.SymbolicTensor],
    });
    const x = input();
    const out = run(m, x);
    const [vT, aT] = parts.predict(x) as tf.Tensor[];
    const v = vT!.dataSync();
    const a = aT!.dataSync();
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 5; i++) {
        let mean = 0;
        for (let k = 0; k < 3; k++) mean += (a[b * 15 + k * 5 + i] as number) / 3;
        for (let k = 0; k < 3; k++) {
          const want = (v[b * 5 + i] as number) + (a[b * 15 + k * 5 + i] as number) - mean;
          expect(out[b * 15 + k * 5 + i]).toBeCloseTo(want, 5);
        }
      }
    // Only the value and advantage streams and the torso train; the fixed maps do not.
    expect(m.trainableWeights.map((w) => w.originalName).sort()).toEqual(
      ['advantage/bias', 'advantage/kernel', 'dense1/bias', 'dense1/kernel', 'value/bias', 'value/kernel'].sort(),
    );
    tf.dispose([x, vT!, aT!]);
    m.dispose();
  });

  it('noisy: every dense layer after the torso is a NoisyDense; noise and deterministic mode work end to end', () => {
    const m = buildQNetwork(base({ noisy: true, dueling: true, numAtoms: 5, hiddenSizes: [16, 8], noisySigma0: 0.4 }));
    expect(noisyLayers(m).map((l) => l.name)).toEqual(['dense1', 'dense2', 'value', 'advantage']);
    expect((noisyLayers(m)[0] as NoisyDense).sigma0).toBe(0.4);
    const x = input();
    const rng = new Rng(2);
    resetModelNoise(m, rng);
    const a = run(m, x);
    resetModelNoise(m, rng);
    expect(run(m, x)).not.toEqual(a);
    setModelNoisy(m, false);
    const det = run(m, x);
    resetModelNoise(m, rng);
    expect(run(m, x)).toEqual(det);
    x.dispose();
    m.dispose();
  });

  it('same Rng seed, same noisy network', () => {
    const outputs = (seed: number) => {
      const m = buildQNetwork(base({ noisy: true, numAtoms: 3, rng: new Rng(seed) }));
      resetModelNoise(m, new Rng(0));
      const x = input();
      const v = run(m, x);
      x.dispose();
      m.dispose();
      return v;
    };
    expect(outputs(4)).toEqual(outputs(4));
    expect(outputs(5)).not.toEqual(outputs(4));
  });

  it('a noisy dueling C51 network saves and loads (memory handler), same outputs', async () => {
    const m = buildQNetwork(base({ noisy: true, dueling: true, numAtoms: 4, rng: new Rng(6) }));
    setModelNoisy(m, false);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await modelArtifacts(m)));
    expect(noisyLayers(loaded)).toHaveLength(3);
    const x = input();
    expect(run(loaded, x)).toEqual(run(m, x));
    x.dispose();
    loaded.dispose();
    m.dispose();
  });

  it('rejects a bad numAtoms', () => {
    expect(() => buildQNetwork(base({ numAtoms: 0 }))).toThrow(/`numAtoms`/);
    expect(() => buildQNetwork(base({ numAtoms: 2.5 }))).toThrow(/`numAtoms`/);
  });
});
