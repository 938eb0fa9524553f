/**
 * The training loop: env steps, agent updates, evaluation, metrics, events and checkpoints.
 *
 * Determinism: every episode starts with `env.reset({seed})`, the seed drawn from the loop's own
 * {@link Rng}; the agent draws from its own. A checkpoint holds both streams, the counters and,
 * for an unfinished episode, its seed and the actions taken so far: resuming replays those
 * actions on a fresh env (envs are deterministic given seed and actions), which restores the env
 * and its wrappers (frame stacks, time limits) exactly without any env needing a `getState`.
 * With the replay memory saved too, an interrupted-and-resumed run ends with exactly the
 * weights of an uninterrupted one (same backend).
 *
 * Side effects go through what the caller passes: a {@link MetricsSink}, a clock, a
 * {@link CheckpointStore} (`src/io/`, with the checkpoint's data types) and an RxJS `Subject` of
 * {@link TrainEvent}s. Events are emitted synchronously and cheaply (no per-step event unless
 * `emitSteps`); subscribers that do real work should `observeOn(asyncScheduler)` so the loop
 * never waits on them.
 */
import type { Subject } from 'rxjs';
import type { Env } from '../src/core/env.js';
import { TAGS, type MetricsSink } from '../src/metrics/sink.js';
import { Rng } from '../src/rng/rng.js';
import { allocTyped, shapeSize, type AnyTypedArray } from '../src/core/spaces.js';
import { modelArtifacts, nonFiniteWeights } from '../src/io/model-io.js';
import type { Checkpoint, CheckpointStore, TrainerState } from '../src/io/snapshot.js';
import { CheckpointError } from '../src/io/errors.js';
import type { Agent } from './agent.js';
import { TrainingDivergedError } from './errors.js';
import { evaluate, type EvalResult } from './evaluate.js';

/** A discrete-action env whose observations are typed arrays. */
export type TypedEnv = Env<AnyTypedArray, number>;

