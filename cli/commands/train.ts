/**
 * `tfgym train <agent> --env ID ...`: trains `dqn`, `tabular-q` or `random` and writes a run
 * directory (`config.json`, `metrics.jsonl`, `metrics.csv`, TensorBoard events, `checkpoints/`,
 * `best/`). Every hyperparameter is a kebab-case flag generated from the agent's config
 * descriptor, so `--help` and the defaults cannot drift from the code.
 *
 * Other commands (the viewer's `--watch`) reuse {@link runTraining} and subscribe to its events.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { Subject } from 'rxjs';
import type { Agent } from '../../agents/agent.js';
import { ConfigError, fieldHelp, kebabCase, type ConfigDescriptor, type Preset } from '../../agents/config.js';
import { DQN_CONFIG, DQN_PRESETS, DqnAgent, resolveDqnConfig, type DqnConfig } from '../../agents/dqn.js';
import { makeRunEnv, type AgentEnv } from '../../agents/envs.js';
import { RandomAgent, RANDOM_CONFIG } from '../../agents/random.js';
import { resolveTabularQConfig, TABULAR_Q_CONFIG, TabularQAgent, type TabularQConfig } from '../../agents/tabular-q.js';
import { train, type TrainEvent, type TrainResult } from '../../agents/trainer.js';
import { CheckpointError, FileCheckpointStore, latestCheckpointDir, readCheckpoint, writeFileAtomic } from '../../src/io/checkpoints.js';
import { CsvSink, JsonlSink, TensorBoardSink } from '../../src/io/metric-files.js';
import { TeeSink } from '../../src/metrics/sink.js';
import { Rng } from '../../src/rng/rng.js';
import { UsageError } from '../errors.js';
import { addBackendOption, initBackend, intArg } from '../options.js';
import { packageVersion } from '../../src/io/package.js';
import { attachProgress } from '../progress.js';
import { addWatchOptions, runWatched } from '../train-watch.js';
import type { ViewerFlags } from '../viewer-options.js';

/** Seed of evaluation episodes (`seed + i`), the same for every run so evaluations compare. */
export const EVAL_SEED = 1_000_000;

/** How the CLI knows an agent. */
export interface AgentSpec {
  readonly name: string;
  readonly description: string;
  readonly descriptor: ConfigDescriptor<Record<string, unknown>>;
  readonly presets: Readonly<Record<string, Preset<Record<string, unknown>>>>;
  resolve(preset: string | undefined, ...layers: Array<Record<string, unknown> | undefined>): Record<string, unknown>;
  create(config: Record<string, unknown>, env: AgentEnv, rng: Rng, budget: { steps?: number; episodes?: number }): Agent;
}

/** The trainable agents. */
export const AGENT_SPECS: readonly AgentSpec[] = [
  {
    name: 'dqn',
    description: 'Deep Q-Network (Mnih et al. 2015) with double, dueling, n-step, prioritized replay options',
    descriptor: DQN_CONFIG as unknown as ConfigDescriptor<Record<string, unknown>>,
    presets: DQN_PRESETS as unknown as Record<string, Preset<Record<string, unknown>>>,
    resolve: (p, ...l) => resolveDqnConfig(p, ...l) as unknown as Record<string, unknown>,
    create: (c, e, rng, budget) =>
      new DqnAgent(c as unknown as DqnConfig, { obsShape: e.obsShape, obsDtype: e.obsDtype, numActions: e.numActions, obsDivisor: e.obsDivisor, frameStack: e.frameStack }, rng, budget),
  },
  {
    name: 'tabular-q',
    description: 'tabular Q-learning (Watkins 1989) for small discrete envs such as bsuite/Catch-v0',
    descriptor: TABULAR_Q_CONFIG as unknown as ConfigDescriptor<Record<string, unknown>>,
    presets: {},
    resolve: (p, ...l) => {
      if (p !== undefined) throw new RangeError('tabular-q has no presets');
      return resolveTabularQConfig(...l) as unknown as Record<string, unknown>;
    },
    create: (c, e, rng, budget) => new TabularQAgent(c as unknown as TabularQConfig, e.numActions, rng, budget),
  },
  {
    name: 'random',
    description: 'uniformly random actions (the baseline)',
    descriptor: RANDOM_CONFIG as unknown as ConfigDescriptor<Record<string, unknown>>,
    presets: {},
    resolve: (p) => {
      if (p !== undefined) throw new RangeError('random has no presets');
      return {};
    },
    create: (_c, e, rng) => new RandomAgent(e.numActions, rng),
  },
];

