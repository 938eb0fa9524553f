/**
 * Registers `Catch-v0`, the book's Catch (Chapter 8). Options: `size` (400, 200, 80 or 40
 * pixels; the rules scale exactly, 40 is handy for fast tests).
 */
import { register, type EnvOptions } from '../src/registry.js';
import { CatchEnv } from './catch/env.js';

export { CatchEnv, type CatchOptions } from './catch/env.js';
export * as catchGame from './catch/game.js';

/** Builds a `Catch-v0` from registry options. */
export function makeCatch(o: EnvOptions): CatchEnv {
  return new CatchEnv({ size: o['size'] as number, renderMode: o.renderMode ?? null });
}

register('Catch-v0', makeCatch, {
  defaultOptions: { size: 400 },
  description: "the book's Catch (Gulli & Pal ch. 8): 400x400 frame, catch one falling ball with a paddle",
});
