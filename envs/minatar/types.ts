/**
 * Shared types of the MinAtar games (Young & Tian 2019), written clean-room from the behavioural
 * specification in `shared/reference/minatar/SPEC.md`.
 *
 * Each game is pure logic over a mutable state object: `create` allocates a state once,
 * `reset` re-initialises it in place, `step` advances it in place and `observe` writes the
 * `[10, 10, C]` boolean observation into a caller-owned buffer. Nothing here allocates in the
 * steady state, which is what makes millions of steps per second possible.
 */

/**
 * The random stream a game draws from. numpy's legacy `RandomState` (`src/rng/`) satisfies it;
 * the games only need numpy's `rand()` and `randint()` semantics (a range of one value draws
 * nothing), never anything else.
 */
export interface MinAtarRng {
  /** A double in [0, 1) (numpy `rand()`: two raw words). */
  rand(): number;
  /** An integer in [low, high) or, with one argument, [0, low) (numpy legacy `randint`). */
  randint(low: number, high?: number): number;
}

/** Action indices shared by every game (SPEC §1.2). */
export const ACTION_NOOP = 0;
/** Left. */
export const ACTION_LEFT = 1;
/** Up. */
export const ACTION_UP = 2;
/** Right. */
export const ACTION_RIGHT = 3;
/** Down. */
export const ACTION_DOWN = 4;
/** Fire. */
export const ACTION_FIRE = 5;
/** Number of actions every game accepts. */
export const NUM_ACTIONS = 6;
/** One-letter names of the six actions, in index order (as in the fixtures). */
export const ACTION_LETTERS: readonly string[] = ['n', 'l', 'u', 'r', 'd', 'f'];
/** Human names of the six actions, in index order. */
export const ACTION_NAMES: readonly string[] = ['NOOP', 'LEFT', 'UP', 'RIGHT', 'DOWN', 'FIRE'];
/** Side of the square grid. */
export const GRID = 10;

/** Fields every game state has. */
export interface MinAtarStateBase {
  /** True once the episode has ended; further steps do nothing and return reward 0. */
  terminal: boolean;
}

/** One MinAtar game as pure logic over its state type `S`. */
export interface MinAtarGame<S extends MinAtarStateBase> {
  /** Reference name, as in the fixture files (`breakout`, `space_invaders`, ...). */
  readonly name: string;
  /** Name used in env ids (`Breakout`, `SpaceInvaders`, ...). */
  readonly title: string;
  /** Observation channel names in index order. */
  readonly channels: readonly string[];
  /** Sorted action indices with a distinct effect (the `-v1` action set). */
  readonly minimalActionSet: readonly number[];
  /** Whether `difficultyRamp` is meaningful (false: the reference returns `None`). */
  readonly hasRamp: boolean;
  /** Channels from back to front for colour rendering (front ones win on a shared cell). */
  readonly drawOrder: readonly number[];
  /** A fresh state (not yet reset: call `reset` before stepping). */
  create(ramping: boolean): S;
  /** Re-initialises `state` in place for a new episode, drawing from `rng` as the spec says. */
  reset(state: S, rng: MinAtarRng): void;
  /** One step with action index 0-5; returns the reward and sets `state.terminal`. */
  step(state: S, action: number, rng: MinAtarRng): number;
  /** Writes the observation (`[10][10][C]`, row-major, 0/1) into `out`, clearing it first. */
  observe(state: S, out: Uint8Array): void;
  /** The ramp index (the reference's `difficulty_ramp()`), or null for games that do not ramp. */
  difficultyRamp(state: S): number | null;
  /** A deep copy (for planners and tests). */
  clone(state: S): S;
}
