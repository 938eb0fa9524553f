/**
 * File-system primitives for the rest of tfgym. Every write is atomic: data goes to a temporary
 * file beside the target, is flushed to disk, then renamed over it (and the directory flushed),
 * so a reader (or a crash, or Ctrl-C) never sees a half-written file under the real name.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

let tmpCounter = 0;

/** A unique temporary name beside `path` (same directory, so rename is atomic). */
function tempNameFor(path: string): string {
  tmpCounter += 1;
  return `${path}.tmp-${process.pid}-${tmpCounter}`;
}

/** Creates a directory and its parents if missing. */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Whether a path exists (file or directory). */
export function pathExists(path: string): boolean {
  return existsSync(path);
}

/** Whether a path is an existing directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Size in bytes of an existing file. */
export function fileSize(path: string): number {
  return statSync(path).size;
}

/** Reads a whole file as bytes. */
export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads a whole file as UTF-8 text. */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Flushes a directory's entries (new names, renames) to disk. Some platforms and file systems
 * cannot open or fsync a directory (Windows, some network mounts); there the rename is as
 * durable as the system makes it, so those refusals are ignored and any other error is thrown.
 */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    if (isUnsupported(e)) return;
    throw e;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    if (!isUnsupported(e)) throw e;
  } finally {
    closeSync(fd);
  }
}

/** Errors by which a system says it cannot fsync a directory. */
function isUnsupported(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EBADF';
}

/** Removes a file if it exists (no error otherwise). */
export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/**
 * A file being written atomically: chunks go to a temporary file; {@link commit} renames it
 * over the target, {@link abort} deletes it. Exactly one of the two must be called.
 */
export class AtomicFileWriter {
  private readonly tmp: string;
  private fd: number | null;
  /** Bytes written so far. */
  bytesWritten = 0;

  /** Opens a temporary file beside `path` (creating the directory). */
  constructor(readonly path: string) {
    ensureDir(dirname(path));
    this.tmp = tempNameFor(path);
    this.fd = openSync(this.tmp, 'w');
  }

  /** Appends a chunk. */
  write(chunk: Uint8Array | string): void {
    if (this.fd === null) throw new Error(`AtomicFileWriter for ${this.path} is already closed`);
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let off = 0;
    while (off < buf.byteLength) off += writeSync(this.fd, buf, off, buf.byteLength - off);
    this.bytesWritten += buf.byteLength;
  }

  /**
   * Flushes the data to disk, renames the temporary file to the target path, then flushes the
   * directory so the rename itself survives a crash. On error the temporary file is left for
   * {@link abort} to remove.
   */
  commit(): void {
    if (this.fd === null) throw new Error(`AtomicFileWriter for ${this.path} is already closed`);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.tmp, this.path);
    fsyncDirectory(dirname(this.path));
  }

  /** Discards the temporary file; the target is left as it was. Safe to call twice. */
  abort(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    rmSync(this.tmp, { force: true });
  }
}

/**
 * Writes a whole file atomically: a temporary file beside `path`, fsynced, renamed over `path`,
 * then the directory fsynced. On any error the temporary file is removed and the error rethrown;
 * `path` keeps its old content (or stays absent).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const w = new AtomicFileWriter(path);
  try {
    w.write(data);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/**
 * Appends one line (`text` plus a newline) to the file at `path`, created with its folder if
 * missing. The whole line goes out in one `write` on a file opened for appending and is then
 * flushed to disk, so writers appending to the same file at once do not interleave, and a caller
 * that writes only when its work is done leaves either the whole line or none. A file whose last
 * line lacks its newline (edited by hand) gets one first, so the new line stays whole.
 */
export function appendLineDurable(path: string, text: string): void {
  ensureDir(dirname(path));
  const fd = openSync(path, 'a+');
  try {
    let out = `${text}\n`;
    const size = fstatSync(fd).size;
    if (size > 0) {
      const lastByte = Buffer.alloc(1);
      readSync(fd, lastByte, 0, 1, size - 1);
      if (lastByte[0] !== 0x0a) out = `\n${out}`;
    }
    const buf = Buffer.from(out, 'utf8');
    let off = 0;
    while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
