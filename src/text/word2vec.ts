/**
 * The two word2vec file formats (Mikolov's C tool, gensim's `save_word2vec_format` /
 * `load_word2vec_format`), both directions:
 * - text: a header line `"V D"`, then one line per word: `word v1 v2 ... vD`;
 * - binary: the same header line, then per word its UTF-8 bytes, a space, D little-endian
 *   float32 values and (as the C tool writes) an optional newline.
 */
import { readBytes, writeFileAtomic } from '../io/files.js';
import { WordVectors } from './embeddings.js';
import { TextFormatError } from './errors.js';
import { RowBuffer, asBytes, fields, forEachLine, parseNumbers, utf8 } from './lines.js';

/** Options of the word2vec readers. */
export interface Word2VecReadOptions {
  /** Read only the first `limit` words (gensim's `limit`). */
  readonly limit?: number;
}

function parseHeader(line: string, name: string): [number, number] {
  const parts = fields(line.trim());
  const v = Number(parts[0]);
  const d = Number(parts[1]);
  if (parts.length !== 2 || !Number.isInteger(v) || v < 0 || !Number.isInteger(d) || d < 1) {
    throw new TextFormatError(
      `${name}: line 1: expected the header "vocabSize dim" (two integers), found ${JSON.stringify(line.slice(0, 80))}`,
    );
  }
  return [v, d];
}

function wantedRows(v: number, options: Word2VecReadOptions): number {
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
    throw new RangeError(`limit must be a non-negative integer. Received: ${limit}`);
  return limit === undefined ? v : Math.min(v, limit);
}

/**
 * Parses the word2vec text format. Blank lines are ignored; every other line must hold a word
 * and exactly D numbers, and the number of lines must match the header (unless `limit` stops
 * early). Errors name the line.
 * @param name the file name used in error messages
 */
export function parseWord2VecText(
  input: Uint8Array | string,
  name = 'word2vec text',
  options: Word2VecReadOptions = {},
): WordVectors {
  const bytes = asBytes(input);
  let header: [number, number] | undefined;
  let want = 0;
  let rows: RowBuffer | undefined;
  const words: string[] = [];
  forEachLine(bytes, (raw, lineNo) => {
    const line = utf8(raw);
    if (header === undefined) {
      header = parseHeader(line, name);
      want = wantedRows(header[0], options);
      rows = new RowBuffer(header[1], Math.min(want, 1 << 16));
      return want > 0;
    }
    if (line.trim().length === 0) return true;
    const parts = fields(line);
    const d = header[1];
    if (parts.length !== d + 1) {
      throw new TextFormatError(
        `${name}: line ${lineNo}: expected a word and ${d} values, found ${parts.length} fields`,
      );
    }
    if (words.length >= header[0])
      throw new TextFormatError(`${name}: line ${lineNo}: more words than the header's ${header[0]}`);
    words.push(parts[0] as string);
    parseNumbers(parts, 1, (rows as RowBuffer).next(), () => `${name}: line ${lineNo}`);
    return words.length < want;
  });
  if (header === undefined || rows === undefined)
    throw new TextFormatError(`${name}: empty file, expected the header "vocabSize dim"`);
  if (words.length < want)
    throw new TextFormatError(`${name}: the header announces ${header[0]} words, the file holds ${words.length}`);
  return new WordVectors(words, rows.result(), header[1]);
}

