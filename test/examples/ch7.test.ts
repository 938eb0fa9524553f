import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookFrame } from '../../examples/ch7/air-quality-regression.js';
import {
  NUM,
  documentText,
  isNumberToken,
  rowCosines,
  sentenceEmbeddings,
  sentenceTokens,
} from '../../examples/ch7/sentence-autoencoder.js';
import type { ExampleOptions } from '../../examples/example.js';
import { findExample } from '../../examples/index.js';
import { DATA, quickOptions, runQuick } from './quick-run.js';
import { useBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';
import { WordVectors } from '../../src/text/embeddings.js';
import { parseReutersSgml } from '../../src/text/reuters.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfgym-ch7-'));
beforeAll(async () => {
  await useBackend('auto');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const options = (extra: Partial<ExampleOptions> = {}) => quickOptions('default', extra);
const run = runQuick;

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

  it("babi-memnet --quick: the book's two-statement stories, the test file, the first 10 predictions", async () => {
    const { r, text } = await run('babi-memnet', { variant: '1k' });
    expect(r.metrics.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(r.metrics.testAccuracy).toBeLessThanOrEqual(1);
    // 708 of the 1,000 test questions have their supporting statement in the book's window
    expect(r.metrics['supportedFraction']).toBe(0.708);
    expect(r.settings).toMatchObject({
      trainSamples: 160,
      testSamples: 64,
      dataSet: 'en',
      story: 'since-last-question',
      // PAD + 21 words: 4 names, 5 verbs, to, the, 6 places, where, is, '.', '?'
      vocabularySize: 22,
      storyMaxlen: 14,
      questionMaxlen: 4,
      optimizer: 'rmsprop',
      batchSize: 32,
    });
    expect(text).toContain('qa1_single-supporting-fact_test.txt');
    expect(text).toContain("the book's get_data reads the training file for both sets");
    expect(text).toMatch(/Epoch 1\/1.*loss: .* - acc: .* - val_loss: .* - val_acc: /);
    expect(text).toContain('story\tquestion\tanswer\tprediction\n');
    // story (two sentences), question, answer, prediction
    const rows = text.match(/^[a-z ]+ \. [a-z ]+ \.\twhere is [a-z]+ \?\t[a-z]+\t[a-z]+$/gm) ?? [];
    expect(rows).toHaveLength(10);
  });

  it('babi-memnet whole-story and 10k variants: longer stories that always hold the answer; the 10k file', async () => {
    const whole = await run('babi-memnet', { variant: '1k-whole-story' });
    expect(whole.r.metrics['supportedFraction']).toBe(1);
    expect(whole.r.settings['storyMaxlen']).toBeGreaterThan(14);
    expect(whole.r.settings['story']).toBe('whole-story');
    const big = await run('babi-memnet', { variant: '10k' });
    expect(big.r.settings).toMatchObject({ dataSet: 'en-10k', trainSamples: 160, vocabularySize: 22 });
    expect(big.text).toContain('10000 training and 1000 test questions (en-10k)');
  });

  it("sentence-autoencoder text: the book's document text, number tokens, word vectors, cosines", () => {
    const [doc] = parseReutersSgml(
      '<REUTERS NEWID="1"><TEXT><TITLE>OIL &lt;BP> UP\n</TITLE><BODY>Prices rose 1,750 dlrs,\n   or 5.93 pct.\n Reuter\n&#3;</BODY></TEXT></REUTERS>',
    );
    if (!doc) throw new Error('no document');
    expect(documentText(doc)).toBe('OIL <BP> UP. Prices rose 1,750 dlrs, or 5.93 pct. Reuter ');
    expect(sentenceTokens('Prices rose 1,750 dlrs on 02-26, or -5.93 pct.')).toEqual([
      'prices',
      'rose',
      NUM,
      'dlrs',
      'on',
      NUM,
      ',',
      'or',
      NUM,
      'pct',
      '.',
    ]);
    for (const w of ['1987', '1,750', '5.93', '02/26', '-1']) expect(isNumberToken(w)).toBe(true);
    for (const w of ['1st', 'u.s.', '3-for-2', '.', ',', '--']) expect(isNumberToken(w)).toBe(false);

    const glove = new WordVectors(['the', 'oil'], Float32Array.from([1, 2, 3, 5]), 2);
    const e = sentenceEmbeddings(['PAD', 'UNK', 'oil', 'zinc', 'the'], glove, new Rng(1));
    expect(e).toMatchObject({ dim: 2, covered: 2, words: 3 });
    expect(Array.from(e.matrix.subarray(0, 2))).toEqual([0, 0]);
    for (const v of e.matrix.subarray(2, 4)) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expect(Array.from(e.matrix.subarray(4, 6))).toEqual([3, 5]);
    expect(Array.from(e.matrix.subarray(8, 10))).toEqual([1, 2]);
    // zinc: drawn around the sample's per-dimension mean (2, 3.5), std (1, 1.5)
    expect(Math.abs((e.matrix[6] ?? 0) - 2)).toBeLessThan(5);

    const c = rowCosines(Float32Array.from([1, 0, 1, 1, 0, 0]), Float32Array.from([2, 0, -1, -1, 1, 1]), 2);
    expect(Array.from(c)).toEqual([1, -1, 0]);
  });

  it('sentence-autoencoder --quick: MSE per epoch, 32 cosines, histogram and loss SVGs at --out', async () => {
    const out = join(tmp, 'ae', 'cos.svg');
    const { r, text } = await run('sentence-autoencoder', { out });
    expect(r.settings).toMatchObject({
      trainSamples: 64,
      testSamples: 32,
      vocabularySize: 5000,
      sequenceLength: 50,
      embedSize: 100,
      latentSize: 512,
      optimizer: 'sgd',
      batchSize: 64,
      out,
    });
    expect(text).toContain('1000 documents, 878 with a category (the book\'s "topics")');
    expect(r.metrics['wordsCovered']).toBeGreaterThan(80);
    expect(r.metrics['wordsCovered']).toBeLessThanOrEqual(100);
    for (const k of ['trainLoss', 'valLoss'] as const) expect(r.metrics[k]).toBeGreaterThan(0);
    const cos = r.metrics['cosine'] as { count: number; min: number; max: number; median: number; inBookRange: number };
    expect(cos.count).toBe(32);
    expect(cos.min).toBeGreaterThanOrEqual(-1);
    expect(cos.max).toBeLessThanOrEqual(1);
    expect(text.match(/^-?\d\.\d{4}$/gm)).toHaveLength(11);
    expect(text).toMatch(/^1\t\d\.\d{4}\t\d\.\d{4}$/m);
    const svg = readFileSync(out, 'utf8');
    const counts = [...svg.matchAll(/data-count="(\d+)"/g)].map((m) => Number(m[1]));
    expect(counts).toHaveLength(10);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(32);
    expect(readFileSync(join(tmp, 'ae', 'cos-loss.svg'), 'utf8').match(/<path d="M/g)).toHaveLength(2);
  });

  it('sentence-autoencoder refuses an --out that is not an SVG file', async () => {
    const ex = findExample('sentence-autoencoder');
    await expect(ex?.run(options({ out: join(tmp, 'x.csv') }))).rejects.toThrow(/--out names the histogram's SVG/);
  });
});
