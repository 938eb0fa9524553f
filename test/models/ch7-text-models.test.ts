/**
 * The Chapter 7 text models: the memory network (shapes, parameters, the match/add/permute
 * wiring checked against a hand computation, training without tensor growth) and the sentence
 * autoencoder (Keras' parameter counts, merge mode sum, encoder half, training step), their
 * Keras-style argument errors, multi-input `fit`, and both on the native backend's fused LSTM.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit } from '../../models/fit.js';
import { ORTHOGONAL_FAST_ABOVE, SeededInit, orthogonalFromNormal, tfjsSeed } from '../../models/init.js';
import { MEMORY_NETWORK_BOOK, memoryNetwork } from '../../models/memory-network.js';
import { disposeModelAndOptimizer } from '../../models/optimizers.js';
import { sentenceAutoencoder } from '../../models/sentence-autoencoder.js';
import { countParams } from '../../models/summary.js';
import { ModelArgumentError } from '../../models/validate.js';
import { useBackend } from '../../src/backends/index.js';
import { fusedCalls } from '../../src/backends/native/recurrent.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable } from '../native/helpers.js';

const haveNative = await nativeAvailable();
// The fastest backend present (native when built): LSTMs on the pure-JS cpu backend are slow.
beforeAll(async () => {
  await useBackend('auto');
});

/** Random word ids in [0, vocab) as float32 `[n, len]`. */
function ids(rng: Rng, n: number, len: number, vocab: number): tf.Tensor2D {
  return tf.tensor2d(
    Float32Array.from({ length: n * len }, () => rng.nextInt(vocab)),
    [n, len],
  );
}

describe('memoryNetwork (mem-network.py)', () => {
  const V = 22;
  const S = 14;
  const Q = 4;

  it("has the book's layers and Keras' parameter counts", () => {
    const m = memoryNetwork(new Rng(1), { vocabSize: V, storyMaxlen: S, questionMaxlen: Q });
    try {
      const { embeddingSize: E, latentSize: H } = MEMORY_NETWORK_BOOK;
      // three embeddings, LSTM over Q steps of S + E features, Dense V
      const expected = V * E + V * E + V * Q + 4 * H * (S + E + H + 1) + H * V + V;
      expect(countParams(m).total).toBe(expected);
      expect(countParams(m).total).toBe(17838);
      expect(m.inputs.map((i) => i.shape)).toEqual([
        [null, S],
        [null, Q],
      ]);
      expect(m.outputs[0]?.shape).toEqual([null, V]);
      expect(m.getLayer('response').outputShape).toEqual([null, Q, S]);
      expect(m.getLayer('response_question').outputShape).toEqual([null, Q, S + E]);
      expect(m.layers.filter((l) => l.getClassName() === 'Dropout')).toHaveLength(4);
    } finally {
      disposeModelAndOptimizer(m);
    }
  });

  it('computes response[q, s] = A[story[s]] . B[question[q]] + C[story[s]][q] (dot, add, permute)', () => {
    const m = memoryNetwork(new Rng(2), { vocabSize: V, storyMaxlen: S, questionMaxlen: Q });
    const probe = tf.model({ inputs: m.inputs, outputs: m.getLayer('response').output as tf.SymbolicTensor });
    const rng = new Rng(3);
    const xs = ids(rng, 2, S, V);
    const xq = ids(rng, 2, Q, V);
    try {
      const got = tf.tidy(() => (probe.predict([xs, xq]) as tf.Tensor).arraySync() as number[][][]);
      const [A, B, C] = ['story_embedding', 'question_embedding', 'story_embedding_c'].map(
        (n) => m.getLayer(n).getWeights()[0]?.arraySync() as number[][],
      );
      const s = xs.arraySync();
      const q = xq.arraySync();
      for (let b = 0; b < 2; b++)
        for (let qi = 0; qi < Q; qi++)
          for (let si = 0; si < S; si++) {
            const a = A?.[s[b]?.[si] ?? 0] ?? [];
            const e = B?.[q[b]?.[qi] ?? 0] ?? [];
            const want = a.reduce((acc, x, k) => acc + x * (e[k] ?? 0), 0) + (C?.[s[b]?.[si] ?? 0]?.[qi] ?? 0);
            expect(got[b]?.[qi]?.[si]).toBeCloseTo(want, 5);
          }
    } finally {
      tf.dispose([xs, xq]);
      disposeModelAndOptimizer(m);
    }
  });

  it('trains on [story, question] with fit (shuffled, validated), leaving no tensors behind', async () => {
    const rng = new Rng(4);
    const m = memoryNetwork(new Rng(5), { vocabSize: V, storyMaxlen: S, questionMaxlen: Q });
    const xs = ids(rng, 64, S, V);
    const xq = ids(rng, 64, Q, V);
    // the answer is the last story word: learnable from the inputs
    const labels = Array.from(xs.arraySync(), (row) => row[S - 1] ?? 0);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), V).toFloat();
    try {
      await fit(m, [xs, xq], y, { epochs: 1, batchSize: 32, rng: new Rng(6) }); // optimizer slots
      const before = tf.memory().numTensors;
      const h = await fit(m, [xs, xq], y, { epochs: 30, batchSize: 16, validationSplit: 0.25, rng: new Rng(6) });
      expect(tf.memory().numTensors).toBe(before);
      expect(h.history['val_loss']).toHaveLength(30);
      const loss = h.history['loss'] ?? [];
      expect(loss.at(-1)).toBeLessThan((loss[0] ?? 0) * 0.8);
      // inputs of different lengths are refused
      const short = tf.slice(xq, 0, 10);
      await expect(fit(m, [xs, short], y)).rejects.toThrow(/`x`, expected inputs of 64 examples each/);
      short.dispose();
    } finally {
      tf.dispose([xs, xq, y]);
      disposeModelAndOptimizer(m);
    }
  });

  it('refuses bad sizes with Keras-style errors', () => {
    expect(() => memoryNetwork(new Rng(1), { vocabSize: 0, storyMaxlen: 2, questionMaxlen: 2 })).toThrow(
      'Received an invalid value for `vocabSize`, expected a positive integer. Received: vocabSize=0',
    );
    expect(() => memoryNetwork(new Rng(1), { vocabSize: 5, storyMaxlen: 2.5, questionMaxlen: 2 })).toThrow(
      ModelArgumentError,
    );
    expect(() => memoryNetwork(new Rng(1), { vocabSize: 5, storyMaxlen: 2, questionMaxlen: 2, dropout: 1 })).toThrow(
      /`dropout`, expected a float in the range \[0, 1\)/,
    );
  });
});

