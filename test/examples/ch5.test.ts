/**
 * The data preparation of the Chapter 5 examples: the corpora, the skip-gram pairs and CBOW
 * windows, the export of a trained Embedding as word vectors, the probes, and the sentiment
 * ConvNet's word index, variants and summed-vector features.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aliceSentences,
  cbowWindows,
  checkCorpus,
  corpusIds,
  embeddingVectors,
  probeVectors,
  skipgramPairs,
  wikitextParagraphs,
} from '../../examples/ch5/common.js';
import { sentimentCnnVariant, summedVectors, wordIndexFrom1 } from '../../examples/ch5/sentiment-cnn.js';
import { TakeColumn } from '../../examples/ch5/word2vec-skipgram.js';
import { ExampleArgumentError } from '../../examples/example.js';
import { Rng } from '../../src/rng/rng.js';
import { readWord2VecFile, WordVectors, writeWord2VecFile } from '../../src/text/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfgym-ch5-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('corpora', () => {
  it('aliceSentences strips lines, drops non-ASCII and empty lines, joins and splits into sentences', () => {
    expect(aliceSentences('  Alice was\u2019 tired. \r\n\r\nShe sat\r\n down. ')).toEqual([
      'Alice was tired.',
      'She sat down.',
    ]);
  });

  it('wikitextParagraphs cleans like text8: lower case, letters only, no headings, <unk> or @-@', () => {
    const text = ' = Title = \n\n The <unk> Cat @-@ like 3 @,@ 000 Dogs . \n = = Sub = = \n';
    expect(wikitextParagraphs(text)).toEqual([['the', 'cat', 'like', 'dogs']]);
  });

  it('an unknown corpus is a one-line argument error naming the choices', () => {
    expect(() => checkCorpus('word2vec-cbow', 'text8')).toThrow(ExampleArgumentError);
    expect(() => checkCorpus('word2vec-cbow', 'text8')).toThrow(/Choose one of: alice, wikitext-2/);
  });

  it('corpusIds keeps the most frequent words (ids 1 .. vocab-1) and drops the rest, as Keras does', () => {
    const ids = corpusIds(['a b a c', 'a b d'], 3);
    expect(ids.tokens).toBe(7);
    expect(ids.sequences).toEqual([
      [1, 2, 1],
      [1, 2],
    ]);
  });
});

describe('skip-gram pairs', () => {
  it('window 1 without a sampling table: each word with its neighbours inside the sentence, then as many negatives', () => {
    const sg = skipgramPairs(
      [
        [1, 2, 3],
        [4, 5],
      ],
      10,
      1,
      new Rng(1),
      {},
    );
    expect(sg.positives).toBe(6);
    expect(sg.count).toBe(12);
    const pairs = Array.from({ length: sg.count }, (_, i) => [sg.pairs[2 * i], sg.pairs[2 * i + 1], sg.labels[i]]);
    // per sentence, its positives then its negatives; no pair crosses into the next sentence
    expect(pairs.filter((p) => p[2] === 1)).toEqual([
      [1, 2, 1],
      [2, 1, 1],
      [2, 3, 1],
      [3, 2, 1],
      [4, 5, 1],
      [5, 4, 1],
    ]);
    expect(pairs.map((p) => p[2])).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0]);
    for (const [w, c] of pairs.filter((p) => p[2] === 0)) {
      expect([1, 2, 3, 4, 5]).toContain(w);
      expect(c).toBeGreaterThanOrEqual(1);
      expect(c).toBeLessThan(10);
    }
    expect(
      skipgramPairs(
        [
          [1, 2, 3],
          [4, 5],
        ],
        10,
        1,
        new Rng(1),
        {},
      ),
    ).toEqual(sg);
  });

  it("the default sampling table skips most targets among a small vocabulary's frequent words", () => {
    const seq = Array.from({ length: 1000 }, (_, i) => 1 + (i % 20));
    const sg = skipgramPairs([seq], 5000, 1, new Rng(2));
    expect(sg.positives).toBeGreaterThan(0);
    expect(sg.positives).toBeLessThan(200);
  });
});

describe('CBOW windows', () => {
  it('every full window inside a sentence: the context words around the target, none padded', () => {
    const cw = cbowWindows(
      [
        [1, 2, 3, 4],
        [5, 6],
        [7, 8, 9],
      ],
      1,
    );
    expect(cw.count).toBe(3);
    expect(Array.from(cw.contexts)).toEqual([1, 3, 2, 4, 7, 9]);
    expect(Array.from(cw.targets)).toEqual([2, 3, 8]);
    const w2 = cbowWindows([[1, 2, 3, 4, 5, 6]], 2);
    expect(Array.from(w2.contexts)).toEqual([1, 2, 4, 5, 2, 3, 5, 6]);
    expect(Array.from(w2.targets)).toEqual([3, 4]);
    expect(() => cbowWindows([[1]], 0)).toThrow(RangeError);
  });
});

describe('word-vector export', () => {
  it('embeddingVectors takes rows 1.. of the known ids (row 0 is padding) and round-trips through the word2vec text format', () => {
    const weights = Float32Array.from([9, 9, 1, 0, 0, 1, 0.5, 0.5]);
    const wv = embeddingVectors(
      weights,
      2,
      new Map([
        [1, 'cat'],
        [2, 'dog'],
        [3, 'pet'],
      ]),
    );
    expect(wv.words).toEqual(['cat', 'dog', 'pet']);
    expect(Array.from(wv.vector('pet'))).toEqual([0.5, 0.5]);
    // a vocabulary smaller than the Embedding: rows without a word are left out
    expect(embeddingVectors(weights, 2, new Map([[1, 'cat']])).words).toEqual(['cat']);
    const file = join(tmp, 'v.txt');
    writeWord2VecFile(file, wv);
    const back = readWord2VecFile(file);
    expect(back.words).toEqual(wv.words);
    expect(Array.from(back.vectors)).toEqual(Array.from(wv.vectors));
  });

  it('probeVectors reports absent words as null and the top neighbour of woman', () => {
    const wv = new WordVectors(
      ['woman', 'girl', 'man', 'king'],
      Float32Array.from([1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9]),
      2,
    );
    let text = '';
    const r = probeVectors(wv, ['king'], { write: (s: string) => void (text += s), isTTY: false }, 2);
    expect(r.topNeighbourOfWoman).toBe('girl');
    expect(r.similarities['girl-woman']).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1), 6);
    expect(r.similarities['bus-car']).toBeNull();
    expect(r.analogy?.[0]?.[0]).toBe('girl');
    expect(text).toMatch(/similarity\(bus, car\) = n\/a \(bus, car not in the vocabulary\)/);
  });
});

describe('sentiment-cnn', () => {
  it("the word index counts from 1; 0 is padding and unknown words (the scripts' defaultdict(int))", () => {
    const wi = wordIndexFrom1(
      new Map([
        ['b', 1],
        ['a', 3],
        ['c', 2],
      ]),
      2,
    );
    expect([...wi]).toEqual([
      ['a', 1],
      ['c', 2],
    ]);
  });

  it('--embeddings, --trainable and --variant transfer name a variant; impossible combinations are refused', () => {
    expect(sentimentCnnVariant()).toBe('scratch');
    expect(sentimentCnnVariant('glove')).toBe('glove');
    expect(sentimentCnnVariant('word2vec', false)).toBe('word2vec-frozen');
    expect(sentimentCnnVariant('glove', true, true)).toBe('transfer-glove');
    expect(() => sentimentCnnVariant('scratch', false)).toThrow(/must be trainable/);
    expect(() => sentimentCnnVariant('scratch', true, true)).toThrow(/needs pretrained vectors/);
    expect(() => sentimentCnnVariant('fasttext')).toThrow(ExampleArgumentError);
  });

  it('summedVectors adds the vectors of each sentence (id 0 adds nothing)', () => {
    const matrix = Float32Array.from([7, 7, 1, 2, 10, 20]);
    const out = summedVectors(Int32Array.from([0, 1, 2, 0, 0, 1]), 3, matrix, 2);
    expect(Array.from(out)).toEqual([11, 22, 1, 2]);
  });
});

describe('TakeColumn', () => {
  it('takes one column of a [batch, n] input as [batch, 1]', () => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const y = new TakeColumn({ column: 1 }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 1]);
    expect(y.arraySync()).toEqual([[2], [4]]);
    tf.dispose([x, y]);
  });
});
