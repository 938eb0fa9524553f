/**
 * Chapter 5, `learn_embedding_from_scratch.py`, `finetune_word2vec_embeddings.py`,
 * `finetune_glove_embeddings.py`, `transfer_word2vec_embeddings.py`,
 * `transfer_glove_embeddings.py`: sentiment of the UMich SI650 sentences with a 1D ConvNet over
 * word embeddings learnt from scratch, initialised from word2vec or GloVe vectors (fine-tuned
 * or frozen), or with no network over the words at all (`transfer-*`: each sentence is the sum
 * of its words' vectors, classified by Dense 32 -> Dropout 0.2 -> Dense 2).
 *
 * Words are NLTK-tokenized and lower-cased; the 5,000 most frequent get ids from 1 and
 * everything else, padding included, is 0 (the scripts' `defaultdict(int)`); sequences are
 * pre-padded to the longest sentence. Embedding -> SpatialDropout1D 0.2 -> Conv1D 256 x 3 relu
 * -> GlobalMaxPooling1D -> Dense 2 softmax; Adam, categorical cross-entropy, batch 64,
 * validated on the 30% test split, then evaluated on it.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { dropout, spatialDropout1d } from '../../models/dropout.js';
import { SeededInit } from '../../models/init.js';
import { disposeModelAndOptimizer, makeOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { fitAndEvaluate } from '../classifier.js';
import { DataNotFoundError } from '../../src/data/datasets.js';
import { pathExists, readText } from '../../src/io/files.js';
import { Rng } from '../../src/rng/rng.js';
import {
  buildEmbeddingMatrix,
  padSequences,
  readGloveFile,
  readWord2VecFile,
  TextFormatError,
  wordTokenize,
  type WordVectors,
} from '../../src/text/index.js';
import { checkVariant, ExampleArgumentError, QUICK, type ExampleDef, type ExampleOutcome } from '../example.js';
import { ch6DataFile, countTokens, mostCommon, takeRows, trainTestSplit } from '../ch6/common.js';
import { parseUmich } from '../ch6/sentiment-lstm.js';

const VOCAB_SIZE = 5000;
const NUM_FILTERS = 256;
const NUM_WORDS = 3;
const BATCH_SIZE = 64;
const TEST_SIZE = 0.3;

/** The variants: where the embeddings come from, and whether they are trained. */
export const SENTIMENT_CNN_VARIANTS = [
  'scratch',
  'word2vec',
  'glove',
  'word2vec-frozen',
  'glove-frozen',
  'transfer-word2vec',
  'transfer-glove',
] as const;
type Variant = (typeof SENTIMENT_CNN_VARIANTS)[number];

/** Each variant's script, embedding size and epochs (the book-era scripts' `NUM_EPOCHS`). */
const PLAN: Readonly<
  Record<Variant, { script: string; embedSize: number; epochs: number; source?: 'word2vec' | 'glove' }>
> = {
  scratch: { script: 'learn_embedding_from_scratch.py', embedSize: 100, epochs: 20 },
  word2vec: { script: 'finetune_word2vec_embeddings.py', embedSize: 300, epochs: 10, source: 'word2vec' },
  glove: { script: 'finetune_glove_embeddings.py', embedSize: 300, epochs: 10, source: 'glove' },
  'word2vec-frozen': {
    script: 'finetune_word2vec_embeddings.py, trainable=False',
    embedSize: 300,
    epochs: 10,
    source: 'word2vec',
  },
  'glove-frozen': {
    script: 'finetune_glove_embeddings.py, trainable=False',
    embedSize: 300,
    epochs: 10,
    source: 'glove',
  },
  'transfer-word2vec': { script: 'transfer_word2vec_embeddings.py', embedSize: 300, epochs: 10, source: 'word2vec' },
  'transfer-glove': { script: 'transfer_glove_embeddings.py', embedSize: 100, epochs: 10, source: 'glove' },
};

/**
 * The variant named by the CLI's `--embeddings scratch|word2vec|glove`, `--trainable
 * true|false` and `--variant transfer`; throws an {@link ExampleArgumentError} on a
 * combination the book has no script for.
 */
export function sentimentCnnVariant(embeddings = 'scratch', trainable = true, transfer = false): string {
  if (!['scratch', 'word2vec', 'glove'].includes(embeddings))
    throw new ExampleArgumentError(`--embeddings must be scratch, word2vec or glove, got "${embeddings}"`);
  if (embeddings === 'scratch' && (transfer || !trainable))
    throw new ExampleArgumentError(
      transfer
        ? '--variant transfer needs pretrained vectors: --embeddings word2vec or glove'
        : 'embeddings learnt from scratch must be trainable (--trainable false needs word2vec or glove)',
    );
  if (transfer) return `transfer-${embeddings}`;
  return trainable ? embeddings : `${embeddings}-frozen`;
}

/** The book's word index: the `maxFeatures` most common words from 1; 0 is padding and unknown words alike. */
export function wordIndexFrom1(counts: ReadonlyMap<string, number>, maxFeatures: number): Map<string, number> {
  return new Map(mostCommon(counts, maxFeatures).map((w, i) => [w, i + 1]));
}

