import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookFrame } from '../../examples/ch7/air-quality-regression.js';
import type { ExampleOptions } from '../../examples/example.js';
import { findExample } from '../../examples/index.js';
import { useBackend } from '../../src/backends/index.js';

const DATA = '../shared/datasets';
const tmp = mkdtempSync(join(tmpdir(), 'tfgym-ch7-'));
beforeAll(async () => {
  await useBackend('auto');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function options(extra: Partial<ExampleOptions> = {}): ExampleOptions & { text: () => string } {
  let text = '';
  return {
    variant: 'default',
    quick: true,
    seed: 1,
    dataDir: DATA,
    log: { write: (s: string) => void (text += s), isTTY: false },
    text: () => text,
    ...extra,
  };
}

async function run(name: string, extra: Partial<ExampleOptions> = {}) {
  const ex = findExample(name);
  if (!ex) throw new Error(name);
  const o = options(extra);
  const before = tf.memory().numTensors;
  const r = await ex.run(o);
  expect(tf.memory().numTensors).toBe(before);
  return { r, text: o.text() };
}

describe('chapter 7 examples', () => {
  it('functional-api: Sequential = functional, two in/out, shared layer once, TimeDistributed(model)', async () => {
    const { r, text } = await run('functional-api');
    expect(r.metrics).toMatchObject({
      sequentialParams: 25450,
      functionalParams: 25450,
      sameParamCount: true,
      samePredictions: true,
      multiInputs: 2,
      multiOutputs: 2,
      multiParams: 50900,
      sharedLayerUses: 2,
      sharedParams: 25780,
      sharedWeightsCountedOnce: true,
      sharedSameOutputs: true,
      timeDistributedMatches: true,
      checksPassed: 6,
    });
    expect(text).toContain('TimeDistributed(model): output (None, 3, 10)');
  });

  it('custom-layers: test_layer on Dropout, ZeroPadding2D, Reshape, LRN; distance; save/load', async () => {
    const { r } = await run('custom-layers');
    expect(r.metrics).toMatchObject({
      testLayerDropout: true,
      testLayerZeroPadding2D: true,
      testLayerReshape: true,
      testLayerLrn: true,
      euclideanDistance: true,
      saveLoad: true,
      checksPassed: 6,
    });
  });

  it("air-quality-regression --quick: MSEs, the book's table, CSV and SVG at --out", async () => {
    const out = join(tmp, 'aq', 'pred.csv');
    const { r, text } = await run('air-quality-regression', { out });
    for (const k of ['trainMse', 'valMse', 'testMse']) expect(Number.isFinite(r.metrics[k])).toBe(true);
    expect(r.settings).toMatchObject({ missing: 'book', trainSamples: 156, testSamples: 68, batchSize: 10 });
    expect(text.match(/^Benzene Conc\. expected: \d+\.\d{3}, predicted: -?\d+\.\d{3}$/gm)).toHaveLength(10);
    expect(text).toMatch(/Epoch 1\/1.*loss: .* - val_loss: /);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('index,expected,predicted');
    const svg = readFileSync(join(tmp, 'aq', 'pred.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
  });

  it("air-quality data as the book's script has it: 9,471 rows, -200 kept or mean-filled", () => {
    const book = bookFrame(DATA, 'book');
    expect(book.rows).toBe(9471);
    expect(book.cols).toBe(13);
    // the 114 blank rows are column means (over the records, -200 included)
    const c6h6 = Array.from({ length: 9357 }, (_, r) => book.values[r * 13 + 3] ?? NaN);
    const mean = c6h6.reduce((a, v) => a + v, 0) / 9357;
    expect(book.values[9400 * 13 + 3]).toBeCloseTo(mean, 10);
    expect(mean).toBeCloseTo(1.8657, 4);
    expect(c6h6.filter((v) => v === -200)).toHaveLength(366);
    const filled = bookFrame(DATA, 'mean');
    expect(Array.from(filled.values).includes(-200)).toBe(false);
  });

  it('air-quality-regression refuses an unknown --missing', async () => {
    const ex = findExample('air-quality-regression');
    await expect(ex?.run(options({ missing: 'zero' }))).rejects.toThrow(/Unknown --missing "zero".*book, mean/);
  });
});
