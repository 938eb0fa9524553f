/**
 * The Chapter 4 `wavenet` example: its data preparation (fragments, split, baselines), seeded
 * generation, and `--quick` runs of both variants that write a WAV which decodes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baselines,
  fragmentStarts,
  generateLevels,
  loadClips,
  wavenetDefaultOut,
  WAVENET_SETTINGS,
} from '../../examples/ch4/wavenet.js';
import { ExampleArgumentError } from '../../examples/example.js';
import type { ResultLine } from '../../examples/results.js';
import { findExample } from '../../examples/index.js';
import { receptiveField, wavenet, WavenetGenerator } from '../../models/wavenet.js';
import { useBackend } from '../../src/backends/index.js';
import { DataNotFoundError } from '../../src/data/datasets.js';
import { decodeWav, listWavFiles, MU_LAW_LEVELS } from '../../src/data/wav.js';
import { Rng } from '../../src/rng/rng.js';
import { sharedDataset } from '../text/shared-data.js';
import { DATA, quickOptions } from './quick-run.js';

const CLIPS = join(DATA, 'ljspeech-sample', 'wavs');
const have = sharedDataset(CLIPS);
const tmp = mkdtempSync(join(tmpdir(), 'tfgym-wavenet-'));
beforeAll(async () => {
  await useBackend('auto');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const options = quickOptions;

const example = () => {
  const ex = findExample('wavenet');
  if (!ex) throw new Error('wavenet is not registered');
  return ex;
};

describe('wavenet data and generation', () => {
  it("fragment starts are Python's range(0, len - fragment_length, stride)", () => {
    expect(fragmentStarts(10, 4, 3)).toEqual([0, 3]);
    expect(fragmentStarts(11, 4, 3)).toEqual([0, 3, 6]);
    expect(fragmentStarts(4, 4, 1)).toEqual([]);
    // The book's sizes: 128 scored outputs plus the receptive field.
    expect(WAVENET_SETTINGS.book.fragmentLength - (receptiveField(WAVENET_SETTINGS.book.dilations) - 1)).toBe(128);
  });

  it('baselines: level-histogram cross-entropy and repeat accuracy on the scored targets', () => {
    const train = [{ name: 'a', levels: Uint8Array.from([5, 5, 5, 7]) }];
    const test = [{ name: 'b', levels: Uint8Array.from([5, 5, 7, 7, 7]) }];
    // One fragment of 4 from 0, skip 1: targets 7, 7, 7 after 5, 7, 7.
    const b = baselines(train, test, [{ clip: 0, start: 0 }], 4, 1);
    const total = 256 + 4; // add-one smoothing over 256 levels
    expect(b.unigramLoss).toBeCloseTo(-Math.log(2 / total), 10);
    expect(b.repeatAccuracy).toBeCloseTo(2 / 3, 10);
  });

  it.skipIf(!have)('clips load as mu-law levels at the new rate (LJ001-0002: 1.90 s)', () => {
    const files = listWavFiles(CLIPS);
    expect(files.map((f) => f.slice(-14))).toContain('LJ001-0002.wav');
    const [clip] = loadClips(
      files.filter((f) => f.endsWith('LJ001-0002.wav')),
      4000,
    );
    expect(clip?.levels.length).toBeGreaterThan(7500);
    expect(clip?.levels.length).toBeLessThan(7700);
    // Speech uses many levels, centred near silence (127 with basveeling's truncation).
    const levels = Array.from(clip?.levels ?? []);
    expect(new Set(levels).size).toBeGreaterThan(100);
    const mean = levels.reduce((a, q) => a + q, 0) / levels.length;
    expect(Math.abs(mean - 127.5)).toBeLessThan(8);
  });

  it('generation is seeded: the same seed repeats, another differs; progress is reported', () => {
    const model = wavenet({
      fragmentLength: null,
      bins: MU_LAW_LEVELS,
      filters: 4,
      dilations: [1, 2],
      rng: new Rng(1),
    });
    const gen = new WavenetGenerator(model);
    const primer = [127, 128, 130];
    const a = generateLevels(gen, primer, 300, new Rng(5), 1);
    const b = generateLevels(gen, primer, 300, new Rng(5), 1);
    const c = generateLevels(gen, primer, 300, new Rng(6), 1);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const progress: number[] = [];
    generateLevels(gen, primer, 25, new Rng(5), 1, (n) => progress.push(n), 10);
    expect(progress).toEqual([10, 20]);
    expect(() => generateLevels(gen, [], 3, new Rng(1), 1)).toThrow(RangeError);
    model.dispose();
  });
});

describe.skipIf(!have)('wavenet --quick', () => {
  it('small: trains a few steps without growing tensors, writes a WAV that decodes, repeats with its seed', async () => {
    const out = join(tmp, 'small.wav');
    const o = options('small', { out });
    const before = tf.memory().numTensors;
    const r = await example().run(o);
    expect(tf.memory().numTensors).toBe(before);
    expect(r).toMatchObject({ example: 'wavenet', variant: 'small' });
    expect(r.settings).toMatchObject({
      sampleRate: 4000,
      receptiveField: 17,
      fragmentLength: 48,
      scoredOutputs: 32,
      trainClips: 7,
      testClips: 'LJ001-0008.wav',
      optimizer: 'adam',
      temperature: 1,
    });
    const m = r.metrics as Record<string, number | string>;
    for (const k of ['trainLoss', 'testLoss', 'unigramTestLoss']) {
      expect(m[k]).toBeGreaterThan(0);
      expect(m[k]).toBeLessThan(10);
    }
    expect(m['testAccuracy']).toBeGreaterThanOrEqual(0);
    expect(m['testAccuracy']).toBeLessThanOrEqual(1);
    expect(r.history?.['val_loss']).toHaveLength(1);
    expect(m['samplePath']).toBe(out);
    const wav = decodeWav(readFileSync(out));
    expect(wav.sampleRate).toBe(4000);
    expect(wav.samples.length).toBe(200); // 0.05 s
    expect(wav.samples.every((s) => s >= -1 && s <= 1)).toBe(true);
    expect(o.text()).toMatch(/^Receptive field: 17 samples/m);
    expect(o.text()).toMatch(/^Epoch 1\/1 - .*val_loss: \d\.\d{4}/m);

    const again = await example().run(options('small', { out: join(tmp, 'again.wav') }));
    expect(again.metrics['testLoss']).toBe(m['testLoss']);
    expect(readFileSync(join(tmp, 'again.wav'))).toEqual(readFileSync(out));
  });

  it('book: the SGD-momentum variant at 4410 Hz, --seconds and --temperature, no tensors left', async () => {
    const out = join(tmp, 'book', 'x.wav');
    const before = tf.memory().numTensors;
    const r = await example().run(options('book', { out, seconds: 0.01, temperature: 0.5 }));
    expect(tf.memory().numTensors).toBe(before);
    expect(r.settings).toMatchObject({ sampleRate: 4410, optimizer: 'sgd', momentum: 0.9, nesterov: true });
    expect(r.settings).toMatchObject({ temperature: 0.5, seconds: 0.01 });
    expect(decodeWav(readFileSync(out)).samples.length).toBe(44);
  });

  it('bad arguments and missing data are one-line errors', async () => {
    await expect(example().run(options('huge'))).rejects.toThrow(/Choose one of: book, small/);
    await expect(example().run(options('small', { temperature: 0 }))).rejects.toThrow(ExampleArgumentError);
    await expect(example().run(options('small', { seconds: -1 }))).rejects.toThrow(/--seconds must be positive/);
    await expect(example().run(options('small', { dataDir: undefined }))).rejects.toThrow(/pass --data-dir/);
    const empty = join(tmp, 'empty');
    mkdirSync(join(empty, 'ljspeech-sample', 'wavs'), { recursive: true });
    await expect(example().run(options('small', { dataDir: empty }))).rejects.toThrow(DataNotFoundError);
    expect(wavenetDefaultOut('small', 3)).toBe(join('runs', 'wavenet', 'small-seed3.wav'));
  });
});

describe.skipIf(!have)('tfgym example wavenet (CLI)', () => {
  function tfgym(...args: string[]) {
    const r = spawnSync(process.execPath, ['bin/tfgym.js', ...args], {
      encoding: 'utf8',
      env: { ...process.env, TFGYM_BACKEND: '', TFGYM_DATA: '' },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('--json: the result line names the WAV written at --out; --seconds belongs to wavenet only', () => {
    const out = join(tmp, 'cli', 'gen.wav');
    const r = tfgym(
      'example',
      'wavenet',
      '--quick',
      '--json',
      '--data-dir',
      DATA,
      '--out',
      out,
      '--seconds',
      '0.02',
      '--temperature',
      '0.8',
    );
    expect(r.code).toBe(0);
    const line = JSON.parse(r.out.trim().split('\n').at(-1) ?? '') as ResultLine;
    expect(line).toMatchObject({ example: 'wavenet', variant: 'small', chapter: 4, quick: true });
    expect(line.metrics).toMatchObject({ samplePath: out, sampleSeconds: 0.02 });
    expect(line.settings).toMatchObject({ temperature: 0.8, seconds: 0.02 });
    expect(existsSync(out)).toBe(true);
    expect(decodeWav(readFileSync(out)).samples.length).toBe(80);
    const bad = tfgym('example', 'mnist-mlp', '--seconds', '2');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--seconds is an option of wavenet/);
  });
});
