/**
 * `MinAtarEnv`: the Gymnasium-style shell around one MinAtar game (ids `MinAtar/<Game>-v0`,
 * `-v1` and `-pixels-v1`, registered in `envs/minatar/index.ts`).
 *
 * Seeding is the reference's: `reset({seed})` is `seed(s)` followed by `reset()`, `reset()`
 * continues the stream; an env never seeded behaves as if seeded with 0. The observation is
 * written into one reused buffer (valid until the next `reset`/`step`). `info` carries what a
 * trace needs: the action actually applied after stickiness, the ramp index and the next raw
 * word of the random stream.
 */
import { BaseEnv, DEFAULT_SEED } from '../../src/core/env-base.js';
import type { EnvMetadata, Info, RenderMode, RgbFrame, StepResult } from '../../src/core/env.js';
import type { RandomState } from '../../src/rng/index.js';
import { Box, Discrete } from '../../src/core/spaces.js';
import { MINATAR_GAMES, MinAtarEnvironment, type MinAtarGameName } from './reference-api.js';
import { drawFrame, drawText } from './render.js';
import { ACTION_NAMES, GRID, type MinAtarGame, type MinAtarStateBase } from './types.js';

/** Options of {@link MinAtarEnv}. */
export interface MinAtarEnvOptions {
  /** Probability of repeating the previous action (default 0.1, the reference's). */
  stickyActionProb?: number;
  /** Whether Asterix, Seaquest and Space Invaders ramp up difficulty (default true). */
  difficultyRamping?: boolean;
  /** Use the game's minimal action set (`-v1`) instead of all six actions (`-v0`). Default false. */
  minimalActions?: boolean;
  /** Observe the RGB frame instead of the `[10, 10, C]` channels (`-pixels-v1`). Default false. */
  pixels?: boolean;
  /** Pixels per grid cell of RGB frames (default 16: 160x160 frames). */
  cellSize?: number;
  /** `rgb_array`, `ansi` or null (default). */
  renderMode?: RenderMode | null;
}

/** Info of every `reset`/`step`. */
export interface MinAtarInfo extends Info {
  /** The action index (0-5, reference numbering) actually applied by the last step, after stickiness. */
  effectiveAction: number;
  /** The reference's `difficulty_ramp()` (null for Breakout and Freeway). */
  difficultyRamp: number | null;
  /** The next raw 32-bit word of the shared random stream, peeked (the fixtures' `rng_next`). */
  rngNext: number;
}

/** One MinAtar game as a Gymnasium-style env. */
export class MinAtarEnv extends BaseEnv<Uint8Array, number> {
  readonly observationSpace: Box<'uint8'>;
  readonly actionSpace: Discrete;
  readonly metadata: EnvMetadata;
  /** The game's pure logic. */
  readonly game: MinAtarGame<MinAtarStateBase>;
  /** The reference-semantics core (stream, sticky actions, state). */
  readonly core: MinAtarEnvironment;
  /** Reference action index for each action of `actionSpace`. */
  readonly actionSet: readonly number[];
  /** Pixels per grid cell of RGB frames. */
  readonly cellSize: number;
  /** Whether observations are RGB frames. */
  readonly pixels: boolean;
  private readonly cells: Uint8Array;
  private readonly frame: Uint8Array;
  private seeded = false;

  constructor(game: MinAtarGameName, opts: MinAtarEnvOptions = {}) {
    super(opts.renderMode ?? null);
    const cellSize = opts.cellSize ?? 16;
    if (!Number.isInteger(cellSize) || cellSize < 1 || cellSize > 64) {
      throw new RangeError(`cellSize must be an integer in [1, 64]. Received: ${String(cellSize)}`);
    }
    this.cellSize = cellSize;
    this.core = new MinAtarEnvironment(game, {
      stickyActionProb: opts.stickyActionProb ?? 0.1,
      difficultyRamping: opts.difficultyRamping ?? true,
      seed: DEFAULT_SEED,
    });
    this.game = MINATAR_GAMES[game];
    this.actionSet = opts.minimalActions === true ? this.game.minimalActionSet : [0, 1, 2, 3, 4, 5];
    this.actionSpace = new Discrete(this.actionSet.length);
    this.pixels = opts.pixels === true;
    const side = GRID * cellSize;
    this.cells = this.core.newObservation();
    this.frame = new Uint8Array(side * side * 3);
    this.observationSpace = this.pixels
      ? new Box(0, 255, [side, side, 3], 'uint8')
      : new Box(0, 1, [GRID, GRID, this.core.numChannels], 'uint8');
    this.metadata = {
      renderModes: ['rgb_array', 'ansi'],
      renderFps: 15,
      actionNames: this.actionSet.map((a) => ACTION_NAMES[a] ?? String(a)),
      renderShape: [side, side, 3],
    };
  }

  /** The shared numpy-exact random stream (e.g. to check draw counts against the reference). */
  get randomState(): RandomState {
    return this.core.rng;
  }

  /** The current game state (read-only use: viewers, tests, planners via `game.clone`). */
  get gameState(): MinAtarStateBase {
    return this.core.state;
  }

  protected override seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw new RangeError(`MinAtar seeds are integers in [0, 2^32) (numpy RandomState). Received: ${String(seed)}`);
    }
    super.seed(seed);
    this.core.seed(seed);
    // The reference's seed() leaves `last_action` as the previous episode left it, so two
    // `reset({seed: s})` on one instance could differ in their first sticky repeat. Gymnasium's
    // contract is that a seeded reset fully determines the episode, so a seeded reset here is
    // the reference's fresh `Environment(...)` + `seed(s)` + `reset()` (last_action = 0), which is
    // also exactly how every reference fixture starts. Unseeded resets keep carrying it over.
    this.core.lastAction = 0;
    this.seeded = true;
  }

  protected resetEpisode(): [Uint8Array, Info] {
    // An env never seeded behaves as if its first reset had seed 0 (BaseEnv's contract).
    if (!this.seeded) this.seed(DEFAULT_SEED);
    this.core.reset();
    return [this.observation(), this.info()];
  }

  protected stepEpisode(action: number): StepResult<Uint8Array> {
    const reward = this.core.act(this.actionSet[action] as number);
    return [this.observation(), reward, this.core.terminal, false, this.info()];
  }

  private observation(): Uint8Array {
    this.core.observe(this.cells);
    if (!this.pixels) return this.cells;
    return drawFrame(this.game.name, this.game.drawOrder, this.cells, this.cellSize, this.frame);
  }

  private info(): MinAtarInfo {
    return {
      effectiveAction: this.core.lastAction,
      difficultyRamp: this.core.difficultyRamp(),
      rngNext: this.core.rngNext(),
    };
  }

  protected override renderRgb(): RgbFrame {
    const side = GRID * this.cellSize;
    // Pixel observations already hold the current frame; otherwise draw it now.
    if (!this.pixels)
      drawFrame(this.game.name, this.game.drawOrder, this.core.observe(this.cells), this.cellSize, this.frame);
    return { data: this.frame, height: side, width: side };
  }

  protected override renderAnsi(): string {
    return drawText(this.game.name, this.game.drawOrder, this.core.observe(this.cells), this.core.numChannels);
  }
}
