/**
 * `EnvStream`: publishes what a running env does as RxJS Observables, for the viewer, console
 * and file loggers, while the loop that drives it stays synchronous.
 *
 * `EnvStream` is itself an env (a wrapper): put it anywhere in a wrapper stack and drive it as
 * usual; `reset`/`step` publish `resets$`, `steps$` and `episodes$` events synchronously, on the
 * loop's own call stack. Cost when nobody listens: none (each subject's `observed` is checked
 * before an event is built). When someone listens, one small event object per step; frames are
 * never rendered or copied unless a subscriber calls `event.frame()`.
 *
 * Lifetimes: `event.obs` and the result of `event.frame()` are the env's reused buffers, valid
 * during the synchronous emission only. Use them inside the subscriber, or copy them there
 * (`frameCopy()`); after the env has stepped again, `frame()` returns null rather than a frame
 * of a later state.
 */
import { Observable, Subject, map, scan } from 'rxjs';
import type { Env, Info, ResetOptions, RgbFrame, StepResult } from './env.js';
import { Wrapper } from './wrappers/wrapper.js';

/** Published after every `reset`. */
export interface ResetEvent<Obs> {
  /** Index of the episode that starts (0 for the first). */
  readonly episode: number;
  readonly seed: number | null;
  /** The reset observation (the env's buffer: valid during the emission only). */
  readonly obs: Obs;
  readonly info: Info;
  /** Steps taken before this reset, over all episodes. */
  readonly globalStep: number;
}

/** Published after every `step`. */
export interface StepEvent<Obs, Act> {
  readonly episode: number;
  /** Step index within the episode, from 1. */
  readonly t: number;
  /** Steps taken so far, over all episodes, including this one. */
  readonly globalStep: number;
  readonly action: Act;
  readonly obs: Obs;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly info: Info;
  /** Renders now (lazily, once per step); null when the env has stepped since, or has no render mode. */
  frame(): RgbFrame | string | null;
  /** Like `frame()` but copies an RGB frame's bytes, so the result may be kept. */
  frameCopy(): RgbFrame | string | null;
}

/** Published when an episode ends (terminated or truncated). */
export interface EpisodeEvent {
  readonly episode: number;
  /** Sum of rewards. */
  readonly return: number;
  /** Number of steps. */
  readonly length: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly globalStep: number;
  /** Info of the last step. */
  readonly info: Info;
}

class StepEventImpl<Obs, Act> implements StepEvent<Obs, Act> {
  private rendered: RgbFrame | string | null | undefined = undefined;
  constructor(
    private readonly owner: EnvStream<Obs, Act>,
    private readonly version: number,
    readonly episode: number,
    readonly t: number,
    readonly globalStep: number,
    readonly action: Act,
    readonly obs: Obs,
    readonly reward: number,
    readonly terminated: boolean,
    readonly truncated: boolean,
    readonly info: Info,
  ) {}

  frame(): RgbFrame | string | null {
    if (this.rendered !== undefined) return this.rendered;
    // The env is past this step: rendering now would show a later state.
    if (this.owner.stateVersion !== this.version || this.owner.renderMode === null) return null;
    this.rendered = this.owner.render();
    return this.rendered;
  }

  frameCopy(): RgbFrame | string | null {
    const f = this.frame();
    if (f === null || typeof f === 'string') return f;
    return { data: f.data.slice(), height: f.height, width: f.width };
  }
}

/** An env wrapper that publishes its resets, steps and episode ends as Observables. */
export class EnvStream<Obs, Act> extends Wrapper<Obs, Act> {
  private readonly resetSubject = new Subject<ResetEvent<Obs>>();
  private readonly stepSubject = new Subject<StepEvent<Obs, Act>>();
  private readonly episodeSubject = new Subject<EpisodeEvent>();
  /** Every reset. */
  readonly resets$: Observable<ResetEvent<Obs>> = this.resetSubject.asObservable();
  /** Every step. */
  readonly steps$: Observable<StepEvent<Obs, Act>> = this.stepSubject.asObservable();
  /** Every episode end. */
  readonly episodes$: Observable<EpisodeEvent> = this.episodeSubject.asObservable();
  private episodeIndex = -1;
  private t = 0;
  private ret = 0;
  private steps = 0;
  private version = 0;

  constructor(env: Env<Obs, Act>) {
    super(env);
  }

  /** Incremented by every reset and step: lets a step event tell whether the env has moved on. */
  get stateVersion(): number {
    return this.version;
  }

  /** Steps taken so far over all episodes. */
  get globalStep(): number {
    return this.steps;
  }

  /** Index of the current episode (-1 before the first reset). */
  get episode(): number {
    return this.episodeIndex;
  }

  override reset(opts?: ResetOptions): [Obs, Info] {
    const out = this.env.reset(opts);
    this.version++;
    this.episodeIndex++;
    this.t = 0;
    this.ret = 0;
    if (this.resetSubject.observed) {
      this.resetSubject.next({
        episode: this.episodeIndex,
        seed: opts?.seed ?? null,
        obs: out[0],
        info: out[1],
        globalStep: this.steps,
      });
    }
    return out;
  }

  override step(action: Act): StepResult<Obs> {
    const out = this.env.step(action);
    const [obs, r, term, trunc, info] = out;
    this.version++;
    this.t++;
    this.steps++;
    this.ret += r;
    if (this.stepSubject.observed) {
      this.stepSubject.next(
        new StepEventImpl(this, this.version, this.episodeIndex, this.t, this.steps, action, obs, r, term, trunc, info),
      );
    }
    if ((term || trunc) && this.episodeSubject.observed) {
      this.episodeSubject.next({
        episode: this.episodeIndex,
        return: this.ret,
        length: this.t,
        terminated: term,
        truncated: trunc,
        globalStep: this.steps,
        info,
      });
    }
    return out;
  }

  /** Completes the three streams and closes the env. */
  override close(): void {
    this.resetSubject.complete();
    this.stepSubject.complete();
    this.episodeSubject.complete();
    this.env.close();
  }
}

/** An episode with the mean return and length over the last `window` episodes (CleanRL-style smoothing). */
export interface EpisodeSummary {
  readonly episode: number;
  readonly return: number;
  readonly length: number;
  readonly meanReturn: number;
  readonly meanLength: number;
}

/** Operator: `episodes$.pipe(summarizeEpisodes(100))` adds moving means over the last `window` episodes. */
export function summarizeEpisodes(window = 100): (source: Observable<EpisodeEvent>) => Observable<EpisodeSummary> {
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError(`summarizeEpisodes: window must be a positive integer. Received: ${String(window)}`);
  return (source) =>
    source.pipe(
      scan(
        (acc, e) => {
          acc.returns.push(e.return);
          acc.lengths.push(e.length);
          if (acc.returns.length > window) {
            acc.returns.shift();
            acc.lengths.shift();
          }
          acc.last = e;
          return acc;
        },
        { returns: [] as number[], lengths: [] as number[], last: null as EpisodeEvent | null },
      ),
      map((acc) => {
        const e = acc.last as EpisodeEvent;
        const n = acc.returns.length;
        return {
          episode: e.episode,
          return: e.return,
          length: e.length,
          meanReturn: acc.returns.reduce((a, b) => a + b, 0) / n,
          meanLength: acc.lengths.reduce((a, b) => a + b, 0) / n,
        };
      }),
    );
}