/** What `config.json` in a run directory holds. */
export interface RunConfig {
  readonly tfgym: string;
  readonly agent: string;
  readonly env: string;
  readonly envOptions: Record<string, unknown>;
  readonly preset: string | null;
  readonly seed: number;
  readonly backend: string;
  readonly budget: { totalSteps?: number; episodes?: number };
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  readonly checkpointEvery: number;
  readonly saveReplay: boolean;
  readonly config: Record<string, unknown>;
  readonly createdAt: string;
}

/** Parsed flags of `train <agent>`. */
export interface TrainFlags {
  env?: string;
  envOption?: string[];
  preset?: string;
  config?: string;
  seed: number;
  totalSteps?: number;
  episodes?: number;
  runDir?: string;
  resume?: boolean;
  evalEvery: number;
  evalEpisodes: number;
  checkpointEvery: number;
  saveReplay?: boolean;
  quiet?: boolean;
  backend?: string;
  [hyper: string]: unknown;
}

/** Hooks for commands built on top of training (the viewer). */
export interface TrainHooks {
  /** Subscribe before training starts; every {@link TrainEvent} goes here. */
  readonly events?: Subject<TrainEvent>;
  /** Emit per-step events (costly: only for live viewing). */
  readonly emitSteps?: boolean;
  /** Make the training env render `rgb_array` frames (the viewer's `--watch`). */
  readonly render?: boolean;
  /** Yield to the event loop at least this often, in ms (the viewer's sockets). */
  readonly yieldMs?: number;
}

function parseEnvOptions(list: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--env-option expects key=value. Received: ${kv}`);
    const k = kv.slice(0, i);
    const v = kv.slice(i + 1);
    out[k] = v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Default run directory: `runs/<env>__<agent>__<seed>__<time>` (`/` in ids becomes `_`). */
export function defaultRunDir(env: string, agent: string, seed: number, now: Date): string {
  return join('runs', `${env.replace(/[^A-Za-z0-9._-]/g, '_')}__${agent}__${seed}__${timestamp(now)}`);
}

/**
 * Reads a run's `config.json`, its agent config resolved again: fields added to the config since
 * the run began take their defaults (which keep the old behaviour), so train --resume, eval and
 * watch all see a complete config; a field that no longer exists is named.
 */
export function readRunConfig(runDir: string): RunConfig {
  const p = join(runDir, 'config.json');
  if (!existsSync(p)) throw new UsageError(`${runDir} is not a tfgym run directory (no config.json)`);
  try {
    const j = JSON.parse(readFileSync(p, 'utf8')) as RunConfig;
    if (typeof j.agent !== 'string' || typeof j.env !== 'string' || typeof j.config !== 'object') throw new Error('missing fields');
    const spec = AGENT_SPECS.find((a) => a.name === j.agent);
    return spec ? { ...j, config: spec.resolve(undefined, j.config) } : j;
  } catch (e) {
    throw new CheckpointError(`${p} is corrupt: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function hyperFlags(spec: AgentSpec, flags: TrainFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(spec.descriptor)) if (flags[key] !== undefined) out[key] = flags[key];
  return out;
}

