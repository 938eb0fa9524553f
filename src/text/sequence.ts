/**
 * Keras 2's `keras.preprocessing.sequence` helpers (`pad_sequences`, `skipgrams`,
 * `make_sampling_table`) and `keras.utils.to_categorical`, tensor-free: they return typed
 * arrays with a shape, ready for `tf.tensor(data, shape)`.
 */
import { Rng } from '../rng/rng.js';

/** Element type of {@link padSequences}' output (Keras' `dtype`, restricted to the two tfjs uses). */
export type PadDtype = 'int32' | 'float32';

/** Options of {@link padSequences} (Keras' `pad_sequences` arguments). */
export interface PadOptions {
  /** Length of every row; default: the longest sequence. */
  readonly maxlen?: number;
  /** `'int32'` (default) or `'float32'`; int32 truncates fractions toward zero, like numpy's cast. */
  readonly dtype?: PadDtype;
  /** Pad before (`'pre'`, default) or after (`'post'`) each sequence. */
  readonly padding?: 'pre' | 'post';
  /** Drop values from the start (`'pre'`, default) or the end (`'post'`) of long sequences. */
  readonly truncating?: 'pre' | 'post';
  /** Padding value (default 0). */
  readonly value?: number;
}

/** A padded batch: row-major `[numSequences, maxlen]` values. */
export interface Padded<T extends Int32Array | Float32Array> {
  readonly data: T;
  readonly shape: readonly [number, number];
}

/**
 * Keras' `pad_sequences` for sequences of scalars. Returns one typed array (row-major) plus
 * its shape rather than `number[][]`, so the result goes into `tf.tensor2d(data, shape)`
 * without another copy. Empty sequences give all-padding rows, as in Keras.
 */
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  options?: PadOptions & { dtype?: 'int32' },
): Padded<Int32Array>;
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  options: PadOptions & { dtype: 'float32' },
): Padded<Float32Array>;
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  options: PadOptions = {},
): Padded<Int32Array | Float32Array> {
  const padding = options.padding ?? 'pre';
  const truncating = options.truncating ?? 'pre';
  if (padding !== 'pre' && padding !== 'post')
    throw new RangeError(`padSequences: padding must be 'pre' or 'post'. Received: ${String(padding)}`);
  if (truncating !== 'pre' && truncating !== 'post')
    throw new RangeError(`padSequences: truncating must be 'pre' or 'post'. Received: ${String(truncating)}`);
  let maxlen = options.maxlen;
  if (maxlen === undefined) maxlen = sequences.reduce((m, s) => Math.max(m, s.length), 0);
  if (!Number.isInteger(maxlen) || maxlen < 0)
    throw new RangeError(`padSequences: maxlen must be a non-negative integer. Received: ${maxlen}`);
  const n = sequences.length;
  const data = options.dtype === 'float32' ? new Float32Array(n * maxlen) : new Int32Array(n * maxlen);
  data.fill(options.value ?? 0);
  sequences.forEach((s, r) => {
    const len = Math.min(s.length, maxlen);
    // Which slice of s survives truncation, and where it lands in the row.
    const from = truncating === 'pre' ? s.length - len : 0;
    const to = r * maxlen + (padding === 'pre' ? maxlen - len : 0);
    for (let k = 0; k < len; k++) data[to + k] = s[from + k] as number;
  });
  return { data, shape: [n, maxlen] };
}

/** Options of {@link skipgrams} (Keras' `skipgrams` arguments, camel-cased). */
export interface SkipgramOptions {
  /** Context words on each side (default 4). */
  readonly windowSize?: number;
  /** Negatives per positive pair (default 1.0); the count is `floor(positives * negativeSamples)`. */
  readonly negativeSamples?: number;
  /** Shuffle pairs and labels together (default true). */
  readonly shuffle?: boolean;
  /** Labels as `[1, 0]` / `[0, 1]` instead of 0 / 1 (default false). */
  readonly categorical?: boolean;
  /** Probability of keeping word `i` as a target (`samplingTable[i]`), e.g. {@link makeSamplingTable}. */
  readonly samplingTable?: ArrayLike<number>;
  /** The random stream; or give `seed`. One of them is required when anything is drawn. */
  readonly rng?: Rng;
  /** Seed for a fresh {@link Rng} (used when `rng` is absent). */
  readonly seed?: number;
}

