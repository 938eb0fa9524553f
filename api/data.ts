/**
 * `tfgym/data`: dataset loaders (MNIST, Fashion-MNIST, CIFAR-10) that read a local folder or
 * download once into a checksummed cache, and the file formats behind them (IDX, CIFAR batches,
 * PNG, tar), plus the book's image augmentation, and the text utilities of Chapters 5-7 (Keras'
 * Tokenizer and sequence helpers, an NLTK-like tokenizer, word vectors, word2vec / GloVe / `.npy` /
 * Penn Treebank / bAbI / Reuters-21578 SGML readers). Tensor-free: loaders return typed arrays.
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
export { ImageFormatError, decodePng, encodePng, resizeRgb, type RawImage, type RgbImage } from '../src/data/png.js';
export { imageGrid, type GridOptions, type PixelRange } from '../src/image/grid.js';
export { decodeJpeg, isJpeg } from '../src/data/jpeg.js';
export { writePng } from '../src/data/png-encode.js';
export { decodeImage, readImage } from '../src/data/image.js';
export { readTar, type TarEntry } from '../src/data/tar.js';
export { BOOK_CIFAR_AUGMENTATION, augmentImages, type AugmentOptions } from '../src/data/augment.js';
export { TextFormatError } from '../src/text/errors.js';
export {
  KERAS_FILTERS,
  Tokenizer,
  textToWordSequence,
  type TokenizerOptions,
  type TokenizerText,
  type WordSequenceOptions,
} from '../src/text/tokenizer.js';
export {
  makeSamplingTable,
  padSequences,
  skipgrams,
  toCategorical,
  type Categorical,
  type PadDtype,
  type PadOptions,
  type Padded,
  type SkipgramOptions,
  type Skipgrams,
} from '../src/text/sequence.js';
export {
  DEFAULT_ABBREVIATIONS,
  sentTokenize,
  treebankWordTokenize,
  wordTokenize,
  type SentenceOptions,
  type WordTokenizeOptions,
} from '../src/text/word-tokenize.js';
export {
  buildCharVocab,
  charWindows,
  decodeChars,
  oneHotChars,
  oneHotWindows,
  type CharVocab,
  type CharWindows,
  type OneHotWindows,
} from '../src/text/chars.js';
export { WordVectors, buildEmbeddingMatrix } from '../src/text/embeddings.js';
export {
  encodeWord2VecBinary,
  formatWord2VecText,
  parseWord2VecBinary,
  parseWord2VecText,
  readWord2VecFile,
  writeWord2VecFile,
  type Word2VecReadOptions,
} from '../src/text/word2vec.js';
export {
  parseGlove,
  readGloveFile,
  type GloveCoverage,
  type GloveOptions,
  type GloveResult,
} from '../src/text/glove.js';
export { encodeNpy, parseNpy, readNpy, writeNpy, type NpyArray, type NpyData, type NpyDtype } from '../src/text/npy.js';
export {
  parseMrg,
  parseMrgTrees,
  readMrgDir,
  readMrgFile,
  treeLeaves,
  type MrgOptions,
  type TaggedWord,
  type TreeNode,
} from '../src/text/treebank.js';
export {
  babiSamples,
  parseBabi,
  readBabiFile,
  type BabiQuestion,
  type BabiSample,
  type BabiStatement,
  type BabiStory,
  type BabiStoryScope,
} from '../src/text/babi.js';
export {
  decodeSgmlEntities,
  parseReutersSgml,
  readReutersDir,
  readReutersSgml,
  type ReutersCategories,
  type ReutersDocument,
} from '../src/text/reuters.js';