/**
 * The transfer scripts' features: per sentence (row of `ids`, length `maxlen`), the sum of the
 * vectors of its words (`matrix` rows by word id; id 0 and words without a vector add nothing).
 */
export function summedVectors(ids: Int32Array, maxlen: number, matrix: Float32Array, dim: number): Float32Array {
  const n = ids.length / maxlen;
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < maxlen; j++) {
      const id = ids[r * maxlen + j] as number;
      if (id === 0) continue;
      for (let k = 0; k < dim; k++) out[r * dim + k] = (out[r * dim + k] as number) + (matrix[id * dim + k] as number);
    }
  }
  return out;
}

/** The GloVe file of `dim` dimensions: the full `glove.6B.{dim}d.txt` if present, else the shipped sample. */
function gloveFile(dataDir: string | undefined, dim: number): string {
  if (dataDir === undefined)
    throw new DataNotFoundError('sentiment-cnn reads glove-6b-sample/ from a data folder: pass --data-dir DIR');
  const names = [`glove.6B.${dim}d.txt`, `glove.6B.${dim}d.txt.gz`, `glove.6B.${dim}d.sample.txt.gz`];
  for (const d of [join(dataDir, 'glove-6b-sample'), join(dataDir, 'glove'), dataDir])
    for (const f of names) if (pathExists(join(d, f))) return join(d, f);
  throw new DataNotFoundError(`glove.6B.${dim}d.txt (or the sample) not found for sentiment-cnn in ${dataDir}`);
}

