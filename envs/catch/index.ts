/**
 * Registers `Catch-v0`, the book's Catch (Chapter 8). Options: `size` (400, 200, 80 or 40
 * pixels; the rules scale exactly, 40 is handy for fast tests) and `book` (true: the book's
 * preprocessing, see {@link bookCatch}: uint8 `[80, 80, 4]` observations, scaled at the network)
 * and `hideBallAfter` (k > 0: the ball is seen in the first k frames only, a memory task; 0 = off).
 */
import type { Env } from '../../src/core/env.js';
import { register, type EnvOptions } from '../../src/core/registry.js';
import { bookCatch } from './book.js';
import { CatchEnv } from './env.js';

export { CatchEnv, type CatchOptions } from './env.js';
export * as catchGame from './game.js';
export { bookCatch, bookPreprocessing, type BookCatchEnv, type BookCatchOptions } from './book.js';

/** Builds a `Catch-v0` from registry options (wrapped in {@link bookCatch} when `book` is true). */
export function makeCatch(o: EnvOptions): Env<unknown, unknown> {
  const env = new CatchEnv({
    size: o['size'] as number,
    hideBallAfter: o['hideBallAfter'] as number,
    renderMode: o.renderMode ?? null,
  });
  return (o['book'] === true ? bookCatch(env) : env) as Env<unknown, unknown>;
}

register('Catch-v0', makeCatch, {
  defaultOptions: { size: 400, book: false, hideBallAfter: 0 },
  description: "the book's Catch (Gulli & Pal ch. 8): 400x400 frame, catch one falling ball with a paddle",
  // +1 for a caught ball, -1 for a missed one: a positive return is a won game.
  countsWins: true,
});
