/**
 * The book's Chapter 7 memory network (`mem-network.py`), after Sukhbaatar et al.'s end-to-end
 * memory networks and Keras' `babi_memnn.py`: answers a question about a story with one word.
 *
 * ```
 * story [S] -> Embedding(V, 64) -> Dropout 0.3 ------------ dot (axes 2, 2) -> match [S, Q]
 * question [Q] -> Embedding(V, 64) -> Dropout 0.3 -------/                      |
 * story [S] -> Embedding(V, Q) -> Dropout 0.3 -> [S, Q] ------------------ add -> Permute(2, 1) [Q, S]
 * concatenate([Q, S], question [Q, 64]) -> LSTM 32 -> Dropout 0.3 -> Dense V -> softmax
 * ```
 * The match is not softmax-normalised (Keras' example applies a softmax there; the book's
 * script does not). RMSprop (Keras 2.0 defaults), categorical cross-entropy, accuracy.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { dropout } from './dropout.js';
import { SeededInit } from './init.js';
import { makeOptimizer } from './optimizers.js';
import { recurrent } from './recurrent.js';
import { checkPositiveInt, checkRate } from './validate.js';

/** The book's sizes: `EMBEDDING_SIZE = 64`, `LATENT_SIZE = 32`, `Dropout(0.3)`. */
export const MEMORY_NETWORK_BOOK = { embeddingSize: 64, latentSize: 32, dropout: 0.3 } as const;

/** Options of {@link memoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Words, padding (id 0) included: the Embedding input size and the softmax width. */
  vocabSize: number;
  /** Word ids per story (pre-padded). */
  storyMaxlen: number;
  /** Word ids per question (pre-padded). */
  questionMaxlen: number;
  /** Default 64. */
  embeddingSize?: number;
  /** LSTM units, default 32. */
  latentSize?: number;
  /** Dropout rate of all four dropout layers, default 0.3. */
  dropout?: number;
}

/**
 * The memory network, compiled: inputs `[story ids [batch, S], question ids [batch, Q]]`
 * (float or int ids), output `[batch, V]` word probabilities. Weights and dropout masks are
 * seeded from `rng`.
 */
export function memoryNetwork(rng: Rng, o: MemoryNetworkOptions): tf.LayersModel {
  const vocabSize = checkPositiveInt('vocabSize', o.vocabSize);
  const storyMaxlen = checkPositiveInt('storyMaxlen', o.storyMaxlen);
  const questionMaxlen = checkPositiveInt('questionMaxlen', o.questionMaxlen);
  const embeddingSize = checkPositiveInt('embeddingSize', o.embeddingSize ?? MEMORY_NETWORK_BOOK.embeddingSize);
  const latentSize = checkPositiveInt('latentSize', o.latentSize ?? MEMORY_NETWORK_BOOK.latentSize);
  const rate = checkRate('dropout', o.dropout ?? MEMORY_NETWORK_BOOK.dropout);
  const init = new SeededInit(rng.fork());
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor =>
    layer.apply(x) as tf.SymbolicTensor;
  // Keras 2's Embedding: uniform(-0.05, 0.05) initial vectors.
  const embedding = (outputDim: number, inputLength: number, name: string): tf.layers.Layer =>
    tf.layers.embedding({
      inputDim: vocabSize,
      outputDim,
      inputLength,
      embeddingsInitializer: init.randomUniform(),
      name,
    });

  const storyInput = tf.input({ shape: [storyMaxlen], name: 'story' });
  const questionInput = tf.input({ shape: [questionMaxlen], name: 'question' });
  // story memory: [S, 64]
  const storyEncoder = apply(
    dropout(rate, rng.fork()),
    apply(embedding(embeddingSize, storyMaxlen, 'story_embedding'), storyInput),
  );
  // question: [Q, 64]
  const questionEncoder = apply(
    dropout(rate, rng.fork()),
    apply(embedding(embeddingSize, questionMaxlen, 'question_embedding'), questionInput),
  );
  // match between every story word and every question word: [S, Q]
  const match = apply(tf.layers.dot({ axes: [2, 2], name: 'match' }), [storyEncoder, questionEncoder]);
  // the story in the question's space: [S, Q]
  const storyEncoderC = apply(
    dropout(rate, rng.fork()),
    apply(embedding(questionMaxlen, storyMaxlen, 'story_embedding_c'), storyInput),
  );
  const response = apply(
    tf.layers.permute({ dims: [2, 1], name: 'response' }),
    apply(tf.layers.add({ name: 'match_plus_story' }), [match, storyEncoderC]),
  );
  // [Q, S + 64] -> LSTM -> the answer word
  let answer = apply(tf.layers.concatenate({ axis: -1, name: 'response_question' }), [response, questionEncoder]);
  answer = apply(recurrent('lstm', { units: latentSize, name: 'answer_lstm' }, init, rng.fork()), answer);
  answer = apply(dropout(rate, rng.fork()), answer);
  answer = apply(
    tf.layers.dense({ units: vocabSize, kernelInitializer: init.glorotUniform(), name: 'answer' }),
    answer,
  );
  const output = apply(tf.layers.activation({ activation: 'softmax', name: 'softmax' }), answer);

  const model = tf.model({ inputs: [storyInput, questionInput], outputs: output, name: 'memory_network' });
  model.compile({ optimizer: makeOptimizer('rmsprop'), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}
