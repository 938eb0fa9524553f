/**
 * Text utilities of the book's Chapters 5-7: Keras' tokenizer and sequence helpers, an
 * NLTK-like word and sentence tokenizer, character vocabularies, word-vector queries and the
 * file formats around them (word2vec, GloVe, `.npy`, Penn Treebank `.mrg`, bAbI tasks,
 * Reuters-21578 SGML). Tensor-free.
 * @module
 */
export { TextFormatError } from './errors.js';
export {
  KERAS_FILTERS,
  Tokenizer,
  textToWordSequence,
  type TokenizerOptions,
  type TokenizerText,
  type WordSequenceOptions,
} from './tokenizer.js';
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
} from './sequence.js';
export {
  DEFAULT_ABBREVIATIONS,
  sentTokenize,
  treebankWordTokenize,
  wordTokenize,
  type SentenceOptions,
  type WordTokenizeOptions,
} from './word-tokenize.js';
export {
  buildCharVocab,
  charWindows,
  decodeChars,
  oneHotChars,
  oneHotWindows,
  type CharVocab,
  type CharWindows,
  type OneHotWindows,
} from './chars.js';
export { WordVectors, buildEmbeddingMatrix } from './embeddings.js';
export {
  encodeWord2VecBinary,
  formatWord2VecText,
  parseWord2VecBinary,
  parseWord2VecText,
  readWord2VecFile,
  writeWord2VecFile,
  type Word2VecReadOptions,
} from './word2vec.js';
export { parseGlove, readGloveFile, type GloveCoverage, type GloveOptions, type GloveResult } from './glove.js';
export { encodeNpy, parseNpy, readNpy, writeNpy, type NpyArray, type NpyData, type NpyDtype } from './npy.js';
export {
  parseMrg,
  parseMrgTrees,
  readMrgDir,
  readMrgFile,
  treeLeaves,
  type MrgOptions,
  type TaggedWord,
  type TreeNode,
} from './treebank.js';
export {
  babiSamples,
  parseBabi,
  readBabiFile,
  type BabiQuestion,
  type BabiSample,
  type BabiStatement,
  type BabiStory,
  type BabiStoryScope,
} from './babi.js';
export {
  decodeSgmlEntities,
  parseReutersSgml,
  readReutersDir,
  readReutersSgml,
  type ReutersCategories,
  type ReutersDocument,
} from './reuters.js';
