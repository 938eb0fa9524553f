/**
 * The book's figures and settings, read from `results/book.json`: the one place that holds them
 * (`tfgym example list` shows them, `scripts/results.mjs` compares result lines with them, the
 * tests check every example's defaults against them).
 */
import { join } from 'node:path';
import { readText } from '../src/io/files.js';
import { packageRoot } from '../src/io/package.js';

/** A test accuracy the book reports, after `epochs` epochs at the variant's settings. */
export interface BookFigure {
  readonly epochs: number;
  readonly testAccuracy: number;
  /** Where the book reports it (chapter, script or text). */
  readonly cite: string;
}

/** The settings of the book's script. */
export interface BookSettings {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly optimizer?: string;
  readonly validationSplit?: number;
  readonly trainSamples?: number;
  readonly testSamples?: number;
  /** `np.random.seed(...)` of the script; null where it sets none. */
  readonly seed?: number | null;
}

/** One variant of an example, as the book runs it. */
export interface BookVariant {
  readonly script: string;
  readonly settings: BookSettings;
  readonly figures: readonly BookFigure[];
  readonly note?: string;
  /** `shrinking`: results are per training-set fraction (`metrics.rows`), tabulated as such. */
  readonly table?: 'shrinking';
}

/** One example's chapter and variants. */
export interface BookExample {
  readonly chapter: number;
  readonly chapterTitle: string;
  /** Why the book's setting cannot run on the data shipped with tfgym (RESULTS.md says so), if it cannot. */
  readonly dataHere?: string;
  /**
   * For examples without an accuracy figure: the result-line metrics RESULTS.md tabulates (key in
   * `metrics`, column label, `pct` or `num`), the first also per seed.
   */
  readonly metrics?: readonly { readonly key: string; readonly label: string; readonly format: 'pct' | 'num' }[];
  readonly variants: Readonly<Record<string, BookVariant>>;
}

/** The whole file. */
export interface Book {
  readonly book: string;
  readonly codeBundle: string;
  readonly examples: Readonly<Record<string, BookExample>>;
}

/** Where the book's figures live. */
export function bookPath(): string {
  return join(packageRoot(), 'results', 'book.json');
}

function fail(path: string, what: string): never {
  throw new Error(`${path}: ${what}`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks the shape of a parsed book.json; throws naming the first bad field. */
export function parseBook(json: unknown, path = 'book.json'): Book {
  if (!isRecord(json) || !isRecord(json['examples'])) fail(path, 'expected an object with "examples"');
  for (const [name, ex] of Object.entries(json['examples'])) {
    if (!isRecord(ex) || typeof ex['chapter'] !== 'number' || !isRecord(ex['variants']))
      fail(path, `examples.${name}: expected "chapter" and "variants"`);
    for (const [v, b] of Object.entries(ex['variants'])) {
      const at = `examples.${name}.variants.${v}`;
      if (!isRecord(b) || typeof b['script'] !== 'string' || !isRecord(b['settings']) || !Array.isArray(b['figures']))
        fail(path, `${at}: expected "script", "settings" and "figures"`);
      for (const f of b['figures'] as unknown[]) {
        if (
          !isRecord(f) ||
          typeof f['epochs'] !== 'number' ||
          typeof f['testAccuracy'] !== 'number' ||
          typeof f['cite'] !== 'string'
        ) {
          fail(path, `${at}.figures: each figure needs "epochs", "testAccuracy" and "cite"`);
        }
      }
    }
  }
  return json as unknown as Book;
}

let cached: Book | undefined;

/** The book's figures and settings (read once). */
export function loadBook(): Book {
  if (!cached) {
    const path = bookPath();
    cached = parseBook(JSON.parse(readText(path)) as unknown, path);
  }
  return cached;
}

/** The book's entry for one example variant, or undefined if the file has none. */
export function bookVariant(example: string, variant: string): BookVariant | undefined {
  return loadBook().examples[example]?.variants[variant];
}
