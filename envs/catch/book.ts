/**
 * `bookCatch`: the book's preprocessing of Catch frames (Gulli & Pal ch. 8,
 * `preprocess_images` in `rl-network-train.py`) as a wrapper stack, so agents train on exactly
 * what the book's network saw: each frame resized to 80x80, scaled to [0, 1], and the last 4
 * frames stacked channels-last (oldest first), the first frame of an episode repeated 4 times.
 *
 * Resizing uses `'area'` (OpenCV `INTER_AREA`): 400 -> 80 is an exact 5x5 block mean, which is
 * what an antialiased downscale of these black/white rectangles amounts to. The book's frames
 * came from `pygame.surfarray.array2d`, i.e. indexed [x][y]; ours are [y][x] (a transpose that
 * does not change what can be learned).
 */
import type { Env } from '../../src/core/env.js';
import type { Interpolation } from '../../src/image/resize.js';
import { FrameStack } from '../../src/core/wrappers/stateful-observation.js';
import { Resize, ScaleObservation } from '../../src/core/wrappers/transform-observation.js';
import { CatchEnv, type CatchOptions } from './env.js';

/** Options of {@link bookCatch}. */
export interface BookCatchOptions {
  /** Side of the resized frames (the book: 80). */
  frameSize?: number;
  /** Frames stacked (the book: 4). */
  stack?: number;
  /** Resize interpolation (default `'area'`). */
  interpolation?: Interpolation;
}

/** The env type `bookCatch` returns: float32 `[80, 80, 4]` observations, actions 0/1/2. */
export type BookCatchEnv = FrameStack<Float32Array, number>;

/**
 * Wraps a Catch env (or makes one from {@link CatchOptions}) as
 * `FrameStack(ScaleObservation(Resize(env, 80, 80, 'area')), 4, 'reset')`.
 */
export function bookCatch(env: Env<Uint8Array, number> | CatchOptions = {}, opts: BookCatchOptions = {}): BookCatchEnv {
  const inner = isEnv(env) ? env : new CatchEnv(env);
  const side = opts.frameSize ?? 80;
  const resized = new Resize(inner, side, side, opts.interpolation ?? 'area');
  return new FrameStack<Float32Array, number>(new ScaleObservation(resized), opts.stack ?? 4, 'reset');
}

function isEnv(x: Env<Uint8Array, number> | CatchOptions): x is Env<Uint8Array, number> {
  return typeof (x as Partial<Env<Uint8Array, number>>).step === 'function';
}