/** A float32 as the shortest decimal that reads back to the same float32. */
function formatFloat32(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  for (let p = 1; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(Number(x.toPrecision(9)));
}

function checkWord(w: string, i: number): void {
  if (w.length === 0 || /[\s]/.test(w))
    throw new RangeError(
      `word ${i} (${JSON.stringify(w)}) is empty or holds whitespace; word2vec files cannot store it`,
    );
}

/** Writes the word2vec text format; values are the shortest decimals that read back exactly as float32. */
export function formatWord2VecText(wv: WordVectors): string {
  const parts: string[] = [`${wv.size} ${wv.dim}\n`];
  wv.words.forEach((w, i) => {
    checkWord(w, i);
    const row: string[] = [w];
    for (let k = 0; k < wv.dim; k++) row.push(formatFloat32(wv.vectors[i * wv.dim + k] as number));
    parts.push(`${row.join(' ')}\n`);
  });
  return parts.join('');
}

/**
 * Parses the word2vec binary format. Newlines before a word are skipped (the C tool writes one
 * after each vector, some writers do not); errors give the record and byte offset.
 */
export function parseWord2VecBinary(
  bytes: Uint8Array,
  name = 'word2vec binary',
  options: Word2VecReadOptions = {},
): WordVectors {
  const eol = bytes.indexOf(0x0a);
  if (eol < 0)
    throw new TextFormatError(`${name}: offset 0: expected the header line "vocabSize dim\\n", found no newline`);
  const [v, d] = parseHeader(utf8(bytes.subarray(0, eol)).replace(/\r$/, ''), name);
  const want = wantedRows(v, options);
  const rows = new RowBuffer(d, Math.min(want, 1 << 16));
  const words: string[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = eol + 1;
  for (let i = 0; i < want; i++) {
    while (pos < bytes.length && (bytes[pos] === 0x0a || bytes[pos] === 0x0d)) pos += 1;
    const space = bytes.indexOf(0x20, pos);
    if (space < 0) {
      throw new TextFormatError(
        `${name}: record ${i + 1} of ${v} at offset ${pos}: expected a word followed by a space, found the end of the file`,
      );
    }
    const word = utf8(bytes.subarray(pos, space));
    pos = space + 1;
    if (pos + 4 * d > bytes.length) {
      throw new TextFormatError(
        `${name}: record ${i + 1} of ${v} (${JSON.stringify(word)}) at offset ${pos}: expected ${4 * d} bytes of float32 values, only ${bytes.length - pos} left`,
      );
    }
    const row = rows.next();
    for (let k = 0; k < d; k++) row[k] = view.getFloat32(pos + 4 * k, true);
    pos += 4 * d;
    words.push(word);
  }
  if (want === v) {
    while (pos < bytes.length && (bytes[pos] === 0x0a || bytes[pos] === 0x0d || bytes[pos] === 0x20)) pos += 1;
    if (pos < bytes.length)
      throw new TextFormatError(
        `${name}: offset ${pos}: ${bytes.length - pos} unexpected bytes after the header's ${v} records`,
      );
  }
  return new WordVectors(words, rows.result(), d);
}

/**
 * Writes the word2vec binary format (float32 little-endian), with a newline after each vector
 * as the C tool writes (`newline`, default true).
 */
export function encodeWord2VecBinary(wv: WordVectors, options: { newline?: boolean } = {}): Uint8Array {
  const newline = options.newline ?? true;
  const enc = new TextEncoder();
  const header = enc.encode(`${wv.size} ${wv.dim}\n`);
  const encoded = wv.words.map((w, i) => {
    checkWord(w, i);
    return enc.encode(w);
  });
  const total = header.length + encoded.reduce((s, b) => s + b.length + 1 + 4 * wv.dim + (newline ? 1 : 0), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(header, 0);
  let pos = header.length;
  encoded.forEach((b, i) => {
    out.set(b, pos);
    pos += b.length;
    out[pos++] = 0x20;
    for (let k = 0; k < wv.dim; k++) view.setFloat32(pos + 4 * k, wv.vectors[i * wv.dim + k] as number, true);
    pos += 4 * wv.dim;
    if (newline) out[pos++] = 0x0a;
  });
  return out;
}

/** Reads a word2vec file (text, or binary when `binary` is true), like gensim's `load_word2vec_format`. */
export function readWord2VecFile(path: string, options: Word2VecReadOptions & { binary?: boolean } = {}): WordVectors {
  const bytes = readBytes(path);
  return options.binary ? parseWord2VecBinary(bytes, path, options) : parseWord2VecText(bytes, path, options);
}

/** Writes a word2vec file atomically (text, or binary when `binary` is true). */
export function writeWord2VecFile(
  path: string,
  wv: WordVectors,
  options: { binary?: boolean; newline?: boolean } = {},
): void {
  writeFileAtomic(path, options.binary ? encodeWord2VecBinary(wv, options) : formatWord2VecText(wv));
}
