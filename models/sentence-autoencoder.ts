/**
 * The book's Chapter 7 sentence autoencoder (`sent-thoughts-rnn.py`): a sentence as a sequence
 * of word vectors is encoded into one "thought vector" and decoded back into the sequence.
 *
 * ```
 * [T, E] -> Bidirectional(LSTM 512), merge sum ("encoder_lstm") -> [512]
 *        -> RepeatVector T ("repeater") -> [T, 512]
 *        -> Bidirectional(LSTM E, return_sequences), merge sum ("decoder_lstm") -> [T, E]
 * ```
 * SGD (Keras 2.0 defaults: learning rate 0.01), mean squared error between the input and the
 * reconstructed word vectors. The encoder is the model up to `encoder_lstm`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import { SeededInit } from './init.js';
import { makeOptimizer } from './optimizers.js';
import { bidirectional } from './recurrent.js';
import { checkPositiveInt } from './validate.js';

/** The book's sizes: `SEQUENCE_LEN = 50`, `EMBED_SIZE = 100`, `LATENT_SIZE = 512`. */
export const SENTENCE_AUTOENCODER_BOOK = { sequenceLength: 50, embedSize: 100, latentSize: 512 } as const;

/** Options of {@link sentenceAutoencoder}. */
export interface SentenceAutoencoderOptions {
  /** Words per sentence (T), default 50. */
  sequenceLength?: number;
  /** Word-vector size (E), default 100. */
  embedSize?: number;
  /** Thought-vector size, default 512. */
  latentSize?: number;
}

/** The compiled autoencoder and its encoder half (which shares its layers). */
export interface SentenceAutoencoder {
  /** `[batch, T, E]` -> `[batch, T, E]`, compiled with SGD and MSE. */
  readonly autoencoder: tf.LayersModel;
  /**
   * `[batch, T, E]` -> `[batch, latent]`: the autoencoder's input and `encoder_lstm`. Its layers
   * are the autoencoder's: dispose the autoencoder only (disposing both would free them twice).
   */
  readonly encoder: tf.LayersModel;
}

/** Builds the book's autoencoder with weights seeded from `rng`. */
export function sentenceAutoencoder(rng: Rng, o: SentenceAutoencoderOptions = {}): SentenceAutoencoder {
  const steps = checkPositiveInt('sequenceLength', o.sequenceLength ?? SENTENCE_AUTOENCODER_BOOK.sequenceLength);
  const embedSize = checkPositiveInt('embedSize', o.embedSize ?? SENTENCE_AUTOENCODER_BOOK.embedSize);
  const latentSize = checkPositiveInt('latentSize', o.latentSize ?? SENTENCE_AUTOENCODER_BOOK.latentSize);
  const init = new SeededInit(rng.fork());
  const inputs = tf.input({ shape: [steps, embedSize], name: 'input' });
  const encoded = bidirectional('lstm', { units: latentSize, name: 'encoder_lstm' }, init, rng.fork(), 'sum').apply(
    inputs,
  ) as tf.SymbolicTensor;
  const repeated = tf.layers.repeatVector({ n: steps, name: 'repeater' }).apply(encoded) as tf.SymbolicTensor;
  const decoded = bidirectional(
    'lstm',
    { units: embedSize, returnSequences: true, name: 'decoder_lstm' },
    init,
    rng.fork(),
    'sum',
  ).apply(repeated) as tf.SymbolicTensor;
  const autoencoder = tf.model({ inputs, outputs: decoded, name: 'sentence_autoencoder' });
  autoencoder.compile({ optimizer: makeOptimizer('sgd'), loss: 'meanSquaredError' });
  const encoder = tf.model({ inputs, outputs: encoded, name: 'sentence_encoder' });
  return { autoencoder, encoder };
}
