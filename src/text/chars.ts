/**
 * Character vocabularies and one-hot windows, as the book's Chapter 6 character RNN
 * (`alice_chargen_rnn.py`) builds them: the set of characters of a text, an index per
 * character, windows of `seqLen` characters with the next character as the label.
 */

/** A character vocabulary: sorted characters and the maps both ways. */
export interface CharVocab {
  /** Distinct characters (Unicode code points), sorted by code point like Python's `sorted(set(text))`. */
  readonly chars: readonly string[];
  readonly charToIndex: ReadonlyMap<string, number>;
  readonly indexToChar: ReadonlyMap<number, string>;
}

/**
 * The book's `char2index` / `index2char`. The book enumerates a Python `set`, whose order is
 * arbitrary; sorting makes the indices reproducible. Characters are code points, so an astral
 * character (emoji) is one character, as in Python 3.
 */
export function buildCharVocab(text: string): CharVocab {
  const chars = [...new Set(Array.from(text))].sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0));
  const charToIndex = new Map<string, number>();
  const indexToChar = new Map<number, string>();
  chars.forEach((c, i) => {
    charToIndex.set(c, i);
    indexToChar.set(i, c);
  });
  return { chars, charToIndex, indexToChar };
}

/** Input windows and their next-character labels. */
export interface CharWindows {
  /** `inputs[i]` is characters `[i * step, i * step + seqLen)`. */
  readonly inputs: string[];
  /** `labels[i]` is the character right after `inputs[i]`. */
  readonly labels: string[];
}

/**
 * The book's window loop `for i in range(0, len(text) - seqLen, step)`: each window of
 * `seqLen` characters and the character that follows it.
 */
export function charWindows(text: string, seqLen: number, step = 1): CharWindows {
  if (!Number.isInteger(seqLen) || seqLen < 1)
    throw new RangeError(`charWindows: seqLen must be a positive integer. Received: ${seqLen}`);
  if (!Number.isInteger(step) || step < 1)
    throw new RangeError(`charWindows: step must be a positive integer. Received: ${step}`);
  const cps = Array.from(text);
  const inputs: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < cps.length - seqLen; i += step) {
    inputs.push(cps.slice(i, i + seqLen).join(''));
    labels.push(cps[i + seqLen] as string);
  }
  return { inputs, labels };
}

function indexOf(vocab: CharVocab, c: string): number {
  const i = vocab.charToIndex.get(c);
  if (i === undefined)
    throw new RangeError(`character ${JSON.stringify(c)} is not in the vocabulary (${vocab.chars.length} characters)`);
  return i;
}

/** One-hot `[T, V]` rows (uint8 0/1, the book's `np.bool` arrays) of a string of T characters. */
export function oneHotChars(s: string, vocab: CharVocab): Uint8Array {
  const cps = Array.from(s);
  const v = vocab.chars.length;
  const out = new Uint8Array(cps.length * v);
  cps.forEach((c, t) => {
    out[t * v + indexOf(vocab, c)] = 1;
  });
  return out;
}

/** The book's `X` and `y`: one-hot inputs `[N, T, V]` and labels `[N, V]`, uint8 0/1. */
export interface OneHotWindows {
  readonly x: Uint8Array;
  readonly xShape: readonly [number, number, number];
  readonly y: Uint8Array;
  readonly yShape: readonly [number, number];
}

/**
 * One-hot encodes windows from {@link charWindows} (all inputs must have the same length).
 * Throws on a character missing from the vocabulary, naming it.
 */
export function oneHotWindows(windows: CharWindows, vocab: CharVocab): OneHotWindows {
  const n = windows.inputs.length;
  if (windows.labels.length !== n)
    throw new RangeError(`oneHotWindows: ${n} inputs but ${windows.labels.length} labels`);
  const t = n === 0 ? 0 : Array.from(windows.inputs[0] as string).length;
  const v = vocab.chars.length;
  const x = new Uint8Array(n * t * v);
  const y = new Uint8Array(n * v);
  windows.inputs.forEach((s, i) => {
    const row = oneHotChars(s, vocab);
    if (row.length !== t * v)
      throw new RangeError(`oneHotWindows: input ${i} has ${row.length / v} characters, expected ${t}`);
    x.set(row, i * t * v);
    y[i * v + indexOf(vocab, windows.labels[i] as string)] = 1;
  });
  return { x, xShape: [n, t, v], y, yShape: [n, v] };
}

/** Decodes indices (e.g. argmax of predictions) back to a string. */
export function decodeChars(indices: ArrayLike<number>, vocab: CharVocab): string {
  let s = '';
  for (let k = 0; k < indices.length; k++) {
    const c = vocab.indexToChar.get(indices[k] as number);
    if (c === undefined)
      throw new RangeError(`decodeChars: index ${indices[k]} is outside the vocabulary [0, ${vocab.chars.length})`);
    s += c;
  }
  return s;
}
