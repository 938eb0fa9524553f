/**
 * The training loop: env steps, agent updates, evaluation, metrics, events and checkpoints, on
 * one env or on N envs stepped in lockstep (a vector env, sync or async).
 *
 * Determinism: every episode starts with a seeded reset, the seed drawn from the loop's own
 * {@link Rng} (N envs: a vector env in `'disabled'` autoreset mode, whose ended sub-envs the loop
 * resets by mask, drawing their seeds in env order); the agent draws from its own. A checkpoint
 * holds both streams, the counters and, for each env's unfinished episode, its seed and the
 * actions taken so far: resuming replays those actions on fresh envs (envs are deterministic
 * given seed and actions), which restores the envs and their wrappers (frame stacks, time limits)
 * exactly without any env needing a `getState`. With the replay memory saved too, an
 * interrupted-and-resumed run ends with exactly the weights of an uninterrupted one (same
 * backend), whatever the number of envs.
 *
 * With N envs one loop iteration is one vector step: N env steps, one batched action choice, N
 * transitions stored (each under its env's index), one call of `agent.train` for the N steps.
 * The step counter counts env steps over all envs; the budget, evaluations, checkpoints and the
 * agent's schedules all read it (a budget in steps ends on the first vector step that reaches
 * it). Observation and reward normalization (`agents/normalize.ts`) happen here, over the
 * batch, so their statistics are the loop's state too.
 *
 * Side effects go through what the caller passes: a {@link MetricsSink}, a clock, a
 * {@link CheckpointStore} (`src/io/`, with the checkpoint's data types) and an RxJS `Subject` of
 * {@link TrainEvent}s. Events are emitted synchronously and cheaply (no per-step event unless
 * `emitSteps`); subscribers that do real work should `observeOn(asyncScheduler)` so the loop
 * never waits on them.
 */
import type { Subject } from 'rxjs';
import type { Env } from '../src/core/env.js';
import { SyncVectorEnv, type VectorEnv } from '../src/core/vector-env.js';
import { TAGS, type MetricsSink } from '../src/metrics/sink.js';
import { Rng } from '../src/rng/rng.js';
import { allocTyped, shapeSize, type AnyTypedArray } from '../src/core/spaces.js';
import type { RunningMeanStdState } from '../src/core/wrappers/utils.js';
import { modelArtifacts, nonFiniteWeights } from '../src/io/model-io.js';
import type { Checkpoint, CheckpointStore, EnvEpisodeState, TrainerState } from '../src/io/snapshot.js';
import type { GitInfo } from '../src/io/package.js';
import { runSegment, type RunSegment } from '../src/io/result-lines.js';
import { CheckpointError } from '../src/io/errors.js';
import type { Agent } from './agent.js';
import { TrainingDivergedError } from './errors.js';
import { evaluate, type EvalResult, type QPolicy } from './evaluate.js';
import { normalizingPolicy, ObservationNormalizer, RewardNormalizer } from './normalize.js';
import { multiplesPassed } from './schedules.js';

/** A discrete-action env whose observations are typed arrays. */
export type TypedEnv = Env<AnyTypedArray, number>;

/** A vector env of {@link TypedEnv}s (sync or async); the loop needs it in `'disabled'` autoreset mode. */
export type TypedVectorEnv = VectorEnv<AnyTypedArray, number>;

/** Events on the training stream. */
export type TrainEvent =
  | {
      type: 'start';
      step: number;
      episode: number;
      resumed: boolean;
      /** The training env, or null when training on several envs (a vector env). */
      env: TypedEnv | null;
      /** Envs stepped in lockstep. */
      numEnvs: number;
      agent: Agent;
    }
  | {
      type: 'step';
      step: number;
      episode: number;
      /** Which env took the step (0 with one env). */
      env: number;
      obs: AnyTypedArray;
      action: number;
      reward: number;
      terminated: boolean;
      truncated: boolean;
      epsilon: number;
    }
  | {
      type: 'episode';
      step: number;
      episode: number;
      return: number;
      length: number;
      epsilon: number;
      meanReturn100: number;
    }
  | { type: 'update'; step: number; updates: number; loss: number; q: number; sps: number }
  | { type: 'eval'; step: number; episode: number; result: EvalResult; best: boolean }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'end'; step: number; episode: number; reason: 'budget' | 'interrupted'; seconds: number };

