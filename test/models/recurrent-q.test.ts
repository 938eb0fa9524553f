import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';
import { modelArtifacts } from '../../src/io/model-io.js';
import {
  buildRecurrentQNetwork,
  recurrentQForward,
  recurrentStateSpec,
  type RecurrentQNetworkOptions,
} from '../../models/recurrent-q.js';
import { buildQNetwork } from '../../models/q-networks.js';
import { noisyLayers, resetModelNoise, setModelNoisy } from '../../models/noisy-dense.js';
import { countParams as countParamsOf } from '../../models/summary.js';
import { nativeAvailable, randomData, relErr } from '../native/helpers.js';

const countParams = (m: Parameters<typeof countParamsOf>[0]): number => countParamsOf(m).total;
const nativeOk = await nativeAvailable();

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(async () => {
  await useBackend('cpu');
});

/** Seeded observations `[batch, time, ...shape]` and states. */
function data(batch: number, time: number, shape: number[], units: number, count: number, seed: number) {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    obs: tf.tensor(randomData(batch * time * size, rng), [batch, time, ...shape]),
    state: Array.from({ length: count }, () => tf.tensor2d(randomData(batch * units, rng), [batch, units])),
  };
}

/** Feeds `obs` one step at a time, carrying the state; returns the concatenated Q-values and the last state. */
function stepByStep(model: tf.LayersModel, obs: tf.Tensor, state: tf.Tensor[]): { q: tf.Tensor; state: tf.Tensor[] } {
  const [B, T] = obs.shape as [number, number];
  const rest = obs.shape.slice(2);
  const qs: tf.Tensor[] = [];
  let s = state;
  for (let t = 0; t < T; t++) {
    const step = tf.slice(obs, [0, t, ...rest.map(() => 0)], [B, 1, ...rest]);
    const r = recurrentQForward(model, step, s);
    qs.push(r.q);
    s = r.state;
  }
  return { q: tf.concat(qs, 1), state: s };
}

/** The outputs and states of one unroll on native equal cpu's (the backend is cpu again after). */
async function expectNativeAgrees(model: tf.LayersModel, obs: tf.Tensor, state: tf.Tensor[]): Promise<void> {
  const run = async (backend: 'cpu' | 'native') => {
    await useBackend(backend);
    return tf.tidy(() => {
      const r = recurrentQForward(
        model,
        tf.clone(obs),
        state.map((s) => tf.clone(s)),
      );
      return [r.q, ...r.state].map((t) => Float32Array.from(t.dataSync()));
    });
  };
  const cpu = await run('cpu');
  const native = await run('native');
  cpu.forEach((c, i) => expect(relErr(native[i]!, c)).toBeLessThan(1e-4));
  await useBackend('cpu');
}

const cases: Array<[string, RecurrentQNetworkOptions, number[]]> = [
  ['MLP torso + LSTM', { inputShape: [4], numActions: 2, hiddenSizes: [16], units: 8, cell: 'lstm' }, [4]],
  [
    'MLP torso + GRU, dueling',
    { inputShape: [4], numActions: 3, hiddenSizes: [], units: 8, cell: 'gru', dueling: true },
    [4],
  ],
  [
    'column-conv torso + LSTM + dueling',
    {
      inputShape: [6, 6, 1],
      numActions: 3,
      torso: 'cnn',
      conv: [{ filters: 4, kernel: 3, kernelHeight: 0, stride: 1 }],
      hiddenSizes: [8],
      units: 6,
      dueling: true,
    },
    [6, 6, 1],
  ],
];

