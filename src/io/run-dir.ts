/**
 * A run directory on disk, the one `tfgym train` (and `train()` in `agents/run.ts`) writes and
 * `eval`, `watch` and `train --resume` read:
 * ```
 * config.json                 RunConfig: agent, env, options, seed, budget, the resolved agent config
 * metrics.jsonl, metrics.csv  one line per scalar (see metric-files.ts)
 * events.out.tfevents.*       TensorBoard
 * checkpoints/                latest.json + step-NNNNNNNNN/ folders (see checkpoints.ts)
 * best/                       model.json, weights.bin, eval.json: the best evaluated model
 * ```
 * This module reads and validates `config.json` as data. Resolving the saved agent config against
 * today's agent (fields added since the run began take their defaults) needs the agent registry,
 * so it happens a tier up, in `agents/run.ts`.
 */
import { statfsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CsvSink, JsonlSink, TensorBoardSink } from './metric-files.js';
import { ensureDir, pathExists, readText, writeFileAtomic } from './files.js';
import { TeeSink, type MetricsSink } from '../metrics/sink.js';

/** The run's configuration file. */
export const RUN_CONFIG_FILE = 'config.json';
/** Scalars as JSON Lines. */
export const METRICS_JSONL_FILE = 'metrics.jsonl';
/** Scalars as CSV. */
export const METRICS_CSV_FILE = 'metrics.csv';
/** Folder of checkpoints (with `latest.json`). */
export const CHECKPOINTS_DIR = 'checkpoints';
/** Folder of the best evaluated model. */
export const BEST_DIR = 'best';

/**
 * A problem with a run directory the user named: not a run, already holding one, holding another
 * agent's run, missing a checkpoint or a best model, or a `config.json` that cannot be read.
 */
export class RunDirError extends Error {
  override readonly name = 'RunDirError';
}

/**
 * Settings of a run that do not fit together: a new run without an env or a budget, a resumed
 * run given settings it would ignore, a non-positive episode count.
 */
export class RunOptionsError extends RangeError {
  override readonly name = 'RunOptionsError';
}

/** What `config.json` in a run directory holds. */
export interface RunConfig {
  /** tfgym version that began the run. */
  readonly tfgym: string;
  /** Agent name (`dqn`, `tabular-q`, `random`). */
  readonly agent: string;
  /** Env id. */
  readonly env: string;
  /** Options the env was made with (besides its defaults). */
  readonly envOptions: Record<string, unknown>;
  /** Preset the config started from, or null. */
  readonly preset: string | null;
  /** Run seed (agent, episodes, weights). */
  readonly seed: number;
  /** TensorFlow.js backend of the latest session. */
  readonly backend: string;
  /** Budget of the latest session. */
  readonly budget: { totalSteps?: number; episodes?: number };
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  /** Periodic evaluations play seeds `evalSeed + i` (absent: the final evaluation's, 1,000,000). */
  readonly evalSeed?: number;
  /** Which model the final evaluation plays: the trained one, or the best periodic one (absent: `final`). */
  readonly finalModel?: 'final' | 'best';
  readonly checkpointEvery: number;
  readonly saveReplay: boolean;
  /** Envs stepped in lockstep (1: a single env). */
  readonly numEnvs: number;
  /** How N > 1 envs run: `sync` (one after another in this thread) or `async` (worker threads). */
  readonly vector: VectorKind;
  /** The agent config, every field resolved. */
  readonly config: Record<string, unknown>;
  /** ISO time the run began. */
  readonly createdAt: string;
}

/** How a run's envs are stepped when there are several: in this thread, or in worker threads. */
export type VectorKind = 'sync' | 'async';

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Default run directory: `runs/<env>__<agent>__<seed>__<time>` (`/` in ids becomes `_`). */
export function defaultRunDir(env: string, agent: string, seed: number, now: Date): string {
  return join('runs', `${env.replace(/[^A-Za-z0-9._-]/g, '_')}__${agent}__${seed}__${timestamp(now)}`);
}

/** File systems no run can live in (statfs magic numbers): procfs, sysfs, cgroup, debugfs. */
const PSEUDO_FILESYSTEMS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
};

/**
 * Checks before anything is created that `runDir` can be a run directory: it is a folder or does
 * not exist yet, its nearest existing parent is a folder, and that parent is on a real file system
 * (creating folders inside `/proc` makes Node 20's recursive mkdir spin forever). Throws
 * {@link RunDirError} naming the problem.
 */
export function checkRunDirPath(runDir: string): void {
  let p = resolve(runDir);
  let child: string | null = null;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      const up = dirname(p);
      if (up === p) return;
      child = p;
      p = up;
      continue;
    }
    if (!isDir) {
      throw new RunDirError(
        child === null
          ? `${runDir} is a file, not a run directory`
          : `${runDir} cannot be created: ${p} is a file, not a folder`,
      );
    }
    let type: number | undefined;
    try {
      type = statfsSync(p).type;
    } catch {
      type = undefined;
    }
    const fs = type === undefined ? undefined : PSEUDO_FILESYSTEMS[type];
    if (fs !== undefined)
      throw new RunDirError(`${runDir} lies in the kernel's ${fs} file system (${p}): choose a real folder`);
    return;
  }
}