/** What the loop normalizes (see `agents/normalize.ts`). */
export interface NormalizeOptions {
  /** Observations, with running statistics over all envs (Gymnasium's `NormalizeObservation`). */
  readonly observation: boolean;
  /** Rewards, by the running std of each env's discounted return (Gymnasium's `NormalizeReward`). */
  readonly reward: boolean;
  /** Discount of the return that reward normalization tracks. */
  readonly gamma: number;
}

/** Options of {@link train}. */
export interface TrainOptions {
  readonly agent: Agent;
  /**
   * The env to train on, or N envs as a vector env in `'disabled'` autoreset mode (sync or
   * async; the loop resets ended sub-envs itself). The agent must have been made for that N.
   */
  readonly env: TypedEnv | TypedVectorEnv;
  /** Separate env instance for evaluation (required when `evalEvery > 0`). */
  readonly evalEnv?: TypedEnv;
  /** Seeds the loop's stream (episode seeds). */
  readonly seed: number;
  /** Budget: stop after this many env steps (over all envs)... */
  readonly totalSteps?: number;
  /** ...or after this many episodes (whichever is given; both: whichever comes first). */
  readonly episodes?: number;
  /** Evaluate every this many env steps (0 = never). */
  readonly evalEvery?: number;
  readonly evalEpisodes?: number;
  readonly evalEpsilon?: number;
  /** Eval episodes use seeds `evalSeed + i`, the same for every evaluation. */
  readonly evalSeed?: number;
  /** Checkpoint every this many env steps (0 = only at the end and on interrupt). */
  readonly checkpointEvery?: number;
  readonly store?: CheckpointStore;
  /** Save the replay memory in checkpoints (needed for exact resume). */
  readonly saveReplay?: boolean;
  /** Normalize observations and/or rewards (default: neither). */
  readonly normalize?: NormalizeOptions;
  readonly sink: MetricsSink;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  /** Abort = checkpoint now and return (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly events?: Subject<TrainEvent>;
  /** Emit a `step` event per env step (the viewer's live view). */
  readonly emitSteps?: boolean;
  /** Write loss scalars every this many training rounds (default 100). */
  readonly logEvery?: number;
  /** Continue from this checkpoint. */
  readonly resume?: Checkpoint;
  /** The code that runs (git commit, dirty flag), recorded with the wall time of each part in checkpoints. */
  readonly provenance?: GitInfo;
  /** Count wins (episodes with positive return), e.g. for Catch. */
  readonly countWins?: boolean;
  /** Yield to the event loop every this many steps (signals, sockets); default 200. */
  readonly yieldEvery?: number;
  /**
   * Also yield once this many ms passed since the last yield (the live viewer: slow steps must not
   * starve its sockets); `clock` is read every step only when set.
   */
  readonly yieldMs?: number;
}

