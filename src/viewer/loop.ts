/**
 * The live loop behind `tfgym play` and `tfgym watch`: steps one env at its `renderFps` (times the
 * speed chosen in the page), asks a policy for each action, and publishes frames, steps, episodes
 * and Q-values to a {@link ViewerServer}. Pause and speed come from the page through the server.
 *
 * Timing uses `setTimeout` against a running deadline, so the game keeps its pace without
 * drifting, and after a long stall (a busy machine) it resumes instead of rushing to catch up.
 */
import type { Env, Info } from '../core/env.js';
import { countsWins } from '../core/registry.js';
import { actionForHeld, keyMapFor, type KeyMap } from './keys.js';
import type { ActionDistribution } from './protocol.js';
import type { ViewerServer } from './server.js';

/**
 * The return distributions behind a distributional agent's Q-values (C51): `probs` holds one row
 * of `numAtoms` probabilities per action, over atoms evenly spaced from `vMin` to `vMax`.
 */
export interface ValueDistributions {
  readonly numAtoms: number;
  readonly vMin: number;
  readonly vMax: number;
  readonly probs: ArrayLike<number>;
}

/** What a policy returns for one step. */
export interface PolicyOutput {
  readonly action: number;
  /** Q-values of every action, shown as bars in the page. */
  readonly qvalues?: ArrayLike<number>;
  /** For a distributional policy, the distributions behind `qvalues`; the page draws the chosen action's. */
  readonly distributions?: ValueDistributions;
}

/**
 * Action `action`'s row of `d` as the wire carries it: probabilities rounded to 6 decimals, which
 * keeps a 51-atom message near half a kilobyte (a chart needs no more; the exact mean is the
 * message's Q-value). Undefined when the action has no row.
 */
export function actionDistribution(d: ValueDistributions, action: number): ActionDistribution | undefined {
  const n = d.numAtoms;
  if (!(Number.isInteger(action) && action >= 0 && (action + 1) * n <= d.probs.length)) return undefined;
  const probs = new Array<number>(n);
  for (let i = 0; i < n; i++) probs[i] = Math.round((d.probs[action * n + i] ?? 0) * 1e6) / 1e6;
  return { vMin: d.vMin, vMax: d.vMax, probs };
}

/**
 * Chooses an action for an observation; `reset`, when present, is called at every episode start
 * (a recurrent policy zeroes its state).
 */
export type LivePolicy = ((obs: unknown) => PolicyOutput) & { readonly reset?: () => void };

/** Options of {@link runLiveLoop}. */
export interface LiveLoopOptions {
  /** An env made with `renderMode: 'rgb_array'` and a `Discrete` action space. */
  readonly env: Env<unknown, number>;
  readonly envId: string;
  readonly viewer: ViewerServer;
  readonly policy: LivePolicy;
  /** Stop after this many episodes (default: never). */
  readonly episodes?: number;
  /** Seed of the first reset. */
  readonly seed?: number;
  /** Stops the loop. */
  readonly signal?: AbortSignal;
  /** Hold the game while no page is connected (human play: nobody would see it). Default true. */
  readonly onlyWhenWatched?: boolean;
  /** Called after each episode. */
  readonly onEpisode?: (index: number, ret: number, length: number) => void;
}

/** Totals of a finished {@link runLiveLoop}. */
export interface LiveLoopResult {
  readonly episodes: number;
  readonly steps: number;
  readonly returns: number[];
}

/**
 * Whether the page counts wins for an env id: what the env registered as `countsWins` (an episode
 * with a return > 0 is won; Catch-v0, bsuite/Catch-v0). Ids not registered (test envs) count none.
 */
export function hasWins(envId: string): boolean {
  return countsWins(envId);
}

/** The JSON-safe scalar entries of an env's `info` (at most 16), for the page and tests. */
export function scalarInfo(info: Info): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(info)) {
    if (
      (typeof v === 'number' && Number.isFinite(v)) ||
      typeof v === 'boolean' ||
      (typeof v === 'string' && v.length <= 64)
    ) {
      out[k] = v;
      if (++n >= 16) break;
    }
  }
  return out;
}

