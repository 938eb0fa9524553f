import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends/index.js';
import type { ExampleOptions } from '../../examples/common.js';
import { EXAMPLES, findExample } from '../../examples/index.js';

// Relative to the repo: CI clones the repo with shared/ beside it.
const DATA = '../shared/datasets';
const tmp = mkdtempSync(join(tmpdir(), 'tfgym-example-'));
let backend = 'cpu';

beforeAll(async () => {
  // The fastest backend present (native, else patched wasm, else cpu): conv gradients on the
  // pure-JS cpu backend take tens of seconds even for a handful of images.
  backend = (await useBackend('auto')).name;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tfgym(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/tfgym.js', ...args], { encoding: 'utf8', env: { ...process.env, TFGYM_BACKEND: '', TFGYM_DATA: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function options(variant: string, extra: Partial<ExampleOptions> = {}): ExampleOptions & { text: () => string } {
  let text = '';
  return { variant, quick: true, seed: 1, backend, dataDir: DATA, log: { write: (s) => void (text += s), isTTY: false }, text: () => text, ...extra };
}

describe('tfgym example (CLI)', () => {
  it('list shows every example with its chapter and the book figures', () => {
    const r = tfgym('example', 'list');
    expect(r.code).toBe(0);
    for (const name of ['mnist-mlp', 'mnist-lenet', 'cifar10-cnn', 'cifar10-predict', 'vgg16']) expect(r.out).toContain(name);
    expect(r.out).toMatch(/simple 92\.22%.*adam 97\.93%/);
    expect(r.out).toMatch(/lenet 99\.20%/);
  });

  it('unknown example / variant / data folder exit 2 with one line naming the problem', () => {
    const a = tfgym('example', 'mnist-gan');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/Unknown example "mnist-gan"/);
    const c = tfgym('example', 'mnist-mlp', '--quick', '--data-dir', tmp, '--backend', 'cpu');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/train-images-idx3-ubyte.gz not found for mnist/);
    expect(c.err).not.toMatch(/\n\s+at /);
  });

  it('--json prints exactly one result object on stdout', () => {
    const logdir = join(tmp, 'logs');
    const r = tfgym('example', 'mnist-mlp', '--variant', 'adam', '--quick', '--json', '--data-dir', DATA, '--backend', 'wasm', '--logdir', logdir);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { example: string; variant: string; metrics: { testAccuracy: number }; book: { testAccuracy: number; chapter: number } };
    expect(j.example).toBe('mnist-mlp');
    expect(j.variant).toBe('adam');
    expect(j.metrics.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(j.book).toMatchObject({ testAccuracy: 0.9793, chapter: 1 });
    expect(r.err).toMatch(/Epoch 1\/1/);
    // --logdir: a TensorBoard events file and the CSV log.
    expect(readdirSync(logdir).some((f) => f.startsWith('events.out.tfevents.'))).toBe(true);
    expect(readFileSync(join(logdir, 'training.csv'), 'utf8')).toMatch(/^epoch,acc,loss,val_acc,val_loss\n0,/);
  });
});

describe('example --quick smoke runs (in-process, no tensor leaks)', () => {
  const cases: Array<[string, string, Partial<ExampleOptions>?]> = [
    ['mnist-mlp', 'simple'],
    ['mnist-lenet', 'lenet'],
    ['mnist-lenet', 'shrinking', { fractions: [0.5] }],
    ['cifar10-cnn', 'simple', { save: join(tmp, 'cifar-simple') }],
    ['cifar10-cnn', 'deep-augmented'],
    ['cifar10-predict', 'default'],
    ['vgg16', 'default'],
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
      expect(r.book.chapter).toBe(ex.chapter);
      if (name === 'vgg16') {
        expect(r.metrics['params']).toBe(138357544);
        // Keras' layer names, so converted Keras weights load by name.
        for (const layer of ['input_1', 'block1_conv1', 'block3_conv3', 'block5_pool', 'flatten', 'fc1', 'fc2', 'predictions']) expect(o.text()).toContain(`${layer} (`);
      } else {
        expect(r.metrics.testAccuracy).toBeGreaterThanOrEqual(0);
        expect(r.metrics.testAccuracy).toBeLessThanOrEqual(1);
      }
      if (name === 'cifar10-predict') expect(o.text()).toMatch(/chelsea-cat.png\s+\w+/);
    });
  }

  it('cifar10-predict loads the model saved by cifar10-cnn --save', async () => {
    const ex = findExample('cifar10-predict');
    const r = await ex?.run(options('default', { model: join(tmp, 'cifar-simple'), quick: true }));
    expect(r?.settings['model']).toBe(join(tmp, 'cifar-simple'));
  });
});
