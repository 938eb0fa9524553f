/**
 * Chapter 6, `alice_chargen_rnn.py`: a character-level SimpleRNN that learns to write like
 * "Alice in Wonderland".
 *
 * The text is read line by line, stripped, lower-cased and ASCII-filtered; empty lines are
 * dropped and the rest joined with spaces (42 characters). Every window of 10 characters (step
 * 1) is an input, the character after it the label, both one-hot. SimpleRNN 128 -> Dense
 * (characters) -> softmax; RMSprop, categorical cross-entropy, batch 128; 25 iterations of one
 * epoch, each followed by 100 characters generated from a random window of the text: greedily
 * (the book's argmax) or, with `--temperature T`, sampled from the softmax sharpened by 1 / T.
 */
import * as tf from '@tensorflow/tfjs';
import { formatDuration, ProgressLogger } from '../../models/callbacks.js';
import { fit } from '../../models/fit.js';
import { SeededInit } from '../../models/init.js';
import { disposeModelAndOptimizer, makeOptimizer } from '../../models/optimizers.js';
import { modelSummary } from '../../models/summary.js';
import { readText } from '../../src/io/files.js';
import { Rng } from '../../src/rng/rng.js';
import { buildCharVocab, charWindows, oneHotChars, oneHotWindows, type CharVocab } from '../../src/text/index.js';
import { checkVariant, ExampleArgumentError, type ExampleDef } from '../example.js';
import { asciiOnly, ch6DataFile, fmt, recurrent } from './common.js';

const SEQLEN = 10;
const STEP = 1;
const HIDDEN_SIZE = 128;
const BATCH_SIZE = 128;
const NUM_ITERATIONS = 25;
const NUM_EPOCHS_PER_ITERATION = 1;
const NUM_PREDS_PER_EPOCH = 100;
const VARIANTS = ['default'] as const;
/** Quick mode: the windows of the first characters only, 2 iterations, 20 characters each. */
const QUICK_CHARS = 600;

/** Python's `bytes.strip()`: ASCII whitespace only (JavaScript's `trim` also strips Unicode spaces). */
function stripAscii(s: string): string {
  return s.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
}

/**
 * The book's text: each line stripped, lower-cased and ASCII-filtered (in that order, as
 * `line.strip().lower().decode("ascii", "ignore")`), lines left empty dropped, the rest
 * joined with single spaces.
 */
export function aliceText(raw: string): string {
  const lines: string[] = [];
  for (const l of raw.split('\n')) {
    const line = asciiOnly(stripAscii(l).toLowerCase());
    if (line.length > 0) lines.push(line);
  }
  return lines.join(' ');
}

/**
 * The index of the next character: the most probable (the book's `np.argmax`), or with a
 * temperature `t`, a draw from `p^(1/t)` renormalised (t < 1 sharpens, t > 1 flattens).
 */
export function nextCharIndex(probs: ArrayLike<number>, rng: Rng, temperature?: number): number {
  if (temperature === undefined) {
    let best = 0;
    for (let i = 1; i < probs.length; i++) if ((probs[i] ?? 0) > (probs[best] ?? 0)) best = i;
    return best;
  }
  // In log space, shifted by the maximum, so that small temperatures do not underflow to 0.
  const logits = Array.from(probs, (p) => Math.log(Math.max(p, 1e-30)) / temperature);
  const max = Math.max(...logits);
  const w = logits.map((l) => Math.exp(l - max));
  let u = rng.nextFloat() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < w.length; i++) {
    u -= w[i] ?? 0;
    if (u < 0) return i;
  }
  return w.length - 1;
}

/** `n` characters generated one at a time from `seed`, each fed back into the window. */
export function generateChars(
  model: tf.LayersModel,
  vocab: CharVocab,
  seed: string,
  n: number,
  rng: Rng,
  temperature?: number,
): string {
  let window = seed;
  let out = '';
  const v = vocab.chars.length;
  const len = Array.from(seed).length;
  for (let i = 0; i < n; i++) {
    const probs = tf.tidy(() => {
      const x = tf.tensor3d(Float32Array.from(oneHotChars(window, vocab)), [1, len, v]);
      return (model.predict(x) as tf.Tensor).dataSync();
    });
    const c = vocab.indexToChar.get(nextCharIndex(probs, rng, temperature)) ?? '';
    out += c;
    window = Array.from(window).slice(1).join('') + c;
  }
  return out;
}

