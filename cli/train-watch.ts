/**
 * `tfgym train ... --watch`: serves the viewer while training and feeds it from the trainer's
 * event stream. Everything here runs inside synchronous event callbacks, so it must stay cheap:
 * {@link TrainingViewer} reads the clock rarely and renders only at the env's `renderFps`.
 * The trainer yields to the event loop every few hundred steps, which is when sockets are served.
 *
 * In train mode, pause freezes the view (no frames are sent) but training goes on, and the
 * Q-value bars show Q(s) of the newest state with the greedy action highlighted.
 *
 * When training has used its budget, the server keeps running: the trained agent (the latest
 * checkpoint, the one the final greedy evaluation measured) plays on greedily, as `tfgym watch`
 * shows it, until Ctrl-C (or the `stop` signal tests pass).
 */
import type { Command } from 'commander';
import { Subject, type Subscription } from 'rxjs';
import type { Agent } from '../agents/agent.js';
import { loadRunPolicy, type TrainRunResult } from '../agents/run.js';
import type { TrainEvent, TypedEnv } from '../agents/trainer.js';
import { readRunConfig } from '../src/io/run-dir.js';
import { Rng } from '../src/rng/rng.js';
import type { HelloMessage } from '../src/viewer/protocol.js';
import type { ViewerServer } from '../src/viewer/server.js';
import { argmax } from '../agents/exploration.js';
import { runLiveLoop } from '../src/viewer/loop.js';
import { TrainingViewer, type ShownValues } from '../src/viewer/train-bridge.js';
import type { AnyTypedArray } from '../src/core/spaces.js';
import { spaceInfo } from '../src/viewer/spaces.js';
import { livePolicy } from './live-policy.js';
import { addViewerOptions, announceViewer, interruptSignal, startViewer, type ViewerFlags } from './viewer-options.js';

/** Adds `--watch` and the viewer's `--port`, `--host`, `--open` to a training command. */
export function addWatchOptions(cmd: Command): Command {
  cmd.option('--watch', 'serve the live viewer while training (see --port, --host, --open)');
  return addViewerOptions(cmd);
}

/** What the trainer must be given for watching: the event stream, per-step events, rendering envs. */
export interface WatchHooks {
  readonly events: Subject<TrainEvent>;
  readonly emitSteps: true;
  /** Make the training env with `renderMode: 'rgb_array'` so frames can be shown. */
  readonly render: true;
  /** Yield to the event loop at least this often (ms), however slow a step is. */
  readonly yieldMs: number;
}

/** The `hello` for a training env. */
export function trainHello(envId: string, env: TypedEnv): Omit<HelloMessage, 'type' | 'version'> {
  const actionSpace = spaceInfo(env.actionSpace);
  return {
    mode: 'train',
    envId,
    observationSpace: spaceInfo(env.observationSpace),
    actionSpace,
    actionNames: env.metadata.actionNames ?? Array.from({ length: actionSpace.n ?? 0 }, (_, i) => String(i)),
    fps: env.metadata.renderFps,
  };
}

/**
 * What the bars show for `obs`, from one forward pass: a distributional agent's return
 * distributions with their means (C51), else its Q-values; a recurrent agent's come from its
 * acting state (peekQValues), which they leave alone.
 */
function shownValues(a: Agent, obs: AnyTypedArray): ShownValues | ArrayLike<number> {
  const d = a.returnDistributions?.(obs) ?? null;
  if (d !== null) return { qvalues: d.qValues, distributions: d };
  return a.peekQValues ? a.peekQValues(obs) : a.qValues(obs);
}

/**
 * Subscribes a viewer server to a trainer's events. On `start` it announces the real training
 * env (after preprocessing) and begins streaming; returns the subscription.
 */
