/**
 * `tfgym/data`: dataset loaders (MNIST, Fashion-MNIST, CIFAR-10) that read a local folder or
 * download once into a checksummed cache, and the file formats behind them (IDX, CIFAR batches,
 * PNG, tar), plus the book's image augmentation. Tensor-free: loaders return typed arrays.
 * @module
 */
export {
  DataNotFoundError,
  loadCifar10,
  loadFashionMnist,
  loadMnist,
  resolveDataDir,
  takeSplit,
  type DataOptions,
  type ImageDataset,
  type ImageSplit,
} from '../src/data/datasets.js';
export {
  DownloadError,
  getFile,
  hashBytes,
  tfgymHome,
  type GetFileOptions,
  type ProgressCallback,
} from '../src/data/get-file.js';
export { IdxFormatError, encodeIdx, isGzip, parseIdx, type IdxArray } from '../src/data/idx.js';
export {
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_SIDE,
  CifarFormatError,
  encodeCifarBatch,
  parseCifarBatch,
  type CifarBatch,
} from '../src/data/cifar.js';
export { ImageFormatError, decodePng, resizeRgb, type RgbImage } from '../src/data/png.js';
export { readTar, type TarEntry } from '../src/data/tar.js';
export { BOOK_CIFAR_AUGMENTATION, augmentImages, type AugmentOptions } from '../src/data/augment.js';
