/**
 * What the Chapter 5 word-embedding examples share: the two corpora (`alice_in_wonderland.txt`,
 * read as the book's `word2vec_skipgram.py` reads it, and WikiText-2 cleaned like text8, which
 * stands in for the book's text8), the Keras `Tokenizer` word ids, the training pairs of the
 * skip-gram model (`skipgrams` per sentence) and the CBOW windows, the export of a trained
 * Embedding as word vectors, and the book's word-vector probes (`word2vec_gensim.py`).
 */
import { join } from 'node:path';
import { pathExists, readText } from '../../src/io/files.js';
import { DataNotFoundError } from '../../src/data/datasets.js';
import type { Rng } from '../../src/rng/rng.js';
import {
  makeSamplingTable,
  sentTokenize,
  skipgrams,
  Tokenizer,
  WordVectors,
  type SkipgramOptions,
} from '../../src/text/index.js';
import type { TextSink } from '../../models/callbacks.js';
import { ExampleArgumentError, type ExampleOptions } from '../example.js';
import { asciiOnly, ch6DataFile } from '../ch6/common.js';

/** The corpora a word2vec example trains on: the book's Alice, or WikiText-2 for text8. */
export const CORPORA = ['alice', 'wikitext-2'] as const;
/** One of {@link CORPORA}. */
export type Corpus = (typeof CORPORA)[number];

/** The book's vocabulary (`Tokenizer(5000)`, `vocab_size = 5000` in `keras_skipgram.py`). */
export const VOCAB_SIZE = 5000;
/** The book's embedding size (`embed_size = 300`). */
export const EMBED_SIZE = 300;

/**
 * The lines of `alice_in_wonderland.txt` as `word2vec_skipgram.py` reads them: each line
 * stripped, non-ASCII dropped, empty lines skipped, joined with spaces, then cut into
 * sentences (`nltk.sent_tokenize`).
 */
export function aliceSentences(text: string): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => asciiOnly(l.trim()).trim())
    .filter((l) => l.length > 0);
  return sentTokenize(lines.join(' '));
}

/**
 * WikiText-2 cleaned like text8 (Mahoney's `wikifil.pl`: lower case, letters only): one token
 * list per paragraph; headings (` = Title = `), `<unk>` and the `@-@` / `@,@` / `@.@` joiners
 * are dropped, every other non-letter becomes a space. text8 also spells digits out; here
 * numbers are simply dropped.
 */
export function wikitextParagraphs(text: string): string[][] {
  const out: string[][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || /^=.*=$/.test(line)) continue;
    const words = line
      .toLowerCase()
      .replace(/<unk>|@[-,.]@/g, ' ')
      .replace(/[^a-z]+/g, ' ')
      .split(' ')
      .filter((w) => w.length > 0);
    if (words.length > 0) out.push(words);
  }
  return out;
}

/** Which corpus an example trains on: `--variant` (or `--corpus`) names it. */
export function checkCorpus(example: string, variant: string): Corpus {
  if (!(CORPORA as readonly string[]).includes(variant))
    throw new ExampleArgumentError(
      `Unknown corpus "${variant}" for ${example} (--corpus / --variant). Choose one of: ${CORPORA.join(', ')}.`,
    );
  return variant as Corpus;
}

/** The sentences of a corpus, as texts (Alice) or token lists (WikiText-2, already cleaned). */
export function readCorpus(o: Pick<ExampleOptions, 'dataDir'>, example: string, corpus: Corpus): string[] | string[][] {
  if (corpus === 'alice')
    return aliceSentences(readText(ch6DataFile(o, example, 'alice-in-wonderland', 'alice_in_wonderland.txt')));
  const dir = o.dataDir;
  if (dir === undefined)
    throw new DataNotFoundError(`${example} reads wikitext-2/ from a data folder: pass --data-dir DIR`);
  const files = ['valid.txt', 'test.txt'].map((f) => join(dir, 'wikitext-2', f));
  const missing = files.filter((f) => !pathExists(f));
  if (missing.length > 0) throw new DataNotFoundError(`${missing.join(', ')} not found for ${example}`);
  return files.flatMap((f) => wikitextParagraphs(readText(f)));
}

/** A corpus as word ids: the fitted tokenizer and one id sequence per sentence. */
export interface CorpusIds {
  readonly tokenizer: Tokenizer;
  /** Ids 1 .. `VOCAB_SIZE - 1`; rarer words are dropped, as Keras' `texts_to_sequences` does. */
  readonly sequences: number[][];
  /** Tokens in the corpus, before the rare words were dropped. */
  readonly tokens: number;
}

/** `Tokenizer(5000)` fitted on the sentences and their id sequences. */
export function corpusIds(sentences: readonly (string | readonly string[])[], vocabSize = VOCAB_SIZE): CorpusIds {
  const tokenizer = new Tokenizer({ numWords: vocabSize });
  tokenizer.fitOnTexts(sentences);
  let tokens = 0;
  for (const c of tokenizer.wordCounts.values()) tokens += c;
  return { tokenizer, sequences: tokenizer.textsToSequences(sentences), tokens };
}

/** Skip-gram training pairs: `[word, context]` ids with label 1 (real) or 0 (negative). */
export interface SkipgramPairs {
  /** Row-major `[n, 2]`: word id, context id. */
  readonly pairs: Int32Array;
  readonly labels: Float32Array;
  readonly count: number;
  readonly positives: number;
}

/**
 * Keras' `skipgrams` over every sentence (windows never cross a sentence), with the sampling
 * table `make_sampling_table(vocabSize)` so that frequent words are mostly skipped as targets,
 * one negative per positive, unshuffled (fit shuffles every epoch).
 */
