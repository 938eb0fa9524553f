/**
 * Keras 2's `keras.preprocessing.text`: `text_to_word_sequence` and `Tokenizer`, the
 * word-index builders of the book's Chapter 5-6 examples (word2vec, embeddings, sentiment LSTM).
 * Semantics follow keras-preprocessing 1.1 (the code behind Keras 2.2-2.3).
 */

/** Keras' default `filters`: punctuation, tab and newline, each replaced by `split`. */
export const KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

/** Options of {@link textToWordSequence} (Keras' `text_to_word_sequence` arguments). */
export interface WordSequenceOptions {
  /** Characters replaced by `split` before splitting (default {@link KERAS_FILTERS}). */
  readonly filters?: string;
  /** Lower-case the text first (default true). */
  readonly lower?: boolean;
  /** Separator (default `' '`); may be longer than one character, as in Keras. */
  readonly split?: string;
}

/**
 * Keras' `text_to_word_sequence`: optionally lower-case, replace every character of `filters`
 * with `split`, split on `split` and drop empty pieces. No other normalisation: "don't" stays
 * one word (the apostrophe is not a default filter).
 */
export function textToWordSequence(text: string, options: WordSequenceOptions = {}): string[] {
  const filters = options.filters ?? KERAS_FILTERS;
  const split = options.split ?? ' ';
  if (split.length === 0) throw new RangeError('textToWordSequence: split must not be empty');
  let t = (options.lower ?? true) ? text.toLowerCase() : text;
  if (filters.length > 0) {
    const set = new Set(filters);
    let out = '';
    for (const ch of t) out += set.has(ch) ? split : ch;
    t = out;
  }
  return t.split(split).filter((w) => w.length > 0);
}

/** Constructor options of {@link Tokenizer} (Keras' `Tokenizer` arguments, camel-cased). */
export interface TokenizerOptions extends WordSequenceOptions {
  /**
   * Keep only the `numWords - 1` most frequent words when converting to sequences (index 0 is
   * padding, so indices run 1..numWords-1). `wordIndex` still holds every word, as in Keras.
   */
  readonly numWords?: number;
  /** Treat every character as a token (filters are not applied, as in Keras). */
  readonly charLevel?: boolean;
  /** Out-of-vocabulary token: given index 1 and used for unknown or dropped words. */
  readonly oovToken?: string;
}

/** A text, or an already tokenised text (a list of tokens, used as is apart from `lower`). */
export type TokenizerText = string | readonly string[];

/**
 * Keras 2's `Tokenizer`. `fitOnTexts` counts words (insertion-ordered `wordCounts`) and the
 * number of documents each word occurs in (`wordDocs`), then ranks words by count, ties kept in
 * order of first appearance (Python's `sort` is stable), giving indices from 1 (or from 2 when
 * an `oovToken` takes 1). Index 0 is never assigned: it is the padding value.
 */
export class Tokenizer {
  /** Word -> count over all fitted texts, in order of first appearance. */
  readonly wordCounts = new Map<string, number>();
  /** Word -> number of documents that contain it. */
  readonly wordDocs = new Map<string, number>();
  /** Word -> index (1-based, by decreasing count). Rebuilt by every `fitOnTexts`. */
  wordIndex = new Map<string, number>();
  /** Index -> word, the inverse of `wordIndex`. */
  indexWord = new Map<number, string>();
  /** Index -> number of documents (Keras' `index_docs`). */
  indexDocs = new Map<number, number>();
  /** Number of texts fitted so far. */
  documentCount = 0;

  readonly numWords: number | undefined;
  readonly filters: string;
  readonly lower: boolean;
  readonly split: string;
  readonly charLevel: boolean;
  readonly oovToken: string | undefined;

