import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CsvLogger,
  EarlyStopping,
  LearningRateScheduler,
  ModelCheckpoint,
  ProgressLogger,
  TensorBoard,
} from '../../models/callbacks.js';
import { evaluate, fit, predictClasses, labelsOf } from '../../models/fit.js';
import { confusionMatrix, formatConfusionMatrix } from '../../models/metrics.js';
import { compileClassifier, mnistMlp } from '../../models/mnist-mlp.js';
import { getLearningRate } from '../../models/optimizers.js';
import { loadModel } from '../../src/io/model-io.js';
import { MemorySink } from '../../src/metrics/sink.js';
import { Rng } from '../../src/rng/rng.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tfgym-fit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A separable toy problem: class = which of 4 blocks of 16 inputs is brightest. */
function toyData(n: number, seed: number): [tf.Tensor2D, tf.Tensor2D] {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const c = rng.nextInt(4);
    for (let j = 0; j < 64; j++) x[i * 64 + j] = rng.uniform(0, 0.5) + (Math.floor(j / 16) === c ? 0.5 : 0);
    y[i * 4 + c] = 1;
  }
  return [tf.tensor2d(x, [n, 64]), tf.tensor2d(y, [n, 4])];
}

function toyModel(seed = 0, optimizer: 'sgd' | 'adam' = 'adam'): tf.Sequential {
  const m = mnistMlp({ variant: 'hidden', inputSize: 64, hiddenUnits: 16, numClasses: 4, rng: new Rng(seed) });
  compileClassifier(m, optimizer);
  return m;
}