/** What {@link train} returns. */
export interface TrainResult {
  readonly steps: number;
  readonly episodes: number;
  readonly reason: 'budget' | 'interrupted';
  readonly lastEval: EvalResult | null;
  readonly meanReturn100: number;
  readonly checkpointPath: string | null;
  /** The observation statistics at the end, when observations were normalized (evaluations need them). */
  readonly observationStats: RunningMeanStdState | null;
  /** A resumed run: the parts before this one, from its checkpoint (empty for a run in one part). */
  readonly earlierSegments: readonly RunSegment[];
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Whether `env` is a vector env (it has `numEnvs`) rather than a single env. */
function isVectorEnv(env: TypedEnv | TypedVectorEnv): env is TypedVectorEnv {
  return typeof (env as Partial<TypedVectorEnv>).numEnvs === 'number';
}

/** The env's observations as the agent sees them: normalized ones are float32, raw ones keep the env's dtype. */
function agentObsBuffer(venv: TypedVectorEnv, normalized: boolean, size: number): AnyTypedArray {
  return normalized ? new Float32Array(size) : allocTyped(venv.singleObservationSpace.dtype, size);
}

/** Runs the loop until the budget is used or `signal` aborts. */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const { agent, sink, clock } = o;
  if (o.totalSteps === undefined && o.episodes === undefined) {
    throw new RangeError('train: give totalSteps or episodes');
  }
  const evalEvery = o.evalEvery ?? 0;
  if (evalEvery > 0 && !o.evalEnv) throw new RangeError('train: evalEvery needs an evalEnv');
  const vector = isVectorEnv(o.env);
  // One env runs as a vector env of one: the same loop, the same draws as a plain env loop.
  const venv: TypedVectorEnv = vector ? o.env : new SyncVectorEnv([o.env], { autoresetMode: 'disabled' });
  if (venv.autoresetMode !== 'disabled') {
    throw new RangeError(
      `train: the vector env must be in 'disabled' autoreset mode (the loop seeds every episode). Received: ${venv.autoresetMode}`,
    );
  }
  const N = venv.numEnvs;
  const logEvery = o.logEvery ?? 100;
  const yieldEvery = o.yieldEvery ?? 200;
  const obsSize = shapeSize(venv.singleObservationSpace.shape);
  const normObs = o.normalize?.observation
    ? new ObservationNormalizer(obsSize, venv.singleObservationSpace.dtype === 'float32')
    : null;
  const normReward = o.normalize?.reward ? new RewardNormalizer(N, o.normalize.gamma) : null;
  // obs: what the agent acts on; nextObs: what the last step led to (the final observation of an ended episode).
  const obs = agentObsBuffer(venv, normObs !== null, N * obsSize);
  const nextObs = agentObsBuffer(venv, normObs !== null, N * obsSize);
  const obsRow = (buf: AnyTypedArray, i: number): AnyTypedArray => buf.subarray(i * obsSize, (i + 1) * obsSize);
  const actions = new Int32Array(N);
  const rewards = new Float64Array(N);
  const allRows = Array.from({ length: N }, (_, i) => i);

  const rng = new Rng(o.seed);
  const st: TrainerState = o.resume
    ? structuredClone(o.resume.trainer)
    : {
        step: 0,
        episode: 0,
        episodeSeed: 0,
        episodeActions: [],
        episodeReturn: 0,
        rng: rng.getState(),
        recentReturns: [],
        bestEvalReturn: null,
        finished: false,
      };
  // Each env's episode; env 0's mirrors the single-env fields of the state (see syncState).
  const eps: EnvEpisodeState[] = Array.from({ length: N }, () => ({ seed: 0, actions: [], return: 0 }));

  /** Copies the per-env episodes into the checkpoint's state (env 0's also into the single-env fields). */
  const syncState = (): void => {
    const e0 = eps[0] as EnvEpisodeState;
    st.episodeSeed = e0.seed;
    st.episodeActions = e0.actions;
    st.episodeReturn = e0.return;
    if (N > 1) st.envs = eps;
    else delete st.envs;
    st.rng = rng.getState();
    if (normObs !== null || normReward !== null) {
      st.normalizer = {
        observation: normObs?.getState() ?? null,
        reward: normReward?.getState() ?? null,
        observations: normObs === null ? null : allRows.map((i) => Array.from(obsRow(obs, i))),
      };
    } else delete st.normalizer;
  };

  /** Writes the rows `rows` of the vector env's observation `raw` into `dst` as the agent sees them (normalizing). */
  const present = (raw: AnyTypedArray, rows: readonly number[], dst: AnyTypedArray): void => {
    if (normObs !== null) normObs.updateAndNormalize(raw, rows, dst as Float32Array);
    else for (const i of rows) dst.set(obsRow(raw, i), i * obsSize);
  };