  constructor(options: TokenizerOptions = {}) {
    if (options.numWords !== undefined && (!Number.isInteger(options.numWords) || options.numWords < 0)) {
      throw new RangeError(`Tokenizer: numWords must be a non-negative integer. Received: ${options.numWords}`);
    }
    this.numWords = options.numWords;
    this.filters = options.filters ?? KERAS_FILTERS;
    this.lower = options.lower ?? true;
    this.split = options.split ?? ' ';
    this.charLevel = options.charLevel ?? false;
    this.oovToken = options.oovToken;
  }

  /** Tokens of one text exactly as Keras' fit/convert loops see them. */
  private tokens(text: TokenizerText): string[] {
    if (typeof text !== 'string') return text.map((w) => (this.lower ? w.toLowerCase() : w));
    if (this.charLevel) return Array.from(this.lower ? text.toLowerCase() : text);
    return textToWordSequence(text, { filters: this.filters, lower: this.lower, split: this.split });
  }

  /** Keras' `fit_on_texts`: updates counts and rebuilds `wordIndex` / `indexWord`. */
  fitOnTexts(texts: Iterable<TokenizerText>): void {
    for (const text of texts) {
      this.documentCount += 1;
      const seq = this.tokens(text);
      for (const w of seq) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
      for (const w of new Set(seq)) this.wordDocs.set(w, (this.wordDocs.get(w) ?? 0) + 1);
    }
    // Array.prototype.sort is stable (ES2019), like Python's sorted: ties keep first appearance.
    const ranked = [...this.wordCounts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    const vocab = this.oovToken === undefined ? ranked : [this.oovToken, ...ranked];
    // Keras builds dict(zip(vocab, 1..)): a word listed twice (an oovToken that also occurs in
    // the texts) ends with its later index, and index_word keeps both indices.
    this.wordIndex = new Map();
    this.indexWord = new Map();
    vocab.forEach((w, i) => {
      this.wordIndex.set(w, i + 1);
      this.indexWord.set(i + 1, w);
    });
    this.indexDocs = new Map();
    for (const [w, c] of this.wordDocs) {
      const i = this.wordIndex.get(w);
      if (i !== undefined) this.indexDocs.set(i, c);
    }
  }

  /** Whether index `i` is beyond `numWords` (Keras: `num_words and i >= num_words`). */
  private dropped(i: number): boolean {
    return this.numWords !== undefined && this.numWords > 0 && i >= this.numWords;
  }

  /**
   * Keras' `texts_to_sequences`: each token becomes its index; unknown words and words ranked
   * at or beyond `numWords` become the OOV index when `oovToken` is set, else are dropped.
   */
  textsToSequences(texts: Iterable<TokenizerText>): number[][] {
    const oov = this.oovToken === undefined ? undefined : this.wordIndex.get(this.oovToken);
    const out: number[][] = [];
    for (const text of texts) {
      const vect: number[] = [];
      for (const w of this.tokens(text)) {
        const i = this.wordIndex.get(w);
        if (i !== undefined && !this.dropped(i)) vect.push(i);
        else if (oov !== undefined) vect.push(oov);
      }
      out.push(vect);
    }
    return out;
  }

  /**
   * Keras' `sequences_to_texts`: indices back to words joined by a space; unknown indices and
   * those at or beyond `numWords` become the OOV token when set, else are skipped.
   */
  sequencesToTexts(sequences: Iterable<ArrayLike<number>>): string[] {
    const oovIndex = this.oovToken === undefined ? undefined : this.wordIndex.get(this.oovToken);
    const oovWord = oovIndex === undefined ? undefined : this.indexWord.get(oovIndex);
    const out: string[] = [];
    for (const seq of sequences) {
      const words: string[] = [];
      for (let k = 0; k < seq.length; k++) {
        const i = seq[k] as number;
        const w = this.indexWord.get(i);
        if (w !== undefined && !this.dropped(i)) words.push(w);
        else if (oovWord !== undefined) words.push(oovWord);
      }
      out.push(words.join(' '));
    }
    return out;
  }
}