/**
 * A human player's policy: the action of the most recent `action` message from any page; a key
 * tapped and released between two ticks still counts once, so short presses are never lost.
 */
export class HumanInput {
  private held: number;
  private pressed: number | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    viewer: ViewerServer,
    /** Action while nothing is pressed. */
    private readonly idle: number,
  ) {
    this.held = idle;
    const sub = viewer.controls.subscribe((m) => {
      if (m.type !== 'action') return;
      this.held = m.action;
      if (m.action !== idle) this.pressed = m.action;
    });
    this.unsubscribe = () => sub.unsubscribe();
  }

  /** The policy: consumes a pending press, else the held action. */
  readonly policy: LivePolicy = () => {
    const a = this.pressed ?? this.held;
    this.pressed = null;
    return { action: a };
  };

  /** Stops listening. */
  dispose(): void {
    this.unsubscribe();
  }
}

/** The key map for an env's action names; throws a RangeError when the keyboard cannot play it. */
export function playableKeyMap(actionNames: readonly string[] | undefined, envId: string): KeyMap & { idle: number } {
  if (actionNames === undefined || actionNames.length === 0) {
    throw new RangeError(`${envId} has no action names, so keys cannot be mapped to its actions`);
  }
  const map = keyMapFor(actionNames);
  if (Object.keys(map.keys).length === 0) {
    throw new RangeError(`${envId}: none of its actions (${actionNames.join(', ')}) maps to an arrow key or space`);
  }
  // Without a no-op action, releasing every key keeps the first bound action (rare; documented).
  return { keys: map.keys, idle: map.idle ?? actionForHeld(map, Object.keys(map.keys)) ?? 0 };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs the live loop until `episodes` are done or `signal` aborts. */
export async function runLiveLoop(opts: LiveLoopOptions): Promise<LiveLoopResult> {
  const { env, viewer, policy, signal } = opts;
  const fps = env.metadata.renderFps;
  const onlyWhenWatched = opts.onlyWhenWatched ?? true;
  const wins = hasWins(opts.envId);
  const returns: number[] = [];
  let [obs] = env.reset(opts.seed === undefined ? {} : { seed: opts.seed });
  policy.reset?.();
  let step = 0;
  let episodeStep = 0;
  let episodeReturn = 0;
  let deadline = performance.now();
  const publishFrame = (): void => {
    const frame = env.render();
    if (frame !== null && typeof frame !== 'string') viewer.publishFrame(frame, step);
  };

  while (!signal?.aborted && (opts.episodes === undefined || returns.length < opts.episodes)) {
    const interval = 1000 / (fps * viewer.speed);
    deadline += interval;
    const now = performance.now();
    // More than a few frames late (machine busy, or we were idle): restart the clock.
    if (now - deadline > 4 * interval) deadline = now;
    await sleep(deadline - now, signal);
    if (signal?.aborted) break;
    if (viewer.paused || (onlyWhenWatched && viewer.clientCount === 0)) {
      // Keep the current picture on screen for clients that (re)connect while paused.
      if (viewer.frameDue()) publishFrame();
      continue;
    }
    const out = policy(obs);
    const [next, reward, terminated, truncated, info] = env.step(out.action);
    obs = next;
    step++;
    episodeStep++;
    episodeReturn += reward;
    if (out.qvalues !== undefined) {
      const distribution = out.distributions && actionDistribution(out.distributions, out.action);
      viewer.publishQValues({
        step,
        values: Array.from(out.qvalues),
        action: out.action,
        ...(distribution ? { distribution } : {}),
      });
    }
    viewer.publishStep({ step, episodeStep, action: out.action, reward, episodeReturn, info: scalarInfo(info) });
    if (viewer.frameDue()) publishFrame();
    if (terminated || truncated) {
      const index = returns.length;
      returns.push(episodeReturn);
      viewer.publishEpisode({
        index,
        return: episodeReturn,
        length: episodeStep,
        ...(wins ? { won: episodeReturn > 0 } : {}),
      });
      opts.onEpisode?.(index, episodeReturn, episodeStep);
      [obs] = env.reset();
      policy.reset?.();
      episodeStep = 0;
      episodeReturn = 0;
    }
  }
  viewer.flush();
  return { episodes: returns.length, steps: step, returns };
}