describe('buildRecurrentQNetwork', () => {
  it('inputs [obs, h0, c0] -> outputs [q, h, c] (LSTM), [obs, h0] -> [q, h] (GRU); parameter counts', () => {
    const lstm = buildRecurrentQNetwork({
      inputShape: [4],
      numActions: 2,
      hiddenSizes: [16],
      units: 8,
      rng: new Rng(1),
    });
    expect(lstm.inputs.map((i) => i.shape)).toEqual([
      [null, null, 4],
      [null, 8],
      [null, 8],
    ]);
    expect(lstm.outputs.map((o) => o.shape)).toEqual([
      [null, null, 2],
      [null, 8],
      [null, 8],
    ]);
    expect(recurrentStateSpec(lstm)).toEqual({ units: 8, count: 2 });
    // dense 4*16+16, LSTM 4*(16*8 + 8*8 + 8), q 8*2+2
    expect(countParams(lstm)).toBe(80 + 800 + 18);
    lstm.dispose();
    const gru = buildRecurrentQNetwork({ inputShape: [3, 2], numActions: 4, hiddenSizes: [], units: 5, cell: 'gru' });
    expect(gru.inputs.map((i) => i.shape)).toEqual([
      [null, null, 3, 2],
      [null, 5],
    ]);
    expect(gru.outputs.map((o) => o.shape)).toEqual([
      [null, null, 4],
      [null, 5],
    ]);
    expect(recurrentStateSpec(gru)).toEqual({ units: 5, count: 1 });
    // reset-after GRU on the 6 flattened values: kernel 6*15, recurrent 5*15, bias 2*15; q 5*4+4
    expect(countParams(gru)).toBe(90 + 75 + 30 + 24);
    gru.dispose();
    // A feed-forward Q-network is not recurrent.
    const ff = buildQNetwork({ inputShape: [4], numActions: 2 });
    expect(recurrentStateSpec(ff)).toBeNull();
    expect(() => recurrentQForward(ff, tf.zeros([1, 1, 4]), [])).toThrow(/not a recurrent Q-network/);
    ff.dispose();
  });

  it('refuses bad arguments with Keras-style messages', () => {
    const base = { inputShape: [4], numActions: 2 };
    expect(() => buildRecurrentQNetwork({ ...base, units: 0 })).toThrow(
      'Received an invalid value for `units`, expected a positive integer. Received: units=0',
    );
    expect(() => buildRecurrentQNetwork({ ...base, numActions: 1.5 })).toThrow(/`numActions`.*numActions=1.5/);
    expect(() => buildRecurrentQNetwork({ ...base, cell: 'rnn' as 'lstm' })).toThrow(
      "expected one of 'lstm', 'gru'. Received: cell='rnn'",
    );
    expect(() => buildRecurrentQNetwork({ ...base, inputShape: [] })).toThrow(/`inputShape`/);
    expect(() => buildRecurrentQNetwork({ ...base, hiddenSizes: [8, -1] })).toThrow(/`hiddenSizes`/);
    expect(() => buildRecurrentQNetwork({ ...base, torso: 'minatar' })).toThrow(
      /\[height, width, channels\] for the minatar torso/,
    );
    expect(() =>
      buildRecurrentQNetwork({
        inputShape: [2, 2, 1],
        numActions: 2,
        torso: 'cnn',
        conv: [{ filters: 2, kernel: 3, stride: 1 }],
      }),
    ).toThrow(/inputShape\[0\] at conv1/);
    const m = buildRecurrentQNetwork({ ...base, units: 3 });
    expect(() => recurrentQForward(m, tf.zeros([1, 1, 4]), [tf.zeros([1, 3])])).toThrow(
      /2 tensor\(s\) of shape \[batch, 3\]/,
    );
    m.dispose();
  });

  it('is seeded: the same Rng seed gives the same weights, another seed others', () => {
    const w = (seed: number) => {
      const m = buildRecurrentQNetwork({ inputShape: [4], numActions: 2, units: 4, rng: new Rng(seed) });
      const v = m.getWeights().map((t) => Array.from(t.dataSync()));
      m.dispose();
      return v;
    };
    expect(w(3)).toEqual(w(3));
    expect(w(3)).not.toEqual(w(4));
  });
});

describe('recurrentQForward', () => {
  it.each(cases)(
    '%s: one unroll from a state = the same steps fed one at a time with the state carried',
    (_n, o, shape) => {
      const model = buildRecurrentQNetwork({ ...o, rng: new Rng(7) });
      const spec = recurrentStateSpec(model)!;
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { obs, state } = data(3, 5, shape, spec.units, spec.count, 11);
        const whole = recurrentQForward(model, obs, state);
        const steps = stepByStep(model, obs, state);
        expect(whole.q.shape).toEqual([3, 5, o.numActions]);
        expect(relErr(whole.q.dataSync(), steps.q.dataSync())).toBeLessThan(1e-5);
        whole.state.forEach((s, i) => expect(relErr(s.dataSync(), steps.state[i]!.dataSync())).toBeLessThan(1e-5));
        // The state matters: from zeros the outputs differ.
        const zero = recurrentQForward(
          model,
          obs,
          state.map((s) => tf.zerosLike(s)),
        );
        expect(relErr(zero.q.dataSync(), whole.q.dataSync())).toBeGreaterThan(1e-3);
      });
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );

  it('gradients reach every trainable weight through the unroll and the state inputs', () => {
    const model = buildRecurrentQNetwork({
      inputShape: [4],
      numActions: 2,
      hiddenSizes: [8],
      units: 4,
      dueling: true,
      rng: new Rng(2),
    });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { obs, state } = data(2, 3, [4], 4, 2, 5);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(
        () => tf.mean(tf.square(recurrentQForward(model, obs, state).q)) as tf.Scalar,
        vars,
      );
      expect(Object.keys(grads).length).toBe(vars.length);
      for (const g of Object.values(grads)) expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
      const ds = tf.grads((h: tf.Tensor) => tf.sum(recurrentQForward(model, obs, [h, state[1]!]).q))([state[0]!]);
      expect(tf.max(tf.abs(ds[0]!)).dataSync()[0]).toBeGreaterThan(0);
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('saves and loads as a tfjs layers model with the same outputs (LSTM and GRU)', async () => {
    for (const o of cases.map((c) => c[1])) {
      const model = buildRecurrentQNetwork({ ...o, rng: new Rng(3) });
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(await modelArtifacts(model)));
      expect(recurrentStateSpec(loaded)).toEqual(recurrentStateSpec(model));
      const spec = recurrentStateSpec(model)!;
      tf.tidy(() => {
        const shape = o.inputShape as number[];
        const { obs, state } = data(2, 4, shape, spec.units, spec.count, 4);
        const a = recurrentQForward(model, obs, state);
        const b = recurrentQForward(loaded, obs, state);
        expect(Array.from(b.q.dataSync())).toEqual(Array.from(a.q.dataSync()));
      });
      model.dispose();
      loaded.dispose();
    }
  });

  it.skipIf(!nativeOk)('the native backend (fused LSTM/GRU with state inputs) agrees with cpu', async () => {
    for (const o of cases.map((c) => c[1])) {
      const model = buildRecurrentQNetwork({ ...o, rng: new Rng(5) });
      const spec = recurrentStateSpec(model)!;
      const { obs, state } = data(3, 6, o.inputShape as number[], spec.units, spec.count, 8);
      await expectNativeAgrees(model, obs, state);
      tf.dispose([obs, ...state]);
      model.dispose();
    }
  });
});

