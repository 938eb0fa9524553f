import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends/index.js';
import { loadBook } from '../../examples/book.js';
import { ExampleArgumentError, type ExampleOptions } from '../../examples/example.js';
import { EXAMPLES, findExample } from '../../examples/index.js';
import type { ResultLine } from '../../examples/results.js';
import { decodePng } from '../../src/data/png.js';
import { DATA, quickOptions } from './quick-run.js';

// Relative to the repo: CI clones the repo with shared/ beside it.
const tmp = mkdtempSync(join(tmpdir(), 'tfgym-example-'));
beforeAll(async () => {
  // The fastest backend present (native, else patched wasm, else cpu): conv gradients on the
  // pure-JS cpu backend take tens of seconds even for a handful of images.
  await useBackend('auto');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tfgym(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/tfgym.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TFGYM_BACKEND: '', TFGYM_DATA: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const options = quickOptions;

describe('tfgym example (CLI)', () => {
  it('list shows every example with its chapter, script and the book figures from results/book.json', () => {
    const r = tfgym('example', 'list');
    expect(r.code).toBe(0);
    for (const e of EXAMPLES) expect(r.out).toMatch(new RegExp(`^${e.name}\\s+ch${e.chapter} `, 'm'));
    const fig = (ex: string, v: string): string =>
      `${((loadBook().examples[ex]?.variants[v]?.figures[0]?.testAccuracy ?? NaN) * 100).toFixed(2)}%`;
    expect(r.out).toContain(`simple ${fig('mnist-mlp', 'simple')}`);
    expect(r.out).toContain(`adam ${fig('mnist-mlp', 'adam')}`);
    expect(r.out).toContain(`lenet ${fig('mnist-lenet', 'lenet')}`);
    expect(r.out).toContain('keras_VGG16_prebuilt.py');
  });

  it('unknown example / variant / data folder, a missing --model: exit 2 with one line naming the problem', () => {
    const a = tfgym('example', 'mnist-vae');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/Unknown example "mnist-vae"/);
    const b = tfgym('example', 'mnist-mlp', '--variant', 'v9', '--backend', 'cpu');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/Unknown variant "v9" for mnist-mlp \(--variant\)\. Choose one of: simple, hidden/);
    const c = tfgym('example', 'mnist-mlp', '--quick', '--data-dir', tmp, '--backend', 'cpu');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/train-images-idx3-ubyte.gz not found for mnist/);
    // ExampleArgumentError (an examples/ error) reaches the user as one line, exit 2.
    const d = tfgym('example', 'cifar10-predict', '--data-dir', DATA, '--backend', 'cpu');
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/^error: cifar10-predict needs --model DIR/m);
    for (const r of [a, b, c, d]) expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('--json prints the result line; --results appends it, one whole line per run', () => {
    const logdir = join(tmp, 'logs');
    const results = join(tmp, 'results', 'ch1.jsonl');
    const common = ['--quick', '--json', '--data-dir', DATA, '--backend', 'wasm', '--results', results];
    const r = tfgym('example', 'mnist-mlp', '--variant', 'adam', ...common, '--logdir', logdir);
    expect(r.code).toBe(0);
    const r2 = tfgym('example', 'mnist-mlp', '--variant', 'dropout', '--seed', '7', '--epochs', '2', ...common);
    expect(r2.code).toBe(0);
    expect(r.err).toMatch(/Epoch 1\/1/);

    const lines = readFileSync(results, 'utf8').split('\n');
    expect(lines).toHaveLength(3); // two lines, each ending with a newline
    expect(lines[2]).toBe('');
    const [a, b] = lines.slice(0, 2).map((l) => JSON.parse(l) as ResultLine);
    if (!a || !b) throw new Error('missing lines');
    // stdout is exactly the line appended.
    expect(JSON.parse(r.out)).toEqual(a);
    expect(JSON.parse(r2.out)).toEqual(b);

    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    let head = 'unknown';
    try {
      head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      // not a git checkout: the line must say "unknown"
    }
    expect(a).toMatchObject({
      example: 'mnist-mlp',
      variant: 'adam',
      chapter: 1,
      seed: 1671,
      epochs: 1,
      batchSize: 32,
      quick: true,
      backend: 'wasm',
      tfgymVersion: pkg.version,
      commit: head,
    });
    expect(b).toMatchObject({ variant: 'dropout', seed: 7, epochs: 2 });
    expect(a.command).toBe(`tfgym example mnist-mlp --variant adam ${common.join(' ')} --logdir ${logdir}`);
    expect(b.command).toContain('--seed 7 --epochs 2');
    for (const l of [a, b]) {
      expect(l.metrics.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(l.metrics.testAccuracy).toBeLessThanOrEqual(1);
      expect(typeof l.metrics.valAccuracy).toBe('number');
      expect(typeof l.metrics.testLoss).toBe('number');
      expect(l.settings).toMatchObject({
        optimizer: l.variant === 'adam' ? 'adam' : 'sgd',
        validationSplit: 0.2,
        trainSamples: 160,
        testSamples: 64,
      });
      expect(l.wallSeconds).toBeGreaterThan(0);
      expect(Math.abs(Date.now() - Date.parse(l.date))).toBeLessThan(10 * 60_000);
      expect(l.machine.cpus).toBeGreaterThan(0);
    }
    expect(b.history?.['val_acc']).toHaveLength(2);

    // --logdir: a TensorBoard events file and the CSV log.
    expect(readdirSync(logdir).some((f) => f.startsWith('events.out.tfevents.'))).toBe(true);
    expect(readFileSync(join(logdir, 'training.csv'), 'utf8')).toMatch(/^epoch,acc,loss,val_acc,val_loss\n0,/);
  });
});

describe('tfgym example (CLI): the Chapter 6 options', () => {
  it('--stateful and --cell name variants; the options of other examples are refused in one line', () => {
    const r = tfgym(
      'example',
      'electricity-lstm',
      '--stateful',
      '--quick',
      '--json',
      '--data-dir',
      DATA,
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(0);
    const line = JSON.parse(r.out) as ResultLine;
    expect(line).toMatchObject({ example: 'electricity-lstm', variant: 'stateful', chapter: 6, quick: true });
    expect(line.metrics['testRmse']).toBeGreaterThan(0);
    const a = tfgym('example', 'sentiment-lstm', '--cell', 'lstm', '--backend', 'cpu');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--cell is an option of pos-tagging/);
    const b = tfgym('example', 'pos-tagging', '--cell', 'rnn', '--backend', 'cpu');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/Unknown variant "rnn" for pos-tagging/);
    const c = tfgym('example', 'sentiment-lstm', '--quick', '--data-dir', tmp, '--backend', 'cpu');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/umich-sentiment-train.txt not found for sentiment-lstm in /);
    for (const x of [a, b, c]) expect(x.err).not.toMatch(/\n\s+at /);
  });
});

