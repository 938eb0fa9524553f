/**
 * Chapter 6, `treebank_pos_gru.py` / `treebank_pos_lstm.py` and the book's bidirectional LSTM:
 * part-of-speech tagging of the NLTK Penn Treebank sample as sequence-to-sequence learning.
 *
 * Sentences (traces dropped, as `treebank_data.py` does) are lower-cased; the 5,000 most
 * frequent words get ids from 2 (PAD 0, UNK 1), the 45 tags ids 1-45 (PAD 0); both are
 * pre-padded (and pre-truncated) to 250. Embedding 128 -> SpatialDropout1D 0.2 -> encoder
 * (64, dropout 0.2, recurrent dropout 0.2) -> RepeatVector 250 -> decoder (64, sequences) ->
 * TimeDistributed Dense 46 -> softmax; GRU, LSTM, or each wrapped in Bidirectional (concat).
 * Adam, categorical cross-entropy, batch 32, 1 epoch, 80/20 split.
 *
 * Keras' accuracy counts the padding positions (most of every row); the example also reports
 * the accuracy over real tokens and that of tagging each word with its most frequent training tag.
 */
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { spatialDropout1d } from '../../models/dropout.js';
import { SeededInit } from '../../models/init.js';
import { disposeModelAndOptimizer, makeOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { fitAndEvaluate } from '../classifier.js';
import { isDirectory } from '../../src/io/files.js';
import { DataNotFoundError } from '../../src/data/datasets.js';
import { Rng } from '../../src/rng/rng.js';
import { padSequences, readMrgDir } from '../../src/text/index.js';
import { checkVariant, pct, QUICK, type ExampleDef } from '../example.js';
import {
  bidirectional,
  buildWordIndex,
  ch6DataFile,
  countTokens,
  mostCommon,
  recurrent,
  takeRows,
  trainTestSplit,
  wordIds,
  type CellKind,
} from './common.js';

const MAX_SEQLEN = 250;
const S_MAX_FEATURES = 5000;
const EMBED_SIZE = 128;
const HIDDEN_SIZE = 64;
const BATCH_SIZE = 32;
const NUM_EPOCHS = 1;
const TEST_SIZE = 0.2;
const VARIANTS = ['gru', 'lstm', 'bilstm'] as const;
type Variant = (typeof VARIANTS)[number];

/**
 * The accuracy of tagging every word with its most frequent tag in the training sentences
 * (ties: the tag more frequent overall), and words never seen in training, `UNK` among them,
 * with the most frequent tag overall, over the non-padding tokens of the test sentences.
 * Sentences are word ids and tag ids of the same lengths; tag ids must be non-negative.
 */
export function mostFrequentTagAccuracy(
  trainWords: readonly (readonly number[])[],
  trainTags: readonly (readonly number[])[],
  testWords: readonly (readonly number[])[],
  testTags: readonly (readonly number[])[],
): { accuracy: number; tokens: number; overallTag: number } {
  const perWord = new Map<number, Map<number, number>>();
  const overall = new Map<number, number>();
  trainWords.forEach((ws, s) => {
    ws.forEach((w, i) => {
      const t = trainTags[s]?.[i];
      if (t === undefined) throw new RangeError(`training sentence ${s} has fewer tags than words`);
      overall.set(t, (overall.get(t) ?? 0) + 1);
      const m = perWord.get(w) ?? new Map<number, number>();
      m.set(t, (m.get(t) ?? 0) + 1);
      perWord.set(w, m);
    });
  });
  const rank = (m: ReadonlyMap<number, number>): number => {
    let best = -1;
    let bestCount = -1;
    for (const [t, c] of m) {
      const better = c > bestCount || (c === bestCount && (overall.get(t) ?? 0) > (overall.get(best) ?? 0));
      if (better) [best, bestCount] = [t, c];
    }
    return best;
  };
  const overallTag = rank(overall);
  const choice = new Map([...perWord].map(([w, m]) => [w, rank(m)]));
  let correct = 0;
  let tokens = 0;
  testWords.forEach((ws, s) => {
    ws.forEach((w, i) => {
      tokens++;
      if ((choice.get(w) ?? overallTag) === testTags[s]?.[i]) correct++;
    });
  });
  return { accuracy: tokens ? correct / tokens : NaN, tokens, overallTag };
}

/**
 * The share of the positions whose true tag is not `pad` where `predicted` has the true tag.
 * Both are row-major `[sentences, steps]` tag ids.
 */
export function tokenAccuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>, pad = 0): number {
  let correct = 0;
  let tokens = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === pad) continue;
    tokens++;
    if (predicted[i] === truth[i]) correct++;
  }
  return tokens ? correct / tokens : NaN;
}

