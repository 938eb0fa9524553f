/**
 * Internal helpers of the word-vector readers: line iteration over bytes (so files larger
 * than V8's maximum string length still parse) and a growable row buffer.
 */
import { gunzipSync } from 'node:zlib';
import { TextFormatError } from './errors.js';

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** Bytes of a string or byte input. */
export function asBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? encoder.encode(input) : input;
}

/** Decodes UTF-8 (invalid sequences become U+FFFD, as some word2vec vocabularies hold them). */
export function utf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Gunzips when the bytes start with the gzip magic; errors name the file. */
export function maybeGunzip(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const b = gunzipSync(bytes);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw new TextFormatError(`${name}: corrupt gzip data (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return bytes;
}

/** Calls `fn(line, lineNumber)` (1-based) for each line; `\r\n` endings are handled. Return false to stop. */
export function forEachLine(bytes: Uint8Array, fn: (line: Uint8Array, lineNo: number) => boolean | void): void {
  let start = 0;
  let lineNo = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    lineNo += 1;
    let stop = end;
    if (stop > start && bytes[stop - 1] === 0x0d) stop -= 1;
    if (fn(bytes.subarray(start, stop), lineNo) === false) return;
    start = end + 1;
  }
}

/** Splits a decoded line on runs of ASCII spaces, ignoring leading and trailing ones. */
export function fields(line: string): string[] {
  return line.split(' ').filter((f) => f.length > 0);
}

/** Parses `count` numbers from `parts` starting at `from` into `out`; errors say where. */
export function parseNumbers(parts: readonly string[], from: number, out: Float32Array, where: () => string): void {
  for (let k = 0; k < out.length; k++) {
    const tok = parts[from + k] ?? '';
    const v = Number(tok);
    if (tok.length === 0 || !Number.isFinite(v))
      throw new TextFormatError(`${where()}: value ${k + 1} ${JSON.stringify(tok)} is not a finite number`);
    out[k] = v;
  }
}

/** A row-major float32 buffer that grows by doubling. */
export class RowBuffer {
  private data: Float32Array;
  rows = 0;

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    this.data = new Float32Array(Math.max(1, capacity) * dim);
  }

  /** A writable view of the next row, already counted. */
  next(): Float32Array {
    if ((this.rows + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const row = this.data.subarray(this.rows * this.dim, (this.rows + 1) * this.dim);
    this.rows += 1;
    return row;
  }

  /** Drops the last row (a row that turned out to be unwanted). */
  pop(): void {
    this.rows -= 1;
  }

  /** The filled part, trimmed to `rows * dim` (a copy only when there is slack). */
  result(): Float32Array {
    const n = this.rows * this.dim;
    return n === this.data.length ? this.data : this.data.slice(0, n);
  }
}