describe('tfgym example (CLI): the Chapter 7 picture options', () => {
  it('style-transfer takes --content/--style/--iterations and writes --out; other examples refuse them', () => {
    const out = join(tmp, 'cli-style.png');
    const r = tfgym(
      'example',
      'style-transfer',
      '--content',
      join(DATA, 'images', 'rocket.jpg'),
      '--style',
      join(DATA, 'images', 'starry-night-van-gogh.jpg'),
      '--iterations',
      '1',
      '--out',
      out,
      '--quick',
      '--json',
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.out) as ResultLine;
    expect(line).toMatchObject({ example: 'style-transfer', chapter: 7, quick: true });
    expect(line.settings).toMatchObject({ iterations: 1, content: join(DATA, 'images', 'rocket.jpg') });
    expect(decodePng(new Uint8Array(readFileSync(out))).width).toBe(32);
    const a = tfgym('example', 'deep-dream', '--content', 'x.png', '--backend', 'cpu');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--content is an option of style-transfer/);
    const b = tfgym('example', 'mnist-mlp', '--size', '64', '--backend', 'cpu');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--size is an option of deep-dream and style-transfer/);
    // Options only some examples read are refused elsewhere instead of being ignored.
    for (const [args, msg] of [
      [
        ['mnist-mlp', '--save', 'm'],
        /--save is an option of cifar10-cnn, mnist-dcgan, mnist-gan, cifar10-gan, wavenet/,
      ],
      [['mnist-mlp', '--model', 'm'], /--model is an option of cifar10-predict/],
      [['mnist-lenet', '--weights', 'w.json'], /--weights is an option of vgg16, vgg16-features, deep-dream/],
      [['style-transfer', '--image', 'x.png'], /--image is an option of vgg16, vgg16-features, cifar10-predict/],
      [['vgg16-features', '--labels', 'l.txt'], /--labels is an option of vgg16$/m],
      [['mnist-mlp', '--fractions', '1,0.5'], /--fractions is an option of mnist-lenet/],
      [['mnist-mlp', '--missing', 'mean'], /--missing is an option of air-quality-regression/],
      [['mnist-mlp', '--out', 'x'], /--out is an option of air-quality-regression, word2vec-skipgram/],
    ] as const) {
      const r = tfgym('example', ...args, '--backend', 'cpu');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    const c = tfgym('example', 'deep-dream', '--image', join(DATA, 'images', 'SOURCE.md'), '--backend', 'cpu');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/SOURCE.md: not a PNG or JPEG file/);
  });
});

