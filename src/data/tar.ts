/** Minimal ustar reader (regular files only): enough to unpack `cifar-10-binary.tar.gz`. */
import { gunzipSync } from 'node:zlib';
import { isGzip } from './idx.js';

/** One regular file in a tar archive. */
export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

function field(block: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && block[end] !== 0) end++;
  return new TextDecoder().decode(block.subarray(off, end));
}

/** Lists the regular files of a (gzipped) tar archive. */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const raw = isGzip(bytes) ? new Uint8Array(gunzipSync(bytes)) : bytes;
  const entries: TarEntry[] = [];
  let off = 0;
  while (off + 512 <= raw.length) {
    const header = raw.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    off += 512;
    if (type === '0' || type === '\0') {
      entries.push({ name: prefix ? `${prefix}/${name}` : name, data: raw.subarray(off, off + size) });
    }
    off += Math.ceil(size / 512) * 512;
  }
  return entries;
}
