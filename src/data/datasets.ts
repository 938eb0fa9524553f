/**
 * Dataset loaders: MNIST, Fashion-MNIST (IDX gz) and CIFAR-10 (binary batches), read either from
 * a folder of already-downloaded files (`--data-dir` / `TFGYM_DATA`, e.g. `../shared/datasets`)
 * or downloaded once into the cache with {@link getFile}. Record counts come from the files, so
 * subsets (the shared 3,000-image CIFAR-10) and the full sets load alike.
 */
import { join } from 'node:path';
import { isDirectory, pathExists, readBytes, writeFileAtomic } from '../io/files.js';
import { CIFAR10_CLASSES, CIFAR10_SIDE, parseCifarBatch } from './cifar.js';
import { getFile, tfgymHome, type ProgressCallback } from './get-file.js';
import { parseIdx } from './idx.js';
import { readTar } from './tar.js';

/** Where to find or put data files. */
export interface DataOptions {
  /** A folder with the files (or with `mnist/`, `fashion-mnist/`, `cifar-10/` inside). No download when set. */
  dataDir?: string;
  /** Download cache (default `<TFGYM_HOME>/datasets`). */
  cacheDir?: string;
  onProgress?: ProgressCallback;
  fetchImpl?: typeof fetch;
}

/** The folder from `--data-dir`, else `TFGYM_DATA`, else undefined (download). */
export function resolveDataDir(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (flag !== undefined && flag !== '') return flag;
  const e = env['TFGYM_DATA'];
  return e !== undefined && e !== '' ? e : undefined;
}

/** Thrown when files are missing from a data folder; the message lists what and where. */
export class DataNotFoundError extends Error {
  override readonly name = 'DataNotFoundError';
}

/** An image classification split: `count` images of `height x width x channels` bytes. */
export interface ImageSplit {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** HWC bytes, image-major. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

/** A dataset with its train and test splits and class names. */
export interface ImageDataset {
  readonly name: string;
  readonly train: ImageSplit;
  readonly test: ImageSplit;
  readonly classes: readonly string[];
}

interface Remote {
  file: string;
  url: string;
  sha256?: string;
}

/** MNIST from the CVDF mirror of LeCun's files (byte-identical, so the published hashes hold). */
const MNIST_REMOTE: readonly Remote[] = [
  {
    file: 'train-images-idx3-ubyte.gz',
    url: 'https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz',
    sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
  },
  {
    file: 'train-labels-idx1-ubyte.gz',
    url: 'https://storage.googleapis.com/cvdf-datasets/mnist/train-labels-idx1-ubyte.gz',
    sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
  },
  {
    file: 't10k-images-idx3-ubyte.gz',
    url: 'https://storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz',
    sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  },
  {
    file: 't10k-labels-idx1-ubyte.gz',
    url: 'https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz',
    sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  },
];

const FASHION_BASE = 'https://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
/** Fashion-MNIST: Zalando publishes MD5s only; the test-file sha256s are the known upstream ones. */
const FASHION_REMOTE: readonly Remote[] = [
  { file: 'train-images-idx3-ubyte.gz', url: `${FASHION_BASE}train-images-idx3-ubyte.gz` },
  { file: 'train-labels-idx1-ubyte.gz', url: `${FASHION_BASE}train-labels-idx1-ubyte.gz` },
  {
    file: 't10k-images-idx3-ubyte.gz',
    url: `${FASHION_BASE}t10k-images-idx3-ubyte.gz`,
    sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
  },
  {
    file: 't10k-labels-idx1-ubyte.gz',
    url: `${FASHION_BASE}t10k-labels-idx1-ubyte.gz`,
    sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  },
];

const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** First existing path among `dir/<sub>/<file>` for each candidate sub-folder. */
function findIn(dir: string, subs: readonly string[], file: string): string | undefined {
  for (const s of subs) {
    const p = s ? join(dir, s, file) : join(dir, file);
    if (pathExists(p)) return p;
  }
  return undefined;
}

async function locate(kind: string, remote: Remote, subs: readonly string[], o: DataOptions): Promise<string> {
  if (o.dataDir !== undefined) {
    const p = findIn(o.dataDir, subs, remote.file);
    if (p) return p;
    throw new DataNotFoundError(
      `${remote.file} not found for ${kind} in ${o.dataDir} (looked in ${subs.map((s) => join(o.dataDir ?? '', s) || '.').join(', ')}). Put the file there, or drop --data-dir / TFGYM_DATA to download it from ${remote.url}.`,
    );
  }
  return getFile({
    name: join(kind, remote.file),
    origin: remote.url,
    ...(remote.sha256 ? { sha256: remote.sha256 } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
  });
}

function idxSplit(imagesPath: string, labelsPath: string): ImageSplit {
  const img = parseIdx(readBytes(imagesPath), imagesPath);
  const lab = parseIdx(readBytes(labelsPath), labelsPath);
  if (img.dims.length !== 3)
    throw new DataNotFoundError(`${imagesPath}: expected 3 dimensions (count, rows, cols), got ${img.dims.join('x')}`);
  if (lab.dims.length !== 1)
    throw new DataNotFoundError(`${labelsPath}: expected 1 dimension, got ${lab.dims.join('x')}`);
  const [count = 0, height = 0, width = 0] = img.dims;
  if (lab.dims[0] !== count)
    throw new DataNotFoundError(`${imagesPath} holds ${count} images but ${labelsPath} holds ${lab.dims[0]} labels`);
  return { count, height, width, channels: 1, images: img.data, labels: lab.data };
}

async function loadIdxDataset(
  kind: 'mnist' | 'fashion-mnist',
  remote: readonly Remote[],
  classes: readonly string[],
  o: DataOptions,
): Promise<ImageDataset> {
  const subs = [kind, ''];
  const paths: string[] = [];
  for (const r of remote) paths.push(await locate(kind, r, subs, o));
  const [trI = '', trL = '', teI = '', teL = ''] = paths;
  return { name: kind, train: idxSplit(trI, trL), test: idxSplit(teI, teL), classes };
}

/** MNIST: 28x28 grey digits (60,000 + 10,000 in the full set). */
export function loadMnist(o: DataOptions = {}): Promise<ImageDataset> {
  return loadIdxDataset('mnist', MNIST_REMOTE, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], o);
}

/** Fashion-MNIST: 28x28 grey clothing images, MNIST's format. */
export function loadFashionMnist(o: DataOptions = {}): Promise<ImageDataset> {
  return loadIdxDataset('fashion-mnist', FASHION_REMOTE, FASHION_CLASSES, o);
}

const CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** The MD5 published on the CIFAR page (no sha256 is published). */
const CIFAR_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const CIFAR_SUBS = ['cifar-10/cifar-10-batches-bin', 'cifar-10-batches-bin', ''];

function concatSplits(parts: ReturnType<typeof parseCifarBatch>[]): ImageSplit {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(count * CIFAR10_SIDE * CIFAR10_SIDE * 3);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const p of parts) {
    images.set(p.images, n * CIFAR10_SIDE * CIFAR10_SIDE * 3);
    labels.set(p.labels, n);
    n += p.count;
  }
  return { count, height: CIFAR10_SIDE, width: CIFAR10_SIDE, channels: 3, images, labels };
}

