import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_RECORD_BYTES, encodeCifarBatch, parseCifarBatch, CifarFormatError } from '../../../src/data/cifar.js';
import {
  DataNotFoundError,
  loadCifar10,
  loadFashionMnist,
  loadMnist,
  resolveDataDir,
  takeSplit,
} from '../../../src/data/datasets.js';
import { encodeIdx, IdxFormatError, parseIdx } from '../../../src/data/idx.js';
import { readTar } from '../../../src/data/tar.js';

// Relative to the repo: CI clones the repo with shared/ beside it.
const SHARED = '../shared/datasets';
const tmp = mkdtempSync(join(tmpdir(), 'tfgym-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function counts(labels: Uint8Array, k = 10): number[] {
  const c = new Array<number>(k).fill(0);
  for (const l of labels) c[l] = (c[l] ?? 0) + 1;
  return c;
}

describe('IDX parser', () => {
  it('round-trips a tiny generated file, plain and gzipped; counts come from the header', () => {
    const data = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 7);
    const raw = encodeIdx([3, 2, 2], data);
    for (const bytes of [raw, new Uint8Array(gzipSync(raw))]) {
      const p = parseIdx(bytes);
      expect(p.dims).toEqual([3, 2, 2]);
      expect(Array.from(p.data)).toEqual(Array.from(data));
    }
  });

  it('rejects bad magic, unsupported types and truncated data with clear messages', () => {
    expect(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), 'x.idx')).toThrow(/x.idx: bad magic/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 5]))).toThrow(/unsupported IDX data type 0xd/);
    expect(() => parseIdx(encodeIdx([5], Uint8Array.from([1, 2])).subarray(0, 10))).toThrow(IdxFormatError);
    expect(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 0, 0]))).toThrow(/corrupt gzip/);
  });
});

describe('CIFAR-10 binary parser', () => {
  it('round-trips generated records and converts planes to HWC', () => {
    const images = Uint8Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => (i * 31) % 256);
    const labels = Uint8Array.from([3, 9]);
    const bin = encodeCifarBatch(images, labels);
    expect(bin.length).toBe(2 * CIFAR10_RECORD_BYTES);
    // Record 0: label, then the red plane: red of pixel 0 is images[0].
    expect(bin[0]).toBe(3);
    expect(bin[1]).toBe(images[0]);
    expect(bin[1 + 1024]).toBe(images[1]);
    const p = parseCifarBatch(bin);
    expect(p.count).toBe(2);
    expect(Array.from(p.labels)).toEqual([3, 9]);
    expect(Array.from(p.images)).toEqual(Array.from(images));
  });

  it('rejects sizes that are not a multiple of 3073 and labels above 9', () => {
    expect(() => parseCifarBatch(new Uint8Array(3000))).toThrow(/multiple of the 3073-byte record/);
    const bad = new Uint8Array(CIFAR10_RECORD_BYTES);
    bad[0] = 12;
    expect(() => parseCifarBatch(bad)).toThrow(CifarFormatError);
  });
});

describe('loaders on the shared datasets', () => {
  it('MNIST: complete 60,000 + 10,000, first labels 5 0 4 1 9', async () => {
    const d = await loadMnist({ dataDir: SHARED });
    expect([d.train.count, d.train.height, d.train.width, d.train.channels]).toEqual([60000, 28, 28, 1]);
    expect(d.test.count).toBe(10000);
    expect(Array.from(d.train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(d.test.labels.subarray(0, 3))).toEqual([7, 2, 1]);
    expect(d.train.images.length).toBe(60000 * 784);
    expect(takeSplit(d.train, 10).images.length).toBe(7840);
  });

  it('Fashion-MNIST: the 10,000-record training subset per its header', async () => {
    const d = await loadFashionMnist({ dataDir: join(SHARED, 'fashion-mnist') });
    expect(d.train.count).toBe(10000);
    expect(d.test.count).toBe(10000);
    expect(Array.from(d.train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(counts(d.train.labels)).toEqual([942, 1027, 1016, 1019, 974, 989, 1021, 1022, 990, 1000]);
  });

  it('CIFAR-10: the 3,000 + 1,000 subset, labels and spot pixels as documented', async () => {
    const d = await loadCifar10({ dataDir: SHARED });
    expect(d.train.count).toBe(3000);
    expect(d.test.count).toBe(1000);
    expect(Array.from(d.train.labels.subarray(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect(counts(d.test.labels)).toEqual([103, 89, 100, 103, 90, 86, 112, 102, 106, 109]);
    expect(Array.from(d.train.images.subarray(0, 6))).toEqual([59, 62, 63, 43, 46, 45]);
    expect(Array.from(d.test.images.subarray(0, 3))).toEqual([158, 112, 49]);
    expect(d.classes[3]).toBe('cat');
  });

  it('a folder without the files gives a message naming the file and the folder', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    await expect(loadMnist({ dataDir: empty })).rejects.toThrow(DataNotFoundError);
    await expect(loadMnist({ dataDir: empty })).rejects.toThrow(
      /train-images-idx3-ubyte.gz not found for mnist in .*empty/,
    );
    await expect(loadCifar10({ dataDir: empty })).rejects.toThrow(/test_batch.bin.*not found/);
  });

  it('tiny generated MNIST-format folder loads with its own counts', async () => {
    const d = join(tmp, 'tiny');
    mkdirSync(d);
    writeFileSync(
      join(d, 'train-images-idx3-ubyte.gz'),
      gzipSync(encodeIdx([2, 28, 28], new Uint8Array(2 * 784).fill(9))),
    );
    writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([2], Uint8Array.from([1, 2]))));
    writeFileSync(join(d, 't10k-images-idx3-ubyte.gz'), encodeIdx([1, 28, 28], new Uint8Array(784)));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte.gz'), encodeIdx([1], Uint8Array.from([7])));
    const m = await loadMnist({ dataDir: d });
    expect([m.train.count, m.test.count]).toEqual([2, 1]);
    expect(Array.from(m.test.labels)).toEqual([7]);
  });

  it('--data-dir wins over TFGYM_DATA', () => {
    expect(resolveDataDir('a', { TFGYM_DATA: 'b' })).toBe('a');
    expect(resolveDataDir(undefined, { TFGYM_DATA: 'b' })).toBe('b');
    expect(resolveDataDir(undefined, {})).toBeUndefined();
  });
});

describe('tar reader', () => {
  it('reads regular files of a generated ustar archive', () => {
    const header = (name: string, size: number): Uint8Array => {
      const h = new Uint8Array(512);
      h.set(new TextEncoder().encode(name), 0);
      h.set(new TextEncoder().encode(size.toString(8).padStart(11, '0')), 124);
      h[156] = '0'.charCodeAt(0);
      return h;
    };
    const body = new Uint8Array(512);
    body.set([1, 2, 3]);
    const tar = new Uint8Array([...header('cifar-10-batches-bin/a.bin', 3), ...body, ...new Uint8Array(1024)]);
    const e = readTar(new Uint8Array(gzipSync(tar)));
    expect(e.map((x) => x.name)).toEqual(['cifar-10-batches-bin/a.bin']);
    expect(Array.from(e[0]?.data ?? [])).toEqual([1, 2, 3]);
  });
});