/** `tfgym example alice-char-rnn`. */
export const aliceCharRnnExample: ExampleDef = {
  name: 'alice-char-rnn',
  chapter: 6,
  script: 'alice_chargen_rnn.py',
  description: 'character-level SimpleRNN on Alice in Wonderland, generating text after each iteration',
  variants: VARIANTS,
  defaultVariant: 'default',
  defaults(variant) {
    checkVariant('alice-char-rnn', variant, VARIANTS);
    return { epochs: NUM_ITERATIONS * NUM_EPOCHS_PER_ITERATION, batchSize: BATCH_SIZE, optimizer: 'rmsprop' };
  },
  async run(o) {
    const variant = checkVariant('alice-char-rnn', o.variant, VARIANTS);
    const temperature = o.temperature;
    if (temperature !== undefined && !(temperature > 0))
      throw new ExampleArgumentError(`--temperature must be positive, got ${temperature}`);
    // One epoch per iteration, as the book: --epochs sets the number of iterations.
    const iterations = o.epochs ?? (o.quick ? 2 : NUM_ITERATIONS);
    const batchSize = o.batchSize ?? BATCH_SIZE;
    const numPreds = o.quick ? 20 : NUM_PREDS_PER_EPOCH;
    const rng = new Rng(o.seed);
    const modelRng = rng.fork();
    const genRng = rng.fork();

    // the text as one stream of characters, and the character vocabulary
    const file = ch6DataFile(o, 'alice-char-rnn', 'alice-in-wonderland', 'alice_in_wonderland.txt');
    o.log.write('Extracting text from input...\n');
    const text = aliceText(readText(file));
    const vocab = buildCharVocab(text);
    const nbChars = vocab.chars.length;

    // windows of SEQLEN characters and the character after each, one-hot
    o.log.write('Creating input and label text...\n');
    const windows = charWindows(o.quick ? Array.from(text).slice(0, QUICK_CHARS).join('') : text, SEQLEN, STEP);
    o.log.write('Vectorizing input and label text...\n');
    const oh = oneHotWindows(windows, vocab);
    o.log.write(`${text.length} characters, ${nbChars} distinct; ${windows.inputs.length} windows of ${SEQLEN}\n`);
    const X = tf.tensor3d(Float32Array.from(oh.x), [...oh.xShape]);
    const y = tf.tensor2d(Float32Array.from(oh.y), [...oh.yShape]);

    // the model: one SimpleRNN and a softmax over the characters
    const init = new SeededInit(modelRng.fork());
    const model = tf.sequential({ name: 'alice_chargen_rnn' });
    model.add(
      recurrent(
        'simpleRnn',
        { units: HIDDEN_SIZE, returnSequences: false, inputShape: [SEQLEN, nbChars] },
        init,
        modelRng.fork(),
      ),
    );
    model.add(tf.layers.dense({ units: nbChars, kernelInitializer: init.glorotUniform() }));
    model.add(tf.layers.activation({ activation: 'softmax' }));
    try {
      o.log.write(`${modelSummary(model)}\n`);
      model.compile({ optimizer: makeOptimizer('rmsprop'), loss: 'categoricalCrossentropy' });

      const losses: number[] = [];
      const samples: { iteration: number; seed: string; text: string }[] = [];
      const t0 = performance.now();
      for (let iteration = 0; iteration < iterations; iteration++) {
        o.log.write(`${'='.repeat(50)}\nIteration #: ${iteration}\n`);
        const h = await fit(model, X, y, {
          epochs: NUM_EPOCHS_PER_ITERATION,
          batchSize,
          rng,
          callbacks: [new ProgressLogger(o.log), ...(o.callbacks ?? [])],
        });
        const loss = h.history['loss']?.at(-1) ?? NaN;
        losses.push(loss);

        // generate from a random window of the text
        const seed = windows.inputs[genRng.nextInt(windows.inputs.length)] ?? '';
        const generated = generateChars(model, vocab, seed, numPreds, genRng, temperature);
        samples.push({ iteration, seed, text: generated });
        const elapsed = (performance.now() - t0) / 1000;
        const left = (elapsed / (iteration + 1)) * (iterations - iteration - 1);
        o.log.write(
          `Generating from seed: ${seed}\n${seed}${generated}\n` +
            `iteration ${iteration + 1}/${iterations} - loss: ${fmt(loss)} - ${formatDuration(elapsed * 1000)} - ETA: ${formatDuration(left * 1000)}\n`,
        );
      }
      const trainSeconds = (performance.now() - t0) / 1000;
      return {
        example: 'alice-char-rnn',
        variant,
        metrics: {
          trainLoss: losses.at(-1) ?? NaN,
          samples,
          trainSeconds: Math.round(trainSeconds * 10) / 10,
        },
        settings: {
          epochs: iterations * NUM_EPOCHS_PER_ITERATION,
          batchSize,
          optimizer: 'rmsprop',
          iterations,
          seqlen: SEQLEN,
          step: STEP,
          characters: nbChars,
          trainSamples: windows.inputs.length,
          generated: numPreds,
          sampling: temperature === undefined ? 'greedy' : `temperature ${temperature}`,
        },
        history: { loss: losses },
      };
    } finally {
      disposeModelAndOptimizer(model);
      tf.dispose([X, y]);
    }
  },
};
