/**
 * Glue for using the viewer from code: {@link viewerHello} describes an env for
 * `ViewerServer.start`, and {@link serveEnvStream} publishes what an {@link EnvStream} does
 * (steps, frames at the env's `renderFps`, finished episodes) to a {@link ViewerServer}.
 */
import type { Subscription } from 'rxjs';
import type { Env, RgbFrame } from '../src/core/env.js';
import type { EnvStream } from '../src/core/env-stream.js';
import { hasWins, scalarInfo } from '../src/viewer/loop.js';
import type { HelloMessage, ViewerMode } from '../src/viewer/protocol.js';
import type { ViewerServer } from '../src/viewer/server.js';
import { spaceInfo } from '../src/viewer/spaces.js';

/** What `ViewerServer.start({ hello })` needs, read off an env: its spaces, action names and `renderFps`. */
export function viewerHello(
  envId: string,
  env: Env<unknown, unknown>,
  mode: ViewerMode = 'watch',
): Omit<HelloMessage, 'type' | 'version'> {
  return {
    mode,
    envId,
    observationSpace: spaceInfo(env.observationSpace),
    actionSpace: spaceInfo(env.actionSpace),
    actionNames: env.metadata.actionNames ?? [],
    fps: env.metadata.renderFps,
  };
}

/** Options of {@link serveEnvStream}. */
export interface ServeEnvStreamOptions {
  /** Env id: Catch-like ids (a positive return is a win) get a win count in the page. */
  readonly envId?: string;
}

/**
 * Publishes an {@link EnvStream}'s steps, frames and episodes to `server` until the returned
 * subscription is unsubscribed (or the stream closes). Frames are rendered only when the server
 * wants one (`frameDue`, at the env's `renderFps`), so a fast loop is not slowed down; the env
 * must be made with `renderMode: 'rgb_array'` for frames to appear. The loop driving the env
 * must yield to the event loop now and then (an `await`) for the page to be served.
 */
export function serveEnvStream<Obs>(
  stream: EnvStream<Obs, number>,
  server: ViewerServer,
  opts: ServeEnvStreamOptions = {},
): Subscription {
  const wins = opts.envId !== undefined && hasWins(opts.envId);
  let episodeReturn = 0;
  const publishFrame = (frame: RgbFrame | string | null, step: number): void => {
    if (frame !== null && typeof frame !== 'string') server.publishFrame(frame, step);
  };
  const sub = stream.resets$.subscribe((e) => {
    episodeReturn = 0;
    if (server.frameDue() && stream.renderMode !== null) publishFrame(stream.render(), e.globalStep);
  });
  sub.add(
    stream.steps$.subscribe((e) => {
      episodeReturn += e.reward;
      if (!server.frameDue()) return;
      server.publishStep({
        step: e.globalStep,
        episodeStep: e.t,
        action: e.action,
        reward: e.reward,
        episodeReturn,
        info: scalarInfo(e.info),
      });
      publishFrame(e.frame(), e.globalStep);
    }),
  );
  sub.add(
    stream.episodes$.subscribe((e) => {
      server.publishEpisode({
        index: e.episode,
        return: e.return,
        length: e.length,
        ...(wins ? { won: e.return > 0 } : {}),
      });
    }),
  );
  return sub;
}
