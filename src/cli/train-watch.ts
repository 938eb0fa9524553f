/**
 * `tfgym train ... --watch`: serves the viewer while training and feeds it from the trainer's
 * event stream. Everything here runs inside synchronous event callbacks, so it must stay cheap:
 * {@link TrainingViewer} reads the clock rarely and renders only at the env's `renderFps`.
 * The trainer yields to the event loop every few hundred steps, which is when sockets are served.
 *
 * In train mode, pause freezes the view (no frames are sent) but training goes on, and the
 * Q-value bars show Q(s) of the newest state with the greedy action highlighted.
 */
import type { Subject, Subscription } from 'rxjs';
import type { Agent } from '../../agents/agent.js';
import type { TrainEvent, TypedEnv } from '../../agents/trainer.js';
import type { ViewerServer } from '../viewer-server.js';
import { TrainingViewer } from '../viewer-train.js';
import { spaceInfo } from './viewer-spaces.js';
import { announceViewer, startViewer, type ViewerFlags } from './viewer-options.js';

/** A running `--watch` viewer: call `close()` when training ends. */
export interface TrainWatch {
  readonly server: ViewerServer;
  close(): Promise<void>;
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if ((v[i] ?? -Infinity) > (v[best] ?? -Infinity)) best = i;
  return best;
}

/**
 * Starts the viewer for a training run and subscribes it to `events`. `env` is the training env
 * (made with `renderMode: 'rgb_array'`; wrappers forward `render`). Pass `emitSteps: true` to
 * the trainer so per-step events exist.
 */
export async function startTrainWatch(flags: ViewerFlags, envId: string, env: TypedEnv, events: Subject<TrainEvent>): Promise<TrainWatch> {
  const actionSpace = spaceInfo(env.actionSpace);
  const server = await startViewer(flags, {
    hello: {
      mode: 'train',
      envId,
      observationSpace: spaceInfo(env.observationSpace),
      actionSpace,
      actionNames: env.metadata.actionNames ?? Array.from({ length: actionSpace.n ?? 0 }, (_, i) => String(i)),
      fps: env.metadata.renderFps,
    },
  });
  const tv = new TrainingViewer(server, env.renderMode === 'rgb_array' ? env : null, { envId });
  let agent: Agent | null = null;
  let episodeStep = 0;
  let episodeReturn = 0;
  const sub: Subscription = events.subscribe((e) => {
    switch (e.type) {
      case 'start':
        agent = e.agent;
        break;
      case 'step': {
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
        tv.episode(e.episode - 1, e.return, e.length);
        tv.metrics(e.step, { epsilon: e.epsilon });
        episodeStep = 0;
        episodeReturn = 0;
        break;
      case 'update':
        tv.metrics(e.step, { loss: e.loss, sps: e.sps, q: e.q });
        break;
      case 'end':
        tv.flushMetrics();
        server.flush();
        break;
      default:
        break;
    }
  });
  announceViewer(server, flags.open);
  return {
    server,
    close: async () => {
      sub.unsubscribe();
      await server.close();
    },
  };
}
