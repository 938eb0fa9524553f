/**
 * Chapter 5, `keras_cbow.py`: the CBOW word2vec model in Keras. An Embedding (vocabulary 5,000,
 * 300 dimensions, Glorot-uniform) over the `2 * window_size` context words, their mean
 * (`Lambda(K.mean(x, axis=1))`), Dense 5,000 + softmax predicting the centre word;
 * categorical cross-entropy, Adadelta. The script only builds the model; the training windows
 * are every full window of `window_size = 1` in each sentence (`word2vec_cbow.py`'s trigrams),
 * over Alice or WikiText-2 (for text8). After training: the same probes as the skip-gram.
 */
import * as tf from '@tensorflow/tfjs';
import { ProgressLogger } from '../../models/callbacks.js';
import { fit } from '../../models/fit.js';
import { SeededInit } from '../../models/init.js';
import { disposeModelAndOptimizer, makeOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { Rng } from '../../src/rng/rng.js';
import { writeWord2VecFile } from '../../src/text/index.js';
import { QUICK, type ExampleDef, type ExampleOutcome } from '../example.js';
import {
  CORPORA,
  EMBED_SIZE,
  VOCAB_SIZE,
  cbowWindows,
  checkCorpus,
  corpusIds,
  embeddingVectors,
  probeVectors,
  probeWords,
  readCorpus,
} from './common.js';

/** `window_size = 1` of `keras_cbow.py`: one word on each side. */
const WINDOW_SIZE = 1;
/** The script sets no training budget: 10 epochs of batch 128 (the chapter's `BATCH_SIZE`), tfgym's choice. */
const NUM_EPOCHS = 10;
const BATCH_SIZE = 128;

/**
 * Keras 2.0's `Adadelta()` (the script's `optimizer="adadelta"`): lr 1.0, rho 0.95, epsilon
 * 1e-8 (tfjs' own Adadelta differs: its first step moves every weight by the full gradient).
 */
export function kerasAdadelta(): tf.Optimizer {
  return makeOptimizer('adadelta');
}

/** The CBOW model: `[batch, 2 * window]` context ids -> softmax over the vocabulary. */
export function cbowModel(vocabSize: number, embedSize: number, window: number, init: SeededInit): tf.Sequential {
  const model = tf.sequential({ name: 'cbow' });
  model.add(
    tf.layers.embedding({
      inputDim: vocabSize,
      outputDim: embedSize,
      inputLength: 2 * window,
      embeddingsInitializer: init.glorotUniform(),
      name: 'embedding',
    }),
  );
  // the mean over the context words: Keras' Lambda(K.mean(x, axis=1))
  model.add(tf.layers.globalAveragePooling1d({}));
  model.add(tf.layers.dense({ units: vocabSize, activation: 'softmax', kernelInitializer: init.glorotUniform() }));
  return model;
}

/** `tfgym example word2vec-cbow`. */
export const word2vecCbowExample: ExampleDef = {
  name: 'word2vec-cbow',
  chapter: 5,
  script: 'keras_cbow.py',
  description: 'CBOW word2vec: Embedding 300 over the context, mean, Dense 5000 softmax; Adadelta',
  variants: CORPORA,
  defaultVariant: 'alice',
  defaults(variant) {
    checkCorpus('word2vec-cbow', variant);
    return { epochs: NUM_EPOCHS, batchSize: BATCH_SIZE, optimizer: 'adadelta' };
  },
  async run(o): Promise<ExampleOutcome> {
    const corpus = checkCorpus('word2vec-cbow', o.variant);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : NUM_EPOCHS);
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : BATCH_SIZE);
    const rng = new Rng(o.seed);
    const modelRng = rng.fork();

    const sentences = readCorpus(o, 'word2vec-cbow', corpus);
    const ids = corpusIds(sentences);
    o.log.write(
      `${corpus}: ${sentences.length} sentences, ${ids.tokens} tokens, ${ids.tokenizer.wordIndex.size} distinct words\n`,
    );

    // (context, centre word) windows
    const cw = cbowWindows(ids.sequences, WINDOW_SIZE);
    const n = o.quick ? Math.min(cw.count, QUICK.train) : cw.count;
    o.log.write(`${cw.count} CBOW windows (${WINDOW_SIZE} word on each side)${o.quick ? `, ${n} used` : ''}\n`);
    if (n === 0) throw new Error('no CBOW windows: the corpus is empty');
    const x = tf.tensor2d(cw.contexts.subarray(0, 2 * WINDOW_SIZE * n), [n, 2 * WINDOW_SIZE], 'int32');
    // Sparse targets: the same loss as the script's one-hot categorical cross-entropy without
    // materialising n x 5,000 one-hot rows.
    const y = tf.tensor2d(Float32Array.from(cw.targets.subarray(0, n)), [n, 1]);

    const model = cbowModel(VOCAB_SIZE, EMBED_SIZE, WINDOW_SIZE, new SeededInit(modelRng));
    try {
      o.log.write(`${modelSummary(model)}\n`);
      model.compile({ optimizer: kerasAdadelta(), loss: 'sparseCategoricalCrossentropy' });
      const t0 = performance.now();
      const history = await fit(model, x, y, {
        epochs,
        batchSize,
        rng,
        callbacks: [new ProgressLogger(o.log), ...(o.callbacks ?? [])],
      });
      const trainSeconds = (performance.now() - t0) / 1000;
      const trainLoss = history.history['loss']?.at(-1) ?? NaN;

      // the word vectors: the Embedding's rows (the script's `model.layers[0].get_weights()[0]`)
      const weights = model.getLayer('embedding').getWeights()[0];
      if (!weights) throw new Error('embedding has no weights');
      const wv = embeddingVectors(weights.dataSync() as Float32Array, EMBED_SIZE, ids.tokenizer.indexWord);
      const probes = probeVectors(wv, probeWords(corpus), o.log);
      if (o.out !== undefined) {
        writeWord2VecFile(o.out, wv);
        o.log.write(`${wv.size} word vectors (${EMBED_SIZE} dims) written to ${o.out} (word2vec text format)\n`);
      }
      return {
        example: 'word2vec-cbow',
        variant: corpus,
        metrics: {
          trainLoss,
          similarities: probes.similarities,
          topNeighbourOfWoman: probes.topNeighbourOfWoman,
          analogy: probes.analogy?.slice(0, 3).map(([w]) => w) ?? null,
          trainSeconds: Math.round(trainSeconds * 10) / 10,
        },
        settings: {
          epochs,
          batchSize,
          optimizer: 'adadelta',
          loss: 'sparse categorical cross-entropy',
          corpus,
          vocabularySize: VOCAB_SIZE,
          embedSize: EMBED_SIZE,
          windowSize: WINDOW_SIZE,
          trainSamples: n,
          ...(o.out !== undefined ? { out: o.out } : {}),
        },
        history: history.history,
      };
    } finally {
      disposeModelAndOptimizer(model);
      tf.dispose([x, y]);
    }
  },
};
