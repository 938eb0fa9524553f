/**
 * `AtariPreprocessing`: the standard DQN Atari pipeline (Mnih et al. 2015; Machado et al. 2018;
 * Gymnasium's `AtariPreprocessing` + `FrameStackObservation(4)`), composed from the generic
 * wrappers so every stage is the tested one:
 *
 *   NoopReset(up to 30) -> GrayScale -> MaxAndSkip(4) -> Resize(84, 84, INTER_AREA)
 *     -> [EpisodicLife] -> [ScaleObservation] -> FrameStack(4)
 *
 * Order matters for exactness: like Gymnasium (which reads ALE's gray screen per frame), frames
 * are converted to gray first and the max is taken over the last two gray frames; the resize
 * is OpenCV's `INTER_AREA` (bit-exact, `src/image/resize.ts`).
 */
import type { Env, Info, ResetOptions, StepResult } from '../env.js';
import { Rng } from '../../rng/rng.js';
import { FrameStack, MaxAndSkip } from './stateful-observation.js';
import { GrayScale, Resize, ScaleObservation } from './transform-observation.js';
import { requireBox, Wrapper } from './wrapper.js';

/**
 * On reset, takes a random number of no-op steps, uniform in `1..noopMax` (Gymnasium's
 * `np_random.integers(1, noop_max + 1)`), resetting again if the episode ends meanwhile, so
 * episodes start in varied states. Its randomness is its own: the `rng` given or `new Rng(0)`;
 * `reset({seed})` replaces it with a stream derived from the seed (`new Rng(seed).fork()`), so the
 * env's own stream (e.g. MinAtar's numpy-exact one) is not disturbed by the draw.
 */
export class NoopReset<Obs, Act> extends Wrapper<Obs, Act> {
  private rng: Rng;
  /** No-op steps taken by the last reset. */
  lastNoops = 0;

  constructor(
    env: Env<Obs, Act>,
    readonly noopMax = 30,
    readonly noopAction: Act = 0 as Act,
    rng?: Rng,
  ) {
    super(env);
    if (!Number.isInteger(noopMax) || noopMax < 0)
      throw new RangeError(`NoopReset: noopMax must be a non-negative integer. Received: ${String(noopMax)}`);
    if (!env.actionSpace.contains(noopAction))
      throw new RangeError(`NoopReset: noop action ${String(noopAction)} is not in ${env.actionSpace.toString()}`);
    this.rng = rng ?? new Rng(0);
  }

  override reset(opts?: ResetOptions): [Obs, Info] {
    if (opts?.seed !== undefined) this.rng = new Rng(opts.seed).fork();
    let out = this.env.reset(opts);
    const n = this.noopMax > 0 ? this.rng.intBetween(1, this.noopMax + 1) : 0;
    this.lastNoops = n;
    for (let i = 0; i < n; i++) {
      const [obs, , term, trunc, info] = this.env.step(this.noopAction);
      out = [obs, info];
      // Ending during the no-ops restarts the episode (without reseeding: the stream goes on).
      if (term || trunc) out = this.env.reset({ options: opts?.options });
    }
    return out;
  }
}

/**
 * Ends the episode (`terminated`) when `info.lives` decreases, as DQN's training did on Atari.
 * Envs that report no `lives` (MinAtar games have a single life) are unaffected.
 */
export class EpisodicLife<Obs, Act> extends Wrapper<Obs, Act> {
  private lives: number | null = null;

  override reset(opts?: ResetOptions): [Obs, Info] {
    const out = this.env.reset(opts);
    this.lives = livesOf(out[1]);
    return out;
  }

  override step(action: Act): StepResult<Obs> {
    const [obs, r, term, trunc, info] = this.env.step(action);
    const lives = livesOf(info);
    const lost = lives !== null && this.lives !== null && lives < this.lives;
    this.lives = lives;
    return [obs, r, term || lost, trunc, info];
  }
}

