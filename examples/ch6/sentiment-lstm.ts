/**
 * Chapter 6, `umich_sentiment_lstm.py`: sentiment of the UMich SI650 sentences with an LSTM.
 *
 * Sentences are ASCII-filtered, lower-cased and NLTK-tokenized; the 2,000 most frequent words
 * get ids from 2 (PAD 0, UNK 1); sequences are pre-padded to 40. Embedding 128 ->
 * SpatialDropout1D 0.2 -> LSTM 64 (dropout 0.2, recurrent dropout 0.2) -> Dense 1 -> sigmoid;
 * Adam, binary cross-entropy, batch 32, 10 epochs, validated on the 20% test split
 * (`train_test_split(test_size=0.2, random_state=42)`), then evaluated on it.
 */
import * as tf from '@tensorflow/tfjs';
import { spatialDropout1d } from '../../models/dropout.js';
import { SeededInit } from '../../models/init.js';
import { disposeModelAndOptimizer, makeOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { fitAndEvaluate } from '../classifier.js';
import { readText } from '../../src/io/files.js';
import { Rng } from '../../src/rng/rng.js';
import { padSequences, wordTokenize } from '../../src/text/index.js';
import { checkVariant, ExampleArgumentError, QUICK, type ExampleDef } from '../example.js';
import {
  asciiOnly,
  buildWordIndex,
  ch6DataFile,
  countTokens,
  recurrent,
  takeRows,
  trainTestSplit,
  wordIds,
} from './common.js';

const MAX_FEATURES = 2000;
const MAX_SENTENCE_LENGTH = 40;
const EMBEDDING_SIZE = 128;
const HIDDEN_LAYER_SIZE = 64;
const BATCH_SIZE = 32;
const NUM_EPOCHS = 10;
const TEST_SIZE = 0.2;
const VARIANTS = ['default'] as const;

/** The labelled sentences of `umich-sentiment-train.txt` (`label<TAB>sentence` per line). */
export function parseUmich(
  text: string,
  name = 'umich-sentiment-train.txt',
): { labels: number[]; sentences: string[] } {
  const labels: number[] = [];
  const sentences: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const tab = line.indexOf('\t');
    const label = line.slice(0, tab);
    if (tab < 0 || (label !== '0' && label !== '1'))
      throw new ExampleArgumentError(`${name}:${i + 1}: expected "0|1<TAB>sentence"`);
    labels.push(Number(label));
    sentences.push(line.slice(tab + 1));
  });
  return { labels, sentences };
}

/** The book's tokens of one sentence: ASCII only, lower-cased, `nltk.word_tokenize`. */
export function sentimentTokens(sentence: string): string[] {
  return wordTokenize(asciiOnly(sentence).toLowerCase());
}

