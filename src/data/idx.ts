/**
 * The IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed). Pure parsing: callers
 * pass the file's bytes. Counts and dimensions come from the header, never assumed.
 */
import { gunzipSync } from 'node:zlib';
import { shapeSize } from '../core/spaces.js';

/** A parsed IDX file. */
export interface IdxArray {
  /** Dimensions from the header, e.g. `[60000, 28, 28]` or `[10000]`. */
  readonly dims: readonly number[];
  /** The values, row-major (only unsigned-byte IDX files are supported: MNIST's type). */
  readonly data: Uint8Array;
}

/** Thrown for a malformed IDX file; the message says what was wrong. */
export class IdxFormatError extends Error {
  override readonly name = 'IdxFormatError';
}

/** Whether bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file (gunzipping first if it is gzip). Header: two zero bytes, a type byte
 * (0x08 = unsigned byte), the number of dimensions, then each dimension as big-endian uint32.
 * @param name used in error messages
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  let raw: Uint8Array;
  try {
    raw = isGzip(bytes) ? new Uint8Array(gunzipSync(bytes)) : bytes;
  } catch (e) {
    throw new IdxFormatError(`${name}: corrupt gzip data (${e instanceof Error ? e.message : String(e)})`);
  }
  if (raw.length < 4) throw new IdxFormatError(`${name}: too short for an IDX header (${raw.length} bytes)`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw[0] !== 0 || raw[1] !== 0)
    throw new IdxFormatError(`${name}: bad magic number (first bytes must be 0x00 0x00)`);
  const type = raw[2] ?? 0;
  if (type !== 0x08)
    throw new IdxFormatError(`${name}: unsupported IDX data type 0x${type.toString(16)} (only unsigned byte, 0x08)`);
  const rank = raw[3] ?? 0;
  if (rank < 1) throw new IdxFormatError(`${name}: rank 0`);
  const headerLen = 4 + 4 * rank;
  if (raw.length < headerLen) throw new IdxFormatError(`${name}: truncated header`);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = shapeSize(dims);
  if (raw.length - headerLen < count) {
    throw new IdxFormatError(
      `${name}: header says ${dims.join('x')} = ${count} values but the file holds ${raw.length - headerLen}`,
    );
  }
  return { dims, data: raw.subarray(headerLen, headerLen + count) };
}

/** Encodes an unsigned-byte IDX file (uncompressed), e.g. for test fixtures. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
