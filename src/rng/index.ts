/**
 * numpy-exact random number generators, for parity with Python reference environments.
 * tfgym's own randomness uses `Rng` from `src/rng/rng.ts`; these are for bsuite, MinAtar and
 * Gymnasium-style resets that must match numpy draw for draw.
 */
export { RandomState, type RandomStateState } from './mt19937.js';
export { SeedSequence, entropyWords, toBigSeed, type BigSeed } from './seed-sequence.js';
export { PCG64, Generator, defaultRng, type Pcg64State } from './pcg64.js';