describe('sentenceAutoencoder (sent-thoughts-rnn.py)', () => {
  it("the book's sizes: Keras' 3,001,248 parameters, encoder 512 (sum merge), decoder [50, 100]", () => {
    const { autoencoder, encoder } = sentenceAutoencoder(new Rng(1));
    try {
      // Bidirectional(LSTM 512) on 100 inputs + Bidirectional(LSTM 100) on 512 inputs
      expect(countParams(autoencoder).total).toBe(2 * 4 * 512 * (100 + 512 + 1) + 2 * 4 * 100 * (512 + 100 + 1));
      expect(countParams(autoencoder).total).toBe(3001248);
      expect(autoencoder.outputs[0]?.shape).toEqual([null, 50, 100]);
      expect(encoder.outputs[0]?.shape).toEqual([null, 512]);
      expect(autoencoder.getLayer('encoder_lstm').getConfig()['mergeMode']).toBe('sum');
      expect(autoencoder.getLayer('decoder_lstm').getConfig()['mergeMode']).toBe('sum');
      expect(autoencoder.layers.map((l) => l.name)).toEqual(['input', 'encoder_lstm', 'repeater', 'decoder_lstm']);
    } finally {
      disposeModelAndOptimizer(autoencoder);
    }
  });

  it('the two directions start from different weights; the same seed builds the same model', () => {
    const a = sentenceAutoencoder(new Rng(7), { sequenceLength: 3, embedSize: 4, latentSize: 5 });
    const b = sentenceAutoencoder(new Rng(7), { sequenceLength: 3, embedSize: 4, latentSize: 5 });
    try {
      const wa = a.autoencoder.getWeights().map((w) => Array.from(w.dataSync()));
      const wb = b.autoencoder.getWeights().map((w) => Array.from(w.dataSync()));
      expect(wa).toEqual(wb);
      // forward kernel vs backward kernel of encoder_lstm
      expect(wa[0]).not.toEqual(wa[3]);
    } finally {
      disposeModelAndOptimizer(a.autoencoder);
      disposeModelAndOptimizer(b.autoencoder);
    }
  });

  it('trains to reproduce its input (MSE falls), no tensor growth; the encoder shares its weights', async () => {
    const { autoencoder, encoder } = sentenceAutoencoder(new Rng(8), {
      sequenceLength: 6,
      embedSize: 4,
      latentSize: 8,
    });
    const rng = new Rng(9);
    const x = tf.tensor3d(
      Float32Array.from({ length: 32 * 6 * 4 }, () => rng.normal(0, 0.4)),
      [32, 6, 4],
    );
    try {
      await fit(autoencoder, x, x, { epochs: 1, batchSize: 32, rng: new Rng(1) });
      const before = tf.memory().numTensors;
      const h = await fit(autoencoder, x, x, { epochs: 5, batchSize: 8, validationData: [x, x], rng: new Rng(1) });
      expect(tf.memory().numTensors).toBe(before);
      const loss = h.history['loss'] ?? [];
      expect(loss.at(-1)).toBeLessThan(loss[0] ?? 0);
      // the encoder reads the trained weights: its output is encoder_lstm's inside the autoencoder
      const [e1, e2] = tf.tidy(() => {
        const probe = tf.model({
          inputs: autoencoder.inputs,
          outputs: autoencoder.getLayer('encoder_lstm').output as tf.SymbolicTensor,
        });
        return [encoder.predict(x) as tf.Tensor, probe.predict(x) as tf.Tensor].map((t) => Array.from(t.dataSync()));
      });
      expect(e1).toEqual(e2);
    } finally {
      x.dispose();
      disposeModelAndOptimizer(autoencoder);
    }
  });

  it('refuses bad sizes with Keras-style errors', () => {
    expect(() => sentenceAutoencoder(new Rng(1), { latentSize: -1 })).toThrow(
      'Received an invalid value for `latentSize`, expected a positive integer. Received: latentSize=-1',
    );
    expect(() => sentenceAutoencoder(new Rng(1), { sequenceLength: 0 })).toThrow(ModelArgumentError);
  });
});

