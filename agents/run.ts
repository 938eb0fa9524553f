/**
 * Runs as library functions, with the semantics of `tfgym train` and `tfgym eval`:
 *
 * - {@link train} trains an agent from the registry on an env and writes a run directory
 *   (`config.json`, `metrics.jsonl`, `metrics.csv`, TensorBoard events, `checkpoints/`, `best/`;
 *   see `src/io/run-dir.ts`), or continues one (`resume`), then plays a greedy evaluation;
 * - {@link evaluate} loads a run's best model (or latest checkpoint) and plays N episodes;
 * - {@link loadRunPolicy} loads a run's policy and an env built like its training env (for the
 *   viewer and the benchmarks).
 *
 * They never print and never pick a TensorFlow.js backend unless given `backend`; progress goes
 * out on the `events` Subject, scalars to the run's files and an optional extra sink. Errors a
 * caller can fix come as classes: {@link ConfigError} (agent, preset, config), `EnvError` (env id
 * and options), `RunDirError` (the run directory), {@link RunOptionsError} (options that do not
 * fit together, from `src/io/run-dir.ts`), `CheckpointError` (a checkpoint or model that cannot be read or resumed),
 * `BackendError` (the backend).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Subject } from 'rxjs';
import { useBackend, type BackendChoice, type BackendSelection } from '../src/backends/index.js';
import { AsyncVectorEnv } from '../src/core/async-vector-env.js';
import { countsWins, EnvError, type EnvOptionValue } from '../src/core/registry.js';
import { SyncVectorEnv } from '../src/core/vector-env.js';
import type { RunningMeanStdState } from '../src/core/wrappers/utils.js';
import type { AnyTypedArray } from '../src/core/spaces.js';
import {
  CheckpointError,
  cleanStaleTemps,
  FileCheckpointStore,
  findLatestCheckpoint,
  readCheckpoint,
  type TempCleanup,
} from '../src/io/checkpoints.js';
import { loadModel, ModelFileError } from '../src/io/model-io.js';
import { packageVersion, type GitInfo } from '../src/io/package.js';
import {
  bestModelDir,
  checkRunDirPath,
  defaultRunDir,
  hasBestModel,
  hasRunConfig,
  readBestInfo,
  readRunConfig,
  runMetricsSink,
  RunDirError,
  RunOptionsError,
  writeRunConfig,
  type RunConfig,
  type VectorKind,
} from '../src/io/run-dir.js';
import { TeeSink, type MetricsSink } from '../src/metrics/sink.js';
import { Rng } from '../src/rng/rng.js';
import type { Agent } from './agent.js';
import { ConfigError } from './config.js';
import { makeRunEnv, observationNormalization, type AgentEnv } from './envs.js';
import { evaluate as playEpisodes, type EvalResult, type QPolicy } from './evaluate.js';
import { normalizingPolicy } from './normalize.js';
import { RecurrentQPolicy } from './drqn.js';
import { recurrentStateSpec } from '../models/recurrent-q.js';
import { CategoricalQ, categoricalPolicyModel, outputsCategoricalMeans } from '../models/categorical-q.js';
import { setModelNoisy } from '../models/noisy-dense.js';
import { categoricalSupport } from './distributional.js';
import { readReturnDistributions } from './distributional-loss.js';
import { agentNames, agentSpec, type AgentEntry } from './registry.js';
import {
  train as runTrainer,
  type NormalizeOptions,
  type TrainEvent,
  type TrainResult,
  type TypedVectorEnv,
} from './trainer.js';

export { RunDirError, RunOptionsError, type RunConfig, type VectorKind } from '../src/io/run-dir.js';

/** Seed of evaluation episodes (`EVAL_SEED + i`), the same for every run so evaluations compare. */
export const EVAL_SEED = 1_000_000;

/** Episodes per evaluation unless told otherwise (`--eval-episodes`). */
export const DEFAULT_EVAL_EPISODES = 100;

/** Which saved policy to load: `best/` (when the run kept one), the latest checkpoint, or best when there is one. */
export type ModelChoice = 'auto' | 'best' | 'latest';

