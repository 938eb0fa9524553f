/**
 * Chapter 4's GAN examples beyond their `--quick` smoke runs (test/examples/example.test.ts):
 * the result line of `--json`, `--sample-every`, seeded repeatability, and argument errors. Uses
 * mnist-dcgan, the cheapest of the three; they share the options and the file writing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outDir } from '../../examples/ch4/common.js';
import { ExampleArgumentError, type ExampleOptions } from '../../examples/example.js';
import { findExample } from '../../examples/index.js';
import type { ResultLine } from '../../examples/results.js';
import { useBackend } from '../../src/backends/index.js';
import { decodePng } from '../../src/data/png.js';

const DATA = '../shared/datasets';
const tmp = mkdtempSync(join(tmpdir(), 'tfgym-ch4-'));
beforeAll(async () => {
  await useBackend('auto');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function options(extra: Partial<ExampleOptions> = {}): ExampleOptions {
  return {
    variant: 'default',
    quick: true,
    seed: 1,
    dataDir: DATA,
    log: { write: () => undefined, isTTY: false },
    ...extra,
  };
}

async function dcgan(extra: Partial<ExampleOptions>) {
  const ex = findExample('mnist-dcgan');
  if (!ex) throw new Error('mnist-dcgan');
  const before = tf.memory().numTensors;
  const r = await ex.run(options(extra));
  expect(tf.memory().numTensors).toBe(before);
  return r;
}

describe('tfgym example mnist-dcgan (CLI)', () => {
  it('--json: the result line holds both final losses and the samples; --sample-every is refused elsewhere', () => {
    const out = join(tmp, 'cli');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/tfgym.js', 'example', ...args], {
        encoding: 'utf8',
        env: { ...process.env, TFGYM_BACKEND: '', TFGYM_DATA: '' },
      });
    const r = cli('mnist-dcgan', '--quick', '--json', '--data-dir', DATA, '--out', out, '--sample-every', '2');
    expect(r.status).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as ResultLine;
    expect(line).toMatchObject({ example: 'mnist-dcgan', chapter: 4, quick: true, epochs: 1, batchSize: 16 });
    const m = line.metrics as Record<string, unknown>;
    const final = m['finalLoss'] as { generator: number; discriminator: number };
    expect(final.generator).toBeGreaterThan(0);
    expect(final.discriminator).toBeGreaterThan(0);
    expect(m['generatorLoss']).toBe(final.generator);
    // --sample-every 2 over two batches: the grid of batch 0 only.
    expect(m).toMatchObject({ samplesDir: out, sampleCount: 1, lastSample: join(out, '0_0.png') });
    expect(existsSync(join(out, '0_0.png'))).toBe(true);
    expect(r.stderr).toMatch(/^Epoch 1\/1 - batch 2\/2 - d_loss: \d\.\d{4} - g_loss: \d\.\d{4} - /m);

    const other = cli('mnist-mlp', '--sample-every', '5', '--backend', 'cpu');
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/--sample-every is an option of mnist-dcgan, mnist-gan, cifar10-gan/);
    const zero = cli('mnist-dcgan', '--sample-every', '0', '--backend', 'cpu');
    expect(zero.status).toBe(2);
    const logdir = cli('mnist-gan', '--logdir', join(tmp, 'logs'), '--backend', 'cpu');
    expect(logdir.status).toBe(2);
    expect(logdir.stderr).toMatch(/--logdir does not apply to mnist-gan: its losses go to a CSV file under --out/);
    for (const x of [other, zero, logdir]) expect(x.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('mnist-dcgan', () => {
  it('repeats exactly for a seed (losses and pictures); another seed differs', async () => {
    const [a, b, c] = [
      await dcgan({ seed: 3, out: join(tmp, 'a') }),
      await dcgan({ seed: 3, out: join(tmp, 'b') }),
      await dcgan({ seed: 4, out: join(tmp, 'c') }),
    ];
    expect(a.history).toEqual(b.history);
    expect(readFileSync(join(tmp, 'a', '0_1.png')).equals(readFileSync(join(tmp, 'b', '0_1.png')))).toBe(true);
    expect(readFileSync(join(tmp, 'a', 'losses.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'b', 'losses.csv'), 'utf8'));
    expect(c.history?.['d_loss']).not.toEqual(a.history?.['d_loss']);
    // The grid of a batch of 16 generated 28x28 digits: 4 x 4.
    const png = decodePng(new Uint8Array(readFileSync(join(tmp, 'a', '0_0.png'))));
    expect([png.width, png.height]).toEqual([112, 112]);
    expect(readdirSync(join(tmp, 'a')).sort()).toEqual(['0_0.png', '0_1.png', 'losses.csv']);
  });

  it('writes under runs/NAME/seed-S without --out, so the seeds keep their own pictures', () => {
    expect(outDir(options({ seed: 7 }), 'mnist-dcgan')).toBe(join('runs', 'mnist-dcgan', 'seed-7'));
    expect(outDir(options({ seed: 7, out: 'x' }), 'mnist-dcgan')).toBe('x');
  });

  it('refuses a bad --sample-every and a batch larger than the training images', async () => {
    const ex = findExample('mnist-dcgan');
    await expect(ex?.run(options({ sampleEvery: 0 }))).rejects.toThrow(ExampleArgumentError);
    await expect(ex?.run(options({ sampleEvery: 1.5 }))).rejects.toThrow(/--sample-every must be a positive/);
    await expect(ex?.run(options({ batchSize: 64, out: join(tmp, 'big') }))).rejects.toThrow(
      /--batch-size 64 is larger than the 32 training images/,
    );
    await expect(ex?.run(options({ variant: 'wgan' }))).rejects.toThrow(/Unknown variant "wgan" for mnist-dcgan/);
  });
});
