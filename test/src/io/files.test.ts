import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AtomicFileWriter, fsyncDirectory, writeFileAtomic } from '../../../src/io/files.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the target whole and leaves no temporary file', () => {
    const p = join(dir, 'atomic', 'f.txt');
    writeFileAtomic(p, 'one');
    writeFileAtomic(p, new TextEncoder().encode('two'));
    expect(readFileSync(p, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'atomic'))).toEqual(['f.txt']);
  });

  it('on a failed rename, removes its temporary file, rethrows, and leaves the target as it was', () => {
    // A non-empty directory under the target name: the data is written, the rename over it fails.
    const parent = join(dir, 'fails');
    const target = join(parent, 'target');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'inside.txt'), 'keep');
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(readdirSync(parent)).toEqual(['target']);
    expect(readFileSync(join(target, 'inside.txt'), 'utf8')).toBe('keep');
  });

  it('an aborted writer leaves nothing behind; a committed one cannot be written to again', () => {
    const p = join(dir, 'writer', 'g.bin');
    const w = new AtomicFileWriter(p);
    w.write(new Uint8Array([1, 2, 3]));
    w.abort();
    w.abort();
    expect(existsSync(p)).toBe(false);
    expect(readdirSync(join(dir, 'writer'))).toEqual([]);
    const v = new AtomicFileWriter(p);
    v.write('ab');
    v.write('c');
    expect(v.bytesWritten).toBe(3);
    v.commit();
    expect(readFileSync(p, 'utf8')).toBe('abc');
    expect(() => v.write('d')).toThrow(/already closed/);
  });

  it('fsyncDirectory flushes an existing directory and reports a missing one', () => {
    expect(() => fsyncDirectory(dir)).not.toThrow();
    expect(() => fsyncDirectory(join(dir, 'no-such-dir'))).toThrow(/ENOENT/);
  });
});