/** `tfgym example sentiment-cnn`. */
export const sentimentCnnExample: ExampleDef = {
  name: 'sentiment-cnn',
  chapter: 5,
  script: 'learn_embedding_from_scratch.py, finetune_*_embeddings.py, transfer_*_embeddings.py',
  description: 'UMich SI650 sentiment: Embedding (scratch/word2vec/GloVe) -> Conv1D 256x3 -> max pool -> softmax',
  variants: SENTIMENT_CNN_VARIANTS,
  defaultVariant: 'scratch',
  defaults(variant) {
    const v = checkVariant('sentiment-cnn', variant, SENTIMENT_CNN_VARIANTS);
    return { epochs: PLAN[v].epochs, batchSize: BATCH_SIZE, optimizer: 'adam', testSize: TEST_SIZE };
  },
  async run(o): Promise<ExampleOutcome> {
    const variant = checkVariant('sentiment-cnn', o.variant, SENTIMENT_CNN_VARIANTS);
    const plan = PLAN[variant];
    const transfer = variant.startsWith('transfer-');
    const trainable = !variant.endsWith('-frozen');
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : plan.epochs);
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : BATCH_SIZE);
    const rng = new Rng(o.seed);
    const splitRng = rng.fork();
    const modelRng = rng.fork();

    // the pretrained vectors first, so that a missing file fails before any work
    let vectors: WordVectors | undefined;
    let vectorsFile: string | undefined;
    if (plan.source === 'word2vec') {
      if (o.vectors === undefined)
        throw new ExampleArgumentError(
          `sentiment-cnn --variant ${variant} needs --vectors FILE: word vectors in word2vec text format, e.g. from "tfgym example word2vec-skipgram --out FILE" (the book used the GoogleNews vectors)`,
        );
      if (!pathExists(o.vectors)) throw new ExampleArgumentError(`--vectors: ${o.vectors} not found`);
      vectorsFile = o.vectors;
    } else if (plan.source === 'glove') {
      vectorsFile = gloveFile(o.dataDir, plan.embedSize);
    }

    // read the sentences, count the words, keep the VOCAB_SIZE most common (ids from 1, 0 = PAD/UNK)
    const file = ch6DataFile(o, 'sentiment-cnn', 'umich-si650', 'umich-sentiment-train.txt');
    const { labels, sentences } = parseUmich(readText(file), file);
    const tokens = sentences.map((s) => wordTokenize(s).map((w) => w.toLowerCase()));
    const counts = countTokens(tokens);
    const maxlen = tokens.reduce((m, t) => Math.max(m, t.length), 0);
    const wordIndex = wordIndexFrom1(counts, VOCAB_SIZE);
    const vocabSize = wordIndex.size + 1;
    o.log.write(
      `${sentences.length} sentences, ${counts.size} distinct words, longest ${maxlen}; vocabulary ${vocabSize}\n`,
    );
    const X = padSequences(
      tokens.map((t) => t.map((w) => wordIndex.get(w) ?? 0)),
      { maxlen },
    );

    // the embedding matrix from the vectors (zeros for words without one), and its coverage
    let matrix: Float32Array | undefined;
    let embedSize = plan.embedSize;
    let coverage: { found: number; wanted: number } | undefined;
    if (vectorsFile !== undefined) {
      try {
        vectors =
          plan.source === 'glove'
            ? readGloveFile(vectorsFile, { vocabulary: wordIndex.keys() }).vectors
            : readWord2VecFile(vectorsFile);
      } catch (e) {
        if (e instanceof TextFormatError) throw new ExampleArgumentError(`--vectors: ${e.message}`);
        throw e;
      }
      if (vectors.dim !== plan.embedSize)
        o.log.write(
          `note: ${vectorsFile} has ${vectors.dim} dimensions (the book's: ${plan.embedSize}); using ${vectors.dim}\n`,
        );
      embedSize = vectors.dim;
      const built = buildEmbeddingMatrix(vectors, wordIndex, vocabSize);
      matrix = built.matrix;
      coverage = { found: built.found, wanted: wordIndex.size };
      o.log.write(
        `${vectorsFile}: ${vectors.size} vectors of ${vectors.dim}; ${built.found} of the ${wordIndex.size} words covered (${((100 * built.found) / wordIndex.size).toFixed(1)}%)${plan.source === 'glove' && vectorsFile.includes('sample') ? ' - the shipped GloVe sample holds only 100 words: the full glove.6B files cover almost all' : ''}\n`,
      );
    }

    const split = trainTestSplit(sentences.length, TEST_SIZE, splitRng);
    const trainRows = o.quick ? split.train.slice(0, QUICK.train) : split.train;
    const testRows = o.quick ? split.test.slice(0, QUICK.test) : split.test;
    const oneHot = (rows: number[]): tf.Tensor2D =>
      tf.tensor2d(
        rows.flatMap((r) => (labels[r] === 1 ? [0, 1] : [1, 0])),
        [rows.length, 2],
      );
    const features = (rows: number[]): tf.Tensor2D => {
      const ids = takeRows(X.data, maxlen, rows);
      if (!transfer) return tf.tensor2d(ids, [rows.length, maxlen], 'int32');
      return tf.tensor2d(summedVectors(ids, maxlen, matrix ?? new Float32Array(0), embedSize), [
        rows.length,
        embedSize,
      ]);
    };
    const xTrain = features(trainRows);
    const xTest = features(testRows);
    const yTrain = oneHot(trainRows);
    const yTest = oneHot(testRows);
    o.log.write(`train ${xTrain.shape.join(' x ')}, test ${xTest.shape.join(' x ')}\n`);

    // the model
    const init = new SeededInit(modelRng.fork());
    const model = tf.sequential({ name: variant.replace(/-/g, '_') });
    const embeddingWeights = matrix ? tf.tensor2d(matrix, [vocabSize, embedSize]) : undefined;
    if (transfer) {
      model.add(
        tf.layers.dense({
          units: 32,
          inputShape: [embedSize],
          activation: 'relu',
          kernelInitializer: init.glorotUniform(),
        }),
      );
      model.add(dropout(0.2, modelRng.fork()));
    } else {
      model.add(
        tf.layers.embedding({
          inputDim: vocabSize,
          outputDim: embedSize,
          inputLength: maxlen,
          embeddingsInitializer: init.randomUniform(),
          ...(embeddingWeights ? { weights: [embeddingWeights] } : {}),
          trainable,
        }),
      );
      model.add(spatialDropout1d(0.2, modelRng.fork()));
      model.add(
        tf.layers.conv1d({
          filters: NUM_FILTERS,
          kernelSize: NUM_WORDS,
          activation: 'relu',
          kernelInitializer: init.glorotUniform(),
        }),
      );
      model.add(tf.layers.globalMaxPooling1d({}));
    }
    model.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init.glorotUniform() }));
    embeddingWeights?.dispose();
    try {
      o.log.write(`${modelSummary(model)}\n`);
      model.compile({ optimizer: makeOptimizer('adam'), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const {
        history,
        trainSeconds,
        testLoss: score,
        testAccuracy: acc,
      } = await fitAndEvaluate(model, xTrain, yTrain, xTest, yTest, {
        epochs,
        batchSize,
        validationData: [xTest, yTest],
        rng,
        log: o.log,
        ...(o.callbacks ? { callbacks: o.callbacks } : {}),
      });
      o.log.write(`Test score: ${score.toFixed(3)}, accuracy: ${acc.toFixed(3)}\n`);
      const last = (k: string): number | undefined => history.history[k]?.at(-1);
      return {
        example: 'sentiment-cnn',
        variant,
        metrics: {
          testAccuracy: acc,
          testLoss: score,
          ...(last('acc') !== undefined ? { trainAccuracy: last('acc') } : {}),
          ...(last('loss') !== undefined ? { trainLoss: last('loss') } : {}),
          ...(coverage ? { vectorCoverage: coverage.found / coverage.wanted, wordsCovered: coverage.found } : {}),
          trainSeconds: Math.round(trainSeconds * 10) / 10,
        },
        settings: {
          epochs,
          batchSize,
          optimizer: 'adam',
          testSize: TEST_SIZE,
          trainSamples: trainRows.length,
          testSamples: testRows.length,
          vocabularySize: vocabSize,
          maxlen,
          embedSize,
          trainable: transfer ? false : trainable,
          ...(vectorsFile !== undefined ? { vectors: vectorsFile } : {}),
        },
        history: history.history,
      };
    } finally {
      disposeModelAndOptimizer(model);
      tf.dispose([xTrain, xTest, yTrain, yTest]);
    }
  },
};
