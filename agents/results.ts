/**
 * Result lines of training runs: `tfgym train ... --results FILE` appends one JSON object per
 * finished run (`results/train/*.jsonl`), holding the trained agent's greedy evaluation, the
 * budget, the wall time and rate, and everything needed to repeat it (command, seed, preset,
 * resolved config, backend, commit). `scripts/results.mjs` builds RESULTS.md's reinforcement
 * learning tables from these lines only.
 */
import type { GitInfo } from '../src/io/package.js';
import { combineParts, commandLine, roundValue, type MachineInfo, type RunSegment } from '../src/io/result-lines.js';
import type { FinalEval, TrainRunResult } from './run.js';

/** One finished `tfgym train` run, as written to a results file. */
export interface TrainResultLine {
  readonly kind: 'train';
  readonly agent: string;
  readonly env: string;
  readonly envOptions: Record<string, unknown>;
  readonly preset: string | null;
  readonly seed: number;
  readonly numEnvs: number;
  readonly vector: 'sync' | 'async';
  /** The step budget (env steps over all envs), or null when the run had an episode budget only. */
  readonly totalSteps: number | null;
  /** The episode budget, or null. */
  readonly episodeBudget: number | null;
  /** Env steps and episodes trained. */
  readonly steps: number;
  readonly episodes: number;
  /** Mean training return over the last 100 episodes (exploration on). */
  readonly meanReturn100: number;
  /** The greedy evaluation after training (`finalEvalEpisodes` episodes), or null. */
  readonly finalEval: ResultEval | null;
  /** When `finalEval` played the best periodic model: the trained agent's evaluation on the same episodes. */
  readonly trainedEval?: ResultEval;
  /** True when this session resumed the run. */
  readonly resumed: boolean;
  /**
   * Seconds from start to end (the final evaluation included); for a resumed run the sum of its
   * parts (`segments`), when its checkpoints recorded them (else this session's only).
   */
  readonly wallSeconds: number;
  /** A resumed run: each part's commit, dirty flag and wall time, oldest first (absent for a run in one part). */
  readonly segments?: readonly RunSegment[];
  /** Env steps per second of wall time. */
  readonly stepsPerSecond: number;
  readonly backend: string;
  readonly tfgymVersion: string;
  readonly commit: string;
  readonly dirty: boolean | null;
  readonly command: string;
  /** ISO 8601, UTC, when the run ended. */
  readonly date: string;
  readonly machine: MachineInfo;
  /** The agent config, every field resolved. */
  readonly config: Record<string, unknown>;
  /** The learning curve, from the run's `metrics.jsonl` (absent in lines written before it existed). */
  readonly curve?: ReturnCurve;
}

/**
 * A learning curve small enough for a result line: the env-step budget cut into equal bins, and
 * per bin the mean training return (exploration on) of the episodes that ended in it.
 */
export interface ReturnCurve {
  /** Env steps per bin; bin `i` covers steps `(i * binSteps, (i + 1) * binSteps]`. */
  readonly binSteps: number;
  /** Mean return per bin; null for a bin in which no episode ended. */
  readonly meanReturn: readonly (number | null)[];
  /** Episodes that ended per bin. */
  readonly episodes: readonly number[];
}

/** Bins of a {@link ReturnCurve} unless asked otherwise: fine enough to see the dips, small in a line. */
export const CURVE_BINS = 50;

/**
 * The {@link ReturnCurve} of `(step, return)` pairs (one per finished episode, `step` the env
 * step it ended at) over `totalSteps` steps. Episodes logged again (a resumed run replays the steps after its last
 * checkpoint, so its records go back in step) replace the earlier records from that step on.
 */
