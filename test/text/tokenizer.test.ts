import { describe, expect, it } from 'vitest';
import { KERAS_FILTERS, Tokenizer, textToWordSequence } from '../../src/text/tokenizer.js';

// Expected values below follow keras-preprocessing 1.1 (Keras 2) worked by hand.
const TEXTS = ['The cat sat on the mat.', 'The dog ate my homework.', 'the cat ate'];

describe('textToWordSequence (Keras text_to_word_sequence)', () => {
  it('lower-cases, replaces filter characters with the separator and drops empty pieces', () => {
    expect(textToWordSequence("Hello, World!  Isn't it\tgreat?\n(yes)")).toEqual([
      'hello',
      'world',
      "isn't",
      'it',
      'great',
      'yes',
    ]);
    expect(textToWordSequence('A-B c', { lower: false })).toEqual(['A', 'B', 'c']);
    expect(textToWordSequence('a,b;c', { filters: ',', split: ';' })).toEqual(['a', 'b', 'c']);
    expect(textToWordSequence('a.b', { filters: '' })).toEqual(['a.b']);
    expect(KERAS_FILTERS).toBe('!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n');
  });
});

describe('Tokenizer (Keras Tokenizer)', () => {
  it('counts words in first-appearance order and ranks ties by first appearance', () => {
    const t = new Tokenizer();
    t.fitOnTexts(TEXTS);
    expect([...t.wordCounts]).toEqual([
      ['the', 4],
      ['cat', 2],
      ['sat', 1],
      ['on', 1],
      ['mat', 1],
      ['dog', 1],
      ['ate', 2],
      ['my', 1],
      ['homework', 1],
    ]);
    expect([...t.wordIndex]).toEqual([
      ['the', 1],
      ['cat', 2],
      ['ate', 3],
      ['sat', 4],
      ['on', 5],
      ['mat', 6],
      ['dog', 7],
      ['my', 8],
      ['homework', 9],
    ]);
    expect(t.indexWord.get(3)).toBe('ate');
    expect(t.wordDocs.get('the')).toBe(3);
    expect(t.wordDocs.get('cat')).toBe(2);
    expect(t.wordDocs.get('homework')).toBe(1);
    expect(t.indexDocs.get(1)).toBe(3);
    expect(t.documentCount).toBe(3);
    expect(t.textsToSequences(['the cat sat on the mat', 'a zebra ate'])).toEqual([[1, 2, 4, 5, 1, 6], [3]]);
    expect(t.sequencesToTexts([[1, 2, 4, 0, 42]])).toEqual(['the cat sat']);
  });

  it('numWords keeps only the numWords-1 most frequent words in sequences, but wordIndex keeps all', () => {
    const t = new Tokenizer({ numWords: 4 });
    t.fitOnTexts(TEXTS);
    expect(t.wordIndex.size).toBe(9);
    expect(t.textsToSequences(['the cat sat on the mat', 'the dog ate'])).toEqual([
      [1, 2, 1],
      [1, 3],
    ]);
    expect(t.sequencesToTexts([[1, 2, 3, 4, 5]])).toEqual(['the cat ate']);
  });

  it('oovToken takes index 1 and replaces unknown and dropped words', () => {
    const t = new Tokenizer({ numWords: 4, oovToken: '<OOV>' });
    t.fitOnTexts(TEXTS);
    expect(t.wordIndex.get('<OOV>')).toBe(1);
    expect(t.wordIndex.get('the')).toBe(2);
    expect(t.wordIndex.get('cat')).toBe(3);
    expect(t.wordIndex.get('ate')).toBe(4);
    expect(t.textsToSequences(['the cat sat on the mat zebra'])).toEqual([[2, 3, 1, 1, 2, 1, 1]]);
    expect(t.sequencesToTexts([[2, 3, 4, 1, 99]])).toEqual(['the cat <OOV> <OOV> <OOV>']);
  });

  it('fitting again accumulates counts and rebuilds the index', () => {
    const t = new Tokenizer();
    t.fitOnTexts(['b a']);
    t.fitOnTexts(['a c']);
    expect([...t.wordIndex.keys()]).toEqual(['a', 'b', 'c']);
    expect(t.documentCount).toBe(2);
  });

  it('honours filters, lower and split', () => {
    const t = new Tokenizer({ filters: '', lower: false, split: '|' });
    t.fitOnTexts(['Hi.|hi|Hi.']);
    expect([...t.wordIndex]).toEqual([
      ['Hi.', 1],
      ['hi', 2],
    ]);
  });

  it('charLevel indexes characters (filters are not applied, as in Keras)', () => {
    const t = new Tokenizer({ charLevel: true });
    t.fitOnTexts(['abca!', 'B']);
    expect([...t.wordIndex]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['!', 4],
    ]);
    expect(t.textsToSequences(['cab!'])).toEqual([[3, 1, 2, 4]]);
    expect(t.sequencesToTexts([[3, 1]])).toEqual(['c a']);
  });

  it('accepts pre-tokenised texts (lists of tokens), lower-cased but not filtered', () => {
    const t = new Tokenizer();
    t.fitOnTexts([['New-York', 'is'], ['new-york']]);
    expect([...t.wordIndex.keys()]).toEqual(['new-york', 'is']);
    expect(t.textsToSequences([['IS', 'new-york']])).toEqual([[2, 1]]);
  });

  it('rejects a bad numWords', () => {
    expect(() => new Tokenizer({ numWords: -1 })).toThrow(/numWords/);
  });
});
