/**
 * What the Chapter 6 examples share: finding their data files in the data folder, the
 * vocabulary the book builds from word counts (`collections.Counter.most_common`), sklearn's
 * `train_test_split` with a seeded shuffle, and (re-exported from `models/recurrent.ts`) the seeded
 * recurrent layers.
 */
import { join } from 'node:path';
import { pathExists } from '../../src/io/files.js';
import { DataNotFoundError } from '../../src/data/datasets.js';
import type { Rng } from '../../src/rng/rng.js';
import type { ExampleOptions } from '../example.js';

/**
 * The path of `file` in the data folder: `<dataDir>/<folder>/<file>`, else `<dataDir>/<file>`.
 * These files are not downloaded (the book's scripts read them from `../data`), so a missing
 * folder or file is a {@link DataNotFoundError} naming both.
 */
export function ch6DataFile(o: Pick<ExampleOptions, 'dataDir'>, example: string, folder: string, file: string): string {
  const dir = o.dataDir;
  if (dir === undefined)
    throw new DataNotFoundError(
      `${example} reads ${folder}/${file} from a data folder: pass --data-dir DIR (or set TFGYM_DATA), e.g. --data-dir ../shared/datasets`,
    );
  for (const p of [join(dir, folder, file), join(dir, file)]) if (pathExists(p)) return p;
  throw new DataNotFoundError(`${file} not found for ${example} in ${dir} (looked in ${join(dir, folder)} and ${dir})`);
}

/** Drops every non-ASCII character, as the book's `decode("ascii", "ignore")` does. */
export function asciiOnly(s: string): string {
  let out = '';
  for (const c of s) if (c.charCodeAt(0) < 0x80) out += c;
  return out;
}

/**
 * Words by falling count, ties in order of first appearance: CPython's
 * `Counter.most_common(n)` (a stable sort of an insertion-ordered dict).
 */
export function mostCommon(counts: ReadonlyMap<string, number>, n = Infinity): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([w]) => w);
}

/** Counts every token of every sequence, in order of first appearance. */
export function countTokens(seqs: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of seqs) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** A word index with PAD = 0 and UNK = 1 and the `maxFeatures` most common words from 2. */
export interface WordIndex {
  readonly index: ReadonlyMap<string, number>;
  /** Index to word (`PAD`, `UNK`, then the words). */
  readonly words: readonly string[];
  /** The Embedding's input dimension: `min(maxFeatures, distinct words) + 2`. */
  readonly size: number;
}

/** The book's `word2index`: the `maxFeatures` most common words from 2, `PAD` 0, `UNK` 1. */
export function buildWordIndex(counts: ReadonlyMap<string, number>, maxFeatures: number): WordIndex {
  const words = ['PAD', 'UNK', ...mostCommon(counts, maxFeatures)];
  return { index: new Map(words.map((w, i) => [w, i])), words, size: words.length };
}

/** Word ids of a sentence, unknown words as `UNK` (1). */
export function wordIds(words: readonly string[], wi: WordIndex): number[] {
  return words.map((w) => wi.index.get(w) ?? 1);
}

/**
 * sklearn's `train_test_split(..., test_size)`: a seeded permutation, the first
 * `ceil(test_size * n)` indices for the test set and the rest for training (sklearn's sizes;
 * its permutation comes from numpy, this one from tfgym's Rng).
 */
export function trainTestSplit(n: number, testSize: number, rng: Rng): { train: number[]; test: number[] } {
  if (!(testSize > 0 && testSize < 1)) throw new RangeError(`testSize must be in (0, 1), got ${testSize}`);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const nTest = Math.ceil(testSize * n);
  return { test: order.slice(0, nTest), train: order.slice(nTest) };
}

/** Rows `rows` of a row-major `[n, ...rowShape]` array (row length `rowSize`). */
export function takeRows<T extends Int32Array | Float32Array>(data: T, rowSize: number, rows: readonly number[]): T {
  const out = new (data.constructor as new (n: number) => T)(rows.length * rowSize);
  rows.forEach((r, k) => out.set(data.subarray(r * rowSize, (r + 1) * rowSize), k * rowSize));
  return out;
}

/** The seeded recurrent layers live in `models/recurrent.ts`; the Chapter 6 examples import them from here. */
export { bidirectional, recurrent, type CellKind, type RecurrentArgs } from '../../models/recurrent.js';

/** `0.1234`, or `n/a` for a missing value. */
export function fmt(x: number | undefined, digits = 4): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}
