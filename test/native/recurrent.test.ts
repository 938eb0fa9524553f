/**
 * The fused recurrent layers of the native backend (LSTM, GRU, SimpleRNN) against tfjs' own step
 * loop on cpu: outputs (1e-5) and the gradients of the input and every weight (1e-4 relative), over
 * the layer options the fused path takes (masks, dropout, goBackwards, returnSequences/returnState,
 * initial states), stateful carry-over and resetStates, Bidirectional, small models trained a few
 * steps on each backend, save/load across backends; and the reset-after GRU kernel against the same
 * cell written with tfjs ops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fusedCalls, rnnSequence } from '../../src/backends/native/recurrent.js';
import { gruResetAfter, type ResetAfterGruArgs } from '../../models/gru.js';
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
  const before = fusedTotal();
  const got = runOn('native', fn);
  expect(fusedTotal(), 'the native run took the fused path').toBeGreaterThan(before);
  expect(got.length).toBe(ref.length);
  ref.forEach((r, i) => {
    expect(got[i]?.shape, `output ${i}`).toEqual(r.shape);
    const e = relErr(got[i]?.values ?? [], r.values);
    if (!(e <= tol)) throw new Error(`output ${i}: relative error ${e} > ${tol}`);
  });
}

/** Saves `m` in memory, disposes it, and loads it back with `backend` active. */
async function reloadOn(m: tf.LayersModel, backend: string): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  m.dispose();
  tf.setBackend(backend);
  return tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
}

/**
 * Trains a fresh model from `build` 4 steps (Adam's slots made by the first) on cpu and on native:
 * the native run takes the fused `cell` path, neither grows the tensor count after the first step,
 * and both end at the same weights (1e-4 relative).
 */
async function expectTrainsAlike(
  build: () => tf.LayersModel,
  data: () => [tf.Tensor, tf.Tensor],
  cell: keyof typeof fusedCalls,
): Promise<void> {
  const trained: Record<string, number[][]> = {};
  for (const backend of ['cpu', 'native']) {
    tf.setBackend(backend);
    const m = build();
    const [xs, ys] = data();
    const fusedBefore = fusedCalls[cell];
    await m.trainOnBatch(xs, ys); // creates the optimizer's slots
    if (backend === 'native') expect(fusedCalls[cell], 'the fused path ran').toBeGreaterThan(fusedBefore);
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
}

/** Fused calls of every cell so far. */
function fusedTotal(): number {
  return fusedCalls.lstm + fusedCalls.gru + fusedCalls.simpleRnn;
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
    await expectTrainsAlike(build, () => [tf.tensor2d(ids, [16, 7]), tf.tensor2d(labels, [16, 1])], 'lstm');
  });
});

type RnnArgs = Partial<Parameters<typeof tf.layers.gru>[0]>;

/** A built GRU or SimpleRNN layer with seeded weights. */
function cellLayer(kind: 'gru' | 'simpleRNN', args: RnnArgs = {}, seed = 1): tf.layers.Layer {
  const common = {
    units: H,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 2 }),
    ...args,
  };
  const layer = kind === 'gru' ? tf.layers.gru(common) : tf.layers.simpleRNN(common);
  build(layer);
  return layer;
}

/** A deterministic stand-in for tfjs' dropout (cells call it on ones): drops every index i with
 * (7i mod 10) / 10 < rate and scales the rest by 1 / (1 - rate), as dropout does. */
function fixedDropout(x: tf.Tensor, rate: number): tf.Tensor {
  return tf.tidy(() => {
    const keep = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) keep[i] = ((7 * i) % 10) / 10 < rate ? 0 : 1 / (1 - rate);
    return tf.mul(x, tf.tensor(keep, x.shape));
  });
}

/** [B, T] masks: example 0 unmasked, 1 pre-padded (first two steps masked), 2 with holes. */
const maskData = [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1];