  if (o.resume) {
    if (o.resume.agent !== agent.name) {
      throw new CheckpointError(`the checkpoint is for agent '${o.resume.agent}', not '${agent.name}'`);
    }
    const saved = st.envs ?? [{ seed: st.episodeSeed, actions: st.episodeActions, return: st.episodeReturn }];
    if (!Array.isArray(saved) || saved.length !== N) {
      const got = Array.isArray(saved) ? saved.length : 'no';
      throw new CheckpointError(`the checkpoint holds ${got} env episode(s); this run steps ${N} env(s)`);
    }
    await agent.restore(o.resume.agentState);
    try {
      rng.setState(st.rng);
      saved.forEach((e, i) => {
        if (!Number.isInteger(e.seed) || !Array.isArray(e.actions) || typeof e.return !== 'number') {
          throw new Error(`env ${i}'s episode is malformed`);
        }
        eps[i] = { seed: e.seed, actions: [...e.actions], return: e.return };
      });
      const ns = st.normalizer;
      if ((normObs !== null || normReward !== null) && ns === undefined) {
        throw new Error('the run normalizes, but the checkpoint holds no normalization statistics');
      }
      if (normObs !== null) normObs.setState(ns?.observation as RunningMeanStdState);
      if (normReward !== null) normReward.setState(ns?.reward as NonNullable<NonNullable<typeof ns>['reward']>);
    } catch (e) {
      throw new CheckpointError(
        `the checkpoint's trainer state is invalid: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const raw = replayEpisodes(venv, eps);
    if (normObs !== null) {
      const saved = st.normalizer?.observations;
      if (!Array.isArray(saved) || saved.length !== N || saved.some((r) => !Array.isArray(r) || r.length !== obsSize)) {
        throw new CheckpointError(
          `the checkpoint's trainer state is invalid: it holds no ${N} normalized observations`,
        );
      }
      saved.forEach((r, i) => obs.set(r, i * obsSize));
    } else {
      present(raw, allRows, obs);
    }
  } else {
    for (const e of eps) e.seed = rng.nextSeed();
    const [raw] = venv.reset({ seed: eps.map((e) => e.seed) });
    present(raw, allRows, obs);
  }

  const budgetDone = (): boolean =>
    (o.totalSteps !== undefined && st.step >= o.totalSteps) || (o.episodes !== undefined && st.episode >= o.episodes);
  /** Whether the vector step that brought the count to `step` passed a multiple of `every`. */
  const due = (step: number, every: number): boolean => multiplesPassed(step, N, every) > 0;

  let lastEval: EvalResult | null = null;
  let checkpointPath: string | null = null;
  const t0 = clock();
  // The parts of a resumed run before this one (from its checkpoint).
  const earlierParts: RunSegment[] = st.segments ?? [];
  let spsT = t0;
  let lastYield = t0;
  let spsStep = st.step;
  let lossSum = 0;
  let qSum = 0;
  let rounds = 0;

  const diverged = (what: string): TrainingDivergedError => {
    const last = checkpointPath ?? (o.resume ? 'the checkpoint this run resumed from' : null);
    return new TrainingDivergedError(
      `training diverged at step ${st.step}: ${what}; nothing was saved after it${last ? `, the last good state is ${last}` : ''} (try a lower learning rate or gradient clipping)`,
      st.step,
    );
  };

  const checkpoint = async (): Promise<void> => {
    if (!o.store) return;
    syncState();
    const agentState = await agent.snapshot(o.saveReplay ?? false);
    // Never write a diverged network over the last good checkpoint.
    for (const [name, a] of Object.entries(agentState.models)) {
      const bad = nonFiniteWeights(a);
      if (bad.count > 0) throw diverged(`the ${name} network holds ${bad.count} NaN or infinite weight(s)`);
    }
    st.segments = [...earlierParts, runSegment(o.provenance, (clock() - t0) / 1000)];
    const cp: Checkpoint = {
      format: 'tfgym-checkpoint',
      version: 1,
      agent: agent.name,
      trainer: structuredClone(st),
      agentState,
    };
    checkpointPath = await o.store.save(cp);
    sink.flush();
    o.events?.next({ type: 'checkpoint', step: st.step, path: checkpointPath });
  };

  /** The agent as evaluations see it: raw observations normalized with the current statistics, frozen. */
  const evalPolicy = (): QPolicy =>
    normObs === null ? agent : normalizingPolicy(agent, normObs.getState(), normObs.rms.float32);

  const runEval = async (): Promise<void> => {
    if (!o.evalEnv) return;
    const res = evaluate(evalPolicy(), o.evalEnv, {
      episodes: o.evalEpisodes ?? 10,
      epsilon: o.evalEpsilon ?? 0,
      seed: o.evalSeed ?? 1_000_000,
      countWins: o.countWins ?? false,
    });
    lastEval = res;
    const now = clock();
    sink.scalar(TAGS.evalReturn, res.meanReturn, st.step, now);
    if (res.wins !== null) sink.scalar(TAGS.evalWins, res.wins, st.step, now);
    const best = st.bestEvalReturn === null || res.meanReturn > st.bestEvalReturn;
    if (best) {
      st.bestEvalReturn = res.meanReturn;
      const model = agent.policyModel();
      if (o.store && model) {
        const stats = normObs === null ? {} : { observationStats: normObs.getState() };
        await o.store.saveBest(await modelArtifacts(model), { step: st.step, episode: st.episode, ...res, ...stats });
      }
    }
    o.events?.next({ type: 'eval', step: st.step, episode: st.episode, result: res, best });
  };

  o.events?.next({
    type: 'start',
    step: st.step,
    episode: st.episode,
    resumed: o.resume !== undefined,
    env: vector ? null : (o.env as TypedEnv),
    numEnvs: N,
    agent,
  });
  let reason: 'budget' | 'interrupted' = 'budget';
  const ended: number[] = [];
  const resetMask = new Uint8Array(N);
  const resetSeeds: (number | undefined)[] = new Array<number | undefined>(N);

  while (!budgetDone()) {
    if (o.signal?.aborted) {
      reason = 'interrupted';
      break;
    }
    const eps0 = agent.epsilon(st.step, st.episode);
    agent.actBatch(obs, N, eps0, actions);
    const [raw, envRewards, terminated, truncated] = venv.step(actions);
    present(raw, allRows, nextObs);
    if (normReward !== null) normReward.update(envRewards, terminated, rewards);
    else rewards.set(envRewards);
    st.step += N;
    ended.length = 0;
    for (let i = 0; i < N; i++) {
      const e = eps[i] as EnvEpisodeState;
      const action = actions[i] as number;
      const term = terminated[i] === 1;
      const trunc = truncated[i] === 1;
      e.return += envRewards[i] as number;
      e.actions.push(action);
      agent.observe(obsRow(obs, i), action, rewards[i] as number, obsRow(nextObs, i), term, trunc, i);
      if (o.emitSteps) {
        const { step, episode } = st;
        const reward = envRewards[i] as number;
        const ob = obsRow(nextObs, i);
        o.events?.next({
          type: 'step',
          step,
          episode,
          env: i,
          obs: ob,
          action,
          reward,
          terminated: term,
          truncated: trunc,
          epsilon: eps0,
        });
      }
      if (term || trunc) ended.push(i);
    }

    const u = agent.train(st.step, st.episode, N);
    if (u) {
      if (!Number.isFinite(u.loss)) throw diverged(`the loss is ${u.loss}`);
      lossSum += u.loss;
      qSum += u.q;
      rounds++;
      if (rounds >= logEvery) {
        const now = clock();
        const sps = ((st.step - spsStep) * 1000) / Math.max(1, now - spsT);
        sink.scalar(TAGS.tdLoss, lossSum / rounds, st.step, now);
        sink.scalar(TAGS.qValues, qSum / rounds, st.step, now);
        sink.scalar(TAGS.sps, sps, st.step, now);
        const loss = lossSum / rounds;
        o.events?.next({ type: 'update', step: st.step, updates: u.updates, loss, q: qSum / rounds, sps });
        spsT = now;
        spsStep = st.step;
        lossSum = qSum = 0;
        rounds = 0;
      }
    }

    // The observations the next actions are chosen on: the next ones, except for the envs that ended.
    for (let i = 0; i < N; i++) if (!ended.includes(i)) obs.set(obsRow(nextObs, i), i * obsSize);
    if (ended.length > 0) {
      const now = clock();
      resetMask.fill(0);
      resetSeeds.fill(undefined);
      for (const i of ended) {
        const e = eps[i] as EnvEpisodeState;
        const length = e.actions.length;
        st.episode++;
        st.recentReturns.push(e.return);
        if (st.recentReturns.length > 100) st.recentReturns.shift();
        sink.scalar(TAGS.episodicReturn, e.return, st.step, now);
        sink.scalar(TAGS.episodicLength, length, st.step, now);
        sink.scalar(TAGS.epsilon, eps0, st.step, now);
        const { step, episode } = st;
        const meanReturn100 = mean(st.recentReturns);
        o.events?.next({ type: 'episode', step, episode, return: e.return, length, epsilon: eps0, meanReturn100 });
        // The next episode: a fresh seed from the loop's stream, in env order.
        eps[i] = { seed: rng.nextSeed(), actions: [], return: 0 };
        resetMask[i] = 1;
        resetSeeds[i] = (eps[i] as EnvEpisodeState).seed;
      }
      const [rawReset] = venv.reset({ seed: resetSeeds, resetMask });
      present(rawReset, ended, obs);
    }

    if (evalEvery > 0 && due(st.step, evalEvery)) await runEval();
    if (o.checkpointEvery && due(st.step, o.checkpointEvery) && !budgetDone()) await checkpoint();
    if (due(st.step, yieldEvery) || (o.yieldMs !== undefined && clock() - lastYield >= o.yieldMs)) {
      await yieldToEventLoop();
      if (o.yieldMs !== undefined) lastYield = clock();
    }
  }

  if (reason === 'budget') {
    st.finished = true;
    if (evalEvery > 0 && !due(st.step, evalEvery)) await runEval();
  }
  await checkpoint();
  sink.flush();
  const seconds = (clock() - t0) / 1000;
  o.events?.next({ type: 'end', step: st.step, episode: st.episode, reason, seconds });
  const meanReturn100 = mean(st.recentReturns);
  return {
    steps: st.step,
    episodes: st.episode,
    reason,
    lastEval,
    meanReturn100,
    checkpointPath,
    observationStats: normObs?.getState() ?? null,
    earlierSegments: earlierParts,
  };
}