describe('--seed drives initialisation, shuffling and dropout', () => {
  it('the same seed repeats a run exactly; another seed changes it', async () => {
    const ex = findExample('mnist-mlp');
    if (!ex) throw new Error('mnist-mlp');
    const run = (seed: number) => ex.run(options('dropout', { seed, epochs: 2 }));
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect(a.history).toEqual(b.history);
    expect(a.metrics).toMatchObject({ testAccuracy: b.metrics.testAccuracy, testLoss: b.metrics.testLoss });
    expect(c.history?.['loss']).not.toEqual(a.history?.['loss']);
  });
});

describe('example --quick smoke runs (in-process, no tensor leaks)', () => {
  const cases: Array<[string, string, Partial<ExampleOptions>?]> = [
    ['mnist-mlp', 'simple'],
    ['vgg16-features', 'default'],
    ['mnist-lenet', 'lenet'],
    ['mnist-lenet', 'shrinking', { fractions: [0.5] }],
    ['cifar10-cnn', 'simple', { save: join(tmp, 'cifar-simple') }],
    ['cifar10-cnn', 'deep-augmented'],
    ['cifar10-predict', 'default'],
    ['vgg16', 'default'],
    ['mnist-dcgan', 'default', { out: join(tmp, 'mnist-dcgan') }],
    ['mnist-gan', 'default', { out: join(tmp, 'mnist-gan') }],
    ['cifar10-gan', 'default', { out: join(tmp, 'cifar10-gan') }],
    ['wavenet', 'small', { out: join(tmp, 'wavenet', 'small.wav') }],
    ['word2vec-skipgram', 'alice', { out: join(tmp, 'w2v', 'vectors.txt') }],
    ['word2vec-skipgram', 'wikitext-2'],
    ['word2vec-cbow', 'alice'],
    ['word2vec-cbow', 'wikitext-2', { out: join(tmp, 'w2v', 'cbow.txt') }],
    // The word2vec variants read the vectors that the skip-gram case above wrote.
    ...['scratch', 'word2vec', 'glove', 'word2vec-frozen', 'glove-frozen', 'transfer-word2vec', 'transfer-glove'].map(
      (v): [string, string, Partial<ExampleOptions>] => [
        'sentiment-cnn',
        v,
        { vectors: join(tmp, 'w2v', 'vectors.txt') },
      ],
    ),
    ['alice-char-rnn', 'default', { temperature: 0.5 }],
    ['sentiment-lstm', 'default'],
    ['pos-tagging', 'gru'],
    ['pos-tagging', 'lstm'],
    ['pos-tagging', 'bilstm'],
    ['electricity-lstm', 'stateless'],
    ['electricity-lstm', 'stateful'],
    ['functional-api', 'default'],
    ['air-quality-regression', 'default', { out: join(tmp, 'air-quality', 'predictions.csv') }],
    ['sentence-autoencoder', 'default', { out: join(tmp, 'autoencoder', 'cosine.svg') }],
    ['babi-memnet', '1k'],
    ['babi-memnet', '10k'],
    ['babi-memnet', '1k-whole-story'],
    ['babi-memnet', '10k-whole-story'],
    ['custom-layers', 'default'],
    ['deep-dream', 'default', { out: join(tmp, 'dream', 'grid.png'), iterations: 1 }],
    ['style-transfer', 'default', { out: join(tmp, 'style', 'result.png'), iterations: 1 }],
  ];
  it('covers every example', () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(EXAMPLES.map((e) => e.name)));
  });
  for (const [name, variant, extra] of cases) {
    it(`${name} --variant ${variant}`, async () => {
      const ex = findExample(name);
      if (!ex) throw new Error(name);
      const o = options(variant, extra);
      const before = tf.memory().numTensors;
      const r = await ex.run(o);
      expect(tf.memory().numTensors).toBe(before);
      expect(r.example).toBe(name);
      expect(r.variant).toBe(variant);
      if (name === 'vgg16') {
        expect(r.metrics['params']).toBe(138357544);
        for (const layer of ['input_1', 'block1_conv1', 'block5_pool', 'predictions'])
          expect(o.text()).toContain(`${layer} (`);
      } else if (name === 'vgg16-features') {
        // Quick: a headless VGG16 on a 32x32 image; block4_pool halves it four times.
        expect(r.metrics['features']).toMatchObject({ image: 'chelsea-cat.png', shape: [1, 2, 2, 512] });
        expect(o.text()).toMatch(/^\d+ block4_pool \(None, 2, 2, 512\)$/m);
      } else if (name === 'alice-char-rnn') {
        // Quick: 2 iterations of one epoch, 20 characters sampled after each.
        expect(r.history?.['loss']).toHaveLength(2);
        const samples = r.metrics['samples'] as Array<{ seed: string; text: string }>;
        expect(samples).toHaveLength(2);
        for (const s of samples) {
          expect(s.seed).toHaveLength(10);
          expect(s.text).toMatch(/^[\x20-\x7e]{20}$/);
        }
        expect(r.settings).toMatchObject({ characters: 42, sampling: 'temperature 0.5' });
        expect(o.text()).toMatch(/^Iteration #: 1$/m);
      } else if (name === 'electricity-lstm') {
        const m = r.metrics as Record<string, number>;
        expect(m['testRmse']).toBeCloseTo(Math.sqrt(m['testMse'] ?? NaN), 6);
        expect(m['persistenceRmse']).toBeGreaterThan(0);
        // Stateful: whole batches of 96 (quick: two to train, one to test).
        if (variant === 'stateful') expect(r.settings).toMatchObject({ trainSamples: 192, testSamples: 96 });
        expect(o.text()).toMatch(/^MSE: \d\.\d{3}, RMSE: \d\.\d{3}/m);
      } else if (name.endsWith('gan')) {
        // Quick: two batches of 16; a grid of the batch (4 x 4) after each for mnist-dcgan, one of
        // 4 x 4 samples (10 x 10 in full runs) at the epoch's end for the keras-adversarial ones.
        const m = r.metrics as Record<string, unknown>;
        const final = m['finalLoss'] as { generator: number; discriminator: number };
        for (const v of [final.generator, final.discriminator]) expect(Number.isFinite(v)).toBe(true);
        expect(m).toMatchObject({ generatorLoss: final.generator, discriminatorLoss: final.discriminator });
        const png = decodePng(new Uint8Array(readFileSync(String(m['lastSample']))));
        const side = { 'mnist-dcgan': 4 * 28, 'mnist-gan': 4 * 28, 'cifar10-gan': 4 * 32 }[name];
        expect([png.width, png.height]).toEqual([side, side]);
        expect(m['sampleCount']).toBe(name === 'mnist-dcgan' ? 2 : 1);
        const csv = readFileSync(String(m['lossHistory']), 'utf8').split('\n');
        expect(csv[0]).toBe(
          name === 'mnist-dcgan'
            ? 'epoch,batch,d_loss,g_loss'
            : 'epoch,loss,generator_loss,generator_yfake_loss,generator_yreal_loss,discriminator_loss,' +
                'discriminator_yfake_loss,discriminator_yreal_loss,val_loss,val_generator_loss,' +
                'val_generator_yfake_loss,val_generator_yreal_loss,val_discriminator_loss,' +
                'val_discriminator_yfake_loss,val_discriminator_yreal_loss',
        );
        expect(csv).toHaveLength(name === 'mnist-dcgan' ? 4 : 3); // header, rows, final newline
        expect(r.settings).toMatchObject({ trainSamples: 32, batchSize: 16, epochs: 1 });
      } else if (name === 'functional-api' || name === 'custom-layers') {
        expect(r.metrics['checksPassed']).toBe(r.metrics['checks']);
      } else if (name === 'deep-dream' || name === 'style-transfer') {
        // Pictures, no score: the PNG is written and decodes (test/examples/ch7-art.test.ts checks more).
        const png = decodePng(new Uint8Array(readFileSync(extra?.out ?? '')));
        expect(png.width).toBeGreaterThanOrEqual(32);
        expect(r.metrics['features']).toBe('random-lsuv');
      } else if (name === 'air-quality-regression') {
        for (const k of ['trainMse', 'valMse', 'testMse']) expect(Number.isFinite(r.metrics[k])).toBe(true);
      } else if (name === 'sentence-autoencoder') {
        expect(Number.isFinite(r.metrics.trainLoss)).toBe(true);
        expect(r.metrics['cosine']).toMatchObject({ count: 32 });
      } else if (name.startsWith('word2vec-')) {
        expect(Number.isFinite(r.metrics.trainLoss)).toBe(true);
        expect(r.settings).toMatchObject({ vocabularySize: 5000, embedSize: 300, windowSize: 1, trainSamples: 160 });
        const sims = r.metrics['similarities'] as Record<string, number | null>;
        expect(Object.keys(sims)).toEqual(['girl-woman', 'girl-man', 'girl-car', 'bus-car']);
        // Alice has no car and no bus: reported as absent, not guessed.
        if (variant === 'alice') expect(sims['bus-car']).toBeNull();
        expect(o.text()).toMatch(/^woman => \S+ -?\d\.\d{3}/m);
        if (extra?.out !== undefined) {
          const head = readFileSync(extra.out, 'utf8').split('\n', 2);
          expect(head[0]).toMatch(/^\d+ 300$/);
          expect(head[1]?.split(' ')).toHaveLength(301);
        }
      } else if (variant === 'shrinking') {
        const rows = r.metrics['rows'] as Array<{ lenet: number; mlp: number }>;
        expect(rows).toHaveLength(1);
        for (const row of rows) for (const acc of [row.lenet, row.mlp]) expect(acc).toBeGreaterThanOrEqual(0);
      } else {
        expect(r.metrics.testAccuracy).toBeGreaterThanOrEqual(0);
        expect(r.metrics.testAccuracy).toBeLessThanOrEqual(1);
      }
      if (name === 'cifar10-predict') expect(o.text()).toMatch(/chelsea-cat.png\s+\w+/);
      if (name === 'pos-tagging') {
        for (const k of ['tokenAccuracy', 'baselineAccuracy'] as const) {
          expect(r.metrics[k]).toBeGreaterThanOrEqual(0);
          expect(r.metrics[k]).toBeLessThanOrEqual(1);
        }
        expect(r.settings).toMatchObject({ tags: 46, maxlen: 250 });
      }
      if (name === 'sentiment-lstm') expect(r.settings).toMatchObject({ vocabularySize: 2002, maxlen: 40 });
      if (name === 'sentiment-cnn') {
        const trainable = !variant.endsWith('-frozen') && !variant.startsWith('transfer-');
        expect(r.settings).toMatchObject({ maxlen: 42, trainable });
        if (variant !== 'scratch') expect(r.metrics['vectorCoverage']).toBeGreaterThan(0);
        // The shipped GloVe sample: 100 words, of which 93 occur in the UMich sentences.
        if (variant.includes('glove')) expect(r.metrics['wordsCovered']).toBe(93);
      }
    });
  }

  it('cifar10-predict loads the model saved by cifar10-cnn --save', async () => {
    const ex = findExample('cifar10-predict');
    const r = await ex?.run(options('default', { model: join(tmp, 'cifar-simple'), quick: true }));
    expect(r?.settings['model']).toBe(join(tmp, 'cifar-simple'));
  });

  it('an unknown variant is an ExampleArgumentError naming the choices', async () => {
    const ex = findExample('cifar10-cnn');
    await expect(ex?.run(options('huge'))).rejects.toThrow(ExampleArgumentError);
    await expect(ex?.run(options('huge'))).rejects.toThrow(/Choose one of: simple, deep, deep-augmented/);
  });
});
