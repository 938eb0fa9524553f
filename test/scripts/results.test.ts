/**
 * scripts/results.mjs: RESULTS.md's tables are what the generator writes from the committed
 * result lines, and the generator computes them from the lines alone (checked on hand-made ones).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'tfgym-results-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function generator(...args: string[]) {
  const r = spawnSync(process.execPath, ['scripts/results.mjs', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('RESULTS.md', () => {
  it('is what `npm run results` writes from results/*.jsonl and results/book.json', () => {
    const r = generator('--check');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});

/**
 * A small book: variant `a` with a figure at 10 epochs, `b` never run, `c` without a book figure
 * (another data set, say), `s` a shrinking study.
 */
const BOOK = {
  examples: {
    toy: {
      chapter: 9,
      chapterTitle: 'Toys',
      variants: {
        a: {
          script: 'Chapter09/toy_a.py',
          settings: {
            epochs: 10,
            batchSize: 128,
            optimizer: 'sgd',
            validationSplit: 0.2,
            trainSamples: 1000,
            testSamples: 100,
          },
          figures: [{ epochs: 10, testAccuracy: 0.95, cite: 'test' }],
        },
        b: {
          script: 'Chapter09/toy_b.py',
          settings: {
            epochs: 10,
            batchSize: 128,
            optimizer: 'sgd',
            validationSplit: 0.2,
            trainSamples: 1000,
            testSamples: 100,
          },
          figures: [{ epochs: 10, testAccuracy: 0.5, cite: 'test' }],
        },
        c: {
          script: 'Chapter09/toy_a.py on more data',
          settings: {
            epochs: 10,
            batchSize: 128,
            optimizer: 'sgd',
            validationSplit: 0.2,
            trainSamples: 1000,
            testSamples: 100,
          },
          figures: [],
        },
        s: {
          script: 'Chapter09/toy_a.py',
          table: 'shrinking',
          settings: {
            epochs: 10,
            batchSize: 128,
            optimizer: 'adam',
            validationSplit: 0.2,
            trainSamples: 1000,
            testSamples: 100,
          },
          figures: [],
        },
      },
    },
  },
};

interface Partial {
  variant?: string;
  seed: number;
  acc?: number;
  epochs?: number;
  trainSamples?: number;
  quick?: boolean;
  date?: string;
  rows?: Array<{ fraction: number; trainSamples: number; lenet: number; mlp: number }>;
}

function line(p: Partial): string {
  const variant = p.variant ?? 'a';
  return JSON.stringify({
    example: 'toy',
    variant,
    chapter: 9,
    metrics: p.rows ? { rows: p.rows } : { testAccuracy: p.acc, testLoss: 0.1 },
    epochs: p.epochs ?? 10,
    batchSize: 128,
    seed: p.seed,
    quick: p.quick ?? false,
    settings: {
      epochs: p.epochs ?? 10,
      batchSize: 128,
      optimizer: variant === 's' ? 'adam' : 'sgd',
      validationSplit: 0.2,
      trainSamples: p.trainSamples ?? 1000,
      testSamples: 100,
    },
    backend: 'cpu',
    tfgymVersion: '0.1.0',
    commit: 'abc1234',
    dirty: false,
    wallSeconds: 61,
    command: `tfgym example toy --variant ${variant} --seed ${p.seed} --results results/ch9.jsonl`,
    date: p.date ?? '2025-01-02T00:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', node: 'v20.0.0', platform: 'linux-x64' },
  });
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function setup(name: string, lines: string[], doc?: string): string {
  const root = join(tmp, name);
  mkdirSync(join(root, 'results'), { recursive: true });
  writeFileSync(join(root, 'results', 'book.json'), JSON.stringify(BOOK));
  writeFileSync(join(root, 'results', 'ch9.jsonl'), lines.map((l) => `${l}\n`).join(''));
  writeFileSync(
    join(root, 'RESULTS.md'),
    doc ??
      '# Toy results\n\nHand-written prose before.\n\n<!-- BEGIN results toy -->\nstale table\n<!-- END results toy -->\n\nProse after.\n',
  );
  return root;
}

