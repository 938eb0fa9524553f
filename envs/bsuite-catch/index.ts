/**
 * Registers `bsuite/Catch-v0`, DeepMind bsuite's Catch, bit-exact with bsuite for the same seed
 * (numpy `RandomState`). Options: `rows` (10) and `columns` (5).
 */
import { register, type EnvOptions } from '../../src/core/registry.js';
import { BsuiteCatchEnv } from './env.js';

export { BsuiteCatchEnv, type BsuiteCatchOptions } from './env.js';

/** Builds a `bsuite/Catch-v0` from registry options. */
export function makeBsuiteCatch(o: EnvOptions): BsuiteCatchEnv {
  return new BsuiteCatchEnv({
    rows: o['rows'] as number,
    columns: o['columns'] as number,
    renderMode: o.renderMode ?? null,
  });
}

register('bsuite/Catch-v0', makeBsuiteCatch, {
  defaultOptions: { rows: 10, columns: 5 },
  description: "bsuite's Catch: 10x5 board, ball column from numpy RandomState(seed), 9 steps per episode",
  // +1 for a caught ball, -1 for a missed one: a positive return is a won game.
  countsWins: true,
});