/** Events on the training stream. */
export type TrainEvent =
  | { type: 'start'; step: number; episode: number; resumed: boolean; env: TypedEnv; agent: Agent }
  | {
      type: 'step';
      step: number;
      episode: number;
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

/** Options of {@link train}. */
export interface TrainOptions {
  readonly agent: Agent;
  readonly env: TypedEnv;
  /** Separate env instance for evaluation (required when `evalEvery > 0`). */
  readonly evalEnv?: TypedEnv;
  /** Seeds the loop's stream (episode seeds). */
  readonly seed: number;
  /** Budget: stop after this many env steps... */
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
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Copies `src` into `dst` (envs reuse their observation arrays). */
function copyObs(src: unknown, dst: AnyTypedArray): void {
  if (typeof src === 'number') dst[0] = src;
  else dst.set(src as AnyTypedArray);
}

/** Runs the loop until the budget is used or `signal` aborts. */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const { agent, env, sink, clock } = o;
  if (o.totalSteps === undefined && o.episodes === undefined) {
    throw new RangeError('train: give totalSteps or episodes');
  }
  const evalEvery = o.evalEvery ?? 0;
  if (evalEvery > 0 && !o.evalEnv) throw new RangeError('train: evalEvery needs an evalEnv');
  const logEvery = o.logEvery ?? 100;
  const yieldEvery = o.yieldEvery ?? 200;
  const obsSize = shapeSize(env.observationSpace.shape);
  let obs: AnyTypedArray = allocTyped(env.observationSpace.dtype, obsSize);
  let nextObs: AnyTypedArray = allocTyped(env.observationSpace.dtype, obsSize);

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
  if (o.resume) {
    if (o.resume.agent !== agent.name) {
      throw new CheckpointError(`the checkpoint is for agent '${o.resume.agent}', not '${agent.name}'`);
    }
    await agent.restore(o.resume.agentState);
    try {
      rng.setState(st.rng);
    } catch (e) {
      throw new CheckpointError(
        `the checkpoint's trainer state is invalid: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  const startEpisode = (): void => {
    st.episodeSeed = rng.nextSeed();
    st.episodeActions = [];
    st.episodeReturn = 0;
    copyObs(env.reset({ seed: st.episodeSeed })[0], obs);
  };

  if (o.resume && st.episodeActions.length > 0) {
    // Rebuild the unfinished episode by replaying its actions from its seed.
    copyObs(env.reset({ seed: st.episodeSeed })[0], obs);
    for (const a of st.episodeActions) {
      const r = env.step(a);
      if (r[2] || r[3]) {
        throw new CheckpointError(
          'resume: replaying the saved episode ended it early; the env is not deterministic for its seed and actions',
        );
      }
      copyObs(r[0], obs);
    }
  } else if (o.resume) {
    copyObs(env.reset({ seed: st.episodeSeed })[0], obs);
  } else {
    startEpisode();
  }

  const budgetDone = (): boolean =>
    (o.totalSteps !== undefined && st.step >= o.totalSteps) || (o.episodes !== undefined && st.episode >= o.episodes);

  let lastEval: EvalResult | null = null;
  let checkpointPath: string | null = null;
  const t0 = clock();
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
    st.rng = rng.getState();
    const agentState = await agent.snapshot(o.saveReplay ?? false);
    // Never write a diverged network over the last good checkpoint.
    for (const [name, a] of Object.entries(agentState.models)) {
      const bad = nonFiniteWeights(a);
      if (bad.count > 0) throw diverged(`the ${name} network holds ${bad.count} NaN or infinite weight(s)`);
    }
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

  const runEval = async (): Promise<void> => {
    if (!o.evalEnv) return;
    const res = evaluate(agent, o.evalEnv, {
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
        await o.store.saveBest(await modelArtifacts(model), { step: st.step, episode: st.episode, ...res });
      }
    }
    o.events?.next({ type: 'eval', step: st.step, episode: st.episode, result: res, best });
  };

  o.events?.next({ type: 'start', step: st.step, episode: st.episode, resumed: o.resume !== undefined, env, agent });
  let reason: 'budget' | 'interrupted' = 'budget';

  while (!budgetDone()) {
    if (o.signal?.aborted) {
      reason = 'interrupted';
      break;
    }
    const eps = agent.epsilon(st.step, st.episode);
    const action = agent.act(obs, eps);
    const [o2, reward, terminated, truncated] = env.step(action);
    copyObs(o2, nextObs);
    st.step++;
    st.episodeReturn += reward;
    st.episodeActions.push(action);
    agent.observe(obs, action, reward, nextObs, terminated, truncated);
    if (o.emitSteps) {
      const { step, episode } = st;
      const obs = nextObs;
      o.events?.next({ type: 'step', step, episode, obs, action, reward, terminated, truncated, epsilon: eps });
    }

    const u = agent.train(st.step, st.episode);
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

    if (terminated || truncated) {
      const now = clock();
      const length = st.episodeActions.length;
      st.episode++;
      st.recentReturns.push(st.episodeReturn);
      if (st.recentReturns.length > 100) st.recentReturns.shift();
      sink.scalar(TAGS.episodicReturn, st.episodeReturn, st.step, now);
      sink.scalar(TAGS.episodicLength, length, st.step, now);
      sink.scalar(TAGS.epsilon, eps, st.step, now);
      const { step, episode, episodeReturn } = st;
      const meanReturn100 = mean(st.recentReturns);
      o.events?.next({ type: 'episode', step, episode, return: episodeReturn, length, epsilon: eps, meanReturn100 });
      startEpisode();
    } else {
      const t = obs;
      obs = nextObs;
      nextObs = t;
    }

    if (evalEvery > 0 && st.step % evalEvery === 0) await runEval();
    if (o.checkpointEvery && st.step % o.checkpointEvery === 0 && !budgetDone()) await checkpoint();
    if (st.step % yieldEvery === 0 || (o.yieldMs !== undefined && clock() - lastYield >= o.yieldMs)) {
      await yieldToEventLoop();
      if (o.yieldMs !== undefined) lastYield = clock();
    }
  }

  if (reason === 'budget') {
    st.finished = true;
    if (evalEvery > 0 && st.step % evalEvery !== 0) await runEval();
  }
  await checkpoint();
  sink.flush();
  const seconds = (clock() - t0) / 1000;
  o.events?.next({ type: 'end', step: st.step, episode: st.episode, reason, seconds });
  const meanReturn100 = mean(st.recentReturns);
  return { steps: st.step, episodes: st.episode, reason, lastEval, meanReturn100, checkpointPath };
}
