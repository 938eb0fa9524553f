/**
 * results/book.json against the examples (every example and variant listed, defaults = the
 * book's settings), and the result-line writer of examples/results.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBook, parseBook } from '../../examples/book.js';
import { DEFAULT_SEED } from '../../examples/example.js';
import { EXAMPLES } from '../../examples/index.js';
import { appendResultLine, resultLine, shellQuote } from '../../examples/results.js';
import { gitInfo } from '../../src/io/package.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfgym-book-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('results/book.json', () => {
  const book = loadBook();

  it("lists every example and variant, in the example's chapter, and nothing else", () => {
    expect(new Set(Object.keys(book.examples))).toEqual(new Set(EXAMPLES.map((e) => e.name)));
    for (const e of EXAMPLES) {
      const entry = book.examples[e.name];
      expect(entry?.chapter).toBe(e.chapter);
      expect(new Set(Object.keys(entry?.variants ?? {}))).toEqual(new Set(e.variants));
    }
  });

  it("every example's default settings are the book's", () => {
    for (const e of EXAMPLES) {
      for (const v of e.variants) {
        const s = book.examples[e.name]?.variants[v]?.settings ?? {};
        const d = e.defaults(v);
        for (const k of ['epochs', 'batchSize', 'optimizer', 'validationSplit'] as const) {
          expect(d[k], `${e.name} ${v} ${k}`).toBe(s[k]);
        }
        // The book's first figure is at the default epochs, so a default run lands in its row.
        const first = book.examples[e.name]?.variants[v]?.figures[0];
        if (first) expect(first.epochs, `${e.name} ${v}`).toBe(d.epochs);
        if (s.seed !== undefined && s.seed !== null) expect(s.seed).toBe(DEFAULT_SEED);
      }
    }
  });

  it('figures are accuracies with a citation', () => {
    for (const ex of Object.values(book.examples)) {
      for (const v of Object.values(ex.variants)) {
        for (const f of v.figures) {
          expect(f.testAccuracy).toBeGreaterThan(0);
          expect(f.testAccuracy).toBeLessThan(1);
          expect(f.cite).toMatch(new RegExp(`^Ch\\. ${ex.chapter}, `));
        }
      }
    }
  });

  it('a malformed file is refused naming the field', () => {
    expect(() =>
      parseBook(
        { examples: { x: { chapter: 1, variants: { a: { script: 's', settings: {}, figures: [{ epochs: 1 }] } } } } },
        'b.json',
      ),
    ).toThrow('b.json: examples.x.variants.a.figures: each figure needs "epochs", "testAccuracy" and "cite"');
  });
});

describe('result lines', () => {
  const outcome = {
    example: 'mnist-mlp',
    variant: 'adam',
    metrics: { testAccuracy: 0.9793123456789, testLoss: 0.07 },
    settings: { epochs: 20, batchSize: 128 },
  };
  const ctx = {
    backend: 'wasm',
    seed: 3,
    quick: false,
    wallSeconds: 12.345,
    argv: ['example', 'mnist-mlp', '--variant', 'adam', '--image', 'my cat.png'],
    chapter: 1,
    date: new Date('2025-03-04T05:06:07Z'),
    git: { commit: 'abc1234', dirty: false },
    version: '9.9.9',
    machine: { cpus: 2, cpuModel: 'cpu', node: 'v20', platform: 'linux-x64' },
  };

  it('hold the run, its settings and provenance', () => {
    const l = resultLine(outcome, ctx);
    expect(l).toMatchObject({
      example: 'mnist-mlp',
      variant: 'adam',
      chapter: 1,
      epochs: 20,
      batchSize: 128,
      seed: 3,
      quick: false,
      backend: 'wasm',
      tfgymVersion: '9.9.9',
      commit: 'abc1234',
      dirty: false,
      wallSeconds: 12.3,
      date: '2025-03-04T05:06:07.000Z',
    });
    expect(l.command).toBe("tfgym example mnist-mlp --variant adam --image 'my cat.png'");
    expect(l.metrics.testAccuracy).toBe(0.979312);
    // Numbers inside metric objects and arrays are rounded alike (a GAN's finalLoss, per-fraction rows).
    const nested = resultLine(
      { ...outcome, metrics: { finalLoss: { generator: 0.7113644480705261 }, rows: [{ acc: 0.1234567891, n: 3 }] } },
      ctx,
    );
    expect(nested.metrics).toEqual({ finalLoss: { generator: 0.711364 }, rows: [{ acc: 0.123457, n: 3 }] });
  });

  it('of a resumed run: every part with its commit, the wall times summed, dirty if any part was', () => {
    const earlierSegments = [
      { commit: 'old0001', dirty: false, wallSeconds: 100.2 },
      { commit: 'old0002', dirty: false, wallSeconds: 50.1 },
    ];
    const l = resultLine({ ...outcome, earlierSegments }, ctx);
    expect(l.segments).toEqual([...earlierSegments, { commit: 'abc1234', dirty: false, wallSeconds: 12.3 }]);
    expect(l.wallSeconds).toBe(162.6);
    expect([l.commit, l.dirty]).toEqual(['abc1234', false]);
    const dirty = resultLine({ ...outcome, earlierSegments: [{ commit: 'x', dirty: true, wallSeconds: 1 }] }, ctx);
    expect(dirty.dirty).toBe(true);
    const unknown = resultLine({ ...outcome, earlierSegments: [{ commit: 'x', dirty: null, wallSeconds: 1 }] }, ctx);
    expect(unknown.dirty).toBeNull();
    // A run in one part has no segments.
    expect(resultLine(outcome, ctx).segments).toBeUndefined();
  });

  it('append as whole lines; a file whose last line lost its newline gets one first', () => {
    const path = join(tmp, 'sub', 'ch1.jsonl');
    appendResultLine(path, resultLine(outcome, ctx));
    appendResultLine(path, resultLine(outcome, { ...ctx, seed: 4 }));
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"partial": true}`);
    appendResultLine(path, resultLine(outcome, { ...ctx, seed: 5 }));
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { seed?: number }).seed)).toEqual([3, 4, undefined, 5]);
  });

  it('say "unknown" for the commit outside a git checkout', () => {
    expect(gitInfo(tmp)).toEqual({ commit: 'unknown', dirty: null });
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('results/ch1.jsonl')).toBe('results/ch1.jsonl');
  });
});
