import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng/rng.js';
import { makeSamplingTable, padSequences, skipgrams, toCategorical } from '../../src/text/sequence.js';
import { Tokenizer, textToWordSequence } from '../../src/text/tokenizer.js';

function rows(p: { data: ArrayLike<number>; shape: readonly [number, number] }): number[][] {
  const [n, m] = p.shape;
  return Array.from({ length: n }, (_, i) => Array.from(p.data).slice(i * m, (i + 1) * m));
}

describe('padSequences (Keras pad_sequences)', () => {
  const seqs = [[1, 2, 3], [4, 5], [6], []];
  it('pads before by default to the longest length; empty sequences are all padding', () => {
    const p = padSequences(seqs);
    expect(p.data).toBeInstanceOf(Int32Array);
    expect(p.shape).toEqual([4, 3]);
    expect(rows(p)).toEqual([
      [1, 2, 3],
      [0, 4, 5],
      [0, 0, 6],
      [0, 0, 0],
    ]);
  });
  it('pads after with padding post, and with a custom value', () => {
    expect(rows(padSequences(seqs, { padding: 'post', value: -1 }))).toEqual([
      [1, 2, 3],
      [4, 5, -1],
      [6, -1, -1],
      [-1, -1, -1],
    ]);
  });
  it('truncates from the start (pre, default) or the end (post)', () => {
    expect(rows(padSequences(seqs, { maxlen: 2 }))).toEqual([
      [2, 3],
      [4, 5],
      [0, 6],
      [0, 0],
    ]);
    expect(rows(padSequences(seqs, { maxlen: 2, truncating: 'post', padding: 'post' }))).toEqual([
      [1, 2],
      [4, 5],
      [6, 0],
      [0, 0],
    ]);
  });
  it('float32 keeps fractions, int32 truncates them toward zero like numpy', () => {
    const f = padSequences([[0.5, -1.5]], { dtype: 'float32', maxlen: 3, value: 0.25 });
    expect(f.data).toBeInstanceOf(Float32Array);
    expect(Array.from(f.data)).toEqual([0.25, 0.5, -1.5]);
    expect(Array.from(padSequences([[2.7, -2.7]]).data)).toEqual([2, -2]);
    expect(padSequences([]).shape).toEqual([0, 0]);
    expect(() => padSequences(seqs, { maxlen: -1 })).toThrow(/maxlen/);
  });
});