describe('fused GRU and SimpleRNN on native match tfjs on cpu', () => {
  const x = randomData(B * T * I, new Rng(13));

  itNative('GRU: returnSequences, default activations (tanh, hard sigmoid)', () => {
    expectSame(outputsAndGrads(cellLayer('gru', { returnSequences: true }), x), 1e-4);
  });

  itNative('GRU: goBackwards, sigmoid, no bias, returnState with an initial state', () => {
    const layer = cellLayer(
      'gru',
      { goBackwards: true, recurrentActivation: 'sigmoid', useBias: false, returnState: true, returnSequences: true },
      61,
    );
    const h0 = randomData(B * H, new Rng(14));
    expectSame(() => outputsAndGrads(layer, x, { initialState: [tf.tensor2d(h0, [B, H])] })(), 1e-4);
  });

  itNative('SimpleRNN: returnSequences (tanh), and relu with goBackwards and an initial state', () => {
    expectSame(outputsAndGrads(cellLayer('simpleRNN', { returnSequences: true }, 71), x), 1e-4);
    const layer = cellLayer('simpleRNN', { activation: 'relu', goBackwards: true, returnState: true }, 81);
    const h0 = randomData(B * H, new Rng(15));
    expectSame(() => outputsAndGrads(layer, x, { initialState: [tf.tensor2d(h0, [B, H])] })(), 1e-4);
  });

  for (const kind of ['lstm', 'gru', 'simpleRNN'] as const) {
    itNative(`${kind}: masked steps keep the state and repeat the output, forwards and backwards`, () => {
      for (const goBackwards of [false, true]) {
        const args = { returnSequences: true, returnState: true, goBackwards };
        const layer = kind === 'lstm' ? lstmLayer(args, 91) : cellLayer(kind, args, 91);
        expectSame(() => outputsAndGrads(layer, x, { mask: tf.tensor2d(maskData, [B, T], 'bool') })(), 1e-4);
      }
    });

    itNative(`${kind}: input and recurrent dropout (tfjs' masks: one per call)`, () => {
      const args = { returnSequences: true, dropout: 0.3, recurrentDropout: 0.4, dropoutFunc: fixedDropout };
      const layer = kind === 'lstm' ? lstmLayer(args, 101) : cellLayer(kind, args, 101);
      // tfjs' stock cells keep their last masks until the next call: free them with the run.
      const cell = (
        layer as unknown as { cell: Record<'dropoutMask' | 'recurrentDropoutMask', tf.Tensor | tf.Tensor[] | null> }
      ).cell;
      const run = (training: boolean) => (): tf.Tensor[] => {
        const outs = outputsAndGrads(layer, x, { training })();
        tf.dispose([cell.dropoutMask ?? [], cell.recurrentDropoutMask ?? []].flat());
        cell.dropoutMask = null;
        cell.recurrentDropoutMask = null;
        return outs;
      };
      expectSame(run(true), 1e-4);
      // Not training: no dropout at all.
      expectSame(run(false), 1e-4);
    });
  }

  itNative('stateful GRU: carries the state across batches and resetStates clears it', () => {
    const layer = tf.layers.gru({
      units: H,
      stateful: true,
      batchInputShape: [B, T, I],
      kernelInitializer: tf.initializers.glorotUniform({ seed: 111 }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: 112 }),
    });
    build(layer);
    const x2 = randomData(B * T * I, new Rng(16));
    const reset = (): void => (layer as unknown as { resetStates(): void }).resetStates();
    const run = (): tf.Tensor[] => {
      reset();
      const first = layer.apply(tf.tensor3d(x, [B, T, I])) as tf.Tensor;
      const second = layer.apply(tf.tensor3d(x2, [B, T, I])) as tf.Tensor;
      reset();
      const again = layer.apply(tf.tensor3d(x, [B, T, I])) as tf.Tensor;
      return [first, second, again];
    };
    expectSame(run, 1e-5);
    const [first, second, again] = runOn('native', run);
    expect(relErr(again?.values ?? [], first?.values ?? [])).toBe(0);
    expect(relErr(second?.values ?? [], first?.values ?? [])).toBeGreaterThan(1e-3);
  });

  itNative('Bidirectional GRU (sum) and SimpleRNN (ave) over the fused layers', () => {
    const gru = tf.layers.bidirectional({
      layer: cellLayer('gru', { returnSequences: true }, 121) as tf.RNN,
      mergeMode: 'sum',
    });
    build(gru);
    expectSame(outputsAndGrads(gru, x), 1e-4);
    const rnn = tf.layers.bidirectional({ layer: cellLayer('simpleRNN', {}, 131) as tf.RNN, mergeMode: 'ave' });
    build(rnn);
    expectSame(outputsAndGrads(rnn, x), 1e-4);
  });

  /** The book's POS tagger in small: Embedding (maskZero) -> GRU -> RepeatVector -> GRU -> softmax. */
  function tagger(): tf.LayersModel {
    const m = tf.sequential();
    m.add(
      tf.layers.embedding({
        inputDim: 30,
        outputDim: 6,
        inputLength: 7,
        maskZero: true,
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 141 }),
      }),
    );
    const rnn = (returnSequences: boolean, seed: number): tf.layers.Layer =>
      tf.layers.gru({
        units: 5,
        returnSequences,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      });
    m.add(rnn(false, 142));
    m.add(tf.layers.repeatVector({ n: 7 }));
    m.add(rnn(true, 144));
    m.add(
      tf.layers.timeDistributed({
        layer: tf.layers.dense({
          units: 4,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 146 }),
        }),
      }),
    );
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    return m;
  }

  itNative('a masked Embedding + GRU tagger trains 4 Adam steps to the same weights, without leaks', async () => {
    const rng = new Rng(17);
    // Pre-padded id sequences (0 = padding, masked by the embedding) and one-hot tags.
    const ids = Array.from({ length: 12 * 7 }, (_, i) => (i % 7 < (i * 3) % 4 ? 0 : 1 + rng.nextInt(29)));
    const tags = Array.from({ length: 12 * 7 }, () => rng.nextInt(4));
    await expectTrainsAlike(
      tagger,
      () => [
        tf.tensor2d(ids, [12, 7]),
        tf.tidy(() => tf.reshape(tf.oneHot(tf.tensor1d(tags, 'int32'), 4), [12, 7, 4])),
      ],
      'gru',
    );
  });

  itNative('a model saved on native loads and predicts identically on cpu, and the reverse', async () => {
    const rng = new Rng(18);
    const ids = tf.tensor2d(
      Array.from({ length: 4 * 7 }, () => rng.nextInt(30)),
      [4, 7],
    );
    for (const [from, to] of [
      ['native', 'cpu'],
      ['cpu', 'native'],
    ] as const) {
      tf.setBackend(from);
      const m = tagger();
      const expected = tf.tidy(() => (m.predict(ids) as tf.Tensor).dataSync().slice());
      const loaded = await reloadOn(m, to);
      const got = tf.tidy(() => (loaded.predict(ids) as tf.Tensor).dataSync().slice());
      expect(relErr(got, expected), `${from} -> ${to}`).toBeLessThan(1e-5);
      loaded.dispose();
    }
    ids.dispose();
  });
});