export function streamTraining(server: ViewerServer, envId: string, events: Subject<TrainEvent>): Subscription {
  let tv: TrainingViewer | null = null;
  let agent: Agent | null = null;
  let episodeStep = 0;
  let episodeReturn = 0;
  return events.subscribe((e) => {
    switch (e.type) {
      case 'start':
        // `tfgym train --watch` refuses several envs, so there is one env to show.
        if (e.env === null) return;
        agent = e.agent;
        server.setHello(trainHello(envId, e.env));
        tv = new TrainingViewer(server, e.env.renderMode === 'rgb_array' ? e.env : null, { envId });
        break;
      case 'step': {
        if (tv === null) return;
        episodeStep++;
        episodeReturn += e.reward;
        const { obs } = e;
        const a = agent;
        // Q-values only when a frame is due: one forward pass at ~30 fps, not per step. They are
        // for the state just reached, so the greedy action is the one highlighted.
        tv.step(
          e.step,
          episodeStep,
          e.action,
          e.reward,
          episodeReturn,
          {},
          a === null ? undefined : () => shownValues(a, obs),
          argmax,
        );
        break;
      }
      case 'episode':
        tv?.episode(e.episode - 1, e.return, e.length);
        tv?.metrics(e.step, { epsilon: e.epsilon });
        episodeStep = 0;
        episodeReturn = 0;
        break;
      case 'update':
        tv?.metrics(e.step, { loss: e.loss, sps: e.sps, q: e.q });
        break;
      case 'end':
        tv?.flushMetrics();
        server.flush();
        break;
      default:
        break;
    }
  });
}

/** The env id a `train` invocation will use: `--env`, or the resumed run's `config.json`. */
function envIdOf(flags: { env?: string; runDir?: string }): string {
  if (flags.env !== undefined) return flags.env;
  if (flags.runDir !== undefined) {
    try {
      return readRunConfig(flags.runDir).env;
    } catch {
      // The trainer reports a missing or corrupt run directory itself.
    }
  }
  return 'training';
}

/** Options of {@link runWatched}. */
export interface RunWatchedOptions {
  /** Ends the trained agent's play after training (default: the first Ctrl-C or SIGTERM). */
  readonly stop?: AbortSignal;
  /** Seed of the first episode played after training, and of its exploration (default 0, as `watch`). */
  readonly seed?: number;
}

/**
 * The trained agent of a finished run plays on in the viewer until `stop` (default: Ctrl-C),
 * greedily unless the page sets an epsilon, like `tfgym watch --model latest`.
 */
async function playOn(server: ViewerServer, result: TrainRunResult, opts: RunWatchedOptions): Promise<void> {
  const loaded = await loadRunPolicy(result.runDir, 'latest', { render: true });
  const { env, numActions } = loaded.env;
  const envId = result.run.env;
  const interrupt = opts.stop === undefined ? interruptSignal() : null;
  try {
    server.setHello({
      mode: 'watch',
      envId,
      observationSpace: spaceInfo(env.observationSpace),
      actionSpace: spaceInfo(env.actionSpace),
      actionNames: env.metadata.actionNames ?? Array.from({ length: numActions }, (_, i) => String(i)),
      fps: env.metadata.renderFps,
    });
    // A watch page offers the epsilon control; greedy to begin with.
    server.setStatus({ epsilon: loaded.policy.alwaysRandom ? 1 : 0 });
    process.stdout.write(`training done; the trained agent plays on at ${server.url}; Ctrl-C to stop\n`);
    const seed = opts.seed ?? 0;
    await runLiveLoop({
      env,
      envId,
      viewer: server,
      seed,
      signal: opts.stop ?? interrupt?.signal,
      policy: livePolicy(loaded.policy, server, new Rng(seed)),
    });
  } finally {
    interrupt?.dispose();
    loaded.dispose();
  }
}

/**
 * Runs `run` (the training) with the viewer attached: starts the server, prints its URL, passes
 * the hooks the trainer needs; when the budget is used up, the trained agent plays on (see
 * {@link playOn}) until stopped. Closes the server at the end.
 */
export async function runWatched(
  flags: ViewerFlags & { env?: string; runDir?: string },
  run: (hooks: WatchHooks) => Promise<TrainRunResult>,
  opts: RunWatchedOptions = {},
): Promise<TrainRunResult> {
  const envId = envIdOf(flags);
  // A provisional hello until the trainer's `start` event brings the real env.
  const server = await startViewer(flags, {
    hello: {
      mode: 'train',
      envId,
      observationSpace: { type: 'unknown', shape: [], dtype: 'uint8' },
      actionSpace: { type: 'unknown', shape: [], dtype: 'int32' },
      actionNames: [],
      fps: 30,
    },
  });
  const events = new Subject<TrainEvent>();
  const sub = streamTraining(server, envId, events);
  announceViewer(server, flags.open);
  try {
    const result = await run({ events, emitSteps: true, render: true, yieldMs: 15 });
    sub.unsubscribe();
    if (result.reason === 'budget') await playOn(server, result, opts);
    return result;
  } finally {
    sub.unsubscribe();
    await server.close();
  }
}
