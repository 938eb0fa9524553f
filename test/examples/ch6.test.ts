/**
 * The data preparation of the Chapter 6 examples (vocabularies, splits, windows, scaling, the
 * most-frequent-tag baseline, character sampling) and their seeded layers.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { aliceText, nextCharIndex } from '../../examples/ch6/alice-char-rnn.js';
import {
  asciiOnly,
  bidirectional,
  buildWordIndex,
  ch6DataFile,
  countTokens,
  mostCommon,
  takeRows,
  trainTestSplit,
  wordIds,
} from '../../examples/ch6/common.js';
import { minMaxScale, rmse, seriesWindows } from '../../examples/ch6/electricity-lstm.js';
import { mostFrequentTagAccuracy, tokenAccuracy } from '../../examples/ch6/pos-tagging.js';
import { parseUmich, sentimentTokens } from '../../examples/ch6/sentiment-lstm.js';
import { spatialDropout1d } from '../../models/dropout.js';
import { SeededInit } from '../../models/init.js';
import { DataNotFoundError } from '../../src/data/datasets.js';
import { readText } from '../../src/io/files.js';
import { Rng } from '../../src/rng/rng.js';
import { buildCharVocab } from '../../src/text/index.js';

const DATA = '../shared/datasets';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('vocabularies and splits', () => {
  it('mostCommon orders by count, ties by first appearance (CPython Counter.most_common)', () => {
    const counts = countTokens([
      ['b', 'a', 'c'],
      ['a', 'c', 'd'],
    ]);
    expect(mostCommon(counts)).toEqual(['a', 'c', 'b', 'd']);
    expect(mostCommon(counts, 2)).toEqual(['a', 'c']);
  });

  it('the word index has PAD 0, UNK 1 and the most common words from 2', () => {
    const wi = buildWordIndex(countTokens([['x', 'y', 'x', 'z']]), 2);
    expect(wi.words).toEqual(['PAD', 'UNK', 'x', 'y']);
    expect(wi.size).toBe(4);
    expect(wordIds(['x', 'z', 'y'], wi)).toEqual([2, 1, 3]);
  });

  it("trainTestSplit has sklearn's sizes, covers every row once and repeats with the seed", () => {
    const a = trainTestSplit(7086, 0.2, new Rng(1));
    expect(a.test).toHaveLength(1418);
    expect(a.train).toHaveLength(5668);
    expect(new Set([...a.train, ...a.test]).size).toBe(7086);
    expect(trainTestSplit(7086, 0.2, new Rng(1))).toEqual(a);
    expect(trainTestSplit(7086, 0.2, new Rng(2)).test).not.toEqual(a.test);
    expect(() => trainTestSplit(10, 1, new Rng(1))).toThrow(RangeError);
  });

  it('takeRows gathers rows of a row-major array', () => {
    expect(Array.from(takeRows(Int32Array.from([1, 2, 3, 4, 5, 6]), 2, [2, 0]))).toEqual([5, 6, 1, 2]);
  });

  it('a missing data folder or file is a one-line DataNotFoundError naming it', () => {
    expect(() => ch6DataFile({}, 'sentiment-lstm', 'umich-si650', 'x.txt')).toThrow(/pass --data-dir DIR/);
    expect(() => ch6DataFile({ dataDir: '/nonexistent' }, 'sentiment-lstm', 'umich-si650', 'x.txt')).toThrow(
      DataNotFoundError,
    );
  });
});

describe('sentiment-lstm data', () => {
  it('parses label<TAB>sentence lines and tokenizes as the book (ASCII, lower case, NLTK)', () => {
    const { labels, sentences } = parseUmich('1\tI loved it.\n0\tDa Vinci Code sucks\u2019!\n');
    expect(labels).toEqual([1, 0]);
    expect(sentimentTokens(sentences[0] ?? '')).toEqual(['i', 'loved', 'it', '.']);
    expect(sentimentTokens(sentences[1] ?? '')).toEqual(['da', 'vinci', 'code', 'sucks', '!']);
    expect(() => parseUmich('2\tbad label')).toThrow(/:1: expected/);
  });

  it('the real file: 7,086 sentences, longest 42 tokens, about 2,313 distinct words (the script notes 42 and 2313)', () => {
    const file = ch6DataFile({ dataDir: DATA }, 'sentiment-lstm', 'umich-si650', 'umich-sentiment-train.txt');
    const { labels, sentences } = parseUmich(readText(file));
    expect(labels).toHaveLength(7086);
    const tokens = sentences.map(sentimentTokens);
    expect(Math.max(...tokens.map((t) => t.length))).toBe(42);
    // 2,356 here: within 2% of the script's 2313 (the NLTK-like tokenizer splits a few rare
    // cases differently); the 2,000 kept words are the frequent ones either way.
    expect(Math.abs(countTokens(tokens).size - 2313)).toBeLessThan(50);
  });
});

describe('alice-char-rnn data and sampling', () => {
  it("aliceText strips, lower-cases, drops non-ASCII and empty lines, joins with spaces: the book's 42 characters", () => {
    expect(aliceText('Hello\u2019 World \r\n\r\n  \u2014 \r\n Bye\r\n')).toBe('hello world bye');
    // Python's bytes.strip() does not strip a byte-order mark, so the spaces after it stay.
    expect(aliceText('\uFEFF  Hi')).toBe('  hi');
    const text = aliceText(readText(join(DATA, 'alice-in-wonderland', 'alice_in_wonderland.txt')));
    expect(buildCharVocab(text).chars).toHaveLength(42);
    expect(asciiOnly(text)).toBe(text);
  });

  it('nextCharIndex: greedy argmax, or a seeded draw that sharpens with a low temperature', () => {
    const p = [0.1, 0.6, 0.3];
    expect(nextCharIndex(p, new Rng(1))).toBe(1);
    const draws = (t: number): number[] => {
      const rng = new Rng(3);
      return Array.from({ length: 2000 }, () => nextCharIndex(p, rng, t));
    };
    const share = (xs: number[], i: number): number => xs.filter((x) => x === i).length / xs.length;
    expect(share(draws(1), 1)).toBeCloseTo(0.6, 1);
    expect(share(draws(0.05), 1)).toBeGreaterThan(0.99);
    expect(draws(1)).toEqual(draws(1));
  });
});

describe('electricity-lstm data', () => {
  it('minMaxScale maps to [0, 1] (a constant series to zeros)', () => {
    const { scaled, min, max } = minMaxScale([2, 4, 3]);
    expect(Array.from(scaled)).toEqual([0, 1, 0.5]);
    expect([min, max]).toEqual([2, 4]);
    expect(Array.from(minMaxScale([5, 5]).scaled)).toEqual([0, 0]);
  });

  it('seriesWindows: every window of `steps` values and the value after it', () => {
    const w = seriesWindows([0, 1, 2, 3, 4], 3);
    expect(w.count).toBe(2);
    expect(Array.from(w.x)).toEqual([0, 1, 2, 1, 2, 3]);
    expect(Array.from(w.y)).toEqual([3, 4]);
    expect(seriesWindows([1, 2], 3).count).toBe(0);
  });

  it('rmse', () => {
    expect(rmse([0, 0, 0, 0], [1, -1, 1, -1])).toBe(1);
  });
});

describe('pos-tagging metrics', () => {
  it('the most-frequent-tag baseline: per-word majority, unseen words get the overall majority', () => {
    // words 5, 6, 7; tags 1 (most frequent overall), 2, 3
    const trainW = [
      [5, 6, 6],
      [5, 7],
    ];
    const trainT = [
      [1, 2, 2],
      [1, 1],
    ];
    // word 6 -> 2, word 5 -> 1, word 7 -> 1, unseen 9 -> 1 (overall)
    const r = mostFrequentTagAccuracy(trainW, trainT, [[6, 9, 5, 7]], [[2, 1, 3, 1]]);
    expect(r).toEqual({ accuracy: 0.75, tokens: 4, overallTag: 1 });
  });

  it('ties between tags of a word go to the tag more frequent overall', () => {
    const r = mostFrequentTagAccuracy([[8, 8, 4, 4, 4]], [[3, 2, 2, 2, 2]], [[8]], [[2]]);
    expect(r.accuracy).toBe(1);
  });

  it('tokenAccuracy skips padding positions', () => {
    expect(tokenAccuracy([0, 0, 3, 4], [0, 5, 3, 0])).toBe(0.5);
    expect(tokenAccuracy([0, 0], [0, 0])).toBeNaN();
  });
});

describe('seeded Chapter 6 layers', () => {
  it('spatialDropout1d drops whole channels, a fresh mask per training call, identity at inference', () => {
    const layer = spatialDropout1d(0.5, new Rng(4));
    const x = tf.ones([2, 5, 8]);
    const a = layer.apply(x, { training: true }) as tf.Tensor;
    const b = layer.apply(x, { training: true }) as tf.Tensor;
    const rows = a.arraySync() as number[][][];
    for (const seq of rows) for (const step of seq) expect(step).toEqual(seq[0]);
    expect(a.arraySync()).not.toEqual(b.arraySync());
    expect((layer.apply(x) as tf.Tensor).arraySync()).toEqual(x.arraySync());
    expect(layer.getClassName()).toBe('SpatialDropout1D');
    tf.dispose([x, a, b]);
  });

  it('bidirectional: the two directions start from different weights, the same ones for the same seed', () => {
    const build = (seed: number): tf.Tensor[] => {
      const rng = new Rng(seed);
      const m = tf.sequential();
      m.add(bidirectional('lstm', { units: 3, inputShape: [4, 2], dropout: 0.2 }, new SeededInit(rng.fork()), rng));
      const w = m.getWeights().map((t) => t.clone());
      m.dispose();
      return w;
    };
    const [a, b] = [build(1), build(1)];
    // forward kernel, recurrent kernel, bias, then the backward ones
    expect(a).toHaveLength(6);
    expect(a[0]?.arraySync()).toEqual(b[0]?.arraySync());
    expect(a[0]?.arraySync()).not.toEqual(a[3]?.arraySync());
    expect(a[1]?.arraySync()).not.toEqual(a[4]?.arraySync());
    tf.dispose([...a, ...b]);
  });
});
