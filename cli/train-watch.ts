/**
 * `tfgym train ... --watch`: serves the viewer while training and feeds it from the trainer's
 * event stream. Everything here runs inside synchronous event callbacks, so it must stay cheap:
 * {@link TrainingViewer} reads the clock rarely and renders only at the env's `renderFps`.
 * The trainer yields to the event loop every few hundred steps, which is when sockets are served.
 *
 * In train mode, pause freezes the view (no frames are sent) but training goes on, and the
 * Q-value bars show Q(s) of the newest state with the greedy action highlighted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Subject, type Subscription } from 'rxjs';
import type { Agent } from '../agents/agent.js';
import type { TrainEvent, TypedEnv } from '../agents/trainer.js';
import type { HelloMessage } from '../src/viewer/protocol.js';
import type { ViewerServer } from '../src/viewer/server.js';
import { argmax } from '../agents/exploration.js';
import { TrainingViewer } from '../src/viewer/train-bridge.js';
import { spaceInfo } from '../src/viewer/spaces.js';
import { addViewerOptions, announceViewer, startViewer, type ViewerFlags } from './viewer-options.js';

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
        tv.step(e.step, episodeStep, e.action, e.reward, episodeReturn, {}, a === null ? undefined : () => a.qValues(obs), argmax);
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
      const j = JSON.parse(readFileSync(join(flags.runDir, 'config.json'), 'utf8')) as { env?: unknown };
      if (typeof j.env === 'string') return j.env;
    } catch {
      // The trainer reports a missing or corrupt run directory itself.
    }
  }
  return 'training';
}

/**
 * Runs `run` (the training) with the viewer attached: starts the server, prints its URL, passes
 * the hooks the trainer needs, and closes the server when training ends.
 */
export async function runWatched<T>(flags: ViewerFlags & { env?: string; runDir?: string }, run: (hooks: WatchHooks) => Promise<T>): Promise<T> {
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
    return await run({ events, emitSteps: true, render: true, yieldMs: 15 });
  } finally {
    sub.unsubscribe();
    await server.close();
  }
}