/**
 * Rebuilds every env's unfinished episode on the vector env by replaying its actions from its
 * seed, and returns the vector env's (raw) observation. The envs step in lockstep, so an episode
 * of L actions starts at round `M - L` (M the longest): before that its env idles, reset (with its
 * own seed, which its real start sets again) before each throwaway step, so it can never be
 * stepped past an end. An episode that ends during its own replay means the env is not
 * deterministic for its seed and actions: a {@link CheckpointError}.
 */
function replayEpisodes(venv: TypedVectorEnv, eps: readonly EnvEpisodeState[]): AnyTypedArray {
  const n = eps.length;
  const longest = Math.max(...eps.map((e) => e.actions.length));
  const begin = eps.map((e) => longest - e.actions.length);
  const seeds = eps.map((e) => e.seed);
  let [raw] = venv.reset({ seed: seeds });
  const mask = new Uint8Array(n);
  const actions = new Int32Array(n);
  for (let t = 0; t <= longest; t++) {
    if (t > 0) {
      // Idle envs and the ones whose episode starts now get (again) their episode's seeded reset.
      for (let i = 0; i < n; i++) mask[i] = t <= (begin[i] as number) ? 1 : 0;
      if (mask.includes(1)) [raw] = venv.reset({ seed: seeds, resetMask: mask });
    }
    if (t === longest) break;
    for (let i = 0; i < n; i++) {
      const b = begin[i] as number;
      actions[i] = t >= b ? ((eps[i] as EnvEpisodeState).actions[t - b] as number) : 0;
    }
    const r = venv.step(actions);
    raw = r[0];
    for (let i = 0; i < n; i++) {
      if (t >= (begin[i] as number) && (r[2][i] === 1 || r[3][i] === 1)) {
        throw new CheckpointError(
          `resume: replaying the saved episode${n > 1 ? ` of env ${i}` : ''} ended it early; the env is not deterministic for its seed and actions`,
        );
      }
    }
  }
  return raw;
}
