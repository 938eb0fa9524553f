/**
 * Chapter 7, `sent-thoughts-parse.py` and `sent-thoughts-rnn.py`: an LSTM autoencoder of the
 * sentences of Reuters-21578 news stories, whose code ("thought vector") should say the same
 * of a sentence and of its reconstruction.
 *
 * What the book's scripts do, and this example with them:
 * 1. Parse the SGML files (`src/text/reuters.ts`). The scikit-learn `ReutersParser` the book
 *    copies collects the `<D>` values of every category list (places, people, ... too) as its
 *    "topics", and the script keeps the documents that have any: 878 of the shared file's 1,000.
 *    Each becomes `title + ". " + body` (body whitespace collapsed), lower-cased, ASCII only.
 *    Character references to control characters (`&#3;`) vanish, as in Python's HTML parser.
 * 2. Split into sentences and words (`nltk.sent_tokenize`, `nltk.word_tokenize`); numbers
 *    (`1,750`, `5.93`, `02-26`) become one token, `NUM`. The 4,998 most frequent words get ids
 *    from 2 (PAD 0, UNK 1); sentences are pre-padded and pre-truncated to 50 words.
 * 3. Word vectors: GloVe 6B 100d for the words it has. The shared sample has GloVe's first 100
 *    words only, so other words get random vectors drawn per dimension from a normal with the
 *    mean and standard deviation of the sample's vectors (the scale of GloVe's); PAD is zeros,
 *    UNK uniform in [-1, 1] (as the book). The run reports the coverage.
 * 4. A seeded 70/30 split; `models/sentence-autoencoder.ts` trained to reproduce its input (MSE,
 *    SGD, batch 64, 10 epochs), validated on the test sentences.
 * 5. The cosine similarity between the encoder's vectors of 500 test sentences and of their
 *    reconstructions, printed (the first 11) and drawn as a 10-bin histogram (SVG, `--out`),
 *    with the MSE curve beside it.
 *
 * Differences from the scripts: the book lower-cases before splitting sentences and NLTK's Punkt
 * still splits lower-case text; tfgym's rule-based splitter needs the capital letters, so it
 * splits first and lower-cases each sentence. The book's word ids come from `sentence.split()`,
 * so that a word with punctuation attached (`said.`) is UNK although the vocabulary was counted
 * on `word_tokenize` tokens; here both use the tokens. The book's generators train on whole
 * batches only (`len // 64` per epoch); here the last, smaller batch trains too.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { disposeModelAndOptimizer } from '../../models/optimizers.js';
import { SENTENCE_AUTOENCODER_BOOK, sentenceAutoencoder } from '../../models/sentence-autoencoder.js';
import { modelSummary } from '../../models/summary.js';
import { DataNotFoundError } from '../../src/data/datasets.js';
import { isDirectory, writeFileAtomic } from '../../src/io/files.js';
import { histogram, histogramSvg, linePlotSvg } from '../../src/plot/svg.js';
import { Rng } from '../../src/rng/rng.js';
import {
  padSequences,
  readGloveFile,
  readReutersDir,
  sentTokenize,
  treebankWordTokenize,
  type ReutersDocument,
} from '../../src/text/index.js';
import { fitAndEvaluate } from '../classifier.js';
import { checkVariant, ExampleArgumentError, QUICK, type ExampleDef } from '../example.js';
import {
  asciiOnly,
  buildWordIndex,
  ch6DataFile,
  countTokens,
  fmt,
  takeRows,
  trainTestSplit,
  wordIds,
} from '../ch6/common.js';

const VOCAB_SIZE = 5000;
const { sequenceLength: SEQUENCE_LEN, embedSize: EMBED_SIZE, latentSize: LATENT_SIZE } = SENTENCE_AUTOENCODER_BOOK;
const BATCH_SIZE = 64;
const NUM_EPOCHS = 10;
const TRAIN_SIZE = 0.7;
/** Test sentences whose encodings are compared (the book's `k = 500`). */
const NUM_COSINES = 500;
const VARIANTS = ['default'] as const;
/** Quick mode: one batch to train, half a batch to test (the model has 3 million weights). */
const AUTOENCODER_QUICK = { train: 64, test: 32 } as const;
/** The number token. */
export const NUM = 'NUM';
/** Where the histogram (and the loss curve beside it) go without `--out`. */
export const SENTENCE_AUTOENCODER_DEFAULT_OUT = join('runs', 'sentence-autoencoder', 'cosine-similarity.svg');

/** Whether the book's parser keeps a document: it has a `<D>` in any category list. */
export function hasAnyCategory(d: ReutersDocument): boolean {
  return Object.values(d.categories).some((l) => l.length > 0);
}

