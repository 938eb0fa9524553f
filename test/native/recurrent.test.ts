/**
 * The fused LSTM of the native backend against tfjs' own step loop on cpu: outputs (1e-5) and the
 * gradients of the input and every weight (1e-4 relative), over the layer options the fused path
 * takes, stateful carry-over, Bidirectional, and a small model trained a few steps on each backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fusedCalls } from '../../src/backends/native/recurrent.js';
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

const layers: tf.layers.Layer[] = [];
afterAll(() => {
  for (const l of layers) l.dispose();
});

/** Builds a layer's weights (on a symbolic input: no tensors made) and registers it for disposal. */
function build(layer: tf.layers.Layer): void {
  layer.apply(tf.input({ batchShape: [B, T, I] }));
  layers.push(layer);
}

/** Runs fn on cpu and native; every output must agree within tol (relative to its largest value). */
function expectSame(fn: () => tf.Tensor[], tol: number): void {
  const ref = runOn('cpu', fn);
  const before = fusedCalls.lstm;
  const got = runOn('native', fn);
  expect(fusedCalls.lstm, 'the native run took the fused path').toBeGreaterThan(before);
  expect(got.length).toBe(ref.length);
  ref.forEach((r, i) => {
    expect(got[i]?.shape, `output ${i}`).toEqual(r.shape);
    const e = relErr(got[i]?.values ?? [], r.values);
    if (!(e <= tol)) throw new Error(`output ${i}: relative error ${e} > ${tol}`);
  });
}

const B = 3;
const T = 5;
const I = 4;
const H = 6;

/** A built LSTM layer with seeded weights (tfjs' default orthogonal recurrent init is unseeded). */
function lstmLayer(args: Partial<Parameters<typeof tf.layers.lstm>[0]> = {}, seed = 1): tf.layers.Layer {
  const layer = tf.layers.lstm({
    units: H,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 2 }),
    ...args,
  });
  build(layer);
  return layer;
}

/** Loss = sum(out_k * w_k) over the outputs, so every output position gets its own gradient. */
function weightedSum(outs: tf.Tensor[], rng: Rng): tf.Scalar {
  let total = tf.scalar(0);
  for (const o of outs) total = tf.add(total, tf.sum(tf.mul(o, tf.tensor(randomData(o.size, rng), o.shape))));
  return total as tf.Scalar;
}

/** Outputs, d loss / d x, and d loss / d every trainable weight of `layer` applied to `x`. */
function outputsAndGrads(
  layer: tf.layers.Layer,
  xData: Float32Array,
  kwargs: Record<string, unknown> = {},
): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor3d(xData, [B, T, I]);
    const apply = (xt: tf.Tensor): tf.Tensor[] => {
      const r = layer.apply(xt, kwargs) as tf.Tensor | tf.Tensor[];
      return Array.isArray(r) ? r : [r];
    };
    const outs = apply(x);
    const dx = tf.grad((xt: tf.Tensor) => weightedSum(apply(xt), new Rng(9)))(x);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => weightedSum(apply(x), new Rng(9)), vars);
    return [...outs, dx, ...vars.map((v) => grads[v.name] as tf.Tensor)];
  };
}

describe('fused LSTM on native matches tfjs on cpu', () => {
  const x = randomData(B * T * I, new Rng(3));

  itNative('returnSequences, default activations (tanh, hard sigmoid)', () => {
    expectSame(outputsAndGrads(lstmLayer({ returnSequences: true }), x), 1e-4);
  });

  itNative('last output only, goBackwards, sigmoid gates, no bias', () => {
    const layer = lstmLayer({ goBackwards: true, recurrentActivation: 'sigmoid', useBias: false }, 11);
    expectSame(outputsAndGrads(layer, x), 1e-4);
  });

  itNative('returnState with given initial states; relu activation', () => {
    const layer = lstmLayer({ returnSequences: true, returnState: true, activation: 'relu' }, 21);
    const rng = new Rng(4);
    const h0 = randomData(B * H, rng);
    const c0 = randomData(B * H, rng);
    expectSame(() => {
      const initialState = [tf.tensor2d(h0, [B, H]), tf.tensor2d(c0, [B, H])];
      return outputsAndGrads(layer, x, { initialState })();
    }, 1e-4);
  });

  itNative("stateful: the second batch starts from the first one's final states", () => {
    const layer = tf.layers.lstm({
      units: H,
      stateful: true,
      batchInputShape: [B, T, I],
      kernelInitializer: tf.initializers.glorotUniform({ seed: 31 }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: 32 }),
    });
    build(layer);
    const x2 = randomData(B * T * I, new Rng(5));
    expectSame(() => {
      (layer as unknown as { resetStates(): void }).resetStates();
      const first = layer.apply(tf.tensor3d(x, [B, T, I])) as tf.Tensor;
      const second = layer.apply(tf.tensor3d(x2, [B, T, I])) as tf.Tensor;
      return [first, second];
    }, 1e-5);
  });

  itNative('Bidirectional (concat) over the fused layer', () => {
    const layer = tf.layers.bidirectional({
      layer: tf.layers.lstm({
        units: H,
        returnSequences: true,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 41 }),
        recurrentInitializer: tf.initializers.glorotUniform({ seed: 42 }),
      }) as tf.RNN,
      mergeMode: 'concat',
    });
    build(layer);
    expectSame(outputsAndGrads(layer, x), 1e-4);
  });

  itNative('an Embedding + LSTM + Dense model trains 4 Adam steps to the same weights, without leaks', async () => {
    const build = (): tf.LayersModel => {
      const m = tf.sequential();
      m.add(
        tf.layers.embedding({
          inputDim: 50,
          outputDim: 8,
          inputLength: 7,
          embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 51 }),
        }),
      );
      m.add(
        tf.layers.lstm({
          units: 5,
          kernelInitializer: tf.initializers.glorotUniform({ seed: 52 }),
          recurrentInitializer: tf.initializers.glorotUniform({ seed: 53 }),
        }),
      );
      m.add(
        tf.layers.dense({
          units: 1,
          activation: 'sigmoid',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 54 }),
        }),
      );
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
      return m;
    };
    const rng = new Rng(6);
    const ids = Array.from({ length: 16 * 7 }, () => rng.nextInt(50));
    const labels = Array.from({ length: 16 }, () => rng.nextInt(2));
    const trained: Record<string, number[][]> = {};
    for (const backend of ['cpu', 'native']) {
      tf.setBackend(backend);
      const m = build();
      const xs = tf.tensor2d(ids, [16, 7]);
      const ys = tf.tensor2d(labels, [16, 1]);
      await m.trainOnBatch(xs, ys); // creates the optimizer's slots
      const before = tf.memory().numTensors;
      for (let step = 1; step < 4; step++) await m.trainOnBatch(xs, ys);
      expect(tf.memory().numTensors, `${backend}: no tensor growth`).toBe(before);
      trained[backend] = m.getWeights().map((w) => Array.from(w.dataSync()));
      tf.dispose([xs, ys]);
      m.dispose();
    }
    const cpu = trained['cpu'] ?? [];
    const native = trained['native'] ?? [];
    expect(native.length).toBe(cpu.length);
    cpu.forEach((w, i) => expect(relErr(native[i] ?? [], w), `weight ${i}`).toBeLessThan(1e-4));
  });
});