/** Pairs `[target, context]` and their labels (1 = real context, 0 = negative sample). */
export interface Skipgrams<L> {
  readonly couples: [number, number][];
  readonly labels: L[];
}

/**
 * Keras' `skipgrams`: for every non-zero word `wi` at position `i` (kept with probability
 * `samplingTable[wi]` when a table is given), one positive pair `[wi, wj]` per non-zero word
 * within `windowSize` positions; then `floor(positives * negativeSamples)` negatives
 * `[w, r]`, where `w` cycles through a shuffled copy of the positive targets and `r` is uniform
 * in `[1, vocabularySize - 1]` (0 is padding and never drawn); then an optional joint shuffle.
 *
 * Random draws come from tfgym's {@link Rng} in the same order as Keras' calls to Python's
 * `random` (sampling test, target shuffle, negative words, final shuffle), so pair structure,
 * counts and labels are Keras', while the particular random choices differ from Python's.
 *
 * The book's Chapter 5 demo, `skipgrams(wids, len(word_index))` on "I love green eggs and
 * ham .", gives 56 pairs: 6 words (the '.' is filtered), window 4 -> 4+5+5+5+5+4 = 28
 * positives, plus 28 negatives. (Its vocabulary size 6 is one short of `len + 1`, so 'ham',
 * index 6, is never drawn as a negative; window 1 would give 20 pairs.)
 */
export function skipgrams(
  sequence: ArrayLike<number>,
  vocabularySize: number,
  options?: SkipgramOptions & { categorical?: false },
): Skipgrams<number>;
export function skipgrams(
  sequence: ArrayLike<number>,
  vocabularySize: number,
  options: SkipgramOptions & { categorical: true },
): Skipgrams<[number, number]>;
export function skipgrams(
  sequence: ArrayLike<number>,
  vocabularySize: number,
  options: SkipgramOptions = {},
): Skipgrams<number | [number, number]> {
  const windowSize = options.windowSize ?? 4;
  const negativeSamples = options.negativeSamples ?? 1;
  const shuffle = options.shuffle ?? true;
  const categorical = options.categorical ?? false;
  const table = options.samplingTable;
  if (!Number.isInteger(windowSize) || windowSize < 0)
    throw new RangeError(`skipgrams: windowSize must be a non-negative integer. Received: ${windowSize}`);
  if (!(negativeSamples >= 0))
    throw new RangeError(`skipgrams: negativeSamples must be >= 0. Received: ${negativeSamples}`);
  const rng: Rng | undefined = options.rng ?? (options.seed === undefined ? undefined : new Rng(options.seed));
  const needRng = (what: string): Rng => {
    if (rng === undefined) {
      throw new RangeError(
        `skipgrams: ${what} draws random numbers; pass options.rng or options.seed (tfgym never seeds from the clock)`,
      );
    }
    return rng;
  };

  const couples: [number, number][] = [];
  const labels: (number | [number, number])[] = [];
  const n = sequence.length;
  for (let i = 0; i < n; i++) {
    const wi = sequence[i] as number;
    if (!wi) continue; // 0 is padding
    if (table !== undefined) {
      const keep = table[wi];
      if (keep === undefined)
        throw new RangeError(`skipgrams: samplingTable has no entry for word index ${wi} (length ${table.length})`);
      if (keep < needRng('samplingTable').nextFloat()) continue;
    }
    const start = Math.max(0, i - windowSize);
    const end = Math.min(n, i + windowSize + 1);
    for (let j = start; j < end; j++) {
      if (j === i) continue;
      const wj = sequence[j] as number;
      if (!wj) continue;
      couples.push([wi, wj]);
      labels.push(categorical ? [0, 1] : 1);
    }
  }

  if (negativeSamples > 0) {
    const count = Math.floor(labels.length * negativeSamples);
    if (count > 0) {
      if (!Number.isInteger(vocabularySize) || vocabularySize < 2) {
        throw new RangeError(
          `skipgrams: vocabularySize must be an integer >= 2 to draw negatives from [1, vocabularySize - 1]. Received: ${vocabularySize}`,
        );
      }
      const r = needRng('negative sampling');
      const words = r.shuffle(couples.map((c) => c[0]));
      for (let k = 0; k < count; k++) {
        couples.push([words[k % words.length] as number, 1 + r.nextInt(vocabularySize - 1)]);
        labels.push(categorical ? [1, 0] : 0);
      }
    }
  }

  if (shuffle && couples.length > 1) {
    // Keras reseeds and shuffles couples and labels separately with one seed: the same permutation.
    const r = needRng('shuffle');
    for (let i = couples.length - 1; i > 0; i--) {
      const j = r.nextInt(i + 1);
      [couples[i], couples[j]] = [couples[j] as [number, number], couples[i] as [number, number]];
      [labels[i], labels[j]] = [labels[j] as number, labels[i] as number];
    }
  }
  return { couples, labels };
}