describe('skipgrams (Keras skipgrams)', () => {
  const text = 'I love green eggs and ham .';
  const tok = new Tokenizer();
  tok.fitOnTexts([text]);
  const wids = textToWordSequence(text).map((w) => tok.wordIndex.get(w) as number);

  it("reproduces the book's demo: 56 pairs with Keras' defaults (window 4, one negative per positive)", () => {
    // The book calls skipgrams(wids, len(word2id)): '.' is filtered, 6 words, vocabulary size 6.
    expect(wids).toEqual([1, 2, 3, 4, 5, 6]);
    const { couples, labels } = skipgrams(wids, tok.wordIndex.size, { seed: 42 });
    // Positives: 4 + 5 + 5 + 5 + 5 + 4 = 28 (window of 4 each side, clipped at the ends), + 28 negatives.
    expect(couples.length).toBe(56);
    expect(labels.length).toBe(56);
    expect(labels.filter((l) => l === 1).length).toBe(28);
    // With window_size=1 (and vocabulary len(word_index) + 1) it would be 2 * (2 * 6 - 2) = 20, not 56.
    expect(skipgrams(wids, tok.wordIndex.size + 1, { windowSize: 1, seed: 42 }).couples.length).toBe(20);
  });

  it('unshuffled: positive pairs in Keras order, then negatives drawn from [1, V-1] for shuffled targets', () => {
    const { couples, labels } = skipgrams([1, 2, 0, 3], 10, { windowSize: 1, shuffle: false, seed: 3 });
    // 0 is padding: never a target, never a context.
    expect(couples.slice(0, 2)).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(labels).toEqual([1, 1, 0, 0]);
    const negTargets = couples.slice(2).map((c) => c[0]);
    expect(negTargets.sort()).toEqual([1, 2]);
    const pos = skipgrams([5, 6, 7, 8], 10, { windowSize: 2, negativeSamples: 0, shuffle: false });
    expect(pos.couples).toEqual([
      [5, 6],
      [5, 7],
      [6, 5],
      [6, 7],
      [6, 8],
      [7, 5],
      [7, 6],
      [7, 8],
      [8, 6],
      [8, 7],
    ]);
  });

  it('negatives never use index 0 and stay below the vocabulary size; counts follow negativeSamples', () => {
    const seq = Array.from({ length: 50 }, (_, i) => (i % 7) + 1);
    const { couples, labels } = skipgrams(seq, 3, { windowSize: 2, negativeSamples: 2.5, rng: new Rng(1) });
    const positives = labels.filter((l) => l === 1).length;
    expect(labels.length - positives).toBe(Math.floor(positives * 2.5));
    couples.forEach((c, i) => {
      if (labels[i] === 0) expect(c[1] === 1 || c[1] === 2).toBe(true);
    });
    expect(new Set(couples.filter((_, i) => labels[i] === 0).map((c) => c[1]))).toEqual(new Set([1, 2]));
  });

  it('is deterministic for a seed, shuffles pairs and labels together, and supports categorical labels', () => {
    const a = skipgrams(wids, 7, { seed: 7 });
    const b = skipgrams(wids, 7, { rng: new Rng(7) });
    expect(a).toEqual(b);
    expect(skipgrams(wids, 7, { seed: 8 })).not.toEqual(a);
    // Every labelled-1 pair is a real window pair.
    const real = new Set(skipgrams(wids, 7, { negativeSamples: 0, shuffle: false }).couples.map((c) => c.join()));
    a.couples.forEach((c, i) => {
      if (a.labels[i] === 1) expect(real.has(c.join())).toBe(true);
    });
    const c = skipgrams(wids, 7, { seed: 7, categorical: true });
    expect(c.couples).toEqual(a.couples);
    expect(c.labels).toEqual(a.labels.map((l) => (l === 1 ? [0, 1] : [1, 0])));
  });

  it('with a sampling table, drops targets by probability; without rng or seed it refuses to draw', () => {
    const none = skipgrams([1, 2, 3], 4, { samplingTable: [0, 0, 0, 0], negativeSamples: 0, seed: 1 });
    expect(none.couples).toEqual([]);
    const all = skipgrams([1, 2, 3], 4, { samplingTable: [1, 1, 1, 1], negativeSamples: 0, shuffle: false, seed: 1 });
    expect(all.couples.length).toBe(6);
    expect(() => skipgrams([1, 2, 3], 4)).toThrow(/rng or options.seed/);
    expect(() => skipgrams([1, 2], 1, { seed: 1 })).toThrow(/vocabularySize/);
  });
});

describe('makeSamplingTable (Keras make_sampling_table)', () => {
  it("matches Keras' Zipf formula (values from numpy)", () => {
    const expected = [
      0.0031522478751942504, 0.0031522478751942504, 0.0054759726939176976, 0.007415564097374219, 0.009128167456366161,
      0.010684345040995184,
    ];
    const t = makeSamplingTable(6);
    expected.forEach((v, i) => expect(t[i]).toBeCloseTo(v, 15));
    const t2 = makeSamplingTable(5, 0.01);
    expect(t2[4]).toBeCloseTo(0.2886580002554273, 15);
    const big = makeSamplingTable(100000);
    expect(big[10000]).toBeCloseTo(0.9893124062268122, 12);
    expect(big[99999]).toBe(1);
  });
});

describe('toCategorical (Keras to_categorical)', () => {
  it('one-hot rows, numClasses from the data by default, trailing 1 dropped from the shape', () => {
    const c = toCategorical([0, 2, 1]);
    expect(c.shape).toEqual([3, 3]);
    expect(Array.from(c.data)).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0]);
    expect(toCategorical([1], 4).shape).toEqual([1, 4]);
    expect(toCategorical([1, 0], 2, [2, 1]).shape).toEqual([2, 2]);
    expect(toCategorical([1, 0, 1, 1], 2, [2, 2]).shape).toEqual([2, 2, 2]);
    expect(() => toCategorical([3], 2)).toThrow(/label 3 at position 0/);
    expect(() => toCategorical([-1], 2)).toThrow(/label -1/);
  });
});
