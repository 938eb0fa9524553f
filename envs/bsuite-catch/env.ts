/**
 * `BsuiteCatchEnv`: the shell around bsuite's Catch (`./game.ts`), with the numpy-exact
 * `RandomState` as its only randomness so trajectories match bsuite for the same seed.
 *
 * Seeding follows Gymnasium: `reset({seed})` creates `RandomState(seed)` (bsuite's
 * `Catch(seed=seed)`), `reset()` continues the stream (bsuite's own resets never reseed). An env
 * never seeded uses seed 0. Observation: the board as float32 `[rows, columns]` (bsuite's dtype),
 * reused by the next `reset`/`step`.
 */
import { BaseEnv, DEFAULT_SEED } from '../../src/core/env-base.js';
import type { EnvMetadata, Info, RenderMode, RgbFrame, StepResult } from '../../src/core/env.js';
import { RandomState } from '../../src/rng/mt19937.js';
import { Box, Discrete } from '../../src/core/spaces.js';
import {
  bsuiteCatchConfig,
  initial,
  observe,
  renderAnsi,
  transition,
  type BsuiteCatchConfig,
  type BsuiteCatchState,
} from './game.js';

/** Options of {@link BsuiteCatchEnv}. */
export interface BsuiteCatchOptions {
  /** Board rows (default 10, bsuite's). */
  rows?: number;
  /** Board columns (default 5, bsuite's). */
  columns?: number;
  renderMode?: RenderMode | null;
}

/** bsuite's Catch as a Gymnasium-style env (`bsuite/Catch-v0`). */
export class BsuiteCatchEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace: Box<'float32'>;
  readonly actionSpace = new Discrete(3);
  readonly metadata: EnvMetadata;
  /** The board size. */
  readonly config: BsuiteCatchConfig;
  /** The numpy-exact stream the ball columns come from. */
  private rs = new RandomState(DEFAULT_SEED);
  private state: BsuiteCatchState;
  private readonly board: Float32Array;
  private rgb: Uint8Array | null = null;

  constructor(opts: BsuiteCatchOptions = {}) {
    super(opts.renderMode ?? null);
    const c = bsuiteCatchConfig(opts.rows ?? 10, opts.columns ?? 5);
    this.config = c;
    this.observationSpace = new Box(0, 1, [c.rows, c.columns], 'float32');
    this.metadata = {
      renderModes: ['rgb_array', 'ansi'],
      renderFps: 10,
      actionNames: ['left', 'stay', 'right'],
      renderShape: [c.rows, c.columns, 3],
    };
    this.board = new Float32Array(c.rows * c.columns);
    // A placeholder until the first reset draws the ball column (no draw here, so the stream starts at reset).
    this.state = { ballRow: 0, ballCol: 0, paddleCol: Math.floor(c.columns / 2) };
  }

  /** The current cells (for viewers and tests). */
  get gameState(): BsuiteCatchState {
    return this.state;
  }

  /** The numpy stream's state (e.g. to check draw counts against bsuite). */
  get randomState(): RandomState {
    return this.rs;
  }

  protected override seed(seed: number): void {
    super.seed(seed);
    this.rs = new RandomState(seed);
  }

  protected resetEpisode(): [Float32Array, Info] {
    this.state = initial(this.config, this.rs);
    return [observe(this.config, this.state, this.board), this.info()];
  }

  protected stepEpisode(action: number): StepResult<Float32Array> {
    const t = transition(this.config, this.state, action);
    this.state = t.state;
    return [observe(this.config, t.state, this.board), t.reward, t.terminated, false, this.info()];
  }

  private info(): Info {
    return { ballX: this.state.ballCol, ballY: this.state.ballRow, paddleX: this.state.paddleCol };
  }

  protected override renderRgb(): RgbFrame {
    const { rows, columns } = this.config;
    this.rgb ??= new Uint8Array(rows * columns * 3);
    const cells = observe(this.config, this.state, new Uint8Array(rows * columns));
    for (let i = 0; i < cells.length; i++) this.rgb.fill(cells[i] ? 255 : 0, i * 3, i * 3 + 3);
    return { data: this.rgb, height: rows, width: columns };
  }

  protected override renderAnsi(): string {
    return renderAnsi(this.config, this.state);
  }
}