describe('orthogonal initialiser of large kernels (float64 Cholesky QR)', () => {
  it("gives tfjs' Orthogonal Q (same normal draw) to float32 rounding", () => {
    const a = tf.randomNormal([40, 12], 0, 1, 'float32', 11);
    try {
      const stock = tf.tidy(() => {
        const [q, r] = tf.linalg.qr(a);
        const diag = tf.stridedSlice(tf.reshape(r as tf.Tensor, [-1]), [0], [144], [13]);
        return tf.mul(q as tf.Tensor, tf.sign(diag)).dataSync();
      });
      const mine = orthogonalFromNormal(a.dataSync(), 40, 12, false);
      expect(mine).toBeDefined();
      let d = 0;
      stock.forEach((v, i) => (d = Math.max(d, Math.abs(v - (mine?.[i] ?? NaN)))));
      expect(d).toBeLessThan(1e-5);
    } finally {
      a.dispose();
    }
  });

  it('SeededInit.orthogonal above the threshold: the seeded draw through it, rows orthonormal', () => {
    const shape = [60, 1200]; // 72,000 elements, rows < cols: Q of the [1200, 60] draw, transposed
    expect(60 * 1200).toBeGreaterThan(ORTHOGONAL_FAST_ABOVE);
    const w = new SeededInit(new Rng(5)).orthogonal().apply(shape);
    const draw = tf.randomNormal([1200, 60], 0, 1, 'float32', tfjsSeed(new Rng(5)));
    try {
      expect(Array.from(w.dataSync())).toEqual(Array.from(orthogonalFromNormal(draw.dataSync(), 1200, 60, true) ?? []));
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.matMul(w, w, false, true), tf.eye(60)))).dataSync()[0]);
      expect(err).toBeLessThan(1e-5);
    } finally {
      tf.dispose([w, draw]);
    }
  });

  it('orthogonalFromNormal: R positive diagonal (Q^T A upper triangular), undefined when rank-deficient', () => {
    const a = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]; // 4 x 3
    const q = orthogonalFromNormal(a, 4, 3, false);
    if (!q) throw new Error('full rank');
    // R = Q^T A
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let r = 0;
        for (let k = 0; k < 4; k++) r += (q[k * 3 + i] ?? 0) * (a[k * 3 + j] ?? 0);
        if (i > j) expect(r).toBeCloseTo(0, 5);
        if (i === j) expect(r).toBeGreaterThan(0);
      }
    expect(orthogonalFromNormal([1, 2, 2, 4], 2, 2, false)).toBeUndefined();
    expect(() => orthogonalFromNormal([1, 2], 1, 2, false)).toThrow(RangeError);
  });
});

describe.skipIf(!haveNative)('on the native backend', () => {
  it('both models run their LSTMs on the fused kernels', async () => {
    await useBackend('native');
    try {
      const lstmBefore = fusedCalls.lstm;
      const m = memoryNetwork(new Rng(1), { vocabSize: 10, storyMaxlen: 6, questionMaxlen: 3 });
      const { autoencoder } = sentenceAutoencoder(new Rng(1), { sequenceLength: 4, embedSize: 3, latentSize: 5 });
      const rng = new Rng(2);
      const xs = ids(rng, 8, 6, 10);
      const xq = ids(rng, 8, 3, 10);
      const y = tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: 8 }, () => rng.nextInt(10)),
            'int32',
          ),
          10,
        )
        .toFloat();
      const x = tf.randomNormal([8, 4, 3], 0, 1, 'float32', 3);
      try {
        await fit(m, [xs, xq], y, { epochs: 1, batchSize: 8 });
        await fit(autoencoder, x, x, { epochs: 1, batchSize: 8 });
        // memnet: 1 LSTM; autoencoder: 4 directions, forward and backward passes
        expect(fusedCalls.lstm - lstmBefore).toBeGreaterThanOrEqual(5);
      } finally {
        tf.dispose([xs, xq, y, x]);
        disposeModelAndOptimizer(m);
        disposeModelAndOptimizer(autoencoder);
      }
    } finally {
      await useBackend('auto');
    }
  });
});