describe('fit / evaluate', () => {
  it('learns a toy task, logs val metrics, leaks no tensors, and repeats exactly with the same seeds', async () => {
    const [x, y] = toyData(256, 1);
    const run = async () => {
      const m = toyModel(3);
      // A first call creates the optimizer's slot variables (state, not a leak); after that,
      // nothing may grow.
      const warm = await fit(m, x, y, { epochs: 1, batchSize: 256, shuffle: false });
      expect(warm.epoch).toEqual([0]);
      const before = tf.memory().numTensors;
      const h = await fit(m, x, y, {
        epochs: 8,
        batchSize: 32,
        validationSplit: 0.25,
        rng: new Rng(5),
        initialEpoch: 0,
      });
      const ev = evaluate(m, x, y, 64);
      const cls = predictClasses(m, x, 64);
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
      return { h, ev, cls };
    };
    const a = await run();
    expect(Object.keys(a.h.history).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(a.h.epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(a.ev['acc']).toBeGreaterThan(0.6);
    expect(a.cls.length).toBe(256);
    const b = await run();
    expect(b.h.history['loss']).toEqual(a.h.history['loss']);
    x.dispose();
    y.dispose();
  });

  it('progress logger: plain lines when not a TTY, a redrawn bar in a TTY', async () => {
    const [x, y] = toyData(64, 2);
    for (const isTTY of [false, true]) {
      let text = '';
      const m = toyModel();
      await fit(m, x, y, {
        epochs: 2,
        batchSize: 16,
        validationSplit: 0.25,
        callbacks: [new ProgressLogger({ write: (s) => (text += s), isTTY })],
      });
      m.dispose();
      expect(text).toMatch(/Train on 48 samples, validate on 16 samples/);
      if (isTTY) {
        expect(text).toMatch(/Epoch 1\/2\n/);
        expect(text).toMatch(/\r48\/48 \[=+\] - \d+s \d+us\/step - loss: /);
      } else {
        expect(text).not.toMatch(/\r/);
        expect(
          text
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('Epoch')),
        ).toHaveLength(2);
        expect(text).toMatch(/Epoch 2\/2 - .* - loss: \d\.\d{4} - acc: .* - val_loss: /);
      }
    }
    x.dispose();
    y.dispose();
  });

  it("validation split: Keras' last examples, unshuffled (val metrics = evaluate on the last quarter)", async () => {
    const [x, y] = toyData(64, 6);
    const m = toyModel(2);
    const h = await fit(m, x, y, { epochs: 2, batchSize: 16, validationSplit: 0.25, rng: new Rng(1) });
    const tail = evaluate(m, x.slice(48), y.slice(48));
    const head = evaluate(m, x.slice(0, 16), y.slice(0, 16));
    expect(h.history['val_loss']?.[1]).toBeCloseTo(tail['loss'] ?? NaN, 5);
    expect(h.history['val_loss']?.[1]).not.toBeCloseTo(head['loss'] ?? NaN, 5);
    m.dispose();
    tf.dispose([x, y]);
  });

  it('progress logger: per-batch bar with ETA, the last val_acc and the run ETA; plain lines with the run ETA', () => {
    const ctx = {
      model: undefined as unknown as tf.LayersModel,
      epochs: 3,
      batchSize: 100,
      samples: 1000,
      steps: 10,
      validationSamples: 250,
      stopTraining: false,
    };
    for (const isTTY of [true, false]) {
      let now = 0;
      let text = '';
      const p = new ProgressLogger({ write: (s) => (text += s), isTTY, columns: 400 }, () => now);
      p.onTrainBegin(ctx);
      for (let epoch = 0; epoch < 2; epoch++) {
        p.onEpochBegin(epoch, ctx);
        for (let b = 0; b < 10; b++) {
          now += 1000; // one second per batch of 100: 10 s per epoch
          p.onBatchEnd?.(b, { size: 100, loss: 0.5, acc: 0.8 }, ctx);
        }
        p.onEpochEnd(epoch, { loss: 0.5, acc: 0.8, val_loss: 0.4, val_acc: epoch === 0 ? 0.85 : 0.9 }, ctx);
      }
      if (isTTY) {
        // Half-way through epoch 1 (0-based 0): 5 s left in it, plus 2 more epochs of ~10 s.
        expect(text).toContain(
          '\r 500/1000 [==============>...............] - ETA: 5s - loss: 0.5000 - acc: 0.8000 - run ETA: 25s',
        );
        // During epoch 2 the bar shows epoch 1's validation accuracy.
        expect(text).toContain('acc: 0.8000 - val_acc (epoch 1): 0.8500 - run ETA: 15s');
        expect(text).toContain(
          `\r1000/1000 [${'='.repeat(30)}] - 10s 10000us/step - loss: 0.5000 - acc: 0.8000 - val_loss: 0.4000 - val_acc: 0.9000 - run ETA: 10s\x1b[K\n`,
        );
      } else {
        expect(text).not.toMatch(/\r/);
        expect(text.split('\n').filter((l) => l.startsWith('Epoch'))).toEqual([
          'Epoch 1/3 - 10s 10000us/step - loss: 0.5000 - acc: 0.8000 - val_loss: 0.4000 - val_acc: 0.8500 - run ETA: 20s',
          'Epoch 2/3 - 10s 10000us/step - loss: 0.5000 - acc: 0.8000 - val_loss: 0.4000 - val_acc: 0.9000 - run ETA: 10s',
        ]);
      }
    }
    // A narrow terminal: the redrawn line is cut to fit (a wrapped line cannot be redrawn).
    let narrow = '';
    let t = 0;
    const p = new ProgressLogger({ write: (s) => (narrow += s), isTTY: true, columns: 40 }, () => t);
    p.onTrainBegin(ctx);
    p.onEpochBegin(0, ctx);
    t += 500;
    p.onBatchEnd?.(0, { size: 100, loss: 0.5, acc: 0.8 }, ctx);
    const redraw = narrow.slice(narrow.lastIndexOf('\r') + 1).replace('\x1b[K', '');
    expect(redraw.length).toBe(39);
  });

  it('CSV logger, best-only checkpoint (loadable), early stopping, LR schedule, scalar writer', async () => {
    const [x, y] = toyData(128, 3);
    const m = toyModel(1, 'sgd');
    await fit(m, x, y, { epochs: 1, batchSize: 128 });
    const csv = join(dir, 'log.csv');
    const ckpt = new ModelCheckpoint({ path: join(dir, 'best'), monitor: 'val_loss', saveBestOnly: true });
    // Patience 0 on val_acc with a huge minDelta: stops right after the second epoch.
    const stop = new EarlyStopping({ monitor: 'val_acc', patience: 0, minDelta: 10, restoreBestWeights: true });
    const lrs: number[] = [];
    const sched = new LearningRateScheduler((epoch) => 0.1 / (epoch + 1));
    const sink = new MemorySink();
    const before = tf.memory().numTensors;
    const h = await fit(m, x, y, {
      epochs: 5,
      batchSize: 32,
      validationSplit: 0.25,
      callbacks: [
        sched,
        new CsvLogger(csv),
        ckpt,
        stop,
        new TensorBoard(sink, () => 1000),
        { onEpochEnd: (_e, logs) => void lrs.push(logs['lr'] ?? NaN) },
      ],
    });
    expect(h.epoch).toEqual([0, 1]);
    expect(stop.stoppedEpoch).toBe(1);
    expect(lrs).toEqual([0.1, 0.05]);
    expect(getLearningRate(m.optimizer)).toBeCloseTo(0.05);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,acc,loss,lr,val_acc,val_loss');
    expect(lines).toHaveLength(3);
    expect(sink.records.filter((r) => r.tag === 'epoch_val_loss').map((r) => [r.step, r.wallTime])).toEqual([
      [0, 1000],
      [1, 1000],
    ]);
    expect(ckpt.lastSavedEpoch).toBeGreaterThanOrEqual(0);
    expect(tf.memory().numTensors).toBe(before);
    const loaded = await loadModel(join(dir, 'best'));
    expect(loaded.layers.length).toBe(m.layers.length);
    loaded.dispose();
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it('rejects bad fit arguments Keras-style', async () => {
    const [x, y] = toyData(8, 4);
    const m = toyModel();
    await expect(fit(m, x, y, { epochs: 0 })).rejects.toThrow('Received: epochs=0');
    await expect(fit(m, x, y, { validationSplit: 1.5 })).rejects.toThrow(/validationSplit/);
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it('multi-input models: inputs shuffled and split together, evaluate and predictClasses take arrays', async () => {
    // y = sign(a - b) class: learnable only if the two inputs of an example stay together
    const rng = new Rng(8);
    const n = 128;
    const av = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const bv = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const a = tf.tensor2d(av, [n, 1]);
    const b = tf.tensor2d(bv, [n, 1]);
    const y = tf
      .oneHot(
        tf.tensor1d(
          Array.from(av, (v, i) => (v > (bv[i] ?? 0) ? 1 : 0)),
          'int32',
        ),
        2,
      )
      .toFloat();
    const ia = tf.input({ shape: [1] });
    const ib = tf.input({ shape: [1] });
    const joined = tf.layers.concatenate().apply([ia, ib]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(joined) as tf.SymbolicTensor;
    const m = tf.model({ inputs: [ia, ib], outputs: out });
    m.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    try {
      await fit(m, [a, b], y, { epochs: 1, batchSize: 32 });
      const before = tf.memory().numTensors;
      const h = await fit(m, [a, b], y, { epochs: 30, batchSize: 16, validationSplit: 0.25, rng: new Rng(2) });
      expect(tf.memory().numTensors).toBe(before);
      expect(h.history['val_acc']?.at(-1)).toBeGreaterThan(0.9);
      expect(evaluate(m, [a, b], y)['acc']).toBeGreaterThan(0.9);
      expect(predictClasses(m, [a, b])).toHaveLength(n);
      await expect(fit(m, [a, b], y, { transformEpoch: (t) => t })).rejects.toThrow(/`transformEpoch`/);
    } finally {
      m.dispose();
      tf.dispose([a, b, y]);
    }
  });
});

describe('confusion matrix', () => {
  it('counts true x predicted and formats with labels', () => {
    const m = confusionMatrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], 3);
    expect(m).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
    expect(formatConfusionMatrix(m, ['cat', 'dog', 'emu'])).toMatch(/^true\\pred/);
    const y = tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3);
    expect(Array.from(labelsOf(y))).toEqual([2, 0]);
    y.dispose();
  });
});