/** Drops C0 control characters and DEL, except tab, line feed and carriage return. */
function dropControl(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    if ((code >= 0x20 && code !== 0x7f) || c === '\t' || c === '\n' || c === '\r') out += c;
  }
  return out;
}

/**
 * The text `sent-thoughts-parse.py` writes for a document: `title + ". " + body` with the body's
 * whitespace runs collapsed to one space, line breaks removed, ASCII only. Control characters
 * are dropped (Python's HTML parser decodes their references to nothing). Not lower-cased yet.
 */
export function documentText(d: ReutersDocument): string {
  const body = d.body.replace(/\s+/g, ' ');
  return dropControl(asciiOnly(`${d.title}. ${body}`.replace(/\n/g, '')));
}

/** Whether a token is a number: digits, possibly with `,` `.` `-` `/` between them. */
export function isNumberToken(w: string): boolean {
  const bare = w.replace(/[.,\-/]/g, '');
  return bare.length > 0 && /^\d+$/.test(bare) && /^\d/.test(w.replace(/^[-.]/, ''));
}

/** The word tokens of one sentence: NLTK-like, lower-cased, numbers as {@link NUM}. */
export function sentenceTokens(sentence: string): string[] {
  return treebankWordTokenize(sentence.toLowerCase()).map((w) => (isNumberToken(w) ? NUM : w));
}

/** Word vectors for a vocabulary, and how much of it GloVe covered. */
export interface SentenceEmbeddings {
  /** Row-major `[words, dim]`: row `i` is the vector of word id `i`. */
  readonly matrix: Float32Array;
  readonly dim: number;
  /** Words (PAD and UNK excluded) with a GloVe vector. */
  readonly covered: number;
  /** Words (PAD and UNK excluded). */
  readonly words: number;
}

/**
 * The embedding matrix of `words` (id order, `PAD` and `UNK` first): GloVe's vector where
 * `glove` has the word; else a draw per dimension from a normal with the mean and standard
 * deviation of the GloVe vectors given; PAD zeros; UNK uniform in [-1, 1] (the book's).
 */
export function sentenceEmbeddings(
  words: readonly string[],
  glove: { readonly dim: number; indexOf(w: string): number | undefined; readonly vectors: Float32Array },
  rng: Rng,
): SentenceEmbeddings {
  const d = glove.dim;
  const rows = glove.vectors.length / d;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let k = 0; k < d; k++) mean[k] = (mean[k] ?? 0) + (glove.vectors[r * d + k] ?? 0);
  for (let k = 0; k < d; k++) mean[k] = (mean[k] ?? 0) / Math.max(1, rows);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < d; k++) std[k] = (std[k] ?? 0) + ((glove.vectors[r * d + k] ?? 0) - (mean[k] ?? 0)) ** 2;
  for (let k = 0; k < d; k++) std[k] = Math.sqrt((std[k] ?? 0) / Math.max(1, rows));
  const matrix = new Float32Array(words.length * d);
  let covered = 0;
  words.forEach((w, i) => {
    if (i === 0) return; // PAD
    if (i === 1) {
      for (let k = 0; k < d; k++) matrix[d + k] = rng.uniform(-1, 1);
      return;
    }
    const r = glove.indexOf(w);
    if (r !== undefined) {
      matrix.set(glove.vectors.subarray(r * d, (r + 1) * d), i * d);
      covered++;
    } else {
      for (let k = 0; k < d; k++) matrix[i * d + k] = rng.normal(mean[k] ?? 0, std[k] ?? 1);
    }
  });
  return { matrix, dim: d, covered, words: Math.max(0, words.length - 2) };
}

/** Cosine similarity of rows `i` of two row-major `[n, d]` arrays (0 for a zero row). */
export function rowCosines(a: Float32Array, b: Float32Array, d: number): Float64Array {
  const n = Math.floor(a.length / d);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < d; k++) {
      const x = a[i * d + k] ?? 0;
      const y = b[i * d + k] ?? 0;
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    out[i] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }
  return out;
}

/** The median of a non-empty array. */
function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