export function skipgramPairs(
  sequences: readonly (readonly number[])[],
  vocabSize: number,
  windowSize: number,
  rng: Rng,
  options: Pick<SkipgramOptions, 'samplingTable'> = { samplingTable: makeSamplingTable(vocabSize) },
): SkipgramPairs {
  const words: number[] = [];
  const labels: number[] = [];
  let positives = 0;
  for (const seq of sequences) {
    const sg = skipgrams(seq, vocabSize, { windowSize, negativeSamples: 1, shuffle: false, rng, ...options });
    for (const [w, c] of sg.couples) words.push(w, c);
    for (const l of sg.labels) {
      labels.push(l);
      positives += l;
    }
  }
  return { pairs: Int32Array.from(words), labels: Float32Array.from(labels), count: labels.length, positives };
}

/** CBOW examples: `2 * window` context ids per row and the centre word between them. */
export interface CbowWindows {
  /** Row-major `[count, 2 * window]`: the `window` words before the target, then those after. */
  readonly contexts: Int32Array;
  readonly targets: Int32Array;
  readonly count: number;
}

/**
 * Every position of every sentence with `window` words on both sides, as in the book's
 * `word2vec_cbow.py` (`nltk.trigrams` for window 1): no padded windows at sentence ends.
 */
export function cbowWindows(sequences: readonly (readonly number[])[], window: number): CbowWindows {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  const ctx: number[] = [];
  const targets: number[] = [];
  for (const seq of sequences) {
    for (let i = window; i + window < seq.length; i++) {
      for (let k = i - window; k <= i + window; k++) if (k !== i) ctx.push(seq[k] as number);
      targets.push(seq[i] as number);
    }
  }
  return { contexts: Int32Array.from(ctx), targets: Int32Array.from(targets), count: targets.length };
}

/**
 * The word vectors of a trained Embedding (`[rows, dim]` row-major, row = word id): the words
 * with ids 1 .. rows-1 that the tokenizer knows, in id order (row 0 is padding, not a word).
 */
export function embeddingVectors(
  weights: Float32Array,
  dim: number,
  indexWord: ReadonlyMap<number, string>,
): WordVectors {
  const rows = Math.floor(weights.length / dim);
  const words: string[] = [];
  const ids: number[] = [];
  for (let i = 1; i < rows; i++) {
    const w = indexWord.get(i);
    if (w === undefined) break;
    words.push(w);
    ids.push(i);
  }
  const out = new Float32Array(words.length * dim);
  ids.forEach((id, r) => out.set(weights.subarray(id * dim, (id + 1) * dim), r * dim));
  return new WordVectors(words, out, dim);
}

/** The book's similarity pairs (`word2vec_gensim.py` on text8, gensim: 0.70, 0.57, 0.29, 0.48). */
export const BOOK_SIMILARITIES: readonly (readonly [string, string, number])[] = [
  ['girl', 'woman', 0.702],
  ['girl', 'man', 0.574],
  ['girl', 'car', 0.289],
  ['bus', 'car', 0.484],
];

/** What {@link probeVectors} measured; `null` where a word is not in the vocabulary. */
export interface ProbeResults {
  readonly neighbours: Record<string, [string, number][] | null>;
  /** `woman + king - man`: the book's top answer on text8 is `queen` (0.62). */
  readonly analogy: [string, number][] | null;
  readonly similarities: Record<string, number | null>;
  readonly topNeighbourOfWoman: string | null;
}

/**
 * The book's probes of a word2vec model, printed like gensim's output: the nearest neighbours
 * of each probe word and of `woman`, `most_similar(positive=[woman, king], negative=[man])`
 * and the four similarities, each next to the book's text8 value. Words that the vocabulary
 * lacks (a small corpus has no `bus`) are reported as such, not guessed.
 */
export function probeVectors(wv: WordVectors, probes: readonly string[], log: TextSink, topK = 10): ProbeResults {
  const fmtList = (xs: [string, number][]): string => xs.map(([w, s]) => `${w} ${s.toFixed(3)}`).join(', ');
  const absent = (ws: readonly string[]): string[] => ws.filter((w) => !wv.has(w));
  const neighbours: Record<string, [string, number][] | null> = {};
  for (const w of [...new Set([...probes, 'woman'])]) {
    if (!wv.has(w)) {
      neighbours[w] = null;
      log.write(`${w} => (not in the vocabulary)\n`);
      continue;
    }
    const nn = wv.nearest(w, topK);
    neighbours[w] = nn;
    log.write(`${w} => ${fmtList(nn)}\n`);
  }
  const missing = absent(['woman', 'king', 'man']);
  const analogy = missing.length === 0 ? wv.mostSimilar(['woman', 'king'], ['man'], topK) : null;
  log.write(
    `woman + king - man => ${analogy ? fmtList(analogy) : `(${missing.join(', ')} not in the vocabulary)`}  (book, text8: queen 0.624)\n`,
  );
  const similarities: Record<string, number | null> = {};
  for (const [a, b, book] of BOOK_SIMILARITIES) {
    const lacking = absent([a, b]);
    const s = lacking.length === 0 ? wv.similarity(a, b) : null;
    similarities[`${a}-${b}`] = s;
    log.write(
      `similarity(${a}, ${b}) = ${s === null ? `n/a (${lacking.join(', ')} not in the vocabulary)` : s.toFixed(3)}  (book, text8: ${book.toFixed(2)})\n`,
    );
  }
  return { neighbours, analogy, similarities, topNeighbourOfWoman: neighbours['woman']?.[0]?.[0] ?? null };
}

/** Probe words per corpus: the book's `stupid, alice, succeeded` for Alice, common nouns for WikiText-2. */
export function probeWords(corpus: Corpus): string[] {
  return corpus === 'alice' ? ['stupid', 'alice', 'succeeded', 'queen'] : ['king', 'city', 'music', 'war'];
}