describe('scripts/results.mjs on hand-made result lines', () => {
  const accs = [0.9, 0.92, 0.97];
  const lines = [
    line({ seed: 1, acc: 0.5, date: '2025-01-01T00:00:00.000Z' }), // superseded by the later seed-1 line
    ...accs.map((acc, i) => line({ seed: i + 1, acc })),
    line({ seed: 4, acc: 0.99, quick: true }),
    line({ seed: 1, acc: 0.8, epochs: 5 }),
    line({ seed: 1, acc: 0.7, trainSamples: 300 }),
    line({ variant: 'c', seed: 1, acc: 0.6 }),
    line({ variant: 'c', seed: 2, acc: 0.64 }),
    line({ variant: 'c', seed: 3, acc: 0.66, epochs: 4 }),
    line({
      variant: 's',
      seed: 1,
      rows: [
        { fraction: 1, trainSamples: 1000, lenet: 0.9, mlp: 0.8 },
        { fraction: 0.1, trainSamples: 100, lenet: 0.7, mlp: 0.5 },
      ],
    }),
    line({
      variant: 's',
      seed: 2,
      rows: [
        { fraction: 1, trainSamples: 1000, lenet: 0.94, mlp: 0.82 },
        { fraction: 0.1, trainSamples: 100, lenet: 0.75, mlp: 0.55 },
      ],
    }),
  ];

  it('main rows: mean ± sample std over seeds (latest line per seed), each seed, fewer-than-3 and not-yet-run rows', () => {
    const root = setup('main', lines);
    const r = generator('--root', root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = readFileSync(join(root, 'RESULTS.md'), 'utf8');
    // Prose outside the region survives; the stale table is gone.
    expect(doc).toMatch(/^# Toy results\n\nHand-written prose before\.\n\n<!-- BEGIN results toy -->\n/);
    expect(doc).toMatch(/\n<!-- END results toy -->\n\nProse after\.\n$/);
    expect(doc).not.toContain('stale table');

    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (accs.length - 1));
    const rowA = doc.split('\n').find((l) => l.startsWith('| `a`'));
    expect(rowA).toContain(`| 10 | ${pct(0.95)} | ${pct(mean)} ± ${(std * 100).toFixed(2)} (3 seeds) |`);
    expect(rowA).toContain(`1: ${pct(0.9)}; 2: ${pct(0.92)}; 3: ${pct(0.97)}`);
    expect(rowA).toContain('--seed S');
    expect(rowA).toContain('1m01s');
    expect(doc.split('\n').find((l) => l.startsWith('| `b`'))).toContain('| not yet run |');
    // A variant without a book figure: a row at its settings' epochs, '-' for the book's figure.
    const rowsC = doc.split('\n').filter((l) => l.startsWith('| `c` ('));
    expect(rowsC).toHaveLength(1);
    expect(rowsC[0]).toContain(`| 10 | - | ${pct(0.62)} ± ${(Math.SQRT2 * 2).toFixed(2)} (2 seeds, fewer than 3) |`);

    // The shrinking study: per fraction, 2 seeds, said to be fewer than 3.
    const full = doc.split('\n').find((l) => l.startsWith('| 1,000 (100%)'));
    expect(full).toContain(`${pct(0.92)} ± ${(Math.SQRT2 * 2).toFixed(2)} (2 seeds, fewer than 3)`);
    expect(full).toContain(`| ${((0.92 - 0.81) * 100).toFixed(2)} |`);
    expect(doc).toContain('| 100 (10%)');

    // Other settings: their own table, never the main rows.
    const other = doc.slice(doc.indexOf("Runs at other settings than the book's"));
    expect(other).toContain('5 epochs (book: 10)');
    expect(other).toContain('300 training images (book: 1,000)');
    expect(other).toContain('4 epochs (book: 10)');
    expect(other).toContain(`${pct(0.8)} (1 seed, fewer than 3)`);
    expect(rowA).not.toContain(pct(0.8));
    expect(doc).not.toContain(pct(0.99)); // the --quick line
    expect(doc).toContain('1 `--quick` smoke line ignored.');
    expect(doc).toContain('1 older line for an already listed seed ignored');
    expect(doc).toContain('2 x Test CPU');

    // Written once, it checks clean; change a line and it does not.
    expect(generator('--root', root, '--check').code).toBe(0);
    writeFileSync(
      join(root, 'results', 'ch9.jsonl'),
      lines.map((l) => `${l}\n`).join('') + `${line({ seed: 5, acc: 0.93 })}\n`,
    );
    const stale = generator('--root', root, '--check');
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/is not what `npm run results` writes \(first difference at line \d+\)/);
  });

  it('refuses a missing region, a broken line, and lines of an example the book file does not list', () => {
    const noRegion = generator('--root', setup('no-region', lines, '# Toy\n'));
    expect(noRegion.code).toBe(1);
    expect(noRegion.err).toMatch(/^error: RESULTS.md has no region for toy/);
    const broken = generator('--root', setup('broken', [lines[1] ?? '', '{"example": "toy", "vari']));
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^error: ch9.jsonl:2: not a JSON object/);
    const unknown = generator(
      '--root',
      setup('unknown', [(lines[1] ?? '').replace('"example":"toy"', '"example":"gan"')]),
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/"gan", which results\/book.json does not list/);
  });
});