/** Options of {@link train}. */
export interface TrainRunOptions {
  /** Agent name from the registry: `'dqn'`, `'drqn'`, `'tabular-q'` or `'random'` (see `agentNames()`). */
  readonly agent: string;
  /** Env id, e.g. `'Catch-v0'` or `'bsuite/Catch-v0'`. Required for a new run; a resumed run keeps its own. */
  readonly env?: string;
  /** Env options (checked against the env's registered options), e.g. `{ size: 40 }`. New runs only. */
  readonly envOptions?: Readonly<Record<string, EnvOptionValue>>;
  /** Preset the agent config starts from (dqn: `'book'`, `'catch'`, `'nature'`, `'minatar'`, ...). New runs only. */
  readonly preset?: string;
  /**
   * Agent config overrides over the defaults and the preset, e.g. `{ learningRate: 1e-3 }`; validated. New runs only.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Run seed: the agent's stream (weights, exploration, replay) and the episode seeds. Default 1. */
  readonly seed?: number;
  /**
   * Envs stepped in lockstep (a vector env): one batched action choice per vector step, one
   * shared replay. Budgets, evaluation and checkpoint periods count env steps over all envs. New
   * runs only. Default 1.
   */
  readonly numEnvs?: number;
  /**
   * How the envs run: `'sync'` (one after another in this thread) or `'async'` (worker threads,
   * `AsyncVectorEnv`; envs without the book preprocessing). Both give the same trajectories. New
   * runs only. Default `'sync'`.
   */
  readonly vector?: VectorKind;
  /**
   * Budget in env steps (give this or `episodes`; both: whichever ends first). On resume, default: the saved budget.
   */
  readonly totalSteps?: number;
  /** Budget in episodes. */
  readonly episodes?: number;
  /** Run directory. Default `runs/<env>__<agent>__<seed>__<time>`; required with `resume`. */
  readonly runDir?: string;
  /**
   * Continue the run in `runDir` from its latest checkpoint, with its saved agent, env, config,
   * seed and evaluation settings (`env`, `envOptions`, `preset` and `config` are refused).
   */
  readonly resume?: boolean;
  /** Evaluate every this many env steps and at the end, keeping the best model in `best/` (0 = never). Default 0. */
  readonly evalEvery?: number;
  /** Episodes per evaluation. Default 100. */
  readonly evalEpisodes?: number;
  /**
   * Periodic evaluations play seeds `evalSeed + i`. Default {@link EVAL_SEED}, the final
   * evaluation's: give another base to keep the choice of the best model off the episodes that
   * then measure it (`finalModel: 'best'`).
   */
  readonly evalSeed?: number;
  /**
   * Which model the final evaluation plays: `'final'` (the trained agent, default) or `'best'` (the
   * best periodic evaluation's model in `best/`, as `tfgym eval` loads by default; the trained
   * agent when no evaluation ran). SB3's EvalCallback keeps such a best model.
   */
  readonly finalModel?: 'final' | 'best';
  /** Episodes of the greedy evaluation after training (0 = none). Default: `evalEpisodes` (100). */
  readonly finalEvalEpisodes?: number;
  /** Checkpoint every this many env steps (0 = only at the end and when interrupted). Default 0. */
  readonly checkpointEvery?: number;
  /** Include the replay memory in checkpoints (needed for an exactly reproducible resume). Default false. */
  readonly saveReplay?: boolean;
  /** Receives every training event (start, episode, update, eval, checkpoint, end), synchronously from the loop. */
  readonly events?: Subject<TrainEvent>;
  /** Emit a `step` event per env step (costly: for live viewing only). Default false. */
  readonly emitSteps?: boolean;
  /** Make the training env render `rgb_array` frames (for a live viewer). Default false. */
  readonly renderTraining?: boolean;
  /** Yield to the event loop at least this often, in ms (a live viewer's sockets). Default: every 200 steps only. */
  readonly yieldMs?: number;
  /** An extra metrics sink; every scalar also goes to the run directory's files. It is flushed, not closed. */
  readonly sink?: MetricsSink;
  /** Aborting it stops training at the next step; a checkpoint is written and the result says `interrupted`. */
  readonly signal?: AbortSignal;
  /** Activate this TensorFlow.js backend first (default: leave the current one). */
  readonly backend?: BackendChoice;
  /** Milliseconds since the epoch (metrics wall time, the default run dir's name). Default `Date.now`. */
  readonly clock?: () => number;
  /** Called once everything is checked and `config.json` is written, just before the first step. */
  readonly onStart?: (start: TrainRunStart) => void;
  /** The code that runs (the CLI's git commit and dirty flag): checkpoints record it with each part's wall time. */
  readonly provenance?: GitInfo;
}

