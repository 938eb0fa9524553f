/**
 * models/wavenet.ts: the book's parameter count, argument errors, causality and the receptive
 * field, the train and evaluation steps (scoring, no tensor growth, learning), and the
 * sample-by-sample generator against the full network.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelArgumentError } from '../../models/validate.js';
import {
  BOOK_WAVENET,
  BOOK_WAVENET_PARAMS,
  receptiveField,
  wavenet,
  wavenetDilations,
  wavenetDilationsOf,
  wavenetEvaluate,
  WavenetGenerator,
  wavenetTrainStep,
  type FragmentBatch,
} from '../../models/wavenet.js';
import { useBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const BINS = 16;
const DILATIONS = [1, 2, 4, 8];
const small = (length: number | null, seed = 1): tf.LayersModel =>
  wavenet({ fragmentLength: length, bins: BINS, filters: 8, dilations: DILATIONS, rng: new Rng(seed) });

function levels(n: number, rng: Rng, bins = BINS): Int32Array {
  return Int32Array.from({ length: n }, () => rng.nextInt(bins));
}

/** The model's softmax for one sequence of levels: `[length][bins]`. */
function predict(model: tf.LayersModel, seq: Int32Array, bins = BINS): Float32Array[] {
  const flat = tf.tidy(() => {
    const x = tf.oneHot(tf.tensor2d(seq, [1, seq.length], 'int32'), bins).toFloat();
    return model.predict(x) as tf.Tensor;
  });
  const data = flat.dataSync() as Float32Array;
  flat.dispose();
  return Array.from({ length: seq.length }, (_, t) => data.slice(t * bins, (t + 1) * bins));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return d;
}

describe('the WaveNet factory', () => {
  it("builds the book's network: 4,129,536 parameters, basveeling's layer names, dilations 1 ... 512", () => {
    expect(BOOK_WAVENET.dilations).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    const m = wavenet({ rng: new Rng(1) });
    expect(m.countParams()).toBe(BOOK_WAVENET_PARAMS);
    expect(m.inputs[0]?.shape).toEqual([null, 1152, 256]);
    expect(m.outputs[0]?.shape).toEqual([null, 1152, 256]);
    const names = m.layers.map((l) => l.name);
    for (const n of ['input_part', 'initial_causal_conv', 'dilated_conv_512_sigm_s0', 'gated_activation_9_s0'])
      expect(names).toContain(n);
    // The last stage's residual conv would reach nothing: it is not built.
    expect(names).toContain('residual_conv_8_s0');
    expect(names).not.toContain('residual_conv_9_s0');
    expect(wavenetDilationsOf(m)).toEqual(BOOK_WAVENET.dilations);
    expect(receptiveField(BOOK_WAVENET.dilations)).toBe(1025);
    m.dispose();
  });

  it('stacks repeat the dilations; names stay unique and the stage order is read back', () => {
    expect(wavenetDilations(2, 2)).toEqual([1, 2, 4, 1, 2, 4]);
    const m = wavenet({ fragmentLength: 8, bins: 4, filters: 2, dilations: wavenetDilations(2, 2) });
    expect(wavenetDilationsOf(m)).toEqual([1, 2, 4, 1, 2, 4]);
    expect(m.layers.map((l) => l.name)).toContain('dilated_conv_4_tanh_s1');
    m.dispose();
  });

  it('refuses bad arguments Keras-style', () => {
    expect(() => wavenet({ filters: 0 })).toThrow(ModelArgumentError);
    expect(() => wavenet({ filters: 0 })).toThrow(
      'Received an invalid value for `filters`, expected a positive integer. Received: filters=0',
    );
    expect(() => wavenet({ dilations: [] })).toThrow(/`dilations`, expected a non-empty list of positive integers/);
    expect(() => wavenet({ dilations: [1, 0.5] })).toThrow(ModelArgumentError);
    expect(() => wavenet({ fragmentLength: -3 })).toThrow(/`fragmentLength`/);
    expect(() => wavenetDilations(-1)).toThrow(ModelArgumentError);
  });
});

