/**
 * Chapter 4's GAN examples beyond their `--quick` smoke runs (test/examples/example.test.ts):
 * the result line of `--json`, `--sample-every`, seeded repeatability, and argument errors. Uses
 * mnist-dcgan, the cheapest of the three; they share the options and the file writing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outDir } from '../../examples/ch4/common.js';
import { dropoutStreams, GAN_CHECKPOINT_FILE } from '../../examples/ch4/gan-checkpoint.js';
import { convGanDiscriminator, convGanGenerator } from '../../models/gan.js';
import { Rng } from '../../src/rng/rng.js';
import { ExampleArgumentError, ExampleInterrupted, type ExampleOptions } from '../../examples/example.js';
import { CheckpointError } from '../../src/io/errors.js';
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

/** A log that fires the returned signal (Ctrl-C, as the CLI's) once a progress line starts with `line`. */
function stopAt(line: string): { signal: AbortSignal; log: ExampleOptions['log'] } {
  const stop = new AbortController();
  const write = (s: string): void => {
    if (s.startsWith(line)) stop.abort();
  };
  return { signal: stop.signal, log: { write, isTTY: false } };
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
    const resume = cli('mnist-mlp', '--resume', '--backend', 'cpu');
    expect(resume.status).toBe(2);
    expect(resume.stderr).toMatch(
      /--resume is an option of mnist-dcgan, mnist-gan, cifar10-gan \(the examples that keep checkpoints\)/,
    );
    // wavenet is no GAN: it takes --logdir and refuses --sample-every.
    const wavenet = cli('wavenet', '--sample-every', '3', '--backend', 'cpu');
    expect(wavenet.status).toBe(2);
    expect(wavenet.stderr).toMatch(/--sample-every is an option of mnist-dcgan, mnist-gan, cifar10-gan$/m);
    for (const x of [other, zero, logdir, resume, wavenet]) expect(x.stderr).not.toMatch(/\n\s+at /);
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
    expect(readdirSync(join(tmp, 'a')).sort()).toEqual(['0_0.png', '0_1.png', 'checkpoint.bin', 'losses.csv']);
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

  it('an interrupted run resumes exactly: the same losses, pictures and history as a run never stopped', async () => {
    const a = await dcgan({ epochs: 3, out: join(tmp, 'whole') });
    const out = join(tmp, 'parts');
    // Stop while epoch 2 is under way: the abort lands after its first batch, so the run stops between two batches.
    const { signal, log } = stopAt('Epoch 2/3 - batch 1/2');
    const provenance = { commit: 'part001', dirty: false };
    await expect(dcgan({ epochs: 3, out, signal, log, provenance })).rejects.toThrow(ExampleInterrupted);
    await expect(dcgan({ epochs: 3, out })).rejects.toThrow(
      /holds the checkpoint of an unfinished run: continue it with --resume/,
    );
    await expect(dcgan({ epochs: 4, out, resume: true })).rejects.toThrow(
      /--resume: the checkpoint .* is of a run with other settings: epochs 3 \(now 4\)/,
    );
    let text = '';
    const b = await dcgan({ epochs: 3, out, resume: true, log: { write: (s) => void (text += s), isTTY: false } });
    expect(text).toMatch(/^resumed from .*checkpoint\.bin: continuing at epoch 2, batch 2$/m);
    expect(b.history).toEqual(a.history);
    expect(b.metrics).toMatchObject({ generatorLoss: a.metrics['generatorLoss'], sampleCount: 6 });
    expect(readFileSync(join(out, 'losses.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'whole', 'losses.csv'), 'utf8'));
    for (const png of ['1_1.png', '2_0.png', '2_1.png'])
      expect(readFileSync(join(out, png)).equals(readFileSync(join(tmp, 'whole', png)))).toBe(true);
    expect(b.earlierSegments).toHaveLength(1);
    expect(b.earlierSegments?.[0]).toMatchObject({ commit: 'part001', dirty: false });
    expect(a.earlierSegments).toBeUndefined();
    // A finished run is not resumed, and a new one may overwrite it.
    await expect(dcgan({ epochs: 3, out, resume: true })).rejects.toThrow(
      /--resume: the run in .* has finished \(3 epochs\)/,
    );
    await dcgan({ epochs: 1, out });
  });

  it('refuses --resume without a checkpoint, and a checkpoint that is not one', async () => {
    const out = join(tmp, 'none');
    await expect(dcgan({ out, resume: true })).rejects.toThrow(/--resume: no checkpoint at .*checkpoint\.bin/);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, GAN_CHECKPOINT_FILE), 'not a checkpoint');
    await expect(dcgan({ out, resume: true })).rejects.toThrow(CheckpointError);
    await expect(dcgan({ out, resume: true })).rejects.toThrow(/is not a tfgym GAN checkpoint/);
    // The right magic line, then a header that is not JSON.
    const header = Buffer.from('{not json');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.byteLength);
    writeFileSync(
      join(out, GAN_CHECKPOINT_FILE),
      Buffer.concat([Buffer.from('tfgym GAN checkpoint v1\n'), length, header]),
    );
    await expect(dcgan({ out, resume: true })).rejects.toThrow(/is corrupt \(its header is not valid JSON\)/);
  });
});

describe('mnist-gan (keras-adversarial fit) checkpoints', () => {
  it('names every dropout stream of the discriminator', () => {
    const streams = dropoutStreams({
      d: convGanDiscriminator({ rng: new Rng(1) }),
      g: convGanGenerator({ rng: new Rng(2) }),
    });
    expect(Object.keys(streams)).toEqual(['dropout-d-0', 'dropout-d-1', 'dropout-d-2']);
  });

  it('an interrupted run resumes exactly: shuffled order, dropout masks, latents and Adam state continue', async () => {
    const ex = findExample('mnist-gan');
    if (!ex) throw new Error('mnist-gan');
    const run = async (extra: Partial<ExampleOptions>) => {
      const before = tf.memory().numTensors;
      try {
        return await ex.run(options({ epochs: 2, ...extra }));
      } finally {
        expect(tf.memory().numTensors).toBe(before);
      }
    };
    const a = await run({ out: join(tmp, 'gan-whole') });
    const out = join(tmp, 'gan-parts');
    const { signal, log } = stopAt('Epoch 2/2 - batch 1/2');
    await expect(run({ out, signal, log })).rejects.toThrow(/interrupted before batch 2 of epoch 2/);
    const b = await run({ out, resume: true });
    expect(b.history).toEqual(a.history);
    expect(readFileSync(join(out, 'history.csv'), 'utf8')).toBe(
      readFileSync(join(tmp, 'gan-whole', 'history.csv'), 'utf8'),
    );
    expect(readFileSync(join(out, 'epoch-001.png')).equals(readFileSync(join(tmp, 'gan-whole', 'epoch-001.png')))).toBe(
      true,
    );
    expect(b.earlierSegments).toHaveLength(1);
  });
});
