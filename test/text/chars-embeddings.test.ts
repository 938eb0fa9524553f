import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCharVocab, charWindows, decodeChars, oneHotChars, oneHotWindows } from '../../src/text/chars.js';
import { WordVectors, buildEmbeddingMatrix } from '../../src/text/embeddings.js';
import { sharedDataset } from './shared-data.js';

describe('character vocabularies (the book char-RNN)', () => {
  it('sorted distinct characters, index maps both ways, code points not UTF-16 units', () => {
    const v = buildCharVocab('hello, world \u{1F600}');
    expect(v.chars).toEqual([' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w', '\u{1F600}']);
    expect(v.charToIndex.get('h')).toBe(4);
    expect(v.indexToChar.get(9)).toBe('\u{1F600}');
    expect(decodeChars([4, 3, 5, 5, 6], v)).toBe('hello');
    expect(() => decodeChars([10], v)).toThrow(/index 10/);
  });

  it('windows of seqLen with the next character as label, one-hot encoded', () => {
    const w = charWindows('abcab', 2);
    expect(w).toEqual({ inputs: ['ab', 'bc', 'ca'], labels: ['c', 'a', 'b'] });
    expect(charWindows('abcabc', 2, 2)).toEqual({ inputs: ['ab', 'ca'], labels: ['c', 'b'] });
    const v = buildCharVocab('abc');
    expect(Array.from(oneHotChars('ca', v))).toEqual([0, 0, 1, 1, 0, 0]);
    const oh = oneHotWindows(w, v);
    expect(oh.xShape).toEqual([3, 2, 3]);
    expect(oh.yShape).toEqual([3, 3]);
    expect(Array.from(oh.x.subarray(0, 6))).toEqual([1, 0, 0, 0, 1, 0]);
    expect(Array.from(oh.y)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(() => oneHotChars('z', v)).toThrow(/"z" is not in the vocabulary/);
  });
});

// Relative to the repo: CI clones the repo with shared/ beside it.
const ALICE = '../shared/datasets/alice-in-wonderland/alice_in_wonderland.txt';
const haveAlice = sharedDataset(ALICE);

describe.skipIf(!haveAlice)('character vocabulary of Alice (the book alice_chargen_rnn.py preprocessing)', () => {
  it('42 characters over 142,554 (the same as Python: strip, lower, drop non-ASCII and blank lines, join)', () => {
    const lines = readFileSync(ALICE, 'latin1')
      .split('\n')
      .map((l) =>
        l
          .trim()
          .toLowerCase()
          .replace(/[\u0080-\uffff]/g, ''),
      )
      .filter((l) => l.length > 0);
    const text = lines.join(' ');
    expect(text.length).toBe(142554);
    const v = buildCharVocab(text);
    expect(v.chars.join('')).toBe(' !"\'()*,-.:;?[]_abcdefghijklmnopqrstuvwxyz');
    const w = charWindows(text, 10);
    expect(w.inputs.length).toBe(142554 - 10);
    const oh = oneHotWindows({ inputs: w.inputs.slice(0, 5), labels: w.labels.slice(0, 5) }, v);
    expect(oh.xShape).toEqual([5, 10, 42]);
  });
});

// A hand-made 2-D space: royalty along x, gender along y.
const WORDS = ['king', 'queen', 'man', 'woman', 'apple', 'zero'];
const VECS = new Float32Array([
  /* king  */ 1, 1, /* queen */ 1, -1, /* man   */ 0.1, 1, /* woman */ 0.1, -1, /* apple */ -1, 0.05, /* zero  */ 0, 0,
]);

describe('WordVectors (gensim most_similar / similarity)', () => {
  const wv = new WordVectors(WORDS, VECS, 2);

  it('cosine similarity; zero vectors have similarity 0', () => {
    expect(wv.similarity('king', 'king')).toBeCloseTo(1, 6);
    expect(wv.similarity('king', 'queen')).toBeCloseTo(0, 6);
    expect(wv.similarity('man', 'woman')).toBeCloseTo((0.01 - 1) / (0.1 ** 2 + 1), 6);
    expect(wv.similarity('zero', 'king')).toBe(0);
    expect(() => wv.similarity('king', 'prince')).toThrow(/"prince" is not in the vocabulary/);
  });

  it('nearest neighbours exclude the query word and are sorted by cosine', () => {
    const nn = wv.nearest('king', 3);
    expect(nn.map(([w]) => w)).toEqual(['man', 'queen', 'zero']);
    expect(nn[0]?.[1]).toBeCloseTo(wv.similarity('king', 'man'), 6);
    expect(nn.map(([w]) => w)).not.toContain('king');
  });

  it('analogy a - b + c is most_similar(positive=[a, c], negative=[b]) on unit vectors', () => {
    const [best] = wv.analogy('king', 'man', 'woman');
    expect(best?.[0]).toBe('queen');
    // The score is the cosine of queen with the normalised mean of unit(king), unit(woman), -unit(man).
    const u = (x: number, y: number): [number, number] => [x / Math.hypot(x, y), y / Math.hypot(x, y)];
    const [k, m, w, q] = [u(1, 1), u(0.1, 1), u(0.1, -1), u(1, -1)];
    const mean = [(k[0] - m[0] + w[0]) / 3, (k[1] - m[1] + w[1]) / 3];
    const n = Math.hypot(mean[0] ?? 0, mean[1] ?? 0);
    expect(best?.[1]).toBeCloseTo(((mean[0] ?? 0) * q[0] + (mean[1] ?? 0) * q[1]) / n, 5);
    const all = wv.mostSimilar(['king', 'woman'], ['man'], 10).map(([x]) => x);
    expect(all).not.toContain('king');
    expect(all).not.toContain('man');
    expect(all).not.toContain('woman');
    expect(all.length).toBe(3);
  });

  it('builds the embedding matrix of a word index (zeros for padding and missing words)', () => {
    const m = buildEmbeddingMatrix(
      wv,
      new Map([
        ['queen', 1],
        ['prince', 2],
        ['apple', 3],
      ]),
    );
    expect(m.shape).toEqual([4, 2]);
    expect(m.found).toBe(2);
    expect(Array.from(m.matrix)).toEqual([0, 0, 1, -1, 0, 0, -1, 0.05000000074505806]);
    expect(() => new WordVectors(['a'], new Float32Array(3), 2)).toThrow(/needs 2 values, got 3/);
  });
});