/** `tfgym example sentiment-lstm`. */
export const sentimentLstmExample: ExampleDef = {
  name: 'sentiment-lstm',
  chapter: 6,
  script: 'umich_sentiment_lstm.py',
  description: 'UMich SI650 sentence sentiment: Embedding -> SpatialDropout1D -> LSTM 64 -> sigmoid',
  variants: VARIANTS,
  defaultVariant: 'default',
  defaults(variant) {
    checkVariant('sentiment-lstm', variant, VARIANTS);
    return { epochs: NUM_EPOCHS, batchSize: BATCH_SIZE, optimizer: 'adam', testSize: TEST_SIZE };
  },
  async run(o) {
    const variant = checkVariant('sentiment-lstm', o.variant, VARIANTS);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : NUM_EPOCHS);
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : BATCH_SIZE);
    const rng = new Rng(o.seed);
    const splitRng = rng.fork();
    const modelRng = rng.fork();

    // read the sentences, count the words, keep the MAX_FEATURES most common (PAD 0, UNK 1)
    const file = ch6DataFile(o, 'sentiment-lstm', 'umich-si650', 'umich-sentiment-train.txt');
    const { labels, sentences } = parseUmich(readText(file), file);
    const tokens = sentences.map(sentimentTokens);
    const wordFreqs = countTokens(tokens);
    const maxlen = tokens.reduce((m, t) => Math.max(m, t.length), 0);
    const vocab = buildWordIndex(wordFreqs, MAX_FEATURES);
    o.log.write(
      `${sentences.length} sentences, ${wordFreqs.size} distinct words, longest ${maxlen}; vocabulary ${vocab.size}\n`,
    );

    // sequences of word ids, left-padded with zeros to MAX_SENTENCE_LENGTH
    const X = padSequences(
      tokens.map((t) => wordIds(t, vocab)),
      { maxlen: MAX_SENTENCE_LENGTH },
    );
    const split = trainTestSplit(sentences.length, TEST_SIZE, splitRng);
    const trainRows = o.quick ? split.train.slice(0, QUICK.train) : split.train;
    const testRows = o.quick ? split.test.slice(0, QUICK.test) : split.test;
    const xTrain = tf.tensor2d(takeRows(X.data, MAX_SENTENCE_LENGTH, trainRows), [
      trainRows.length,
      MAX_SENTENCE_LENGTH,
    ]);
    const xTest = tf.tensor2d(takeRows(X.data, MAX_SENTENCE_LENGTH, testRows), [testRows.length, MAX_SENTENCE_LENGTH]);
    const yTrain = tf.tensor2d(
      trainRows.map((r) => labels[r] ?? 0),
      [trainRows.length, 1],
    );
    const yTest = tf.tensor2d(
      testRows.map((r) => labels[r] ?? 0),
      [testRows.length, 1],
    );
    o.log.write(
      `train ${trainRows.length} x ${MAX_SENTENCE_LENGTH}, test ${testRows.length} x ${MAX_SENTENCE_LENGTH}\n`,
    );

    // the model
    const init = new SeededInit(modelRng.fork());
    const model = tf.sequential({ name: 'umich_sentiment_lstm' });
    model.add(
      tf.layers.embedding({
        inputDim: vocab.size,
        outputDim: EMBEDDING_SIZE,
        inputLength: MAX_SENTENCE_LENGTH,
        embeddingsInitializer: init.randomUniform(),
      }),
    );
    model.add(spatialDropout1d(0.2, modelRng.fork()));
    model.add(
      recurrent('lstm', { units: HIDDEN_LAYER_SIZE, dropout: 0.2, recurrentDropout: 0.2 }, init, modelRng.fork()),
    );
    model.add(tf.layers.dense({ units: 1, kernelInitializer: init.glorotUniform() }));
    model.add(tf.layers.activation({ activation: 'sigmoid' }));
    try {
      o.log.write(`${modelSummary(model)}\n`);
      model.compile({ optimizer: makeOptimizer('adam'), loss: 'binaryCrossentropy', metrics: ['accuracy'] });

      // fit, validating on the test split as the book does, then evaluate on it
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

      // five test sentences: prediction, label, words
      const sampleRows = Array.from({ length: Math.min(5, testRows.length) }, () => rng.nextInt(testRows.length));
      const probs = tf.tidy(() => {
        const rows = tf.gather(xTest, tf.tensor1d(sampleRows, 'int32'));
        return (model.predict(rows) as tf.Tensor).dataSync();
      });
      sampleRows.forEach((r, k) => {
        const ids = takeRows(X.data, MAX_SENTENCE_LENGTH, [testRows[r] ?? 0]);
        const words = Array.from(ids)
          .filter((id) => id !== 0)
          .map((id) => vocab.words[id] ?? 'UNK');
        o.log.write(`${(probs[k] ?? 0).toFixed(0)}\t${labels[testRows[r] ?? 0] ?? '?'}\t${words.join(' ')}\n`);
      });

      const last = (k: string): number | undefined => history.history[k]?.at(-1);
      return {
        example: 'sentiment-lstm',
        variant,
        metrics: {
          testAccuracy: acc,
          testLoss: score,
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
          vocabularySize: vocab.size,
          maxlen: MAX_SENTENCE_LENGTH,
        },
        history: history.history,
      };
    } finally {
      disposeModelAndOptimizer(model);
      tf.dispose([xTrain, xTest, yTrain, yTest]);
    }
  },
};
