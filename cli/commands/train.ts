/**
 * `tfgym train <agent> --env ID ...`: trains `dqn`, `drqn`, `tabular-q` or `random` with `train()` from
 * `agents/run.ts` (which writes the run directory) and prints what happens. Every hyperparameter
 * is a kebab-case flag generated from the agent's config descriptor, so `--help` and the
 * defaults cannot drift from the code. This module only turns flags into options and results
 * into lines.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { Subject } from 'rxjs';
import { fieldHelp, kebabCase } from '../../agents/config.js';
import { AGENTS, type AgentEntry } from '../../agents/registry.js';
import { returnCurve, trainResultLine } from '../../agents/results.js';
import { DEFAULT_EVAL_EPISODES, EVAL_SEED, train, type TrainRunResult } from '../../agents/run.js';
import type { TrainEvent } from '../../agents/trainer.js';
import { parseOptions } from '../../src/core/registry.js';
import { probeBackend } from '../../src/backends/index.js';
import { BACKEND_CHOICES, type ConcreteBackend } from '../../src/backends/provider.js';
import { appendLineDurable } from '../../src/io/files.js';
import { gitInfo, packageVersion } from '../../src/io/package.js';
import { machineInfo } from '../../src/io/result-lines.js';
import { readRunConfig, readScalarSeries } from '../../src/io/run-dir.js';
import { TAGS } from '../../src/metrics/sink.js';
import { UsageError } from '../errors.js';
import { backendRequest, collectKeyValue, intArg, addBackendOption, typedArgs } from '../options.js';
import { attachProgress } from '../progress.js';
import { addWatchOptions, runWatched, type WatchHooks } from '../train-watch.js';
import type { ViewerFlags } from '../viewer-options.js';

/** Parsed flags of `train <agent>`. */
export interface TrainFlags {
  env?: string;
  envOption?: Record<string, string>;
  preset?: string;
  config?: string;
  seed: number;
  numEnvs?: number;
  vector?: 'sync' | 'async';
  totalSteps?: number;
  episodes?: number;
  runDir?: string;
  resume?: boolean;
  evalEvery: number;
  evalEpisodes: number;
  evalSeed?: number;
  finalModel?: 'final' | 'best';
  finalEvalEpisodes?: number;
  checkpointEvery: number;
  saveReplay?: boolean;
  quiet?: boolean;
  backend?: string;
  /** Append the run's result line to this JSON Lines file when it finishes. */
  results?: string;
  [hyper: string]: unknown;
}

/** The hyperparameter flags given (by config key). */
function hyperFlags(spec: AgentEntry, flags: TrainFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(spec.descriptor)) if (flags[key] !== undefined) out[key] = flags[key];
  return out;
}

/** The `--config FILE` layer: the file's `config` object (a run's config.json) or the whole file. */
function readConfigFile(path: string): Record<string, unknown> {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(j)) throw new UsageError(`--config ${path}: expected a JSON object`);
  const inner = j['config'];
  return isRecord(inner) ? inner : j;
}

/** The concrete backend a run directory's config.json names, if it names one tfgym knows. */
function savedBackend(runDir: string): ConcreteBackend | undefined {
  try {
    const b = readRunConfig(runDir).backend;
    return (BACKEND_CHOICES as readonly string[]).includes(b) && b !== 'auto' ? (b as ConcreteBackend) : undefined;
  } catch {
    return undefined; // train() reports the broken run directory itself
  }
}

/** One line for an evaluation result. */
function evalLine(r: { meanReturn: number; stdReturn: number; wins: number | null; episodes: number }): string {
  return `${r.wins !== null ? `won ${r.wins} of ${r.episodes}, ` : ''}mean return ${r.meanReturn.toFixed(3)} ± ${r.stdReturn.toFixed(3)}`;
}

/**
 * Runs `train <agent>` with parsed flags: checks what only flags can get wrong, calls `train()`
 * with the progress display and Ctrl-C handling attached, and prints the outcome.
 */
