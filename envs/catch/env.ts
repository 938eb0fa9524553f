/**
 * `CatchEnv`: the thin stateful shell around the book's Catch game (`./game.ts`).
 *
 * Observation: the screen after the step, `Uint8Array` of shape `[size, size, 1]` (HWC, white
 * 255 on black 0). The array is reused by the next `reset`/`step` (copy it to keep it), so the
 * steady-state loop allocates no frames. With `hideBallAfter` k > 0, observations after the first
 * k leave the ball out; `render()` (for people) and `info` always show the true positions.
 */
import { BaseEnv } from '../../src/core/env-base.js';
import type { EnvMetadata, Info, RenderMode, RgbFrame, StepResult } from '../../src/core/env.js';
import { Box, Discrete } from '../../src/core/spaces.js';
import {
  ballVisible,
  CATCH_ACTIONS,
  catchGeometry,
  checkHideBallAfter,
  initial,
  observe,
  render,
  renderAnsi,
  transition,
  type CatchGeometry,
  type CatchState,
} from './game.js';

/** Options of {@link CatchEnv}. */
export interface CatchOptions {
  /** Screen side in pixels: 400 (the book's, default), 200, 80 or 40; the rules scale exactly. */
  size?: number;
  /**
   * Memory variant: observations show the ball only in the first `hideBallAfter` frames (the reset
   * frame included), then the paddle alone. 0 (default) never hides it.
   */
  hideBallAfter?: number;
  /** `rgb_array`, `ansi` or null (default). */
  renderMode?: RenderMode | null;
}

/** The book's Catch as a Gymnasium-style env (`Catch-v0`). */
export class CatchEnv extends BaseEnv<Uint8Array, number> {
  readonly observationSpace: Box<'uint8'>;
  readonly actionSpace = new Discrete(3);
  readonly metadata: EnvMetadata;
  /** Every length of the game. */
  readonly geometry: CatchGeometry;
  /** Frames that show the ball (0 = all). */
  readonly hideBallAfter: number;
  private state: CatchState;
  private readonly frame: Uint8Array;
  private rgb: Uint8Array | null = null;

  constructor(opts: CatchOptions = {}) {
    super(opts.renderMode ?? null);
    const g = catchGeometry(opts.size ?? 400);
    this.geometry = g;
    this.hideBallAfter = checkHideBallAfter(opts.hideBallAfter ?? 0);
    this.observationSpace = new Box(0, 255, [g.size, g.size, 1], 'uint8');
    this.metadata = {
      renderModes: ['rgb_array', 'ansi'],
      // The book's game loop ticks at 30 frames per second (`clock.tick(30)`).
      renderFps: 30,
      actionNames: CATCH_ACTIONS,
      renderShape: [g.size, g.size, 3],
    };
    this.frame = new Uint8Array(g.size * g.size);
    // A placeholder until the first reset: drawing here would shift the stream, and an unseeded
    // first reset must equal reset({seed: 0}).
    this.state = { ballX: g.size / 2, ballY: g.ceilingY, paddleX: g.size / 2 };
  }

  /** The current positions (for viewers and tests). */
  get gameState(): CatchState {
    return this.state;
  }

  protected resetEpisode(): [Uint8Array, Info] {
    this.state = initial(this.geometry, this.rng);
    return [this.observation(), this.info()];
  }

  protected stepEpisode(action: number): StepResult<Uint8Array> {
    const t = transition(this.geometry, this.state, action);
    this.state = t.state;
    return [this.observation(), t.reward, t.terminated, false, this.info()];
  }

  private observation(): Uint8Array {
    const g = this.geometry;
    return observe(g, this.state, this.frame, ballVisible(g, this.state, this.hideBallAfter));
  }

  private info(): Info {
    return { ballX: this.state.ballX, ballY: this.state.ballY, paddleX: this.state.paddleX };
  }

  protected override renderRgb(): RgbFrame {
    const g = this.geometry;
    this.rgb ??= new Uint8Array(g.size * g.size * 3);
    return { data: render(g, this.state, this.rgb), height: g.size, width: g.size };
  }

  protected override renderAnsi(): string {
    return renderAnsi(this.geometry, this.state);
  }
}