/** What {@link TrainRunOptions.onStart} receives. */
export interface TrainRunStart {
  /** The run directory (the default one when `runDir` was not given). */
  readonly runDir: string;
  /** The run's `config.json` as written. */
  readonly run: RunConfig;
  /** Where a resumed run continues, or null for a new run (or a resumed one that had no checkpoint). */
  readonly resumedAt: { readonly step: number; readonly episode: number } | null;
  /**
   * True when `resume` found no checkpoint (the run was stopped before its first one was
   * complete): it starts again from step 0 with its saved settings.
   */
  readonly restarted: boolean;
  /** Temporary files of interrupted writes (by processes no longer running) removed or put back. */
  readonly cleanup: TempCleanup;
  /** Why the resumed checkpoint is not the one `latest.json` names (missing or corrupt), or null. */
  readonly checkpointFallback: string | null;
  /** The backend activated for `backend`, or null when none was asked for. */
  readonly backend: BackendSelection | null;
}

/** The greedy evaluation after training. */
export interface FinalEval extends EvalResult {
  /** Epsilon played with: 0 (greedy), 1 for the random agent. */
  readonly epsilon: number;
  /** Episode i reset with seed `seed + i` ({@link EVAL_SEED}, as `tfgym eval` by default). */
  readonly seed: number;
  /** The model played: the trained agent, or the best periodic evaluation's (`finalModel: 'best'`). */
  readonly model: 'final' | 'best';
  /** For `model: 'best'`: the env step of the evaluation that chose it. */
  readonly bestStep?: number;
}

/** What {@link train} returns. */
export interface TrainRunResult extends TrainResult {
  /** The run directory written. */
  readonly runDir: string;
  /** The run's `config.json`. */
  readonly run: RunConfig;
  /** The greedy evaluation after training; null when interrupted or `finalEvalEpisodes` is 0. */
  readonly finalEval: FinalEval | null;
  /**
   * When `finalEval` played the best model: the same evaluation of the trained agent, so one run
   * reports both (null otherwise).
   */
  readonly trainedEval: FinalEval | null;
}

/** Options of {@link evaluate}. */
export interface EvalRunOptions {
  /** A run directory written by {@link train} or `tfgym train`. */
  readonly runDir: string;
  /** Episodes to play. Default 100. */
  readonly episodes?: number;
  /** Exploration epsilon. Default: the run's `evalEpsilon` (0: greedy, for Catch presets and tabular-q). */
  readonly epsilon?: number;
  /** Episode i resets with seed `seed + i`; exploration draws from `new Rng(seed)`. Default {@link EVAL_SEED}. */
  readonly seed?: number;
  /** Which saved policy. Default `'auto'` (best when the run kept one). */
  readonly model?: ModelChoice;
  /** Activate this TensorFlow.js backend first (default: leave the current one). */
  readonly backend?: BackendChoice;
}

/** What {@link evaluate} returns. */
export interface EvalRunResult extends EvalResult {
  /** Where the policy came from (a model folder, a checkpoint, or `random policy`). */
  readonly source: string;
  /** Epsilon played with (1 for the random agent, whatever was asked). */
  readonly epsilon: number;
  /** Episode i reset with seed `seed + i`. */
  readonly seed: number;
  /** The run's `config.json`, its agent config resolved. */
  readonly run: RunConfig;
}

/** A trained run's policy, loaded by {@link loadRunPolicy}. */
export interface RunPolicy {
  readonly policy: QPolicy;
  /** Where it came from (a model folder, a checkpoint, or `random policy`). */
  readonly source: string;
  /** An env built like the training env (same options and preprocessing). */
  readonly env: AgentEnv;
  /** The run's `config.json`, its agent config resolved. */
  readonly run: RunConfig;
  /** Counts wins (the env registered `countsWins`). */
  readonly countsWins: boolean;
  /** Frees the model and closes the env. */
  dispose(): void;
}

