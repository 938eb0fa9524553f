/**
 * Every `tfgym example`, in book order: `tfgym example list` prints this list.
 *
 * Adding an example of the book (say Chapter 4's `wavenet.py`):
 * 1. Write `examples/ch4/wavenet.ts` exporting one {@link ExampleDef}: its name, chapter, the
 *    book's script, variants, `defaults(variant)` (the book's epochs, batch size, optimizer, ...)
 *    and `run(options)`, which reads top to bottom like the script (data, model from
 *    `models/`, fit, evaluate, report) and returns the metrics and the settings it ran with.
 *    Seed everything from `new Rng(options.seed)`; report bad arguments with
 *    `ExampleArgumentError` (the CLI prints one line, exit code 2).
 * 2. Add it to {@link EXAMPLES} below.
 * 3. Add its variants, the book's settings and figures to `results/book.json` (the tests check
 *    that every example and variant has an entry and that `defaults` match its settings), and a
 *    `<!-- BEGIN results NAME -->` / `<!-- END results NAME -->` region to RESULTS.md if the
 *    book reports a figure for it; `npm run results` fills the table.
 * 4. Add a `--quick` smoke case to `test/examples/example.test.ts`.
 */
import { mnistMlpExample } from './ch1/mnist-mlp.js';
import { vgg16FeaturesExample } from './ch2/vgg16-features.js';
import { cifar10CnnExample } from './ch3/cifar10-cnn.js';
import { cifar10PredictExample } from './ch3/cifar10-predict.js';
import { mnistLenetExample } from './ch3/mnist-lenet.js';
import { vgg16Example } from './ch3/vgg16.js';
import { cifar10GanExample } from './ch4/cifar10-gan.js';
import { mnistDcganExample } from './ch4/mnist-dcgan.js';
import { mnistGanExample } from './ch4/mnist-gan.js';
import { wavenetExample } from './ch4/wavenet.js';
import { sentimentCnnExample } from './ch5/sentiment-cnn.js';
import { word2vecCbowExample } from './ch5/word2vec-cbow.js';
import { word2vecSkipgramExample } from './ch5/word2vec-skipgram.js';
import { aliceCharRnnExample } from './ch6/alice-char-rnn.js';
import { electricityLstmExample } from './ch6/electricity-lstm.js';
import { posTaggingExample } from './ch6/pos-tagging.js';
import { sentimentLstmExample } from './ch6/sentiment-lstm.js';
import { airQualityRegressionExample } from './ch7/air-quality-regression.js';
import { babiMemnetExample } from './ch7/babi-memnet.js';
import { customLayersExample } from './ch7/custom-layers.js';
import { deepDreamExample } from './ch7/deep-dream.js';
import { functionalApiExample } from './ch7/functional-api.js';
import { sentenceAutoencoderExample } from './ch7/sentence-autoencoder.js';
import { styleTransferExample } from './ch7/style-transfer.js';
import type { ExampleDef } from './example.js';

/** The registry, in book order. */
export const EXAMPLES: readonly ExampleDef[] = [
  // Chapter 1: Neural Networks Foundations
  mnistMlpExample,
  // Chapter 2: Keras Installation and API
  vgg16FeaturesExample,
  // Chapter 3: Deep Learning with ConvNets
  mnistLenetExample,
  cifar10CnnExample,
  cifar10PredictExample,
  vgg16Example,
  // Chapter 4: Generative Adversarial Networks and WaveNet
  mnistDcganExample,
  mnistGanExample,
  cifar10GanExample,
  wavenetExample,
  // Chapter 5: Word Embeddings
  word2vecSkipgramExample,
  word2vecCbowExample,
  sentimentCnnExample,
  // Chapter 6: Recurrent Neural Network — RNN
  aliceCharRnnExample,
  sentimentLstmExample,
  posTaggingExample,
  electricityLstmExample,
  // Chapter 7: Additional Deep Learning Models
  functionalApiExample,
  airQualityRegressionExample,
  sentenceAutoencoderExample,
  babiMemnetExample,
  customLayersExample,
  deepDreamExample,
  styleTransferExample,
];

/** The example named `name`, or undefined. */
export function findExample(name: string): ExampleDef | undefined {
  return EXAMPLES.find((e) => e.name === name);
}
