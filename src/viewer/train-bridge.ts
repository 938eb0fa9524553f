/**
 * Streams a training run to the viewer (`tfgym train --watch`). The trainer calls
 * {@link TrainingViewer.step} once per env step; it costs one clock read and a comparison
 * unless a frame is due (at the env's `renderFps`), so training keeps its speed. Episodes go to
 * the server's history ring; metrics are coalesced so a fast trainer sends a few per second.
 *
 * The trainer's loop must yield to the event loop now and then (e.g. `await` a macrotask every
 * few milliseconds) for sockets to be served: {@link TrainingViewer.yieldDue} says when.
 */
import type { Env, Info } from '../core/env.js';
import { actionDistribution, hasWins, scalarInfo, type ValueDistributions } from './loop.js';
import type { ViewerServer } from './server.js';

/** Options of {@link TrainingViewer}. */
export interface TrainingViewerOptions {
  /** Env id, for the win count (Catch). */
  readonly envId: string;
  /** Minimum milliseconds between two published metrics (default 100). */
  readonly metricsIntervalMs?: number;
  /** How often the loop should yield to the event loop, in ms (default 15). */
  readonly yieldIntervalMs?: number;
}

/** What the trainer shows for a state: Q-values, and for a distributional agent the distributions behind them. */
export interface ShownValues {
  readonly qvalues: ArrayLike<number>;
  readonly distributions?: ValueDistributions;
}

function isShownValues(v: ArrayLike<number> | ShownValues): v is ShownValues {
  return (v as Partial<ShownValues>).qvalues !== undefined;
}

/** Bridges a training loop to a {@link ViewerServer}. */
export class TrainingViewer {
  private readonly wins: boolean;
  private readonly metricsInterval: number;
  private readonly yieldInterval: number;
  private lastMetricsAt = -Infinity;
  private pendingValues: Record<string, number> = {};
  private pendingStep = -1;
  private lastYieldAt = performance.now();
  /** Last clock reading, and the number of steps between readings. */
  private now = performance.now();
  private stride = 1;
  private qNextAt = 0;
  private sinceClock = 0;

  constructor(
    /** The server frames and events go to. */
    readonly server: ViewerServer,
    /** The env to render frames from (made with `renderMode: 'rgb_array'`); null streams no frames. */
    private readonly env: Env<unknown, unknown> | null,
    opts: TrainingViewerOptions,
  ) {
    this.wins = hasWins(opts.envId);
    this.metricsInterval = opts.metricsIntervalMs ?? 100;
    this.yieldInterval = opts.yieldIntervalMs ?? 15;
  }

  /**
   * One env step. `qvalues` is a thunk so Q-values are only read (often a tensor download)
   * when a frame is actually shown; it may return {@link ShownValues}, whose distributions then
   * travel with them (the highlighted action's). `shownAction` picks the bar to highlight
   * (default `action`).
   */
  step(
    step: number,
    episodeStep: number,
    action: number,
    reward: number,
    episodeReturn: number,
    info: Info,
    qvalues?: () => ArrayLike<number> | ShownValues | null,
    shownAction?: (q: ArrayLike<number>) => number,
  ): void {
    // Reading the clock costs ~0.2 us here, more than a fast env step: read it about once per
    // millisecond, with a stride that adapts to the loop's speed.
    if (++this.sinceClock < this.stride) return;
    this.sinceClock = 0;
    const now = performance.now();
    const dt = now - this.now;
    this.now = now;
    if (dt < 0.5 && this.stride < 1024) this.stride *= 2;
    else if (dt > 2 && this.stride > 1) this.stride >>= 1;
    if (!this.server.frameDue(now)) return;
    this.server.publishStep({ step, episodeStep, action, reward, episodeReturn, info: scalarInfo(info) });
    if (qvalues !== undefined && now >= this.qNextAt) {
      // A forward pass can cost as much as a slow trainer's step: space them so they take at
      // most ~10% of the time.
      const shown = qvalues();
      const took = performance.now() - now;
      this.qNextAt = now + 10 * took;
      if (shown !== null) {
        const { qvalues: q, distributions } = isShownValues(shown)
          ? shown
          : { qvalues: shown, distributions: undefined };
        const a = shownAction ? shownAction(q) : action;
        const distribution = distributions && actionDistribution(distributions, a);
        this.server.publishQValues({
          step,
          values: Array.from(q),
          action: a,
          ...(distribution ? { distribution } : {}),
        });
      }
    }
    const frame = this.env?.render();
    if (frame !== undefined && frame !== null && typeof frame !== 'string') this.server.publishFrame(frame, step);
  }

  /** A finished episode (0-based index). */
  episode(index: number, ret: number, length: number): void {
    this.server.publishEpisode({ index, return: ret, length, ...(this.wins ? { won: ret > 0 } : {}) });
  }

  /** Training metrics (e.g. `loss`, `epsilon`, `sps`); coalesced to one per `metricsIntervalMs`, newest values win. */
  metrics(step: number, values: Readonly<Record<string, number>>): void {
    // Plain writes into one object: this runs every training round, so no spreads or deletes.
    for (const k in values) {
      const v = values[k];
      if (v !== undefined && Number.isFinite(v)) this.pendingValues[k] = v;
    }
    this.pendingStep = step;
    const now = performance.now();
    if (now - this.lastMetricsAt >= this.metricsInterval) this.flushMetrics(now);
  }

  /** Publishes coalesced metrics now (call at the end of training). */
  flushMetrics(now: number = performance.now()): void {
    if (this.pendingStep < 0) return;
    this.server.publishMetrics({ step: this.pendingStep, values: this.pendingValues });
    this.pendingValues = {};
    this.pendingStep = -1;
    this.lastMetricsAt = now;
  }

  /**
   * Whether the loop should yield to the event loop now, so sockets get served (call after {@link
   * TrainingViewer.step}).
   */
  yieldDue(): boolean {
    // Uses the clock last read by step(), so this check is free.
    if (this.now - this.lastYieldAt < this.yieldInterval) return false;
    this.lastYieldAt = this.now;
    return true;
  }

  /** Waits while the page has paused training; resolves at once otherwise. */
  async whilePaused(signal?: AbortSignal): Promise<void> {
    while (this.server.paused && !signal?.aborted) await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves on the next macrotask: lets sockets, timers and signals run inside a long loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