export function returnCurve(
  points: readonly (readonly [number, number])[],
  totalSteps: number,
  bins = CURVE_BINS,
): ReturnCurve {
  if (!(Number.isInteger(totalSteps) && totalSteps > 0) || !(Number.isInteger(bins) && bins > 0)) {
    throw new RangeError(`returnCurve: totalSteps and bins must be positive integers (got ${totalSteps}, ${bins})`);
  }
  const byStep = new Map<number, number[]>();
  let lastStep = -Infinity;
  for (const [step, value] of points) {
    // A step at or below one already seen starts a replayed stretch: drop what it replaces.
    if (step < lastStep) for (const s of [...byStep.keys()]) if (s >= step) byStep.delete(s);
    lastStep = step;
    const list = byStep.get(step);
    if (list) list.push(value);
    else byStep.set(step, [value]);
  }
  const binSteps = Math.ceil(totalSteps / bins);
  const sums = new Array<number>(bins).fill(0);
  const counts = new Array<number>(bins).fill(0);
  for (const [step, values] of byStep) {
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(step / binSteps) - 1));
    for (const v of values) {
      sums[b] = (sums[b] as number) + v;
      counts[b] = (counts[b] as number) + 1;
    }
  }
  return {
    binSteps,
    meanReturn: sums.map((s, i) =>
      (counts[i] as number) > 0 ? (roundValue(s / (counts[i] as number)) as number) : null,
    ),
    episodes: counts,
  };
}

/** An evaluation as a result line holds it. */
export interface ResultEval {
  readonly episodes: number;
  readonly meanReturn: number;
  readonly stdReturn: number;
  readonly wins: number | null;
  readonly epsilon: number;
  readonly seed: number;
  /** The model played (absent in older lines: the trained agent). */
  readonly model?: 'final' | 'best';
  /** For the best model: the env step of the evaluation that chose it. */
  readonly bestStep?: number;
}

function resultEval(fe: FinalEval): ResultEval {
  const r = (x: number): number => roundValue(x) as number;
  return {
    episodes: fe.episodes,
    meanReturn: r(fe.meanReturn),
    stdReturn: r(fe.stdReturn),
    wins: fe.wins,
    epsilon: fe.epsilon,
    seed: fe.seed,
    model: fe.model,
    ...(fe.bestStep !== undefined ? { bestStep: fe.bestStep } : {}),
  };
}

/** What the run itself does not know: its wall time, command line and provenance. */
export interface TrainLineContext {
  readonly wallSeconds: number;
  /** The arguments after `tfgym`, e.g. `['train', 'dqn', '--env', 'CartPole-v1']`. */
  readonly argv: readonly string[];
  readonly resumed: boolean;
  readonly git: GitInfo;
  readonly version: string;
  readonly machine: MachineInfo;
  readonly date: Date;
  /** The run's learning curve, when its metrics could be read. */
  readonly curve?: ReturnCurve;
}

/** The result line of a finished training run. */
export function trainResultLine(result: TrainRunResult, ctx: TrainLineContext): TrainResultLine {
  const { run } = result;
  const fe = result.finalEval;
  const r = (x: number): number => roundValue(x) as number;
  // A resumed run's parts: those its checkpoint recorded, then this session.
  const parts = combineParts(result.earlierSegments, ctx.git, ctx.wallSeconds);
  const wall = parts.wallSeconds;
  return {
    kind: 'train',
    agent: run.agent,
    env: run.env,
    envOptions: run.envOptions,
    preset: run.preset,
    seed: run.seed,
    numEnvs: run.numEnvs,
    vector: run.vector,
    totalSteps: run.budget.totalSteps ?? null,
    episodeBudget: run.budget.episodes ?? null,
    steps: result.steps,
    episodes: result.episodes,
    meanReturn100: r(result.meanReturn100),
    finalEval: fe ? resultEval(fe) : null,
    ...(result.trainedEval ? { trainedEval: resultEval(result.trainedEval) } : {}),
    resumed: ctx.resumed,
    wallSeconds: Math.round(wall * 1000) / 1000,
    stepsPerSecond: Math.round(result.steps / Math.max(wall, 1e-9)),
    ...(parts.segments ? { segments: parts.segments } : {}),
    backend: run.backend,
    tfgymVersion: ctx.version,
    commit: ctx.git.commit,
    dirty: parts.dirty,
    command: commandLine(ctx.argv),
    date: ctx.date.toISOString(),
    machine: ctx.machine,
    config: run.config,
    ...(ctx.curve ? { curve: ctx.curve } : {}),
  };
}