/** Runs `train <agent>` with parsed flags; returns the trainer's result. */
export async function runTraining(spec: AgentSpec, flags: TrainFlags, hooks: TrainHooks = {}): Promise<TrainResult> {
  const now = new Date();
  let run: RunConfig;
  let runDir: string;
  const hyper = hyperFlags(spec, flags);
  if (flags.resume) {
    if (!flags.runDir) throw new UsageError('--resume needs --run-dir DIR');
    runDir = flags.runDir;
    const saved = readRunConfig(runDir);
    if (saved.agent !== spec.name) throw new UsageError(`${runDir} holds a ${saved.agent} run, not ${spec.name}`);
    if (Object.keys(hyper).length > 0 || flags.preset || flags.config || flags.env) {
      throw new UsageError(`--resume continues with the run's saved config; drop ${[...Object.keys(hyper).map((k) => `--${kebabCase(k)}`), ...(flags.preset ? ['--preset'] : []), ...(flags.config ? ['--config'] : []), ...(flags.env ? ['--env'] : [])].join(', ')}`);
    }
    run = {
      ...saved,
      budget: flags.totalSteps !== undefined || flags.episodes !== undefined ? { totalSteps: flags.totalSteps, episodes: flags.episodes } : saved.budget,
    };
  } else {
    if (!flags.env) throw new UsageError('--env ID is required (e.g. --env bsuite/Catch-v0)');
    if (flags.totalSteps === undefined && flags.episodes === undefined) throw new UsageError('give a budget: --total-steps N or --episodes N');
    let fileLayer: Record<string, unknown> | undefined;
    if (flags.config) {
      try {
        const j = JSON.parse(readFileSync(flags.config, 'utf8')) as Record<string, unknown>;
        fileLayer = (typeof j['config'] === 'object' && j['config'] !== null ? j['config'] : j) as Record<string, unknown>;
      } catch (e) {
        throw new UsageError(`--config ${flags.config}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    let config: Record<string, unknown>;
    try {
      config = spec.resolve(flags.preset, fileLayer, hyper);
    } catch (e) {
      if (e instanceof RangeError || e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    runDir = flags.runDir ?? defaultRunDir(flags.env, spec.name, flags.seed, now);
    if (existsSync(join(runDir, 'config.json'))) throw new UsageError(`${runDir} already holds a run; use --resume to continue it or choose another --run-dir`);
    run = {
      tfgym: packageVersion(),
      agent: spec.name,
      env: flags.env,
      envOptions: parseEnvOptions(flags.envOption),
      preset: flags.preset ?? null,
      seed: flags.seed,
      backend: '',
      budget: { totalSteps: flags.totalSteps, episodes: flags.episodes },
      evalEvery: flags.evalEvery,
      evalEpisodes: flags.evalEpisodes,
      checkpointEvery: flags.checkpointEvery,
      saveReplay: flags.saveReplay ?? false,
      config,
      createdAt: now.toISOString(),
    };
  }

  const sel = await initBackend(flags.backend, true);
  run = { ...run, backend: sel.name };
  let envs: { train: AgentEnv; eval: AgentEnv };
  try {
    envs = {
      train: makeRunEnv(run.env, hooks.render ? { ...run.envOptions, renderMode: 'rgb_array' } : run.envOptions, run.config),
      eval: makeRunEnv(run.env, run.envOptions, run.config),
    };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const budget = { steps: run.budget.totalSteps, episodes: run.budget.episodes };
  // The agent's stream and the loop's stream both come from the run seed.
  const master = new Rng(run.seed);
  const agentRng = master.fork();
  const loopSeed = master.nextSeed();
  let agent: Agent;
  try {
    agent = spec.create(run.config, envs.train, agentRng, budget);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const resume = flags.resume ? loadResume(runDir) : undefined;

  mkdirSync(runDir, { recursive: true });
  writeFileAtomic(join(runDir, 'config.json'), `${JSON.stringify(run, null, 2)}\n`);
  const out = process.stdout;
  if (!flags.quiet) {
    out.write(`tfgym train ${spec.name} on ${run.env}${run.preset ? ` (preset ${run.preset})` : ''}, seed ${run.seed}, backend ${sel.name} (${sel.reason})\n`);
    out.write(`run dir: ${runDir}${resume ? ` (resuming at step ${resume.trainer.step}, episode ${resume.trainer.episode})` : ''}\n`);
    out.write(`config: ${JSON.stringify(run.config)}\n`);
  }

  const clock = () => Date.now();
  const sink = new TeeSink([new JsonlSink(join(runDir, 'metrics.jsonl')), new CsvSink(join(runDir, 'metrics.csv')), new TensorBoardSink(runDir, clock())]);
  const events = hooks.events ?? new Subject<TrainEvent>();
  const finishProgress = flags.quiet
    ? () => {}
    : attachProgress(events, { out: process.stderr, tty: process.stderr.isTTY === true, totalSteps: run.budget.totalSteps, totalEpisodes: run.budget.episodes, clock });

  const ac = new AbortController();
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: writing a checkpoint (Ctrl-C again to quit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  let result: TrainResult;
  try {
    result = await train({
      agent,
      env: envs.train.env,
      evalEnv: envs.eval.env,
      seed: loopSeed,
      totalSteps: run.budget.totalSteps,
      episodes: run.budget.episodes,
      evalEvery: run.evalEvery,
      evalEpisodes: run.evalEpisodes,
      evalEpsilon: spec.name === 'random' ? 1 : Number(run.config['evalEpsilon'] ?? 0),
      evalSeed: EVAL_SEED,
      checkpointEvery: run.checkpointEvery,
      store: new FileCheckpointStore(runDir),
      saveReplay: run.saveReplay,
      sink,
      clock,
      signal: ac.signal,
      events,
      emitSteps: hooks.emitSteps ?? false,
      yieldMs: hooks.yieldMs,
      resume,
      countWins: /catch/i.test(run.env),
    });
  } catch (e) {
    if (e instanceof Error && /^(the checkpoint|optimizer state|online network|target network|Replay state|resume:)/.test(e.message)) {
      throw new CheckpointError(`cannot resume from ${runDir}: ${e.message}`);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    finishProgress();
    sink.close();
    agent.dispose();
  }
  const ev = result.lastEval;
  const evalText = ev ? `; last eval: mean return ${ev.meanReturn.toFixed(3)}${ev.wins !== null ? `, won ${ev.wins} of ${ev.episodes}` : ''}` : '';
  if (!flags.quiet) {
    out.write(`${result.reason === 'interrupted' ? 'interrupted' : 'done'}: ${result.steps} steps, ${result.episodes} episodes, mean return (last 100) ${result.meanReturn100.toFixed(3)}${evalText}\n`);
    if (result.checkpointPath) out.write(`checkpoint: ${result.checkpointPath}\n`);
  }
  if (result.reason === 'interrupted') process.exitCode = 130;
  return result;
}

function loadResume(runDir: string) {
  const dir = latestCheckpointDir(runDir);
  if (!dir) throw new UsageError(`${runDir} has no checkpoint to resume from`);
  return readCheckpoint(dir);
}

/** Adds one flag per config field, help text from the descriptor (no commander default, so unset flags stay unset). */
function addConfigFlags(cmd: Command, desc: ConfigDescriptor<Record<string, unknown>>): void {
  for (const [key, f] of Object.entries(desc)) {
    const flag = `--${kebabCase(key)}`;
    const arg = f.type === 'bool' ? ' [bool]' : f.type === 'intList' ? ' <list>' : ' <value>';
    cmd.addOption(new Option(`${flag}${arg}`, fieldHelp(f)));
  }
}

/** Registers `train` and its per-agent subcommands. */
export function register(program: Command): void {
  const trainCmd = program
    .command('train')
    .description('train an agent (dqn, tabular-q, random) and write a run directory')
    .exitOverride();
  for (const spec of AGENT_SPECS) {
    const cmd = trainCmd.command(spec.name).description(spec.description).exitOverride();
    cmd
      .option('--env <id>', 'env id, e.g. Catch-v0 or bsuite/Catch-v0')
      .option('--env-option <key=value...>', 'env option (repeatable), e.g. size=80')
      .option('--config <file>', 'JSON file of hyperparameters (flags override it)')
      .option('--seed <n>', 'run seed (agent, episodes, weights)', intArg(0), 1)
      .option('--total-steps <n>', 'budget in env steps', intArg(1))
      .option('--episodes <n>', 'budget in episodes', intArg(1))
      .option('--run-dir <dir>', 'run directory (default runs/<env>__<agent>__<seed>__<time>)')
      .option('--resume', 'continue the run in --run-dir from its latest checkpoint')
      .option('--eval-every <n>', 'evaluate every N env steps and at the end (0 = never); the best model is kept in best/', intArg(0), 0)
      .option('--eval-episodes <n>', 'episodes per evaluation', intArg(1), 100)
      .option('--checkpoint-every <n>', 'checkpoint every N env steps (always at the end and on Ctrl-C)', intArg(0), 0)
      .option('--save-replay', 'include the replay memory in checkpoints (needed for an exact --resume)')
      .option('--quiet', 'no progress output');
    if (Object.keys(spec.presets).length > 0) {
      const help = Object.entries(spec.presets).map(([n, p]) => `${n}: ${p.description.split(':')[0]}`).join('; ');
      cmd.addOption(new Option('--preset <name>', `start from a preset (${help})`).choices(Object.keys(spec.presets)));
    }
    addBackendOption(cmd);
    addWatchOptions(cmd);
    addConfigFlags(cmd, spec.descriptor);
    cmd.action(async (flags: TrainFlags) => {
      if (flags['watch']) await runWatched(flags as TrainFlags & ViewerFlags, (hooks) => runTraining(spec, flags, hooks));
      else await runTraining(spec, flags);
    });
  }
}
