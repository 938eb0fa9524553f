/**
 * `MinAtarEnvironment`: the reference's `Environment` wrapper (SPEC §2) around one game: one
 * shared numpy-exact random stream, sticky actions drawn on every `act`, `last_action` kept
 * across resets. Tensor-free and allocation-free per step; the Gymnasium-style `Env` shells in
 * `env.ts` and the speed bench are both built on it.
 */
import { RandomState } from '../../src/rng/index.js';
import { asterix } from './asterix.js';
import { breakout } from './breakout.js';
import { freeway } from './freeway.js';
import { seaquest } from './seaquest.js';
import { spaceInvaders } from './space-invaders.js';
import { GRID, NUM_ACTIONS, type MinAtarGame, type MinAtarStateBase } from './types.js';

/** Reference game names, as in the fixture files. */
export type MinAtarGameName = 'asterix' | 'breakout' | 'freeway' | 'seaquest' | 'space_invaders';

/** The five games by reference name. */
export const MINATAR_GAMES: Readonly<Record<MinAtarGameName, MinAtarGame<MinAtarStateBase>>> = {
  asterix: asterix,
  breakout: breakout,
  freeway: freeway,
  seaquest: seaquest,
  space_invaders: spaceInvaders,
};

/** Options of {@link MinAtarEnvironment}, with the reference's defaults. */
export interface MinAtarEnvironmentOptions {
  /** Probability that `act` repeats the previous action instead (default 0.1). */
  stickyActionProb?: number;
  /** Whether games that ramp get harder over time (default true). */
  difficultyRamping?: boolean;
  /** Seed of the stream until `seed` is called (default 0: deterministic, unlike the reference's OS entropy). */
  seed?: number;
}

/**
 * One MinAtar game behind the reference's wrapper semantics: `seed(s)` then `reset()` then
 * `act(a)` reproduce the Python reference's trajectories draw for draw.
 */
export class MinAtarEnvironment {
  /** The game's pure logic. */
  readonly game: MinAtarGame<MinAtarStateBase>;
  /** Sticky-action probability. */
  readonly stickyActionProb: number;
  /** Whether difficulty ramping is on. */
  readonly difficultyRamping: boolean;
  /** Channels of the observation. */
  readonly numChannels: number;
  /** The shared random stream (wrapper and game). */
  rng: RandomState;
  /** The action actually applied by the last `act` (kept across resets, as in the reference). */
  lastAction = 0;
  /** The game state (mutated in place). */
  readonly state: MinAtarStateBase;

  constructor(game: MinAtarGameName | MinAtarGame<MinAtarStateBase>, opts: MinAtarEnvironmentOptions = {}) {
    const g = typeof game === 'string' ? MINATAR_GAMES[game] : game;
    if (g === undefined)
      throw new RangeError(`Unknown MinAtar game '${String(game)}'. Known: ${Object.keys(MINATAR_GAMES).join(', ')}`);
    this.game = g;
    const p = opts.stickyActionProb ?? 0.1;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`stickyActionProb must be in [0, 1]. Received: ${String(p)}`);
    this.stickyActionProb = p;
    this.difficultyRamping = opts.difficultyRamping ?? true;
    this.numChannels = g.channels.length;
    this.rng = new RandomState(opts.seed ?? 0);
    this.state = g.create(this.difficultyRamping);
    // The reference resets on construction (with its unseeded stream); we do the same with ours.
    g.reset(this.state, this.rng);
  }

  /** Replaces the stream with `RandomState(seed)`; does not reset the game nor `lastAction`. */
  seed(seed: number): void {
    this.rng = new RandomState(seed);
  }

  /** Resets the game only (it may draw); `lastAction` carries over. */
  reset(): void {
    this.game.reset(this.state, this.rng);
  }

  /** One step: always draws the sticky number, then runs the game; returns the reward. Read `terminal` after. */
  act(action: number): number {
    if (!(action >= 0 && action < NUM_ACTIONS) || !Number.isInteger(action)) {
      throw new RangeError(`MinAtar action must be an integer in [0, 6). Received: ${String(action)}`);
    }
    // The sticky draw happens on every call, also with p = 0 and after the game has ended.
    let a = action;
    if (this.rng.rand() < this.stickyActionProb) a = this.lastAction;
    this.lastAction = a;
    return this.game.step(this.state, a, this.rng);
  }

  /** Whether the episode has ended. */
  get terminal(): boolean {
    return this.state.terminal;
  }

  /** Writes the `[10, 10, C]` 0/1 observation into `out` (length `100 * C`). */
  observe(out: Uint8Array): Uint8Array {
    this.game.observe(this.state, out);
    return out;
  }

  /** A fresh observation buffer of the right size. */
  newObservation(): Uint8Array {
    return new Uint8Array(GRID * GRID * this.numChannels);
  }

  /** The reference's `difficulty_ramp()` (null for Breakout and Freeway). */
  difficultyRamp(): number | null {
    return this.game.difficultyRamp(this.state);
  }

  /** The next raw word of the stream, peeked (what the fixtures call `rng_next`). */
  rngNext(): number {
    return this.rng.peekUint32();
  }
}