/** The encoder or the decoder of a variant. */
function rnn(variant: Variant, returnSequences: boolean, dropout: number, init: SeededInit, rng: Rng): tf.layers.Layer {
  const args = { units: HIDDEN_SIZE, returnSequences, dropout, recurrentDropout: dropout };
  if (variant === 'bilstm') return bidirectional('lstm', args, init, rng);
  const kind: CellKind = variant;
  return recurrent(kind, args, init, rng);
}

/** `tfgym example pos-tagging`. */
export const posTaggingExample: ExampleDef = {
  name: 'pos-tagging',
  chapter: 6,
  script: 'treebank_pos_gru.py, treebank_pos_lstm.py (--cell gru|lstm|bilstm)',
  description: 'Penn Treebank part-of-speech tagging, seq2seq: encoder -> RepeatVector -> decoder (GRU, LSTM, BiLSTM)',
  variants: VARIANTS,
  defaultVariant: 'gru',
  defaults(variant) {
    checkVariant('pos-tagging', variant, VARIANTS);
    return { epochs: NUM_EPOCHS, batchSize: BATCH_SIZE, optimizer: 'adam', testSize: TEST_SIZE };
  },
  async run(o) {
    const variant = checkVariant('pos-tagging', o.variant, VARIANTS);
    const epochs = o.epochs ?? NUM_EPOCHS;
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : BATCH_SIZE);
    const rng = new Rng(o.seed);
    const splitRng = rng.fork();
    const modelRng = rng.fork();

    // the tagged sentences, words lower-cased, traces (-NONE-) dropped
    const readme = ch6DataFile(o, 'pos-tagging', 'penn-treebank-sample', 'treebank/combined/README');
    const dir = dirname(readme);
    if (!isDirectory(dir)) throw new DataNotFoundError(`pos-tagging: ${dir} is not a folder of .mrg files`);
    const tagged = readMrgDir(dir);
    const sents = tagged.map((s) => s.map(([w]) => w.toLowerCase()));
    const poss = tagged.map((s) => s.map(([, t]) => t));
    const sWordFreqs = countTokens(sents);
    const tWordFreqs = countTokens(poss);
    const sMaxlen = sents.reduce((m, s) => Math.max(m, s.length), 0);
    o.log.write(
      `${sents.length} sentences, ${sWordFreqs.size} distinct words, longest ${sMaxlen}; ${tWordFreqs.size} tags\n`,
    );

    // word ids (PAD 0, UNK 1) and tag ids (PAD 0, then by frequency), pre-padded to MAX_SEQLEN
    const words = buildWordIndex(sWordFreqs, S_MAX_FEATURES);
    const tagNames = ['PAD', ...mostCommon(tWordFreqs)];
    const tagIndex = new Map(tagNames.map((t, i) => [t, i]));
    const numTags = tagNames.length;
    const wordSeqs = sents.map((s) => wordIds(s, words));
    const tagSeqs = poss.map((s) => s.map((t) => tagIndex.get(t) ?? 0));
    const X = padSequences(wordSeqs, { maxlen: MAX_SEQLEN });
    const Y = padSequences(tagSeqs, { maxlen: MAX_SEQLEN });

    const split = trainTestSplit(sents.length, TEST_SIZE, splitRng);
    const trainRows = o.quick ? split.train.slice(0, QUICK.train / 2) : split.train;
    const testRows = o.quick ? split.test.slice(0, QUICK.test / 2) : split.test;
    const tensors = (r: readonly number[]): [tf.Tensor2D, tf.Tensor3D, Int32Array] => {
      const y = takeRows(Y.data, MAX_SEQLEN, r);
      return [
        tf.tensor2d(takeRows(X.data, MAX_SEQLEN, r), [r.length, MAX_SEQLEN]),
        tf.tidy(
          () => tf.cast(tf.oneHot(tf.tensor2d(y, [r.length, MAX_SEQLEN], 'int32'), numTags), 'float32') as tf.Tensor3D,
        ),
        y,
      ];
    };
    const [xTrain, yTrain] = tensors(trainRows);
    const [xTest, yTest, yTestIds] = tensors(testRows);
    o.log.write(`train ${trainRows.length}, test ${testRows.length} sentences of ${MAX_SEQLEN}; ${numTags} classes\n`);

    // most-frequent-tag baseline on the same (truncated) test tokens
    const unpadded = (rows: readonly number[], data: Int32Array): number[][] =>
      rows.map((r) => Array.from(data.subarray(r * MAX_SEQLEN, (r + 1) * MAX_SEQLEN)));
    const nonPad = (ws: number[][], ts: number[][]): [number[][], number[][]] => [
      ws.map((w, s) => w.filter((_, i) => ts[s]?.[i] !== 0)),
      ts.map((t) => t.filter((x) => x !== 0)),
    ];
    const [bTrainW, bTrainT] = nonPad(unpadded(trainRows, X.data), unpadded(trainRows, Y.data));
    const [bTestW, bTestT] = nonPad(unpadded(testRows, X.data), unpadded(testRows, Y.data));
    const baseline = mostFrequentTagAccuracy(bTrainW, bTrainT, bTestW, bTestT);

    // the model
    const init = new SeededInit(modelRng.fork());
    const model = tf.sequential({ name: `treebank_pos_${variant}` });
    model.add(
      tf.layers.embedding({
        inputDim: words.size,
        outputDim: EMBED_SIZE,
        inputLength: MAX_SEQLEN,
        embeddingsInitializer: init.randomUniform(),
      }),
    );
    model.add(spatialDropout1d(0.2, modelRng.fork()));
    model.add(rnn(variant, false, 0.2, init, modelRng.fork()));
    model.add(tf.layers.repeatVector({ n: MAX_SEQLEN }));
    // The book's decoder has no dropout.
    model.add(rnn(variant, true, 0, init, modelRng.fork()));
    model.add(
      tf.layers.timeDistributed({
        layer: tf.layers.dense({ units: numTags, kernelInitializer: init.glorotUniform() }),
      }),
    );
    model.add(tf.layers.activation({ activation: 'softmax' }));
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
      const pred = tf.tidy(() => tf.argMax(model.predict(xTest, { batchSize }) as tf.Tensor, -1));
      const predIds = await pred.data();
      pred.dispose();
      const tokAcc = tokenAccuracy(yTestIds, predIds);
      o.log.write(
        `Test score: ${score.toFixed(3)}, accuracy: ${acc.toFixed(3)}\n` +
          `accuracy over the ${baseline.tokens} real (non-padding) test tokens: ${pct(tokAcc)}\n` +
          `most-frequent-tag baseline on the same tokens: ${pct(baseline.accuracy)} (unseen words: ${tagNames[baseline.overallTag] ?? '?'})\n`,
      );
      const last = (k: string): number | undefined => history.history[k]?.at(-1);
      return {
        example: 'pos-tagging',
        variant,
        metrics: {
          testAccuracy: acc,
          testLoss: score,
          tokenAccuracy: tokAcc,
          baselineAccuracy: baseline.accuracy,
          testTokens: baseline.tokens,
          ...(last('acc') !== undefined ? { trainAccuracy: last('acc') } : {}),
          ...(last('loss') !== undefined ? { trainLoss: last('loss') } : {}),
          trainSeconds: Math.round(trainSeconds * 10) / 10,
        },
        settings: {
          epochs,
          batchSize,
          optimizer: 'adam',
          testSize: TEST_SIZE,
          trainSamples: trainRows.length,
          testSamples: testRows.length,
          vocabularySize: words.size,
          tags: numTags,
          maxlen: MAX_SEQLEN,
        },
        history: history.history,
      };
    } finally {
      disposeModelAndOptimizer(model);
      tf.dispose([xTrain, yTrain, xTest, yTest]);
    }
  },
};
