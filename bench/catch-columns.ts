/**
 * A Catch-v0 policy on every ball start column: the game is deterministic once the ball's column
 * is drawn (the paddle always starts in the middle), so one greedy game per column measures the
 * policy exactly, where 100 random games only sample it. Used for the README's Catch results.
 *
 * Run: `npm run build && node dist/bench/catch-columns.js RUN_DIR... [--model latest|best|auto] [--json]`
 * (backend from `$TFGYM_BACKEND`, else the best available).
 */
import { pathToFileURL } from 'node:url';
import type { QPolicy } from '../agents/evaluate.js';
import { loadRunPolicy, type ModelChoice } from '../agents/run.js';
import { requestedBackend, useBackend } from '../src/backends/index.js';
import type { Env } from '../src/core/env.js';
import { argmax } from '../agents/exploration.js';
import type { AnyTypedArray } from '../src/core/spaces.js';

/** Outcome per start column. */
export interface ColumnResult {
  /** Start columns played (size + 1 for Catch: 0..size). */
  readonly columns: number;
  readonly caught: number;
  /** Columns whose game was lost, ascending. */
  readonly missed: number[];
}

/**
 * Plays one greedy game for each start column of a Catch env (its `info.ballX` after reset),
 * finding a seed for every column by trying seeds 0, 1, 2, ... (at most `maxSeeds`).
 */
export function catchColumns(
  policy: QPolicy,
  env: Env<unknown, number>,
  columns: number,
  maxSeeds = 100 * columns,
): ColumnResult {
  const result = new Map<number, boolean>();
  for (let seed = 0; seed < maxSeeds && result.size < columns; seed++) {
    const [first, info] = env.reset({ seed });
    let obs = first;
    const x = (info as { ballX?: unknown }).ballX;
    if (typeof x !== 'number') throw new Error('catchColumns needs a Catch env (info.ballX after reset)');
    if (result.has(x)) continue;
    let ret = 0;
    for (let t = 0; t < 100_000; t++) {
      const r = env.step(argmax(policy.qValues(obs as AnyTypedArray), policy.numActions));
      obs = r[0];
      ret += r[1];
      if (r[2] || r[3]) break;
    }
    result.set(x, ret > 0);
  }
  if (result.size < columns) throw new Error(`only ${result.size} of ${columns} columns came up in ${maxSeeds} seeds`);
  const missed = [...result.entries()]
    .filter(([, won]) => !won)
    .map(([x]) => x)
    .sort((a, b) => a - b);
  return { columns, caught: columns - missed.length, missed };
}

async function main(argv: readonly string[]): Promise<void> {
  // $TFGYM_BACKEND or the best available (useBackend also hides the tfjs banner).
  await useBackend(requestedBackend(undefined, process.env['TFGYM_BACKEND']));
  const i = argv.indexOf('--model');
  const which = i >= 0 ? argv[i + 1] : 'latest';
  if (which !== 'auto' && which !== 'best' && which !== 'latest') {
    console.error(`--model must be latest, best or auto. Received: ${String(which)}`);
    process.exitCode = 2;
    return;
  }
  const dirs = argv.filter((a, k) => !a.startsWith('--') && !(i >= 0 && k === i + 1));
  if (dirs.length === 0) {
    console.error('usage: node dist/bench/catch-columns.js RUN_DIR... [--model latest|best|auto] [--json]');
    process.exitCode = 2;
    return;
  }
  for (const dir of dirs) {
    const loaded = await loadRunPolicy(dir, which satisfies ModelChoice);
    try {
      const size = loaded.run.envOptions['size'];
      const r = catchColumns(
        loaded.policy,
        loaded.env.env as Env<unknown, number>,
        (typeof size === 'number' ? size : 400) + 1,
      );
      if (argv.includes('--json')) console.log(JSON.stringify({ runDir: dir, ...r }));
      else
        console.log(
          `${dir}: caught ${r.caught} of ${r.columns} start columns (${((100 * r.caught) / r.columns).toFixed(1)}%); missed ${r.missed.join(' ') || 'none'}`,
        );
    } finally {
      loaded.dispose();
    }
  }
}

// Run main only when executed directly, not when imported (tests import catchColumns).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`catch-columns: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