export async function trainCommand(
  spec: AgentEntry,
  flags: TrainFlags,
  hooks: Partial<WatchHooks> = {},
  argv: readonly string[] = process.argv.slice(2),
): Promise<TrainRunResult> {
  const started = performance.now();
  // The code that runs is the code at the start: commits made while a long run trains must not
  // be credited with its result.
  const git = gitInfo();
  const hyper = hyperFlags(spec, flags);
  let config: Record<string, unknown> | undefined;
  let envOptions: ReturnType<typeof parseOptions> | undefined;
  if (flags.resume) {
    if (!flags.runDir) throw new UsageError('--resume needs --run-dir DIR');
    const refused = [
      ...Object.keys(hyper).map((k) => `--${kebabCase(k)}`),
      ...(flags.preset ? ['--preset'] : []),
      ...(flags.config ? ['--config'] : []),
      ...(flags.env ? ['--env'] : []),
      ...(flags.envOption ? ['--env-option'] : []),
      ...(flags.numEnvs !== undefined ? ['--num-envs'] : []),
      ...(flags.vector !== undefined ? ['--vector'] : []),
    ];
    if (refused.length > 0)
      throw new UsageError(`--resume continues with the run's saved config; drop ${refused.join(', ')}`);
  } else {
    if (!flags.env) throw new UsageError('--env ID is required (e.g. --env bsuite/Catch-v0)');
    if (flags.totalSteps === undefined && flags.episodes === undefined)
      throw new UsageError('give a budget: --total-steps N or --episodes N');
    if (flags['watch'] && (flags.numEnvs ?? 1) > 1)
      throw new UsageError('--watch shows one env: drop --num-envs, or watch the trained run with tfgym watch');
    if (flags['watch'] && flags.vector === 'async')
      throw new UsageError('--watch renders the env in this thread: drop --vector async');
    // Flags override the file; both are validated together by the agent's resolve.
    config = { ...(flags.config ? readConfigFile(flags.config) : {}), ...hyper };
    envOptions = flags.envOption ? parseOptions(flags.env, flags.envOption) : undefined;
  }

  const quiet = flags.quiet === true;
  const out = process.stdout;
  // A resumed run continues on the backend it was trained on (backends round differently), unless
  // --backend or TFGYM_BACKEND says otherwise or that backend is not available here.
  let backend = backendRequest(flags.backend);
  if (flags.resume && flags.backend === undefined && !process.env['TFGYM_BACKEND'] && flags.runDir !== undefined) {
    const saved = savedBackend(flags.runDir);
    if (saved !== undefined && (await probeBackend(saved)).available) backend = saved;
  }
  const events = hooks.events ?? new Subject<TrainEvent>();
  let finishProgress = (): void => {};
  const ac = new AbortController();
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: writing a checkpoint (Ctrl-C again to quit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  let result: TrainRunResult;
  try {
    result = await train({
      agent: spec.name,
      env: flags.env,
      envOptions,
      preset: flags.preset,
      config,
      seed: flags.seed,
      numEnvs: flags.numEnvs,
      vector: flags.vector,
      totalSteps: flags.totalSteps,
      episodes: flags.episodes,
      runDir: flags.runDir,
      resume: flags.resume,
      evalEvery: flags.evalEvery,
      evalEpisodes: flags.evalEpisodes,
      evalSeed: flags.evalSeed,
      finalModel: flags.finalModel,
      finalEvalEpisodes: flags.finalEvalEpisodes,
      checkpointEvery: flags.checkpointEvery,
      saveReplay: flags.saveReplay,
      events,
      emitSteps: hooks.emitSteps,
      renderTraining: hooks.render,
      yieldMs: hooks.yieldMs,
      signal: ac.signal,
      backend,
      provenance: git,
      onStart: ({ runDir, run, resumedAt, restarted, cleanup, checkpointFallback, backend }) => {
        if (checkpointFallback) process.stderr.write(`${checkpointFallback}\n`);
        // Said even when quiet: the user asked to resume and gets a fresh start instead.
        if (restarted)
          process.stderr.write(
            `${runDir} has no complete checkpoint (stopped before its first one): starting it again from step 0 with its saved settings\n`,
          );
        if (cleanup.removed.length + cleanup.restored.length > 0 && !quiet)
          process.stderr.write(
            `cleaned up after an interrupted write: removed ${cleanup.removed.length} temporary file(s)${cleanup.restored.length ? `, put back ${cleanup.restored.join(', ')}` : ''}\n`,
          );
        if (quiet) return;
        const how = backend ? `${backend.name} (${backend.reason})` : run.backend;
        out.write(
          `tfgym train ${spec.name} on ${run.env}${run.preset ? ` (preset ${run.preset})` : ''}, seed ${run.seed}, backend ${how}\n`,
        );
        out.write(
          `run dir: ${runDir}${resumedAt ? ` (resuming at step ${resumedAt.step}, episode ${resumedAt.episode})` : ''}\n`,
        );
        if (run.numEnvs > 1 || run.vector === 'async')
          out.write(
            `envs: ${run.numEnvs} in lockstep (${run.vector === 'async' ? 'worker threads' : 'this thread'}); ` +
              'steps, periods and budgets count env steps over all envs\n',
          );
        out.write(`config: ${JSON.stringify(run.config)}\n`);
        const { totalSteps, episodes } = run.budget;
        if (totalSteps !== undefined && episodes !== undefined)
          out.write(`budget: ${totalSteps} steps or ${episodes} episodes, whichever runs out first\n`);
        finishProgress = attachProgress(events, {
          out: process.stderr,
          tty: process.stderr.isTTY === true,
          totalSteps: run.budget.totalSteps,
          totalEpisodes: run.budget.episodes,
          clock: Date.now,
        });
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    finishProgress();
  }
  if (!quiet) {
    const ev = result.lastEval;
    const evalText = ev
      ? `; last eval: mean return ${ev.meanReturn.toFixed(3)}${ev.wins !== null ? `, won ${ev.wins} of ${ev.episodes}` : ''}`
      : '';
    out.write(
      `${result.reason === 'interrupted' ? 'interrupted' : 'done'}: ${result.steps} steps, ${result.episodes} episodes, mean return (last 100) ${result.meanReturn100.toFixed(3)}${evalText}\n`,
    );
    const fe = result.finalEval;
    if (fe)
      out.write(
        `greedy evaluation of ${fe.model === 'best' ? `the best model (evaluation at step ${fe.bestStep ?? '?'})` : 'the trained agent'} (${fe.episodes} episodes, seeds ${fe.seed}..${fe.seed + fe.episodes - 1}): ${evalLine(fe)}\n`,
      );
    if (result.checkpointPath) out.write(`checkpoint: ${result.checkpointPath}\n`);
  }
  if (flags.results !== undefined) {
    if (result.reason === 'interrupted') {
      process.stderr.write(`no result line: the run was interrupted (resume it with --resume to finish it)\n`);
    } else {
      const wallSeconds = (performance.now() - started) / 1000;
      // The curve's x axis is the step budget (or the steps run, for an episode budget).
      const returns = readScalarSeries(result.runDir, TAGS.episodicReturn);
      const span = result.run.budget.totalSteps ?? result.steps;
      const line = trainResultLine(result, {
        wallSeconds,
        curve: returns.length > 0 && span > 0 ? returnCurve(returns, span) : undefined,
        argv,
        resumed: flags.resume === true,
        git,
        version: packageVersion(),
        machine: machineInfo(),
        date: new Date(),
      });
      appendLineDurable(flags.results, JSON.stringify(line));
      process.stderr.write(`result line appended to ${flags.results}\n`);
    }
  }
  if (result.reason === 'interrupted') process.exitCode = 130;
  return result;
}

/** Adds one flag per config field, help text from the descriptor (no commander default, so unset flags stay unset). */
function addConfigFlags(cmd: Command, spec: AgentEntry): void {
  for (const [key, f] of Object.entries(spec.descriptor)) {
    const flag = `--${kebabCase(key)}`;
    const arg = f.type === 'bool' ? ' [bool]' : f.type === 'intList' ? ' <list>' : ' <value>';
    cmd.addOption(new Option(`${flag}${arg}`, fieldHelp(f)));
  }
}

/** Registers `train` and its per-agent subcommands. */
export function register(program: Command): void {
  const trainCmd = program
    .command('train')
    .description(`train an agent (${AGENTS.map((a) => a.name).join(', ')}) and write a run directory`)
    .exitOverride();
  for (const spec of AGENTS) {
    const cmd = trainCmd.command(spec.name).description(spec.description).exitOverride();
    cmd
      .option('--env <id>', 'env id, e.g. Catch-v0 or bsuite/Catch-v0')
      .option(
        '--env-option <key=value...>',
        'env option (repeatable), e.g. size=80; typed like tfgym trace --opt',
        collectKeyValue,
      )
      .option('--config <file>', 'JSON file of hyperparameters (flags override it)')
      .option('--seed <n>', 'run seed (agent, episodes, weights)', intArg(0), 1)
      .option(
        '--num-envs <n>',
        'envs stepped in lockstep: one batched action choice per step, one shared replay (default 1)',
        intArg(1, 1024),
      )
      .addOption(
        new Option(
          '--vector <kind>',
          'how --num-envs envs run: sync (this thread) or async (worker threads); same trajectories (default sync)',
        ).choices(['sync', 'async']),
      )
      .option('--total-steps <n>', 'budget in env steps', intArg(1))
      .option('--episodes <n>', 'budget in episodes', intArg(1))
      .option('--run-dir <dir>', 'run directory (default runs/<env>__<agent>__<seed>__<time>)')
      .option('--resume', 'continue the run in --run-dir from its latest checkpoint')
      .option(
        '--eval-every <n>',
        'evaluate every N env steps and at the end (0 = never); the best model is kept in best/',
        intArg(0),
        0,
      )
      .option('--eval-episodes <n>', 'episodes per evaluation', intArg(1), DEFAULT_EVAL_EPISODES)
      .option(
        '--eval-seed <n>',
        `evaluations play seeds N+i (default ${EVAL_SEED}, the final evaluation's; another base keeps the choice of the best model off the episodes that measure it)`,
        intArg(0),
      )
      .addOption(
        new Option(
          '--final-model <which>',
          "model of the final evaluation: final (the trained agent) or best (the best evaluation's, kept with --eval-every) (default final)",
        ).choices(['final', 'best']),
      )
      .option(
        '--final-eval-episodes <n>',
        `episodes of the greedy evaluation after training, seeds ${EVAL_SEED}+i (default: --eval-episodes; 0 = none)`,
        intArg(0),
      )
      .option('--checkpoint-every <n>', 'checkpoint every N env steps (always at the end and on Ctrl-C)', intArg(0), 0)
      .option('--save-replay', 'include the replay memory in checkpoints (needed for an exact --resume)')
      .option('--quiet', 'no progress output')
      .option(
        '--results <file>',
        'when the run finishes, append its result line (final evaluation, wall time, command) to this JSON Lines file, e.g. results/train/classic-control.jsonl',
      );
    if (Object.keys(spec.presets).length > 0) {
      const help = Object.entries(spec.presets)
        .map(([n, p]) => `${n}: ${p.description.split(':')[0]}`)
        .join('; ');
      cmd.addOption(new Option('--preset <name>', `start from a preset (${help})`).choices(Object.keys(spec.presets)));
    }
    addBackendOption(cmd);
    addWatchOptions(cmd);
    addConfigFlags(cmd, spec);
    cmd.action(async (flags: TrainFlags) => {
      const argv = typedArgs(cmd);
      if (flags['watch'])
        await runWatched(flags as TrainFlags & ViewerFlags, (hooks) => trainCommand(spec, flags, hooks, argv));
      else await trainCommand(spec, flags, {}, argv);
    });
  }
}