/** Activates `backend` when one is asked for. */
async function maybeUseBackend(backend: BackendChoice | undefined): Promise<BackendSelection | null> {
  return backend === undefined ? null : useBackend(backend);
}

/** `makeRunEnv`, its RangeErrors and TypeErrors (unknown id, bad option, unsuitable env) as {@link EnvError}s. */
function buildEnv(
  id: string,
  options: Readonly<Record<string, unknown>>,
  config: Readonly<Record<string, unknown>>,
): AgentEnv {
  try {
    return makeRunEnv(id, { ...options }, config);
  } catch (e) {
    if (e instanceof EnvError) throw e;
    if (e instanceof RangeError || e instanceof TypeError) throw new EnvError(`${id}: ${e.message}`);
    throw e;
  }
}

/**
 * A run's `config.json` with its agent config resolved again: fields added to the agent's config
 * since the run began take their defaults (which keep the old behaviour), so resume, eval and watch
 * all see a complete config; a field that no longer exists is a {@link ConfigError} naming it.
 */
export function readResolvedRunConfig(runDir: string): { run: RunConfig; spec: AgentEntry } {
  const saved = readRunConfig(runDir);
  let spec: AgentEntry;
  try {
    spec = agentSpec(saved.agent);
  } catch {
    throw new RunDirError(
      `${join(runDir, 'config.json')} names agent '${saved.agent}', which this tfgym does not know (${agentNames().join(', ')})`,
    );
  }
  let config: Record<string, unknown>;
  try {
    config = { ...spec.resolve(undefined, saved.config) };
  } catch (e) {
    throw new ConfigError(
      `the config saved in ${join(runDir, 'config.json')} does not resolve: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return { run: { ...saved, config }, spec };
}

/**
 * Trains an agent and writes (or continues) a run directory, then evaluates the trained agent
 * greedily (`finalEvalEpisodes` episodes, seeds {@link EVAL_SEED} + i, so `evaluate` with
 * `model: 'latest', epsilon: 0` gives the same numbers). Resolves when the budget is used up or
 * `signal` aborted (`reason: 'interrupted'`, after a checkpoint).
 */
export async function train(options: TrainRunOptions): Promise<TrainRunResult> {
  const clock = options.clock ?? Date.now;
  const spec = agentSpec(options.agent);
  let run: RunConfig;
  let runDir: string;
  if (options.resume) {
    if (options.runDir === undefined) throw new RunOptionsError('resume needs the runDir of the run to continue');
    runDir = options.runDir;
    checkRunDirPath(runDir);
    const refused = (['env', 'envOptions', 'preset', 'config', 'numEnvs', 'vector'] as const).filter(
      (k) => options[k] !== undefined,
    );
    if (refused.length > 0)
      throw new RunOptionsError(`a resumed run continues with its saved settings; drop ${refused.join(', ')}`);
    const saved = readResolvedRunConfig(runDir);
    if (saved.run.agent !== spec.name)
      throw new RunDirError(`${runDir} holds a ${saved.run.agent} run, not ${spec.name}`);
    const budget =
      options.totalSteps !== undefined || options.episodes !== undefined
        ? { totalSteps: options.totalSteps, episodes: options.episodes }
        : saved.run.budget;
    run = { ...saved.run, budget };
  } else {
    if (options.env === undefined) throw new RunOptionsError('give an env id, e.g. bsuite/Catch-v0');
    if (options.totalSteps === undefined && options.episodes === undefined)
      throw new RunOptionsError('give a budget: totalSteps or episodes');
    const config = spec.resolve(options.preset, options.config);
    const seed = options.seed ?? 1;
    const numEnvs = options.numEnvs ?? 1;
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new RunOptionsError(`numEnvs must be a positive integer. Received: ${String(options.numEnvs)}`);
    const vector = options.vector ?? 'sync';
    if (vector !== 'sync' && vector !== 'async')
      throw new RunOptionsError(`vector must be 'sync' or 'async'. Received: ${String(options.vector)}`);
    const now = new Date(clock());
    runDir = options.runDir ?? defaultRunDir(options.env, spec.name, seed, now);
    checkRunDirPath(runDir);
    if (hasRunConfig(runDir))
      throw new RunDirError(`${runDir} already holds a run; resume it or choose another run directory`);
    run = {
      tfgym: packageVersion(),
      agent: spec.name,
      env: options.env,
      envOptions: { ...options.envOptions },
      preset: options.preset ?? null,
      seed,
      backend: '',
      budget: { totalSteps: options.totalSteps, episodes: options.episodes },
      evalEvery: options.evalEvery ?? 0,
      evalEpisodes: options.evalEpisodes ?? DEFAULT_EVAL_EPISODES,
      ...(options.evalSeed !== undefined ? { evalSeed: options.evalSeed } : {}),
      ...(options.finalModel !== undefined ? { finalModel: options.finalModel } : {}),
      checkpointEvery: options.checkpointEvery ?? 0,
      saveReplay: options.saveReplay ?? false,
      numEnvs,
      vector,
      config,
      createdAt: now.toISOString(),
    };
  }

  // One env in this thread, or a vector env; the eval env also tells the agent what it will see.
  const inThread = run.numEnvs === 1 && run.vector === 'sync';
  if (!inThread && options.renderTraining)
    throw new RunOptionsError(
      `a live view of training needs one env in this thread; this run steps ${run.numEnvs} env(s) ${run.vector === 'async' ? 'in worker threads' : 'in lockstep'}`,
    );
  const evalEnv = buildEnv(run.env, run.envOptions, run.config);
  let trainEnv: AgentEnv | null = null;
  let vectorEnv: TypedVectorEnv | null = null;
  try {
    if (inThread) {
      const opts = options.renderTraining ? { ...run.envOptions, renderMode: 'rgb_array' } : run.envOptions;
      trainEnv = buildEnv(run.env, opts, run.config);
    } else {
      vectorEnv = buildVectorEnv(run);
    }
  } catch (e) {
    evalEnv.env.close();
    throw e;
  }
  const envs = { train: trainEnv ?? evalEnv, eval: evalEnv };
  const closeEnvs = (): void => {
    trainEnv?.env.close();
    vectorEnv?.close();
    evalEnv.env.close();
  };
  let agent: Agent;
  let backend: BackendSelection | null;
  let resume: ReturnType<typeof readCheckpoint> | undefined;
  let checkpointFallback: string | null = null;
  let cleanup: TempCleanup;
  let loopSeed: number;
  try {
    backend = await maybeUseBackend(options.backend);
    run = { ...run, backend: backend?.name ?? tf.getBackend() };
    // The agent's stream and the loop's stream both come from the run seed.
    const master = new Rng(run.seed);
    const agentRng = master.fork();
    loopSeed = master.nextSeed();
    agent = createAgent(spec, run, envs.train, agentRng);
    try {
      cleanup = cleanStaleTemps(runDir);
      const latest = options.resume ? findLatestCheckpoint(runDir) : null;
      checkpointFallback = latest?.fallback ?? null;
      resume = latest ? readCheckpoint(latest.dir) : undefined;
    } catch (e) {
      agent.dispose();
      throw e;
    }
  } catch (e) {
    closeEnvs();
    throw e;
  }

  writeRunConfig(runDir, run);
  options.onStart?.({
    runDir,
    run,
    resumedAt: resume ? { step: resume.trainer.step, episode: resume.trainer.episode } : null,
    restarted: options.resume === true && resume === undefined,
    cleanup,
    checkpointFallback,
    backend,
  });

  const files = runMetricsSink(runDir, clock());
  const sink = options.sink ? new TeeSink([files, options.sink]) : files;
  const events = options.events ?? new Subject<TrainEvent>();
  let started = false;
  const sub = events.subscribe((e) => {
    if (e.type === 'start') started = true;
  });
  const countWins = countsWins(run.env);
  const obsNorm = observationNormalization(run.config, envs.eval);
  const normalize: NormalizeOptions | undefined =
    obsNorm !== null || run.config['normalizeReward'] === true
      ? {
          observation: obsNorm !== null,
          reward: run.config['normalizeReward'] === true,
          gamma: typeof run.config['gamma'] === 'number' ? run.config['gamma'] : 0.99,
        }
      : undefined;
  let result: TrainResult;
  let finalEval: FinalEval | null = null;
  let trainedEval: FinalEval | null = null;
  try {
    try {
      result = await runTrainer({
        agent,
        env: vectorEnv ?? envs.train.env,
        normalize,
        evalEnv: envs.eval.env,
        seed: loopSeed,
        totalSteps: run.budget.totalSteps,
        episodes: run.budget.episodes,
        evalEvery: run.evalEvery,
        evalEpisodes: run.evalEpisodes,
        evalEpsilon: spec.evalEpsilon(run.config),
        evalSeed: run.evalSeed ?? EVAL_SEED,
        checkpointEvery: run.checkpointEvery,
        store: new FileCheckpointStore(runDir),
        saveReplay: run.saveReplay,
        sink,
        clock,
        signal: options.signal,
        events,
        emitSteps: options.emitSteps ?? false,
        yieldMs: options.yieldMs,
        resume,
        countWins,
        ...(options.provenance ? { provenance: options.provenance } : {}),
      });
    } catch (e) {
      // Before the loop's `start` event, a resumed run is restoring its checkpoint (agent state,
      // then replaying the unfinished episode): say which run's checkpoint failed. Anything else
      // (a bug) keeps its class and stack.
      if (resume !== undefined && !started && (e instanceof ModelFileError || e instanceof CheckpointError)) {
        throw new CheckpointError(`cannot resume from ${runDir}: ${e instanceof Error ? e.message : String(e)}`);
      }
      throw e;
    }
    const episodes = options.finalEvalEpisodes ?? run.evalEpisodes;
    if (result.reason === 'budget' && episodes > 0) {
      // Greedy: the agent's own choices, the number a user wants (the random agent plays at random anyway).
      const stats = result.observationStats;
      const policy = obsNorm !== null && stats !== null ? normalizingPolicy(agent, stats, obsNorm.float32) : agent;
      const epsilon = spec.policy === 'none' ? 1 : 0;
      const res = playEpisodes(policy, envs.eval.env, { episodes, epsilon: 0, seed: EVAL_SEED, countWins });
      finalEval = { ...res, epsilon, seed: EVAL_SEED, model: 'final' };
      if (run.finalModel === 'best' && hasBestModel(runDir)) {
        const best = await loadRunPolicy(runDir, 'best');
        try {
          const bestRes = playEpisodes(best.policy, best.env.env, { episodes, epsilon: 0, seed: EVAL_SEED, countWins });
          const at = readBestInfo(runDir)['step'];
          trainedEval = finalEval;
          finalEval = {
            ...bestRes,
            epsilon,
            seed: EVAL_SEED,
            model: 'best',
            ...(typeof at === 'number' ? { bestStep: at } : {}),
          };
        } finally {
          best.dispose();
        }
      }
    }
  } finally {
    sub.unsubscribe();
    sink.flush();
    files.close();
    agent.dispose();
    closeEnvs();
  }
  return { ...result, runDir, run, finalEval, trainedEval };
}

/**
 * The vector env of a run with several envs (or an async one): `SyncVectorEnv` over envs built
 * like the eval env, or `AsyncVectorEnv`, whose workers make their envs with `make(id, options)`
 * (so no book preprocessing); both in `'disabled'` autoreset mode, the loop resetting by mask.
 */
function buildVectorEnv(run: RunConfig): TypedVectorEnv {
  if (run.vector === 'async') {
    const preprocess = run.config['preprocess'] ?? 'none';
    if (preprocess !== 'none')
      throw new RunOptionsError(
        `async envs are made in worker threads with make(id, options), without the '${String(preprocess)}' ` +
          'preprocessing; use vector sync',
      );
    return new AsyncVectorEnv<AnyTypedArray, number>(run.env, {
      numEnvs: run.numEnvs,
      envOptions: { ...run.envOptions },
      autoresetMode: 'disabled',
    });
  }
  const made: AgentEnv[] = [];
  try {
    for (let i = 0; i < run.numEnvs; i++) made.push(buildEnv(run.env, run.envOptions, run.config));
  } catch (e) {
    for (const m of made) m.env.close();
    throw e;
  }
  return new SyncVectorEnv(
    made.map((m) => m.env),
    { autoresetMode: 'disabled' },
  );
}

/** The agent for a run; a RangeError (a config that does not suit the env or budget) becomes a {@link ConfigError}. */
function createAgent(spec: AgentEntry, run: RunConfig, env: AgentEnv, rng: Rng): Agent {
  try {
    const budget = { steps: run.budget.totalSteps, episodes: run.budget.episodes };
    return spec.create(run.config, env, rng, budget, run.numEnvs);
  } catch (e) {
    if (e instanceof RangeError && !(e instanceof ConfigError)) throw new ConfigError(e.message);
    throw e;
  }
}

/**
 * A Q-network as a policy: observations are scaled like in training (`obsDivisor`, see
 * `makeAgentEnv`) and reshaped to the model's input. A recurrent Q-network (DRQN's, with state
 * inputs) becomes a {@link RecurrentQPolicy}: one step per call from its carried state, zeroed by
 * `reset()` at every episode start.
 */
export function modelPolicy(model: tf.LayersModel, numActions: number, obsDivisor: number): QPolicy {
  if (recurrentStateSpec(model) !== null) return new RecurrentQPolicy(model, numActions, obsDivisor);
  const inShape = (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? 1);
  const input = (obs: AnyTypedArray): tf.Tensor => {
    const x = tf.tensor(obs, [1, ...inShape], 'float32');
    return obsDivisor === 1 ? x : tf.div(x, obsDivisor);
  };
  const policy: QPolicy = {
    numActions,
    qValues(obs: AnyTypedArray): Float32Array {
      return tf.tidy(() => (model.predict(input(obs)) as tf.Tensor).dataSync() as Float32Array);
    },
  };
  // A C51 policy saved with its CategoricalQ top (categoricalPolicyModel): the logits under it
  // give the viewer the return distributions, from a view sharing the model's layers (freed with it).
  const top = model.layers.at(-1);
  if (!(top instanceof CategoricalQ)) return policy;
  const support = categoricalSupport(top.numAtoms, top.vMin, top.vMax);
  const logits = tf.model({
    inputs: model.inputs,
    outputs: top.input as tf.SymbolicTensor,
    name: `${model.name}_logits`,
  });
  return {
    ...policy,
    returnDistributions: (obs) => readReturnDistributions(() => logits.predict(input(obs)) as tf.Tensor, support),
  };
}

/**
 * A loaded network as the greedy policy's Q-value model: noisy layers on their mean weights (a
 * checkpoint saves them as they were while acting), and a C51 network's logits (a checkpoint's
 * online network; a saved best model outputs the means already) topped with their means over the
 * run's support. The result shares `model`'s weights: dispose `model` only.
 */
function greedyQModel(model: tf.LayersModel, config: Readonly<Record<string, unknown>>): tf.LayersModel {
  setModelNoisy(model, false);
  const numAtoms = config['numAtoms'];
  if (typeof numAtoms !== 'number' || numAtoms <= 1 || outputsCategoricalMeans(model)) return model;
  return categoricalPolicyModel(model, { numAtoms, vMin: Number(config['vMin']), vMax: Number(config['vMax']) });
}

/** Loads a model folder; any failure is a one-line {@link CheckpointError}. */
async function loadModelChecked(dir: string): Promise<tf.LayersModel> {
  try {
    return await loadModel(dir);
  } catch (e) {
    throw new CheckpointError(`cannot load a model from ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Loads a run's policy: `best/` (when present and asked for) or the latest checkpoint, with an
 * env built like the training env (`render: true` adds `renderMode: 'rgb_array'`).
 */
export async function loadRunPolicy(
  runDir: string,
  which: ModelChoice = 'auto',
  opts: { readonly render?: boolean } = {},
): Promise<RunPolicy> {
  const { run, spec } = readResolvedRunConfig(runDir);
  const env = buildEnv(
    run.env,
    opts.render ? { ...run.envOptions, renderMode: 'rgb_array' } : run.envOptions,
    run.config,
  );
  const wins = countsWins(run.env);
  const made = (policy: QPolicy, source: string, free: () => void = () => {}): RunPolicy => ({
    policy,
    source,
    env,
    run,
    countsWins: wins,
    dispose: () => {
      free();
      env.env.close();
    },
  });
  const obsNorm = observationNormalization(run.config, env);
  /** The network's policy on raw observations: normalized first with the statistics it was saved with. */
  const networkPolicy = (model: tf.LayersModel, stats: unknown, where: string): QPolicy => {
    const policy = modelPolicy(greedyQModel(model, run.config), env.numActions, env.obsDivisor);
    if (obsNorm === null) return policy;
    if (stats === null || typeof stats !== 'object')
      throw new CheckpointError(`${where} holds no observation statistics, and the run normalizes observations`);
    try {
      return normalizingPolicy(policy, stats as RunningMeanStdState, obsNorm.float32);
    } catch (e) {
      throw new CheckpointError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  try {
    const n = env.numActions;
    if (spec.policy === 'none')
      return made({ numActions: n, qValues: () => new Float32Array(n), alwaysRandom: true }, 'random policy');
    const network = typeof spec.policy === 'object' ? spec.policy.network : null;
    if (network !== null && which !== 'latest' && hasBestModel(runDir)) {
      const stats = obsNorm === null ? null : readBestInfo(runDir)['observationStats'];
      const model = await loadModelChecked(bestModelDir(runDir));
      try {
        return made(networkPolicy(model, stats, join(bestModelDir(runDir), 'eval.json')), bestModelDir(runDir), () =>
          model.dispose(),
        );
      } catch (e) {
        model.dispose();
        throw e;
      }
    }
    if (which === 'best')
      throw new RunDirError(`${runDir} has no best model (train with evaluations, --eval-every N, to keep one)`);
    const latest = findLatestCheckpoint(runDir);
    if (!latest) throw new RunDirError(`${runDir} has no checkpoint yet`);
    const cpDir = latest.dir;
    // The source names the fallback, so a reader of the result sees which checkpoint played.
    const cpSource = latest.fallback ? `${cpDir} (${latest.fallback})` : cpDir;
    if (network !== null) {
      const stats = obsNorm === null ? null : (readCheckpoint(cpDir).trainer.normalizer?.observation ?? null);
      const model = await loadModelChecked(join(cpDir, network));
      try {
        return made(networkPolicy(model, stats, cpDir), cpSource, () => model.dispose());
      } catch (e) {
        model.dispose();
        throw e;
      }
    }
    const cp = readCheckpoint(cpDir);
    const agent = spec.create(run.config, env, new Rng(0), { steps: 1, episodes: 1 });
    try {
      await agent.restore(cp.agentState);
    } catch (e) {
      agent.dispose();
      throw new CheckpointError(
        `cannot restore ${run.agent} from ${cpDir}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    return made(agent, cpSource, () => agent.dispose());
  } catch (e) {
    env.env.close();
    throw e;
  }
}

/**
 * Plays `episodes` episodes with a trained run's policy on a fresh env built like the training
 * one, as `tfgym eval` does; wins are counted for envs that register `countsWins` (Catch).
 */
export async function evaluate(options: EvalRunOptions): Promise<EvalRunResult> {
  const episodes = options.episodes ?? DEFAULT_EVAL_EPISODES;
  if (!(Number.isInteger(episodes) && episodes >= 1))
    throw new RunOptionsError(`episodes must be a positive integer. Received: ${episodes}`);
  // A directory that is no run fails before any backend is loaded.
  readResolvedRunConfig(options.runDir);
  await maybeUseBackend(options.backend);
  const loaded = await loadRunPolicy(options.runDir, options.model ?? 'auto');
  try {
    const spec = agentSpec(loaded.run.agent);
    const epsilon = options.epsilon ?? spec.evalEpsilon(loaded.run.config);
    const seed = options.seed ?? EVAL_SEED;
    const res = playEpisodes(loaded.policy, loaded.env.env, { episodes, epsilon, seed, countWins: loaded.countsWins });
    return { ...res, source: loaded.source, epsilon: loaded.policy.alwaysRandom ? 1 : epsilon, seed, run: loaded.run };
  } finally {
    loaded.dispose();
  }
}