describe('the reset-after GRU kernel (Keras 3 / cuDNN) against the same cell in tfjs ops', () => {
  /** h' = z h + (1 - z) hh, hh = tanh(x W_h + b_h + r (h R_h + rb_h)), z, r sigmoid (Keras 3). */
  function reference(x: tf.Tensor3D, w: tf.Tensor[], h0: tf.Tensor2D): tf.Tensor[] {
    const [kernel, recurrentKernel, bias, recurrentBias] = w as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    let h = h0 as tf.Tensor2D;
    const outs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const xt = tf.reshape(tf.slice(x, [0, t, 0], [B, 1, I]), [B, I]);
      const xw = tf.add(tf.matMul(xt, kernel), bias);
      const hr = tf.add(tf.matMul(h, recurrentKernel), recurrentBias);
      const [xz, xr, xh] = tf.split(xw, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const [hz, hrr, hh0] = tf.split(hr, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const z = tf.sigmoid(tf.add(xz, hz));
      const r = tf.sigmoid(tf.add(xr, hrr));
      const hh = tf.tanh(tf.add(xh, tf.mul(r, hh0)));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D;
      outs.push(h);
    }
    return [tf.stack(outs, 1), h];
  }

  itNative('outputs, and gradients of x, both kernels, both biases and h0', () => {
    const rng = new Rng(19);
    const G = 3 * H;
    const data = {
      x: randomData(B * T * I, rng),
      kernel: randomData(I * G, rng),
      recurrentKernel: randomData(H * G, rng),
      bias: randomData(G, rng),
      recurrentBias: randomData(G, rng),
      h0: randomData(B * H, rng),
    };
    const weights = (): tf.Tensor[] => [
      tf.tensor2d(data.kernel, [I, G]),
      tf.tensor2d(data.recurrentKernel, [H, G]),
      tf.tensor1d(data.bias),
      tf.tensor1d(data.recurrentBias),
    ];
    const lossOf = (outs: tf.Tensor[]): tf.Scalar => weightedSum(outs, new Rng(20));
    const run = (fused: boolean) => (): tf.Tensor[] => {
      const x = tf.tensor3d(data.x, [B, T, I]);
      const h0 = tf.tensor2d(data.h0, [B, H]);
      const w = weights();
      const forward = (xi: tf.Tensor, hi: tf.Tensor, wi: tf.Tensor[]): tf.Tensor[] =>
        fused
          ? rnnSequence(
              xi as tf.Tensor3D,
              {
                kernel: wi[0] as tf.Tensor2D,
                recurrentKernel: wi[1] as tf.Tensor2D,
                bias: wi[2] as tf.Tensor1D,
                recurrentBias: wi[3] as tf.Tensor1D,
                h0: hi as tf.Tensor2D,
              },
              { cell: 'gruResetAfter', goBackwards: false, activation: 'tanh', recurrentActivation: 'sigmoid' },
            ).slice(0, 2)
          : reference(xi as tf.Tensor3D, wi, hi as tf.Tensor2D);
      const outs = forward(x, h0, w);
      const grads = tf.grads((xi: tf.Tensor, hi: tf.Tensor, k: tf.Tensor, rk: tf.Tensor, b: tf.Tensor, rb: tf.Tensor) =>
        lossOf(forward(xi, hi, [k, rk, b, rb])),
      )([x, h0, ...w]);
      return [...outs, ...grads];
    };
    // The reference runs on cpu; the fused kernel exists on native only.
    const ref = runOn('cpu', run(false));
    const got = runOn('native', run(true));
    expect(got.length).toBe(ref.length);
    ref.forEach((r, i) => expect(relErr(got[i]?.values ?? [], r.values), `output ${i}`).toBeLessThan(1e-4));
  });
});

describe("Keras 3's GRU (reset after, models/gru.ts): fused on native, the cell's step loop on cpu", () => {
  function keras3Gru(args: Partial<ResetAfterGruArgs>, seed: number): tf.layers.Layer {
    const layer = gruResetAfter({
      units: H,
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 2 }),
      ...args,
    });
    build(layer);
    return layer;
  }
  const x = randomData(B * T * I, new Rng(21));

  itNative('weights in the Keras 3 layout: kernel [I, 3H], recurrent kernel [H, 3H], bias [2, 3H]', () => {
    const layer = keras3Gru({}, 151);
    expect(layer.getWeights().map((w) => w.shape)).toEqual([
      [I, 3 * H],
      [H, 3 * H],
      [2, 3 * H],
    ]);
  });

  itNative('returnSequences and returnState, goBackwards, with a mask, and under Bidirectional', () => {
    expectSame(outputsAndGrads(keras3Gru({ returnSequences: true, returnState: true }, 161), x), 1e-4);
    const back = keras3Gru({ returnSequences: true, goBackwards: true }, 171);
    expectSame(() => outputsAndGrads(back, x, { mask: tf.tensor2d(maskData, [B, T], 'bool') })(), 1e-4);
    const bi = tf.layers.bidirectional({ layer: keras3Gru({}, 181) as tf.RNN, mergeMode: 'concat' });
    build(bi);
    expectSame(outputsAndGrads(bi, x), 1e-4);
  });

  itNative(
    'a model with it saves and loads (the cell is registered) and predicts the same on both backends',
    async () => {
      tf.setBackend('native');
      const m = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [T, I] }), keras3Gru({}, 191)] });
      const xt = tf.tensor3d(x, [B, T, I]);
      const expected = tf.tidy(() => (m.predict(xt) as tf.Tensor).dataSync().slice());
      const loaded = await reloadOn(m, 'cpu');
      const got = tf.tidy(() => (loaded.predict(xt) as tf.Tensor).dataSync().slice());
      expect(relErr(got, expected)).toBeLessThan(1e-5);
      loaded.dispose();
      xt.dispose();
      tf.setBackend('native');
    },
  );
});