/**
 * Keras' `make_sampling_table`: the probability of keeping the word of frequency rank `i`
 * (index 0 treated as rank 1), word2vec's `min(1, sqrt(t / f))` subsampling with `f`
 * approximated by Zipf's law: `1 / f ~ rank * (ln(rank) + gamma) + 1/2 - 1 / (12 rank)`,
 * `gamma = 0.577`. Entries are `min(1, sqrt(samplingFactor * invFreq))`.
 */
export function makeSamplingTable(size: number, samplingFactor = 1e-5): Float64Array {
  if (!Number.isInteger(size) || size < 0)
    throw new RangeError(`makeSamplingTable: size must be a non-negative integer. Received: ${size}`);
  const gamma = 0.577;
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const rank = i === 0 ? 1 : i;
    const invFq = rank * (Math.log(rank) + gamma) + 0.5 - 1 / (12 * rank);
    const f = samplingFactor * invFq;
    // Keras writes f / sqrt(f); same value, kept for bit-level parity.
    out[i] = Math.min(1, f / Math.sqrt(f));
  }
  return out;
}

/** A one-hot batch from {@link toCategorical}. */
export interface Categorical {
  readonly data: Float32Array;
  /** `[...labelShape, numClasses]` (a trailing 1 in the label shape is dropped, as in Keras). */
  readonly shape: readonly number[];
}

/**
 * Keras' `to_categorical`: integer class labels to one-hot float32 rows. `numClasses`
 * defaults to `max(labels) + 1`. Labels outside `[0, numClasses)` throw (numpy would wrap
 * negative ones around; that is almost always a bug here).
 * @param shape shape of `labels` (default `[labels.length]`); a trailing 1 is dropped, so
 *   `[n, 1]` gives `[n, numClasses]` like Keras.
 */
export function toCategorical(labels: ArrayLike<number>, numClasses?: number, shape?: readonly number[]): Categorical {
  const n = labels.length;
  let k = numClasses;
  if (k === undefined || k === 0) {
    k = 0;
    for (let i = 0; i < n; i++) k = Math.max(k, (labels[i] as number) + 1);
  }
  if (!Number.isInteger(k) || k < 0)
    throw new RangeError(`toCategorical: numClasses must be a positive integer. Received: ${k}`);
  let inShape = shape ?? [n];
  const size = inShape.reduce((a, b) => a * b, 1);
  if (size !== n) throw new RangeError(`toCategorical: shape [${inShape.join(', ')}] holds ${size} labels, got ${n}`);
  if (inShape.length > 1 && inShape[inShape.length - 1] === 1) inShape = inShape.slice(0, -1);
  const data = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= k) {
      throw new RangeError(`toCategorical: label ${y} at position ${i} is not an integer in [0, ${k})`);
    }
    data[i * k + y] = 1;
  }
  return { data, shape: [...inShape, k] };
}
