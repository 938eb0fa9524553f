/**
 * What every result line shares, whatever ran (`tfgym example`, `tfgym train`): the machine it
 * ran on, the command line as a shell would take it, numbers rounded to what float32 carries.
 * `scripts/results.mjs` builds RESULTS.md's tables from such lines only.
 */
import { cpus } from 'node:os';
import type { GitInfo } from './package.js';

/** The machine a run measured its wall time on. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
}

/** This machine. */
export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/**
 * One part of a run that was stopped and resumed (a GAN example's or a training run's): the code
 * it ran (git commit, tracked files changed or not) and its wall time. A result line of a resumed
 * run lists every part and counts their sum.
 */
export interface RunSegment {
  readonly commit: string;
  readonly dirty: boolean | null;
  readonly wallSeconds: number;
}

/** The part of a run that ran the code `git` (unknown when not given) for `wallSeconds` (kept to 0.1 s). */
export function runSegment(git: GitInfo | undefined, wallSeconds: number): RunSegment {
  return {
    commit: git?.commit ?? 'unknown',
    dirty: git?.dirty ?? null,
    wallSeconds: Math.round(wallSeconds * 10) / 10,
  };
}

/**
 * What a result line says of a run whose parts before this one are `earlier`: nothing when there
 * are none (the line keeps this part's commit, dirty flag and wall time); else every part, the
 * sum of their wall times, and dirty if any part was (null if any part's is unknown).
 */
export function combineParts(
  earlier: readonly RunSegment[],
  git: GitInfo,
  wallSeconds: number,
): { segments?: RunSegment[]; wallSeconds: number; dirty: boolean | null } {
  if (earlier.length === 0) return { wallSeconds, dirty: git.dirty };
  const segments = [...earlier, runSegment(git, wallSeconds)];
  const dirty = segments.some((s) => s.dirty === true) ? true : segments.some((s) => s.dirty === null) ? null : false;
  return { segments, wallSeconds: segments.reduce((t, s) => t + s.wallSeconds, 0), dirty };
}

/** Quotes one command-line argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `tfgym ARGS...` as a shell would take it. */
export function commandLine(argv: readonly string[]): string {
  return ['tfgym', ...argv].map(shellQuote).join(' ');
}

/** Rounds to 6 significant digits: float32 metrics carry no more, and lines stay short. */
export function round6(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}

/** Every number of a value rounded by {@link round6}, inside objects and arrays too. */
export function roundValue(v: unknown): unknown {
  if (typeof v === 'number') return round6(v);
  if (Array.isArray(v)) return v.map(roundValue);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundValue(x)]));
  return v;
}