describe("Rainbow's heads on a recurrent Q-network", () => {
  const rainbow = (o: Partial<RecurrentQNetworkOptions> = {}): tf.LayersModel =>
    buildRecurrentQNetwork({
      inputShape: [4],
      numActions: 3,
      hiddenSizes: [8],
      units: 6,
      numAtoms: 5,
      dueling: true,
      rng: new Rng(9),
      ...o,
    });

  it('C51 logits [batch, time, actions, atoms], dueling atom by atom: V + A - mean_a A from the recurrent output', () => {
    const model = rainbow({ cell: 'gru' });
    expect(model.name).toBe('drqn_mlp_gru_dueling_c51x5');
    expect(model.outputs.map((o) => o.shape)).toEqual([
      [null, null, 3, 5],
      [null, 6],
    ]);
    expect(recurrentStateSpec(model)).toEqual({ units: 6, count: 1 });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { obs, state } = data(2, 1, [4], 6, 1, 3);
      const r = recurrentQForward(model, obs, state);
      // One step: the GRU's output is its new state h, which the value and advantage layers read.
      const h = r.state[0]!;
      const lin = (name: string) => {
        const [k, b] = model.getLayer(name).getWeights();
        return tf.add(tf.matMul(h, k!), b!);
      };
      const v = tf.reshape(lin('value'), [2, 1, 5]);
      const a = tf.reshape(lin('advantage'), [2, 3, 5]);
      const want = tf.add(v, tf.sub(a, tf.mean(a, 1, true)));
      expect(r.q.shape).toEqual([2, 1, 3, 5]);
      expect(relErr(r.q.dataSync(), want.dataSync())).toBeLessThan(1e-5);
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('noisy: NoisyDense in the head only; unroll = steps for fixed noise; saved (noise off), it loads with the same outputs', async () => {
    const model = rainbow({ noisy: true, noisySigma0: 0.3 });
    expect(model.name).toBe('drqn_mlp_lstm_dueling_c51x5_noisy');
    expect(noisyLayers(model).map((l) => [l.name, l.sigma0])).toEqual([
      ['value', 0.3],
      ['advantage', 0.3],
    ]);
    const rng = new Rng(1);
    resetModelNoise(model, rng);
    const { obs, state } = data(2, 4, [4], 6, 2, 5);
    tf.tidy(() => {
      const whole = recurrentQForward(model, obs, state);
      const steps = stepByStep(model, obs, state);
      expect(relErr(whole.q.dataSync(), steps.q.dataSync())).toBeLessThan(1e-5);
      resetModelNoise(model, rng);
      const again = recurrentQForward(model, obs, state);
      // New noise moves the logits, never the state (the torso and the LSTM have no noise).
      expect(relErr(again.q.dataSync(), whole.q.dataSync())).toBeGreaterThan(1e-4);
      expect(Array.from(again.state[0]!.dataSync())).toEqual(Array.from(whole.state[0]!.dataSync()));
    });
    setModelNoisy(model, false);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await modelArtifacts(model)));
    tf.tidy(() => {
      const a = recurrentQForward(model, obs, state).q;
      expect(Array.from(recurrentQForward(loaded, obs, state).q.dataSync())).toEqual(Array.from(a.dataSync()));
    });
    tf.dispose([obs, ...state]);
    loaded.dispose();
    model.dispose();
  });

  it.skipIf(!nativeOk)('the native backend agrees with cpu on noisy dueling C51 logits and states', async () => {
    const model = rainbow({ noisy: true });
    resetModelNoise(model, new Rng(2));
    const { obs, state } = data(3, 5, [4], 6, 2, 6);
    await expectNativeAgrees(model, obs, state);
    tf.dispose([obs, ...state]);
    model.dispose();
  });
});