/** Where the CIFAR-10 batches are: the data folder, or the cache (downloading and unpacking once). */
async function cifarDir(o: DataOptions): Promise<string> {
  if (o.dataDir !== undefined) {
    for (const s of CIFAR_SUBS) {
      const d = s ? join(o.dataDir, s) : o.dataDir;
      if (pathExists(join(d, 'test_batch.bin'))) return d;
    }
    throw new DataNotFoundError(
      `CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin) not found in ${o.dataDir} (looked in ${CIFAR_SUBS.map((s) => join(o.dataDir ?? '', s)).join(', ')}). Unpack ${CIFAR_URL} there, or drop --data-dir / TFGYM_DATA to download it.`,
    );
  }
  const cache = o.cacheDir ?? join(tfgymHome(), 'datasets');
  const dir = join(cache, 'cifar-10', 'cifar-10-batches-bin');
  if (isDirectory(dir) && pathExists(join(dir, 'test_batch.bin'))) return dir;
  const archive = await getFile({
    name: join('cifar-10', 'cifar-10-binary.tar.gz'),
    origin: CIFAR_URL,
    md5: CIFAR_MD5,
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
  });
  // test_batch.bin is written last, so its presence means the unpacking finished.
  const entries = readTar(readBytes(archive)).filter((e) => e.name.includes('cifar-10-batches-bin/'));
  entries.sort((a, b) => Number(a.name.endsWith('test_batch.bin')) - Number(b.name.endsWith('test_batch.bin')));
  for (const e of entries) writeFileAtomic(join(dir, e.name.split('/').pop() ?? e.name), e.data);
  return dir;
}

/** CIFAR-10: 32x32 RGB, 10 classes; every `data_batch_N.bin` present is loaded for training. */
export async function loadCifar10(o: DataOptions = {}): Promise<ImageDataset> {
  const dir = await cifarDir(o);
  const trainParts = [];
  for (let i = 1; i <= 5; i++) {
    const p = join(dir, `data_batch_${i}.bin`);
    if (pathExists(p)) trainParts.push(parseCifarBatch(readBytes(p), p));
  }
  if (trainParts.length === 0) throw new DataNotFoundError(`No data_batch_N.bin in ${dir}.`);
  const testPath = join(dir, 'test_batch.bin');
  return {
    name: 'cifar-10',
    train: concatSplits(trainParts),
    test: concatSplits([parseCifarBatch(readBytes(testPath), testPath)]),
    classes: [...CIFAR10_CLASSES],
  };
}

/** The first `n` examples of a split (for quick runs and the shrinking-training-set study). */
export function takeSplit(s: ImageSplit, n: number): ImageSplit {
  const count = Math.max(0, Math.min(n, s.count));
  const per = s.height * s.width * s.channels;
  return { ...s, count, images: s.images.subarray(0, count * per), labels: s.labels.subarray(0, count) };
}