function livesOf(info: Info): number | null {
  const v = info['lives'];
  return typeof v === 'number' ? v : null;
}

/** Options of {@link AtariPreprocessing}, with Gymnasium's defaults. */
export interface AtariPreprocessingOptions {
  /** Maximum no-op steps on reset (default 30; 0 disables). */
  noopMax?: number;
  /** The no-op action (default 0, `NOOP` in ALE and MinAtar). */
  noopAction?: number;
  /** Frames per agent step, max-pooled over the last two (default 4; 1 disables). */
  frameSkip?: number;
  /** Side of the square output frame (default 84). */
  screenSize?: number;
  /** End the episode on a life loss (default false; needs `info.lives`). */
  terminalOnLifeLoss?: boolean;
  /** Convert RGB to gray (default true; gray `[H, W, 1]` inputs are used as they are). */
  grayscale?: boolean;
  /** Observations as float32 in [0, 1] instead of uint8 (default false). */
  scaleObs?: boolean;
  /** Frames stacked along the channel axis (default 4; 1 disables). */
  frameStack?: number;
  /** Randomness of the no-op count (default `new Rng(0)`, replaced on seeded resets). */
  rng?: Rng;
}

/**
 * The Atari preprocessing stack over an env with uint8 `[H, W, 3]` (or gray `[H, W, 1]`) frames
 * and discrete actions. Observation: `[screenSize, screenSize, frameStack * C]` uint8 (C = 1 in
 * gray), or float32 with `scaleObs`. `stages` lists the composed wrappers, innermost first.
 */
export class AtariPreprocessing extends Wrapper<Uint8Array | Float32Array, number> {
  /** The composed wrappers, innermost first (for inspection and tests). */
  readonly stages: readonly Env<unknown, number>[];

  constructor(env: Env<Uint8Array, number>, opts: AtariPreprocessingOptions = {}) {
    const stages: Env<unknown, number>[] = [];
    const push = <T>(e: Env<T, number>): Env<T, number> => {
      stages.push(e as Env<unknown, number>);
      return e;
    };
    const box = requireBox(env.observationSpace, 'AtariPreprocessing', 'uint8');
    if (box.shape.length !== 3 || (box.shape[2] !== 3 && box.shape[2] !== 1)) {
      throw new TypeError(
        `AtariPreprocessing needs [H, W, 3] or [H, W, 1] uint8 frames. Received shape [${box.shape.join(', ')}]`,
      );
    }
    const frameSkip = opts.frameSkip ?? 4;
    const screen = opts.screenSize ?? 84;
    const stack = opts.frameStack ?? 4;
    if (!Number.isInteger(frameSkip) || frameSkip < 1)
      throw new RangeError(`AtariPreprocessing: frameSkip must be a positive integer. Received: ${String(frameSkip)}`);
    if (!Number.isInteger(stack) || stack < 1)
      throw new RangeError(`AtariPreprocessing: frameStack must be a positive integer. Received: ${String(stack)}`);
    if (!Number.isInteger(screen) || screen < 1)
      throw new RangeError(`AtariPreprocessing: screenSize must be a positive integer. Received: ${String(screen)}`);
    let e: Env<Uint8Array, number> = push(new NoopReset(env, opts.noopMax ?? 30, opts.noopAction ?? 0, opts.rng));
    if ((opts.grayscale ?? true) && box.shape[2] === 3) e = push(new GrayScale(e));
    if (frameSkip > 1) e = push(new MaxAndSkip(e, frameSkip));
    e = push(new Resize(e, screen, screen, 'area'));
    if (opts.terminalOnLifeLoss === true) e = push(new EpisodicLife(e));
    let out: Env<Uint8Array | Float32Array, number> = e;
    if (opts.scaleObs === true) out = push(new ScaleObservation(e));
    if (stack > 1) out = push(new FrameStack(out, stack));
    super(out);
    this.stages = stages;
  }
}
