/**
 * GloVe's text format (`glove.6B.100d.txt`): one line per word, `word v1 ... vD`, no header,
 * D taken from the first line; plain or gzip-compressed. The book's
 * `transfer_glove_embeddings.py` reads it for the words of its own vocabulary only, so the
 * reader can keep a subset and reports how much of it the file covered.
 */
import { readBytes } from '../io/files.js';
import { WordVectors } from './embeddings.js';
import { TextFormatError } from './errors.js';
import { RowBuffer, asBytes, fields, forEachLine, maybeGunzip, parseNumbers, utf8 } from './lines.js';

/** A field that starts like a decimal number. */
const NUMBER_START = /^[-+]?(?:\d|\.\d)/;

/** Options of {@link parseGlove}. */
export interface GloveOptions {
  /** Keep only these words (e.g. a Tokenizer's `wordIndex.keys()`); default: every word. */
  readonly vocabulary?: Iterable<string>;
  /** Stop after this many lines of the file (GloVe files are sorted by frequency). */
  readonly limit?: number;
}

/** How much of a requested vocabulary a GloVe file held. */
export interface GloveCoverage {
  /** Distinct words asked for. */
  readonly wanted: number;
  /** Of those, how many had a vector. */
  readonly found: number;
  /** The words without a vector, in the order they were given. */
  readonly missing: string[];
}

/** Vectors read from a GloVe file, plus the coverage of the requested vocabulary (when one was given). */
export interface GloveResult {
  readonly vectors: WordVectors;
  readonly coverage?: GloveCoverage;
}

/**
 * Parses GloVe text (bytes, gzip-compressed bytes, or a string). Every non-blank line needs a
 * word and D numbers, D fixed by the first line. A line with more fields than D + 1 keeps the
 * last D as the vector and joins the rest (with single spaces) as the word, as some large
 * GloVe files hold tokens with spaces. A word appearing twice keeps its first vector.
 * @param name the file name used in error messages
 */
export function parseGlove(input: Uint8Array | string, options: GloveOptions = {}, name = 'GloVe text'): GloveResult {
  const bytes = maybeGunzip(asBytes(input), name);
  const wanted = options.vocabulary === undefined ? undefined : [...new Set(options.vocabulary)];
  const wantedSet = wanted === undefined ? undefined : new Set(wanted);
  const limit = options.limit ?? Infinity;
  let rows: RowBuffer | undefined;
  const words: string[] = [];
  const seen = new Set<string>();
  forEachLine(bytes, (raw, lineNo) => {
    if (lineNo > limit) return false;
    // With a vocabulary, decode only the word of each line and skip unwanted ones without
    // parsing their numbers (most of a 400k-word file). A second field that does not look like
    // a number means a word with spaces: such lines are parsed in full below.
    if (wantedSet !== undefined && rows !== undefined) {
      const space = raw.indexOf(0x20);
      const next = space > 0 ? raw.indexOf(0x20, space + 1) : -1;
      if (
        next > space + 1 &&
        !wantedSet.has(utf8(raw.subarray(0, space))) &&
        NUMBER_START.test(utf8(raw.subarray(space + 1, next)))
      ) {
        return true;
      }
    }
    const line = utf8(raw);
    if (line.trim().length === 0) return true;
    const parts = fields(line);
    if (rows === undefined) {
      if (parts.length < 2)
        throw new TextFormatError(
          `${name}: line ${lineNo}: expected a word followed by its vector values, found ${parts.length} field(s)`,
        );
      rows = new RowBuffer(parts.length - 1, wantedSet === undefined ? 1 << 16 : Math.max(1, wantedSet.size));
    }
    const d = rows.dim;
    if (parts.length < d + 1) {
      throw new TextFormatError(
        `${name}: line ${lineNo}: expected a word and ${d} values (the first line's dimension), found ${parts.length} fields`,
      );
    }
    const word = parts.slice(0, parts.length - d).join(' ');
    if (seen.has(word) || (wantedSet !== undefined && !wantedSet.has(word))) return true;
    seen.add(word);
    words.push(word);
    parseNumbers(parts, parts.length - d, rows.next(), () => `${name}: line ${lineNo}`);
    return true;
  });
  if (rows === undefined) throw new TextFormatError(`${name}: no vectors found (empty file)`);
  const vectors = new WordVectors(words, rows.result(), rows.dim);
  if (wanted === undefined) return { vectors };
  const missing = wanted.filter((w) => !seen.has(w));
  return { vectors, coverage: { wanted: wanted.length, found: wanted.length - missing.length, missing } };
}

/** Reads a GloVe `.txt` or `.txt.gz` file (gzip detected from the bytes, not the name). */
export function readGloveFile(path: string, options: GloveOptions = {}): GloveResult {
  return parseGlove(readBytes(path), options, path);
}
