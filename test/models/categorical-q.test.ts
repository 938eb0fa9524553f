// CategoricalQ: C51 logits -> Q-values inside a model, so a saved C51 policy reads like any Q-network.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoricalSupport } from '../../agents/distributional.js';
import { categoricalQValues } from '../../agents/distributional-loss.js';
import { modelPolicy } from '../../agents/run.js';
import { CategoricalQ, categoricalPolicyModel } from '../../models/categorical-q.js';
import { setModelNoisy } from '../../models/noisy-dense.js';
import { buildQNetwork } from '../../models/q-networks.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { Rng } from '../../src/rng/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-c51-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const support = categoricalSupport(7, -3, 4);

describe('CategoricalQ', () => {
  it('outputs the distribution means, as categoricalQValues', () => {
    const logits = tf.tensor3d(
      Array.from({ length: 2 * 3 * 7 }, (_, i) => Math.cos(i * 1.7) * 2),
      [2, 3, 7],
    );
    const layer = new CategoricalQ({ numAtoms: 7, vMin: -3, vMax: 4 });
    const a = layer.apply(logits) as tf.Tensor;
    const b = categoricalQValues(logits, support);
    expect(a.shape).toEqual([2, 3]);
    Array.from(a.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(b.dataSync()[i] as number, 5));
    tf.dispose([logits, a, b]);
  });

  it('a policy model shares the logits model weights; saved, it loads and plays as a plain Q-network', async () => {
    const net = buildQNetwork({
      inputShape: [5],
      numActions: 3,
      hiddenSizes: [8],
      numAtoms: 7,
      dueling: true,
      noisy: true,
      rng: new Rng(1),
    });
    setModelNoisy(net, false);
    const policy = categoricalPolicyModel(net, support);
    expect(policy.outputs[0]?.shape).toEqual([null, 3]);
    expect(policy.trainableWeights.length).toBe(net.trainableWeights.length);
    const x = tf.tensor2d([[0.1, -0.4, 0.3, 0.9, -1]]);
    const q = () => tf.tidy(() => Array.from((policy.predict(x) as tf.Tensor).dataSync()));
    const before = q();
    // The same variables: a change to the logits model shows in the policy.
    tf.tidy(() =>
      net.getLayer('value').setWeights(
        net
          .getLayer('value')
          .getWeights()
          .map((t) => tf.add(t, 0.5)),
      ),
    );
    const after = q();
    expect(after).not.toEqual(before);
    const path = join(dir, 'policy');
    await saveModel(policy, path);
    const loaded = await loadModel(path);
    expect(loaded.layers.map((l) => l.getClassName())).toContain('CategoricalQ');
    const played = modelPolicy(loaded, 3, 1).qValues(new Float32Array([0.1, -0.4, 0.3, 0.9, -1]));
    expect(played).toHaveLength(3);
    Array.from(played).forEach((v, i) => expect(v).toBeCloseTo(after[i] as number, 5));
    loaded.dispose();
    net.dispose();
    x.dispose();
  });

  it('rejects bad supports and models without atoms', () => {
    expect(() => new CategoricalQ({ numAtoms: 1, vMin: 0, vMax: 1 })).toThrow(/numAtoms/);
    expect(() => new CategoricalQ({ numAtoms: 5, vMin: 1, vMax: 1 })).toThrow(/vMax/);
    const plain = buildQNetwork({ inputShape: [5], numActions: 3, rng: new Rng(2) });
    expect(() => categoricalPolicyModel(plain, support)).toThrow(/\[batch, actions, atoms\]/);
    plain.dispose();
  });
});
