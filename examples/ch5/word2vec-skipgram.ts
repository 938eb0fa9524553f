/**
 * Chapter 5, `keras_skipgram.py`: the skip-gram word2vec model in Keras. A word Embedding and
 * a context Embedding (vocabulary 5,000, 300 dimensions, Glorot-uniform), their dot product
 * (`Merge(mode="dot")`), Dense 1 + sigmoid; mean squared error, Adam. The script only builds
 * the model; the training pairs come from Keras' `skipgrams` with `make_sampling_table`, as the
 * book's text shows them, over Alice (the chapter's corpus) or WikiText-2 (for text8). After
 * training: nearest neighbours and the book's `word2vec_gensim.py` probes on the word vectors.
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
  checkCorpus,
  corpusIds,
  embeddingVectors,
  probeVectors,
  probeWords,
  readCorpus,
  skipgramPairs,
} from './common.js';

/** Context words on each side of a target: the book's scripts use 1 (`nltk.trigrams`, `window_size = 1`). */
const WINDOW_SIZE = 1;
/** The script sets no training budget: 10 epochs of batch 128 (the chapter's `BATCH_SIZE`), tfgym's choice. */
const NUM_EPOCHS = 10;
const BATCH_SIZE = 128;

/**
 * Column `k` of a `[batch, n]` input as `[batch, 1]`: lets one input tensor of `[word,
 * context]` pairs feed the two Embeddings of the book's two Sequential branches.
 */
export class TakeColumn extends tf.layers.Layer {
  /** Registered for (de)serialisation. */
  static className = 'TakeColumn';
  readonly column: number;

  constructor(args: { column: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.column = args.column;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0] ?? null, 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.slice(x, [0, this.column], [-1, 1]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { column: this.column, ...super.getConfig() };
  }
}
tf.serialization.registerClass(TakeColumn);

/** The skip-gram model: `[batch, 2]` (word, context) ids -> probability that they co-occur. */
export function skipgramModel(vocabSize: number, embedSize: number, init: SeededInit): tf.LayersModel {
  const pair = tf.input({ shape: [2], dtype: 'int32', name: 'word_context' });
  const branch = (column: number, name: string): tf.SymbolicTensor => {
    const ids = new TakeColumn({ column, name: `${name}_id` }).apply(pair) as tf.SymbolicTensor;
    const emb = tf.layers
      .embedding({
        inputDim: vocabSize,
        outputDim: embedSize,
        inputLength: 1,
        embeddingsInitializer: init.glorotUniform(),
        name: `${name}_embedding`,
      })
      .apply(ids) as tf.SymbolicTensor;
    return tf.layers.reshape({ targetShape: [embedSize] }).apply(emb) as tf.SymbolicTensor;
  };
  const dot = tf.layers.dot({ axes: 1 }).apply([branch(0, 'word'), branch(1, 'context')]) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 1, activation: 'sigmoid', kernelInitializer: init.glorotUniform() })
    .apply(dot) as tf.SymbolicTensor;
  return tf.model({ inputs: pair, outputs: out, name: 'skipgram' });
}

/** `tfgym example word2vec-skipgram`. */
export const word2vecSkipgramExample: ExampleDef = {
  name: 'word2vec-skipgram',
  chapter: 5,
  script: 'keras_skipgram.py',
  description: 'skip-gram word2vec: word and context Embedding 300, dot, sigmoid; MSE, Adam',
  variants: CORPORA,
  defaultVariant: 'alice',
  defaults(variant) {
    checkCorpus('word2vec-skipgram', variant);
    return { epochs: NUM_EPOCHS, batchSize: BATCH_SIZE, optimizer: 'adam' };
  },
  async run(o): Promise<ExampleOutcome> {
    const corpus = checkCorpus('word2vec-skipgram', o.variant);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : NUM_EPOCHS);
    const batchSize = o.batchSize ?? (o.quick ? QUICK.batchSize : BATCH_SIZE);
    const rng = new Rng(o.seed);
    const pairRng = rng.fork();
    const modelRng = rng.fork();

    // the corpus as word ids of the 5,000 most frequent words, one sequence per sentence
    const sentences = readCorpus(o, 'word2vec-skipgram', corpus);
    const ids = corpusIds(sentences);
    const vocab = Math.min(VOCAB_SIZE, ids.tokenizer.wordIndex.size + 1);
    o.log.write(
      `${corpus}: ${sentences.length} sentences, ${ids.tokens} tokens, ${ids.tokenizer.wordIndex.size} distinct words; ids 1..${vocab - 1}\n`,
    );

    // (word, context) pairs: real neighbours within the window, as many random negatives
    const sg = skipgramPairs(o.quick ? ids.sequences.slice(0, 40) : ids.sequences, VOCAB_SIZE, WINDOW_SIZE, pairRng);
    const n = o.quick ? Math.min(sg.count, QUICK.train) : sg.count;
    o.log.write(
      `${sg.count} skip-gram pairs (${sg.positives} positive, window ${WINDOW_SIZE}, sampling table)${o.quick ? `, ${n} used` : ''}\n`,
    );
    if (n === 0) throw new Error('no skip-gram pairs: the corpus is empty');
    const x = tf.tensor2d(sg.pairs.subarray(0, 2 * n), [n, 2], 'int32');
    const y = tf.tensor2d(sg.labels.subarray(0, n), [n, 1]);

    const model = skipgramModel(VOCAB_SIZE, EMBED_SIZE, new SeededInit(modelRng));
    try {
      o.log.write(`${modelSummary(model)}\n`);
      model.compile({ optimizer: makeOptimizer('adam'), loss: 'meanSquaredError' });
      const t0 = performance.now();
      const history = await fit(model, x, y, {
        epochs,
        batchSize,
        rng,
        callbacks: [new ProgressLogger(o.log), ...(o.callbacks ?? [])],
      });
      const trainSeconds = (performance.now() - t0) / 1000;
      const trainLoss = history.history['loss']?.at(-1) ?? NaN;

      // the word vectors: the word Embedding's rows (the book's `word_embed_layer.get_weights()[0]`)
      const weights = model.getLayer('word_embedding').getWeights()[0];
      if (!weights) throw new Error('word_embedding has no weights');
      const wv = embeddingVectors(weights.dataSync() as Float32Array, EMBED_SIZE, ids.tokenizer.indexWord);
      const probes = probeVectors(wv, probeWords(corpus), o.log);
      if (o.out !== undefined) {
        writeWord2VecFile(o.out, wv);
        o.log.write(`${wv.size} word vectors (${EMBED_SIZE} dims) written to ${o.out} (word2vec text format)\n`);
      }
      if (corpus === 'alice' || o.quick)
        o.log.write(
          `(the book's figures come from gensim on text8, 17M tokens; ${ids.tokens} tokens give far noisier neighbours)\n`,
        );
      return {
        example: 'word2vec-skipgram',
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
          optimizer: 'adam',
          loss: 'mse',
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
