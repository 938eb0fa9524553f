import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../../src/data/datasets.js';
import { DownloadError, getFile, tfgymHome } from '../../../src/data/get-file.js';

const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 131) % 251));
const sha = createHash('sha256').update(payload).digest('hex');
let server: Server;
let base: string;
let hits = 0;
const root = mkdtempSync(join(tmpdir(), 'tfgym-getfile-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/good.bin') {
      res.writeHead(200, { 'content-length': payload.length });
      res.end(payload);
    } else if (req.url === '/cut.bin') {
      // Promise the whole file, send half, then drop the connection.
      res.writeHead(200, { 'content-length': payload.length });
      res.write(payload.subarray(0, payload.length / 2), () => res.destroy());
    } else {
      res.writeHead(404);
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

/** Files in a cache dir, temporaries included (nothing may be left behind on failure). */
function listing(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [];
}

describe('getFile against a local HTTP server', () => {
  it('downloads a good file, verifies it, reports progress, then serves it from the cache', async () => {
    const cacheDir = join(root, 'good');
    const progress: number[] = [];
    const p = await getFile({
      name: 'sub/good.bin',
      origin: `${base}/good.bin`,
      sha256: sha,
      cacheDir,
      onProgress: (r) => progress.push(r),
    });
    expect(p).toBe(join(cacheDir, 'sub', 'good.bin'));
    expect(readFileSync(p).equals(payload)).toBe(true);
    expect(progress[progress.length - 1]).toBe(payload.length);
    expect(listing(cacheDir)).toEqual(['sub', join('sub', 'good.bin')]);
    const before = hits;
    await getFile({ name: 'sub/good.bin', origin: `${base}/good.bin`, sha256: sha, cacheDir });
    expect(hits).toBe(before);
  });

  it('a cached file with the wrong hash is downloaded again', async () => {
    const cacheDir = join(root, 'stale');
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, 'good.bin'), 'corrupt');
    const p = await getFile({ name: 'good.bin', origin: `${base}/good.bin`, sha256: sha, cacheDir });
    expect(readFileSync(p).equals(payload)).toBe(true);
  });

  it('wrong hash: error naming both hashes, nothing cached', async () => {
    const cacheDir = join(root, 'badhash');
    const err = await getFile({ name: 'good.bin', origin: `${base}/good.bin`, sha256: '0'.repeat(64), cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect(String(err)).toMatch(new RegExp(`sha256 ${sha}, expected 0{64}`));
    expect(listing(cacheDir)).toEqual([]);
  });

  it('interrupted transfer: error, nothing cached (not even a temporary file)', async () => {
    const cacheDir = join(root, 'cut');
    const err = await getFile({ name: 'cut.bin', origin: `${base}/cut.bin`, sha256: sha, cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect(String(err)).toMatch(/interrupted/);
    expect(listing(cacheDir)).toEqual([]);
  });

  it('HTTP 404: error with the status', async () => {
    const cacheDir = join(root, 'missing');
    await expect(getFile({ name: 'x.bin', origin: `${base}/nope.bin`, cacheDir })).rejects.toThrow(/HTTP 404/);
    expect(listing(cacheDir)).toEqual([]);
  });

  it('offline (connection refused): a clear message naming the file and where to put it', async () => {
    // Bind then close a server to get a port nothing listens on.
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const cacheDir = join(root, 'offline');
    const err = await getFile({ name: 'mnist/train.gz', origin: `http://127.0.0.1:${port}/train.gz`, cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    const msg = String(err);
    expect(msg).toMatch(/Could not download mnist\/train.gz/);
    expect(msg).toMatch(/ECONNREFUSED/);
    expect(msg).toContain(`put it at ${join(cacheDir, 'mnist', 'train.gz')}`);
    expect(msg).toMatch(/--data-dir/);
    expect(listing(cacheDir)).toEqual([]);
  });

  it('loaders without a data folder download into the cache; offline they say what to put where', async () => {
    const cacheDir = join(root, 'loader');
    const offline = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch;
    const err = await loadMnist({ cacheDir, fetchImpl: offline }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(String(err)).toContain('storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz');
    expect(String(err)).toContain(`put it at ${join(cacheDir, 'mnist', 'train-images-idx3-ubyte.gz')}`);
    expect(listing(cacheDir)).toEqual([]);
  });

  it('the cache root is $TFGYM_HOME, else ~/.cache/tfgym', () => {
    expect(tfgymHome({ TFGYM_HOME: '/x/y' })).toBe('/x/y');
    expect(tfgymHome({})).toMatch(/\.cache[/\\]tfgym$/);
  });
});