describe('causality and the receptive field', () => {
  it('output t depends on inputs t - rf + 1 .. t only', () => {
    const rf = receptiveField(DILATIONS); // 17
    const model = small(null);
    const rng = new Rng(3);
    const seq = levels(48, rng);
    const base = predict(model, seq);
    const t = 30;
    // Inputs after t: outputs up to t unchanged, some later output changed.
    const after = seq.slice();
    for (let i = t + 1; i < after.length; i++) after[i] = (after[i]! + 1 + rng.nextInt(BINS - 1)) % BINS;
    const pa = predict(model, after);
    for (let u = 0; u <= t; u++) expect(maxDiff(pa[u]!, base[u]!)).toBe(0);
    expect(maxDiff(pa[t + 1]!, base[t + 1]!)).toBeGreaterThan(1e-6);
    // The oldest input in the field changes output t; the one before it does not.
    const edge = seq.slice();
    edge[t - rf + 1] = (edge[t - rf + 1]! + 5) % BINS;
    expect(maxDiff(predict(model, edge)[t]!, base[t]!)).toBeGreaterThan(1e-6);
    const outside = seq.slice();
    for (let i = 0; i <= t - rf; i++) outside[i] = (outside[i]! + 7) % BINS;
    expect(maxDiff(predict(model, outside)[t]!, base[t]!)).toBe(0);
    model.dispose();
  });
});

describe('the sample-by-sample generator', () => {
  it("equals the full network's softmax at every step, and again after reset", () => {
    const model = small(null, 5);
    const seq = levels(40, new Rng(6));
    const full = predict(model, seq);
    const gen = new WavenetGenerator(model);
    expect(gen.dilations).toEqual(DILATIONS);
    for (let pass = 0; pass < 2; pass++) {
      gen.reset();
      seq.forEach((level, t) => {
        const p = gen.step(level);
        expect(maxDiff(p, full[t]!)).toBeLessThan(1e-5);
      });
    }
    expect(() => gen.step(BINS)).toThrow(ModelArgumentError);
    expect(() => gen.step(1.5)).toThrow(/`level`, expected an integer in \[0, 16\)/);
    model.dispose();
  });
});

describe('train and evaluation steps', () => {
  const L = 24;
  const skip = receptiveField(DILATIONS) - 1;
  /** Fragments of a repeating ramp 0, 1, ..., 15, 0, ...: the next level is always predictable. */
  function rampBatch(batch: number, offset: number): FragmentBatch {
    const ids = new Int32Array(batch * (L + 1));
    for (let b = 0; b < batch; b++) for (let t = 0; t <= L; t++) ids[b * (L + 1) + t] = (offset + 3 * b + t) % BINS;
    return { ids, batch, length: L };
  }

  it("evaluate scores outputs skip .. L - 1 against the next level with Keras' cross-entropy", () => {
    const model = small(L, 7);
    const b = rampBatch(2, 0);
    const m = wavenetEvaluate(model, b, skip);
    let nll = 0;
    let hits = 0;
    for (let row = 0; row < 2; row++) {
      const seq = b.ids.slice(row * (L + 1), (row + 1) * (L + 1));
      const p = predict(model, seq.slice(0, L));
      for (let t = skip; t < L; t++) {
        const target = seq[t + 1]!;
        nll -= Math.log(p[t]![target]!);
        const best = p[t]!.indexOf(Math.max(...p[t]!));
        if (best === target) hits++;
      }
    }
    const n = 2 * (L - skip);
    expect(m.loss).toBeCloseTo(nll / n, 4);
    expect(m.accuracy).toBeCloseTo(hits / n, 6);
    expect(() => wavenetEvaluate(model, b, L)).toThrow(/`skip`, expected an integer in \[0, 24\)/);
    expect(() => wavenetEvaluate(model, { ...b, batch: 3 }, skip)).toThrow(/`ids`/);
    const bad = b.ids.slice();
    bad[5] = BINS;
    expect(() => wavenetEvaluate(model, { ...b, ids: bad }, skip)).toThrow(/levels in \[0, 16\)/);
    model.dispose();
  });

  it('training steps leave no tensors behind and learn a predictable sequence', () => {
    const model = small(L, 8);
    const opt = tf.train.adam(0.01);
    const first = wavenetEvaluate(model, rampBatch(4, 0), skip);
    wavenetTrainStep(model, opt, rampBatch(4, 0), skip); // the optimizer's slots appear at the first step
    const before = tf.memory().numTensors;
    for (let i = 1; i < 40; i++) wavenetTrainStep(model, opt, rampBatch(4, i), skip);
    expect(tf.memory().numTensors).toBe(before);
    const last = wavenetEvaluate(model, rampBatch(4, 100), skip);
    expect(last.loss).toBeLessThan(first.loss / 2);
    expect(last.accuracy).toBeGreaterThan(0.9);
    opt.dispose();
    model.dispose();
  });
});
