/**
 * The book's preprocessing (Gulli & Pal ch. 8, `preprocess_images` in `rl-network-train.py`), the
 * one definition every caller uses: the `book=true` option of `Catch-v0`, {@link bookCatch}, and
 * the agents' `preprocess: 'book'` (`agents/envs.ts`). Each frame is converted to grayscale (when
 * it is RGB), resized to 80x80, and the last 4 frames are stacked channels-last (oldest first),
 * the first frame of an episode repeated 4 times.
 *
 * Dtype rule: the frames stay uint8 in [0, 255]. The book also scales them to [0, 1]; here that
 * division by 255 happens at the network input (the DQN agent divides uint8 observations by
 * `inputDivisor` = 255), which gives the network the same values while the replay memory stores
 * 1-byte pixels instead of 4-byte floats (50,000 book transitions: ~400 MB instead of ~1.6 GB).
 * Code that wants the book's float32 frames wraps the result in `ScaleObservation`.
 *
 * Resizing uses `'area'` (OpenCV `INTER_AREA`): 400 -> 80 is an exact 5x5 block mean, which is
 * what an antialiased downscale of these black/white rectangles amounts to. The book's frames
 * came from `pygame.surfarray.array2d`, i.e. indexed [x][y]; ours are [y][x] (a transpose that
 * does not change what can be learned).
 */
import type { Env } from '../../src/core/env.js';
import type { Interpolation } from '../../src/image/resize.js';
import { FrameStack } from '../../src/core/wrappers/stateful-observation.js';
import { GrayScale, Resize } from '../../src/core/wrappers/transform-observation.js';
import { CatchEnv, type CatchOptions } from './env.js';

/** Options of {@link bookPreprocessing} and {@link bookCatch}. */
export interface BookCatchOptions {
  /** Side of the resized frames (the book: 80). */
  frameSize?: number;
  /** Frames stacked (the book: 4). */
  stack?: number;
  /** Resize interpolation (default `'area'`). */
  interpolation?: Interpolation;
}

/** The env type the book's preprocessing returns: uint8 `[80, 80, 4]` observations in [0, 255]. */
export type BookCatchEnv = FrameStack<Uint8Array, number>;

/**
 * The book's preprocessing of any uint8 image env (`[H, W]`, `[H, W, 1]` or RGB `[H, W, 3]`):
 * `FrameStack(Resize([GrayScale](env), 80, 80, 'area'), 4, 'reset')`, uint8 throughout (see the
 * dtype rule above). Throws a RangeError for other observations.
 */
export function bookPreprocessing(env: Env<unknown, number>, opts: BookCatchOptions = {}): BookCatchEnv {
  const sp = env.observationSpace;
  if (sp.dtype !== 'uint8' || (sp.shape.length !== 3 && sp.shape.length !== 2)) {
    throw new RangeError(`the book's preprocessing needs uint8 image observations; this env has ${sp.toString()}`);
  }
  let img = env as Env<Uint8Array, number>;
  if (sp.shape.length === 3 && sp.shape[2] === 3) img = new GrayScale(img);
  const side = opts.frameSize ?? 80;
  return new FrameStack<Uint8Array, number>(
    new Resize(img, side, side, opts.interpolation ?? 'area'),
    opts.stack ?? 4,
    'reset',
  );
}

/** {@link bookPreprocessing} of a Catch env (or of a new one made from {@link CatchOptions}). */
export function bookCatch(env: Env<Uint8Array, number> | CatchOptions = {}, opts: BookCatchOptions = {}): BookCatchEnv {
  return bookPreprocessing(isEnv(env) ? env : new CatchEnv(env), opts);
}

function isEnv(x: Env<Uint8Array, number> | CatchOptions): x is Env<Uint8Array, number> {
  return typeof (x as Partial<Env<Uint8Array, number>>).step === 'function';
}