/** `tfgym example sentence-autoencoder`. */
export const sentenceAutoencoderExample: ExampleDef = {
  name: 'sentence-autoencoder',
  chapter: 7,
  script: 'sent-thoughts-parse.py, sent-thoughts-rnn.py',
  description: 'Reuters sentences: BiLSTM 512 encoder -> RepeatVector -> BiLSTM decoder of GloVe vectors (MSE, SGD)',
  variants: VARIANTS,
  defaultVariant: 'default',
  defaults(variant) {
    checkVariant('sentence-autoencoder', variant, VARIANTS);
    return { epochs: NUM_EPOCHS, batchSize: BATCH_SIZE, optimizer: 'sgd' };
  },
  async run(o) {
    const variant = checkVariant('sentence-autoencoder', o.variant, VARIANTS);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : NUM_EPOCHS);
    const batchSize = o.batchSize ?? BATCH_SIZE;
    const out = o.out ?? SENTENCE_AUTOENCODER_DEFAULT_OUT;
    if (!out.toLowerCase().endsWith('.svg'))
      throw new ExampleArgumentError(`sentence-autoencoder --out names the histogram's SVG file; got "${out}"`);
    const rng = new Rng(o.seed);
    const vectorRng = rng.fork();
    const splitRng = rng.fork();
    const modelRng = rng.fork();
    const log = o.log;

    // 1. the documents the book keeps, as text
    if (o.dataDir === undefined)
      throw new DataNotFoundError(
        'sentence-autoencoder reads reuters-21578/*.sgm from a data folder: pass --data-dir DIR, e.g. --data-dir ../shared/datasets',
      );
    const reutersDir = join(o.dataDir, 'reuters-21578');
    if (!isDirectory(reutersDir)) throw new DataNotFoundError(`${reutersDir} not found for sentence-autoencoder`);
    const { files, documents } = readReutersDir(reutersDir);
    if (files.length === 0) throw new DataNotFoundError(`no .sgm file in ${reutersDir} for sentence-autoencoder`);
    const kept = documents.filter(hasAnyCategory);
    log.write(
      `${files.length} SGML file(s), ${documents.length} documents, ${kept.length} with a category (the book's "topics")\n`,
    );

    // 2. sentences, words, vocabulary, ids
    const sentences = kept.flatMap((d) => sentTokenize(documentText(d)));
    const tokens = sentences.map(sentenceTokens);
    const vocab = buildWordIndex(countTokens(tokens), VOCAB_SIZE - 2);
    const longer = tokens.filter((t) => t.length > SEQUENCE_LEN).length;
    const meanLen = tokens.reduce((a, t) => a + t.length, 0) / Math.max(1, tokens.length);
    log.write(
      `${sentences.length} sentences, ${meanLen.toFixed(1)} words on average, ${longer} longer than ${SEQUENCE_LEN} (truncated); vocabulary ${vocab.size} (PAD, UNK and the ${vocab.size - 2} most frequent words)\n`,
    );
    const ids = padSequences(
      tokens.map((t) => wordIds(t, vocab)),
      { maxlen: SEQUENCE_LEN },
    );

    // 3. word vectors
    const gloveFile = ch6DataFile(o, 'sentence-autoencoder', 'glove-6b-sample', 'glove.6B.100d.sample.txt.gz');
    // the whole sample (100 words): its vectors also give the scale of the random ones
    const glove = readGloveFile(gloveFile).vectors;
    if (glove.dim !== EMBED_SIZE)
      throw new ExampleArgumentError(
        `${gloveFile} holds ${glove.dim}-dimensional vectors; the book's are ${EMBED_SIZE}`,
      );
    const emb = sentenceEmbeddings(vocab.words, glove, vectorRng);
    let tokenCount = 0;
    let tokenCovered = 0;
    for (let i = 0; i < ids.data.length; i++) {
      const id = ids.data[i] ?? 0;
      if (id === 0) continue;
      tokenCount++;
      if (id >= 2 && glove.has(vocab.words[id] ?? '')) tokenCovered++;
    }
    log.write(
      `GloVe (${gloveFile}): ${emb.covered} of ${emb.words} words covered (${((100 * emb.covered) / Math.max(1, emb.words)).toFixed(1)}%), ${((100 * tokenCovered) / Math.max(1, tokenCount)).toFixed(1)}% of the word tokens; the others get random vectors\n`,
    );

    // 4. split and train
    const split = trainTestSplit(sentences.length, 1 - TRAIN_SIZE, splitRng);
    const trainRows = o.quick ? split.train.slice(0, AUTOENCODER_QUICK.train) : split.train;
    const testRows = o.quick ? split.test.slice(0, AUTOENCODER_QUICK.test) : split.test;
    const vectors = (rows: readonly number[]): tf.Tensor3D => {
      const rowIds = takeRows(ids.data, SEQUENCE_LEN, rows);
      const x = new Float32Array(rowIds.length * EMBED_SIZE);
      rowIds.forEach((id, j) => x.set(emb.matrix.subarray(id * EMBED_SIZE, (id + 1) * EMBED_SIZE), j * EMBED_SIZE));
      return tf.tensor3d(x, [rows.length, SEQUENCE_LEN, EMBED_SIZE]);
    };
    const xTrain = vectors(trainRows);
    const xTest = vectors(testRows);
    log.write(`train ${trainRows.length}, test ${testRows.length} sentences of ${SEQUENCE_LEN} x ${EMBED_SIZE}\n`);
    const { autoencoder, encoder } = sentenceAutoencoder(modelRng);
    try {
      log.write(`${modelSummary(autoencoder)}\n`);
      const r = await fitAndEvaluate(autoencoder, xTrain, xTrain, xTest, xTest, {
        epochs,
        batchSize,
        validationData: [xTest, xTest],
        rng,
        log,
        ...(o.callbacks ? { callbacks: o.callbacks } : {}),
      });
      const loss = r.history.history['loss'] ?? [];
      const valLoss = r.history.history['val_loss'] ?? [];
      log.write('\nepoch\ttrain MSE\tvalidation MSE\n');
      loss.forEach((l, i) => log.write(`${i + 1}\t${fmt(l)}\t${fmt(valLoss[i])}\n`));

      // 5. encodings of test sentences and of their reconstructions
      const k = Math.min(NUM_COSINES, testRows.length);
      const [xv, yv] = tf.tidy(() => {
        const x = tf.slice(xTest, 0, k);
        const recon = autoencoder.predict(x, { batchSize }) as tf.Tensor;
        return [encoder.predict(x, { batchSize }) as tf.Tensor, encoder.predict(recon, { batchSize }) as tf.Tensor];
      });
      const cosims = rowCosines(xv.dataSync() as Float32Array, yv.dataSync() as Float32Array, LATENT_SIZE);
      tf.dispose([xv, yv]);
      log.write(`\ncosine similarity of the encodings of ${k} test sentences and of their reconstructions:\n`);
      for (let i = 0; i <= Math.min(10, k - 1); i++) log.write(`${(cosims[i] ?? NaN).toFixed(4)}\n`);
      const hist = histogram(cosims, 10);
      log.write('histogram (10 bins):\n');
      hist.counts.forEach((c, i) =>
        log.write(
          `  [${(hist.edges[i] ?? NaN).toFixed(3)}, ${(hist.edges[i + 1] ?? NaN).toFixed(3)}${i === 9 ? ']' : ')'}: ${c}\n`,
        ),
      );
      const inBookRange = cosims.filter((c) => c >= 0.95 && c <= 0.98).length / Math.max(1, k);
      const cosine = {
        mean: cosims.reduce((a, c) => a + c, 0) / Math.max(1, k),
        median: median(cosims),
        min: Math.min(...cosims),
        max: Math.max(...cosims),
        inBookRange,
        count: k,
      };
      log.write(
        `mean ${fmt(cosine.mean)}, median ${fmt(cosine.median)}, ${(100 * inBookRange).toFixed(1)}% in [0.95, 0.98] (book: mostly 0.95-0.98)\n`,
      );

      // Named after the histogram, so runs of several seeds into one folder keep their own curves.
      const lossPlot = `${out.slice(0, -'.svg'.length)}-loss.svg`; // `out` ends in .svg (checked above)
      writeFileAtomic(
        out,
        histogramSvg({
          values: cosims,
          bins: 10,
          density: true,
          title: `Cosine similarity of the encodings of ${k} test sentences and their reconstructions`,
          xLabel: 'cosine similarity',
          yLabel: 'frequency (density)',
        }),
      );
      writeFileAtomic(
        lossPlot,
        linePlotSvg({
          title: 'Sentence autoencoder: loss (MSE) per epoch',
          xLabel: 'epoch - 1',
          yLabel: 'loss (MSE)',
          series: [
            { name: 'train', values: loss, color: '#2ca02c' },
            { name: 'validation', values: valLoss, color: '#1f77b4' },
          ],
        }),
      );
      log.write(`histogram written to ${out}, loss curve to ${lossPlot}\n`);

      return {
        example: 'sentence-autoencoder',
        variant,
        metrics: {
          trainLoss: loss.at(-1) ?? NaN,
          valLoss: valLoss.at(-1) ?? NaN,
          testLoss: r.testLoss,
          cosine,
          wordsCovered: emb.covered,
          vectorCoverage: emb.covered / Math.max(1, emb.words),
          tokenCoverage: tokenCovered / Math.max(1, tokenCount),
          sentences: sentences.length,
          trainSeconds: Math.round(r.trainSeconds * 10) / 10,
        },
        settings: {
          epochs,
          batchSize,
          optimizer: 'sgd',
          trainSamples: trainRows.length,
          testSamples: testRows.length,
          vocabularySize: vocab.size,
          sequenceLength: SEQUENCE_LEN,
          embedSize: EMBED_SIZE,
          latentSize: LATENT_SIZE,
          out,
          lossPlot,
        },
        history: r.history.history,
      };
    } finally {
      // the encoder's layers are the autoencoder's: disposing the autoencoder frees them all
      disposeModelAndOptimizer(autoencoder);
      tf.dispose([xTrain, xTest]);
    }
  },
};