describe('scripts/results.mjs: examples without a book figure tabulate their own metrics', () => {
  it('each metric as mean ± std over seeds, the first per seed, not-yet-run variants', () => {
    const root = join(tmp, 'metrics');
    mkdirSync(join(root, 'results'), { recursive: true });
    const settings = { epochs: 3, batchSize: 8, optimizer: 'adam' };
    const book = {
      examples: {
        gen: {
          chapter: 9,
          chapterTitle: 'Toys',
          metrics: [
            { key: 'trainLoss', label: 'final loss', format: 'num' },
            { key: 'tokenAccuracy', label: 'token accuracy', format: 'pct' },
          ],
          variants: {
            a: { script: 'Chapter09/gen_a.py', settings, figures: [] },
            b: { script: 'Chapter09/gen_b.py', settings, figures: [] },
          },
        },
      },
    };
    const genLine = (seed: number, trainLoss: number, tokenAccuracy: number): string =>
      JSON.stringify({
        example: 'gen',
        variant: 'a',
        chapter: 9,
        metrics: { trainLoss, tokenAccuracy },
        epochs: 3,
        batchSize: 8,
        seed,
        quick: false,
        settings,
        backend: 'cpu',
        tfgymVersion: '0.1.0',
        commit: 'abc1234',
        dirty: false,
        wallSeconds: 5,
        command: `tfgym example gen --variant a --seed ${seed} --results results/ch9.jsonl`,
        date: '2025-01-02T00:00:00.000Z',
      });
    writeFileSync(join(root, 'results', 'book.json'), JSON.stringify(book));
    writeFileSync(join(root, 'results', 'ch9.jsonl'), `${genLine(1, 1.5, 0.5)}\n${genLine(2, 2.5, 0.7)}\n`);
    writeFileSync(join(root, 'RESULTS.md'), '<!-- BEGIN results gen -->\n<!-- END results gen -->\n');
    const r = generator('--root', root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = readFileSync(join(root, 'RESULTS.md'), 'utf8');
    expect(doc).toContain('| final loss, mean ± std | token accuracy, mean ± std | final loss per seed |');
    const rowA = doc.split('\n').find((l) => l.startsWith('| `a`'));
    expect(rowA).toContain(`| 2.000 ± ${Math.SQRT1_2.toPrecision(2)} (2 seeds, fewer than 3) |`);
    expect(rowA).toContain(`| ${pct(0.6)} ± ${(Math.SQRT2 * 10).toFixed(2)} (2 seeds, fewer than 3) |`);
    expect(rowA).toContain('1: 1.500; 2: 2.500');
    expect(doc.split('\n').find((l) => l.startsWith('| `b`'))).toContain('| not yet run | not yet run |');
  });
});

describe('scripts/results.mjs: pretrained vectors other than the book’s', () => {
  it('puts the run among the other settings, naming the vectors and their coverage', () => {
    const root = join(tmp, 'vectors');
    mkdirSync(join(root, 'results'), { recursive: true });
    const settings = { epochs: 10, batchSize: 64, optimizer: 'adam', vectors: 'Big-vectors.bin' };
    const book = {
      examples: {
        vec: {
          chapter: 9,
          chapterTitle: 'Toys',
          variants: {
            w: { script: 'Chapter09/w.py', settings, figures: [{ epochs: 10, testAccuracy: 0.99, cite: 't' }] },
          },
        },
      },
    };
    const vecLine = (seed: number, vectors: string | undefined): string =>
      JSON.stringify({
        example: 'vec',
        variant: 'w',
        chapter: 9,
        metrics: { testAccuracy: 0.9, vectorCoverage: 0.125 },
        epochs: 10,
        batchSize: 64,
        seed,
        quick: false,
        settings: { ...settings, vectors },
        backend: 'cpu',
        tfgymVersion: '0.1.0',
        commit: 'abc1234',
        dirty: false,
        wallSeconds: 5,
        command: `tfgym example vec --variant w --seed ${seed} --results results/ch9.jsonl`,
        date: '2025-01-02T00:00:00.000Z',
      });
    writeFileSync(join(root, 'results', 'book.json'), JSON.stringify(book));
    writeFileSync(
      join(root, 'results', 'ch9.jsonl'),
      `${vecLine(1, 'runs/small-vectors.txt')}\n${vecLine(2, '/data/Big-vectors.bin')}\n`,
    );
    writeFileSync(join(root, 'RESULTS.md'), '<!-- BEGIN results vec -->\n<!-- END results vec -->\n');
    const r = generator('--root', root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = readFileSync(join(root, 'RESULTS.md'), 'utf8');
    const [main, other] = doc.split("Runs at other settings than the book's");
    // The book's own file (any folder) is the book's setting: the main row, seed 2 only.
    expect(main).toContain('| 90.00% (1 seed, fewer than 3) |');
    expect(main).toContain('2: 90.00%');
    expect(other).toContain('vectors small-vectors.txt, covering 12.5% of the vocabulary (book: Big-vectors.bin)');
    expect(other).toContain('1: 90.00%');
  });
});

describe('scripts/results.mjs: reinforcement-learning tables from `tfgym train --results` lines', () => {
  const rl = {
    tables: {
      cc: {
        rows: [
          {
            agent: 'dqn',
            env: 'CartPole-v1',
            preset: 'cartpole',
            totalSteps: 50000,
            reference: { return: 500, std: 0, source: 'Zoo' },
          },
          { agent: 'dqn', env: 'Acrobot-v1', preset: 'cleanrl', totalSteps: 500000 },
        ],
      },
    },
  };
  const trainLine = (seed: number, meanReturn: number, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({
      kind: 'train',
      agent: 'dqn',
      env: 'CartPole-v1',
      preset: 'cartpole',
      seed,
      numEnvs: 1,
      totalSteps: 50000,
      steps: 50000,
      meanReturn100: 450,
      finalEval: { episodes: 100, meanReturn, stdReturn: 0, wins: null, epsilon: 0, seed: 1000000 },
      backend: 'native',
      commit: 'abc1234',
      dirty: false,
      wallSeconds: 90,
      stepsPerSecond: 555,
      command: `tfgym train dqn --env CartPole-v1 --preset cartpole --total-steps 50000 --seed ${seed}`,
      date: '2025-01-02T00:00:00.000Z',
      ...extra,
    });

  function setupRl(name: string, lines: string[], doc: string): string {
    const root = join(tmp, name);
    mkdirSync(join(root, 'results', 'train'), { recursive: true });
    writeFileSync(join(root, 'results', 'book.json'), JSON.stringify({ examples: {} }));
    writeFileSync(join(root, 'results', 'rl.json'), JSON.stringify(rl));
    writeFileSync(join(root, 'results', 'train', 'cc.jsonl'), lines.map((l) => `${l}\n`).join(''));
    writeFileSync(join(root, 'RESULTS.md'), doc);
    return root;
  }

  it('each row: mean ± std of the final evaluations over seeds, per seed, rate, and not-yet-run rows', () => {
    const root = setupRl(
      'rl',
      [
        trainLine(1, 480),
        trainLine(2, 500),
        trainLine(3, 490),
        // Another step budget and another preset: not this row.
        trainLine(4, 100, { totalSteps: 10000 }),
        trainLine(5, 100, { preset: 'cleanrl' }),
        // The best periodic model's evaluation: a row of its own (finalModel 'best'); without the
        // trained agent's evaluation (trainedEval), not one of this row.
        trainLine(6, 100, {
          finalEval: { episodes: 100, meanReturn: 100, stdReturn: 0, wins: null, epsilon: 0, seed: 1, model: 'best' },
        }),
      ],
      'Prose.\n\n<!-- BEGIN train-results cc -->\nstale\n<!-- END train-results cc -->\n',
    );
    const r = generator('--root', root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = readFileSync(join(root, 'RESULTS.md'), 'utf8');
    expect(doc).not.toContain('stale');
    const cart = doc.split('\n').find((l) => l.startsWith('| CartPole-v1'));
    expect(cart).toContain('| 500.00 ± 0.00 (Zoo) | 490.00 ± 10.00 (3 seeds) | 1: 480.00; 2: 500.00; 3: 490.00 |');
    expect(cart).toContain('| 100 episodes, epsilon 0 | 450.00 | 1m30s | - | 555 | native |');
    expect(cart).toContain('--seed S');
    const acro = doc.split('\n').find((l) => l.startsWith('| Acrobot-v1'));
    expect(acro).toContain('| - | not yet run | - | - | - | - | - | - | - | - | to run:');
    expect(acro).toContain('to run: `tfgym train dqn --env Acrobot-v1 --preset cleanrl --total-steps 500000 --seed S');
    expect(generator('--root', root, '--check').code).toBe(0);
  });

  it('rows can name env options, config flags and a budget in episodes; lines must match them', () => {
    const mem = {
      tables: {
        cc: {
          rows: [
            {
              agent: 'dqn',
              env: 'CartPole-v1',
              envOptions: { maskVelocity: true },
              preset: 'cartpole',
              config: { preprocess: 'stack', frameStack: 4 },
              totalSteps: 50000,
            },
            { agent: 'drqn', env: 'Catch-v0', envOptions: { hideBallAfter: 3 }, preset: 'catch-hidden', episodes: 500 },
          ],
        },
      },
    };
    const masked = { envOptions: { maskVelocity: true }, config: { preprocess: 'stack', frameStack: 4, gamma: 0.99 } };
    const root = setupRl(
      'rl-mem',
      [
        trainLine(1, 100, masked),
        trainLine(2, 120, masked),
        // Not this row: without the env option, with another frame stack, without a config.
        trainLine(3, 9, { config: masked.config }),
        trainLine(4, 9, { envOptions: masked.envOptions, config: { preprocess: 'stack', frameStack: 1 } }),
        trainLine(5, 9, { envOptions: masked.envOptions }),
      ],
      '<!-- BEGIN train-results cc -->\n<!-- END train-results cc -->\n',
    );
    writeFileSync(join(root, 'results', 'rl.json'), JSON.stringify(mem));
    const r = generator('--root', root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = readFileSync(join(root, 'RESULTS.md'), 'utf8');
    const cart = doc.split('\n').find((l) => l.startsWith('| CartPole-v1'));
    expect(cart).toContain(
      '| CartPole-v1, maskVelocity=true | dqn, `cartpole`, `--preprocess stack`, `--frame-stack 4` | 50,000 | - | 110.00 ± 14.14 (2 seeds, fewer than 3) | 1: 100.00; 2: 120.00 |',
    );
    const katch = doc.split('\n').find((l) => l.startsWith('| Catch-v0'));
    expect(katch).toContain('| Catch-v0, hideBallAfter=3 | drqn, `catch-hidden` | 500 episodes | - | not yet run |');
    expect(katch).toContain(
      'to run: `tfgym train drqn --env Catch-v0 --env-option hideBallAfter=3 --preset catch-hidden --episodes 500 --seed S --results results/train/cc.jsonl`',
    );
  });

  it("a line counts in the most specific row it matches: a frame-stacked run is not the plain row's", () => {
    const plain = { agent: 'dqn', env: 'CartPole-v1', preset: 'cartpole', totalSteps: 50000 };
    const stacked = { ...plain, config: { frameStack: 4 } };
    const root = setupRl(
      'rl-specific',
      [
        trainLine(1, 40, { config: { frameStack: 1 } }),
        trainLine(2, 44, { config: { frameStack: 1 } }),
        // Later lines of the same seeds, frame-stacked: the latest per seed must not take the plain row.
        trainLine(1, 120, { config: { frameStack: 4 }, date: '2025-01-03T00:00:00.000Z' }),
        trainLine(2, 150, { config: { frameStack: 4 }, date: '2025-01-03T00:00:00.000Z' }),
      ],
      '<!-- BEGIN train-results cc -->\n<!-- END train-results cc -->\n',
    );
    writeFileSync(join(root, 'results', 'rl.json'), JSON.stringify({ tables: { cc: { rows: [plain, stacked] } } }));
    const r = generator('--root', root);
    expect(r.err).toBe('');
    const rows = readFileSync(join(root, 'RESULTS.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('| CartPole-v1'));
    expect(rows[0]).toContain('| 1: 40.00; 2: 44.00 |');
    expect(rows[1]).toContain('`--frame-stack 4`');
    expect(rows[1]).toContain('| 1: 120.00; 2: 150.00 |');
  });

  it("shows a peer's timing and draws the learning curves of rows whose lines carry them", () => {
    const curve = (base: number) => ({ binSteps: 25000, meanReturn: [base, null], episodes: [3, 0] });
    const root = setupRl(
      'rl-peer',
      [trainLine(1, 480, { curve: curve(20) }), trainLine(2, 500, { curve: curve(40) })],
      '<!-- BEGIN train-results cc -->\n<!-- END train-results cc -->\n',
    );
    const withPeer = { tables: { cc: { rows: [{ ...rl.tables.cc.rows[0], peer: 'cleanrl/dqn.py' }] } } };
    writeFileSync(join(root, 'results', 'rl.json'), JSON.stringify(withPeer));
    mkdirSync(join(root, 'results', 'peers'));
    const peer = { kind: 'peer', peer: 'cleanrl/dqn.py', env: 'CartPole-v1', seed: 1, totalSteps: 50000 };
    writeFileSync(
      join(root, 'results', 'peers', 'p.jsonl'),
      `${JSON.stringify({ ...peer, wallSeconds: 270, command: 'python cleanrl/dqn.py', date: '2025-01-01T00:00:00Z' })}\n`,
    );
    const r = generator('--root', root);
    expect(r.err).toBe('');
    const doc = readFileSync(join(root, 'RESULTS.md'), 'utf8');
    // 270 s against tfgym's 90 s.
    expect(doc).toContain("| cleanrl/dqn.py: 4m30s (seed 1; 3.00x tfgym's) |");
    const svgPath = 'docs/curves/cc/CartPole-v1-dqn-cartpole-50000.svg';
    expect(doc).toContain(`](${svgPath})`);
    const svg = readFileSync(join(root, svgPath), 'utf8');
    expect(svg).toContain('seed 1');
    expect(svg).toContain('mean over seeds');
    // Two seeds' lines, their mean (a single point: bin 2 is empty) and the reference at 500.
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    expect(svg).toContain('Zoo: 500.00');
    expect(generator('--root', root, '--check').code).toBe(0);
    writeFileSync(join(root, svgPath), 'edited');
    const stale = generator('--root', root, '--check');
    expect(stale.code).toBe(1);
    expect(stale.err).toContain(svgPath);
  });

  it("a best-model run counts in the best-model row, and in the trained agent's row through its trainedEval", () => {
    const ev = (meanReturn: number, model: string) => ({
      episodes: 100,
      meanReturn,
      stdReturn: 0,
      wins: null,
      epsilon: 0,
      seed: 1000000,
      model,
    });
    const root = setupRl(
      'rl-best',
      [trainLine(1, 0, { finalEval: { ...ev(500, 'best'), bestStep: 45000 }, trainedEval: ev(153.5, 'final') })],
      '<!-- BEGIN train-results cc -->\n<!-- END train-results cc -->\n',
    );
    const base = rl.tables.cc.rows[0];
    const rows = [base, { ...base, finalModel: 'best' }];
    writeFileSync(join(root, 'results', 'rl.json'), JSON.stringify({ tables: { cc: { rows } } }));
    expect(generator('--root', root).err).toBe('');
    const lines = readFileSync(join(root, 'RESULTS.md'), 'utf8').split('\n');
    const trained = lines.find((l) => l.startsWith('| CartPole-v1 | dqn, `cartpole` |'));
    const best = lines.find((l) => l.startsWith('| CartPole-v1 | dqn, `cartpole`, best evaluated model |'));
    expect(trained).toContain('| 1: 153.50 |');
    expect(best).toContain('| 1: 500.00 |');
    expect(best).toContain('the model of the best periodic evaluation; chosen at step 45,000');
  });

  it('refuses a table without its region and a line that is not a train line', () => {
    const noRegion = generator('--root', setupRl('rl-no-region', [trainLine(1, 1)], '# nothing\n'));
    expect(noRegion.code).toBe(1);
    expect(noRegion.err).toMatch(/no region for train table cc/);
    const bad = generator(
      '--root',
      setupRl(
        'rl-bad',
        [trainLine(1, 1, { kind: 'example' })],
        '<!-- BEGIN train-results cc -->\n<!-- END train-results cc -->\n',
      ),
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/train\/cc.jsonl:1: kind "example"/);
  });
});