/** Whether `runDir` holds a run (has a `config.json`). */
export function hasRunConfig(runDir: string): boolean {
  return pathExists(join(runDir, RUN_CONFIG_FILE));
}

function parseJson(p: string): unknown {
  try {
    return JSON.parse(readText(p)) as unknown;
  } catch (e) {
    throw new RunDirError(`${p} is corrupt: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a run's `config.json` as saved (the agent config not resolved again: see the module
 * comment). Throws {@link RunDirError} when there is none or when it is not a run config.
 */
export function readRunConfig(runDir: string): RunConfig {
  const p = join(runDir, RUN_CONFIG_FILE);
  if (!pathExists(p)) throw new RunDirError(`${runDir} is not a tfgym run directory (no ${RUN_CONFIG_FILE})`);
  const j = parseJson(p);
  if (!isRecord(j) || typeof j['agent'] !== 'string' || typeof j['env'] !== 'string' || !isRecord(j['config'])) {
    throw new RunDirError(`${p} is corrupt: missing agent, env or config`);
  }
  const num = (k: string, d: number): number => (typeof j[k] === 'number' ? j[k] : d);
  const budget = isRecord(j['budget']) ? j['budget'] : {};
  // Older or hand-edited files may lack the bookkeeping fields: they take the CLI's defaults.
  return {
    tfgym: typeof j['tfgym'] === 'string' ? j['tfgym'] : '',
    agent: j['agent'],
    env: j['env'],
    envOptions: isRecord(j['envOptions']) ? j['envOptions'] : {},
    preset: typeof j['preset'] === 'string' ? j['preset'] : null,
    seed: num('seed', 1),
    backend: typeof j['backend'] === 'string' ? j['backend'] : '',
    budget: {
      ...(typeof budget['totalSteps'] === 'number' ? { totalSteps: budget['totalSteps'] } : {}),
      ...(typeof budget['episodes'] === 'number' ? { episodes: budget['episodes'] } : {}),
    },
    evalEvery: num('evalEvery', 0),
    evalEpisodes: num('evalEpisodes', 100),
    ...(typeof j['evalSeed'] === 'number' ? { evalSeed: j['evalSeed'] } : {}),
    ...(j['finalModel'] === 'best' || j['finalModel'] === 'final' ? { finalModel: j['finalModel'] } : {}),
    checkpointEvery: num('checkpointEvery', 0),
    saveReplay: j['saveReplay'] === true,
    numEnvs: Number.isInteger(j['numEnvs']) && (j['numEnvs'] as number) >= 1 ? (j['numEnvs'] as number) : 1,
    vector: j['vector'] === 'async' ? 'async' : 'sync',
    config: j['config'],
    createdAt: typeof j['createdAt'] === 'string' ? j['createdAt'] : '',
  };
}

/**
 * The `(step, value)` records of one scalar tag in a run's `metrics.jsonl`, in file order; empty
 * when the file is missing. Lines that are not records of `tag` (or a torn last line after a
 * crash) are skipped.
 */
export function readScalarSeries(runDir: string, tag: string): [number, number][] {
  const p = join(runDir, METRICS_JSONL_FILE);
  if (!pathExists(p)) return [];
  const out: [number, number][] = [];
  for (const line of readText(p).split('\n')) {
    if (!line.includes(tag)) continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (isRecord(r) && r['tag'] === tag && typeof r['step'] === 'number' && typeof r['value'] === 'number')
      out.push([r['step'], r['value']]);
  }
  return out;
}

/** Writes `config.json` (atomically, creating the directory). */
export function writeRunConfig(runDir: string, run: RunConfig): void {
  ensureDir(runDir);
  writeFileAtomic(join(runDir, RUN_CONFIG_FILE), `${JSON.stringify(run, null, 2)}\n`);
}

/** The folder of a run's best model. */
export function bestModelDir(runDir: string): string {
  return join(runDir, BEST_DIR);
}

/**
 * The best model's `eval.json` (its evaluation, and the observation statistics it was evaluated
 * with when the run normalizes observations); a {@link RunDirError} when it cannot be read.
 */
export function readBestInfo(runDir: string): Record<string, unknown> {
  const p = join(runDir, BEST_DIR, 'eval.json');
  if (!pathExists(p)) throw new RunDirError(`${runDir} has no ${BEST_DIR}/eval.json`);
  const j = parseJson(p);
  if (!isRecord(j)) throw new RunDirError(`${p} is corrupt: not a JSON object`);
  return j;
}

/** Whether a run kept a best model (trained with evaluations). */
export function hasBestModel(runDir: string): boolean {
  return pathExists(join(runDir, BEST_DIR, 'model.json'));
}

/**
 * The metrics files of a run (`metrics.jsonl`, `metrics.csv`, a new TensorBoard events file),
 * appended to when the run is resumed. `startMs` names the events file. Close it when done.
 */
export function runMetricsSink(runDir: string, startMs: number): MetricsSink {
  ensureDir(runDir);
  return new TeeSink([
    new JsonlSink(join(runDir, METRICS_JSONL_FILE)),
    new CsvSink(join(runDir, METRICS_CSV_FILE)),
    new TensorBoardSink(runDir, startMs),
  ]);
}
