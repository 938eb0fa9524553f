/**
 * Result lines: one JSON object per example run, appended to a JSON Lines file per chapter
 * (`results/ch1.jsonl`, ...). A line holds what was measured and everything needed to repeat
 * it: the command, seed, settings, backend, tfgym version and git commit, wall time and date.
 * `scripts/results.mjs` builds RESULTS.md's tables from these lines only.
 */
import { appendLineDurable } from '../src/io/files.js';
import {
  combineParts,
  commandLine,
  machineInfo,
  round6,
  roundValue,
  type MachineInfo,
} from '../src/io/result-lines.js';
import { gitInfo, packageVersion, type GitInfo } from '../src/io/package.js';

import type { ExampleMetrics, ExampleOutcome, RunSegment, RunSettings } from './example.js';

/** One run of one example, as written to a results file. */
export interface ResultLine {
  example: string;
  variant: string;
  chapter: number;
  metrics: ExampleMetrics;
  /** Epochs trained (null for examples that do not train). */
  epochs: number | null;
  batchSize: number | null;
  seed: number;
  /** True for a `--quick` smoke run: never a result (the tables skip it). */
  quick: boolean;
  settings: RunSettings;
  backend: string;
  tfgymVersion: string;
  /** Short git commit of the code that ran, or "unknown" outside a git checkout. */
  commit: string;
  /** Whether tracked code differed from that commit (null when unknown). */
  dirty: boolean | null;
  /** Seconds from the start of the example to its result (data loading included); a resumed run's parts summed. */
  wallSeconds: number;
  /** A run stopped and resumed: each part's commit, dirty flag and wall time, oldest first (absent otherwise). */
  segments?: RunSegment[];
  /** The command line, e.g. `tfgym example mnist-mlp --variant adam --seed 2 --results results/ch1.jsonl`. */
  command: string;
  /** ISO 8601, UTC, when the run ended. */
  date: string;
  machine: MachineInfo;
  history?: Record<string, number[]>;
}

/** Quotes one command-line argument for a POSIX shell when it needs it. */
export { shellQuote } from '../src/io/result-lines.js';

/** Everything about a run that the example itself does not know. */
export interface RunContext {
  backend: string;
  seed: number;
  quick: boolean;
  wallSeconds: number;
  /** The arguments after `tfgym`, e.g. `['example', 'mnist-mlp', '--variant', 'adam']`. */
  argv: readonly string[];
  chapter: number;
  /** Defaults: now, {@link gitInfo}, tfgym's version, this machine. */
  date?: Date;
  git?: GitInfo;
  version?: string;
  machine?: MachineInfo;
}

function roundMetrics(m: ExampleMetrics): ExampleMetrics {
  return roundValue(m) as ExampleMetrics;
}

/** The result line of a run. */
export function resultLine(outcome: ExampleOutcome, ctx: RunContext): ResultLine {
  const git = ctx.git ?? gitInfo();
  const line: ResultLine = {
    example: outcome.example,
    variant: outcome.variant,
    chapter: ctx.chapter,
    metrics: roundMetrics(outcome.metrics),
    epochs: outcome.settings.epochs ?? null,
    batchSize: outcome.settings.batchSize ?? null,
    seed: ctx.seed,
    quick: ctx.quick,
    settings: outcome.settings,
    backend: ctx.backend,
    tfgymVersion: ctx.version ?? packageVersion(),
    commit: git.commit,
    dirty: git.dirty,
    wallSeconds: Math.round(ctx.wallSeconds * 10) / 10,
    command: commandLine(ctx.argv),
    date: (ctx.date ?? new Date()).toISOString(),
    machine: ctx.machine ?? machineInfo(),
  };
  const parts = combineParts(outcome.earlierSegments ?? [], git, ctx.wallSeconds);
  if (parts.segments) {
    line.segments = parts.segments;
    line.wallSeconds = Math.round(parts.wallSeconds * 10) / 10;
    line.dirty = parts.dirty;
  }
  if (outcome.history)
    line.history = Object.fromEntries(Object.entries(outcome.history).map(([k, v]) => [k, v.map(round6)]));
  return line;
}

/**
 * Appends `line` to the JSON Lines file at `path` (created with its folder if missing). The run
 * writes only once it has finished, and the whole line goes out in one `write` on a file opened
 * for appending, then is flushed to disk: an interrupted run leaves no line at all, and runs
 * appending to the same file at once do not interleave. A file whose last line lacks its
 * newline (edited by hand) gets one first, so the new line stays whole.
 */
export function appendResultLine(path: string, line: ResultLine): void {
  appendLineDurable(path, JSON.stringify(line));
}
