/**
 * The book's Catch game (Gulli & Pal, "Deep Learning with Keras", Chapter 8, `wrapped_game.py`)
 * as pure functions over a small immutable state. No tensors, no globals: `initial` takes the
 * env's {@link Rng}, `transition` is deterministic, drawing writes into caller-owned buffers.
 *
 * Rules (at the book's 400x400 size; other sizes scale every length by the same factor):
 * a 20x20 white ball starts at x uniform in [0, 400] (both ends included) and y = 10 and falls
 * 10 px per step; a 50x10 paddle at y = 350 starts at x = 200 and moves 20 px left/right
 * (action 0/2; 1 stays). Moving left past 0 puts it at 20, right past 350 at 330 (the book's
 * "bounce"). After the ball moves, if its y >= 340 the episode ends with +1 when the ball's and
 * paddle's rectangles overlap strictly on both axes (pygame's `colliderect`), else -1.
 *
 * Memory variant (not in the book): with `hideBallAfter = k > 0` the observation shows the ball
 * only in the first k frames (the reset frame and those after steps 1 .. k-1); from then on only
 * the paddle is drawn, so the catch must be planned from a remembered position (a recurrent
 * agent's test, as in Hausknecht & Stone 2015's partially observable games).
 */
import type { Rng } from '../../src/rng/rng.js';

/** Screen sizes Catch supports: 400 (the book's) divided by 1, 2, 5 or 10, so every length stays an integer. */
export const CATCH_SIZES: readonly number[] = [400, 200, 80, 40];

/** Every length of the game, in pixels of a screen of `size` x `size`. */
export interface CatchGeometry {
  /** Screen width and height. */
  readonly size: number;
  /** Ball side (the ball is square). */
  readonly ball: number;
  readonly paddleWidth: number;
  readonly paddleHeight: number;
  /** Paddle top edge (the book's GAME_FLOOR). */
  readonly floorY: number;
  /** Ball start y (the book's GAME_CEILING). */
  readonly ceilingY: number;
  readonly ballSpeed: number;
  readonly paddleSpeed: number;
  /** The ball has reached the paddle's row once its y is at least this (`floor - ball / 2`). */
  readonly catchY: number;
}

/** The geometry for a screen of `size` pixels (one of {@link CATCH_SIZES}); 400 is the book's. */
export function catchGeometry(size = 400): CatchGeometry {
  if (!CATCH_SIZES.includes(size)) {
    throw new RangeError(
      `Catch size must be one of ${CATCH_SIZES.join(', ')} (400 divided by 1, 2, 5 or 10). Received: ${String(size)}`,
    );
  }
  const k = 400 / size;
  // The book's constants, all multiples of 10, so dividing by k in {1, 2, 5, 10} is exact.
  return Object.freeze({
    size,
    ball: 20 / k,
    paddleWidth: 50 / k,
    paddleHeight: 10 / k,
    floorY: 350 / k,
    ceilingY: 10 / k,
    ballSpeed: 10 / k,
    paddleSpeed: 20 / k,
    catchY: (350 - 20 / 2) / k,
  });
}

/** Positions of the game's objects (top-left corners, in pixels). */
export interface CatchState {
  readonly ballX: number;
  readonly ballY: number;
  readonly paddleX: number;
}

/** Result of one {@link transition}. */
export interface CatchTransition {
  readonly state: CatchState;
  /** +1 caught, -1 missed, 0 while the ball is still falling. */
  readonly reward: number;
  /** True once the ball has reached the paddle's row (one ball per game, as the book trains). */
  readonly terminated: boolean;
}

/** Steps taken since the reset, read off the ball's height (it falls one `ballSpeed` per step). */
export function stepsTaken(g: CatchGeometry, s: CatchState): number {
  return Math.round((s.ballY - g.ceilingY) / g.ballSpeed);
}

/** Checks a `hideBallAfter` value: a non-negative integer (0 = the ball is never hidden). */
export function checkHideBallAfter(k: number): number {
  if (!Number.isInteger(k) || k < 0) {
    throw new RangeError(`Catch hideBallAfter must be a non-negative integer (0 = never hide). Received: ${String(k)}`);
  }
  return k;
}

/** Whether the observation of state `s` shows the ball: always for `hideBallAfter` 0, else in the first k frames. */
export function ballVisible(g: CatchGeometry, s: CatchState, hideBallAfter: number): boolean {
  return hideBallAfter === 0 || stepsTaken(g, s) < hideBallAfter;
}

/** Action indices: 0 left, 1 stay, 2 right. */
export const CATCH_ACTIONS = ['left', 'stay', 'right'] as const;

/** A new game: ball at x uniform in [0, size] (both included), y = ceiling; paddle centred. */
export function initial(g: CatchGeometry, rng: Rng): CatchState {
  return { ballX: rng.nextInt(g.size + 1), ballY: g.ceilingY, paddleX: g.size / 2 };
}

/** pygame's `Rect.colliderect`: strict overlap on both axes (touching edges do not collide). */
export function rectsOverlap(
  ax: number,
  ay: number,
  aw: number,
  ah: number,
  bx: number,
  by: number,
  bw: number,
  bh: number,
): boolean {
  return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

/** The paddle's x after `action`, with the book's bounce off either wall. */
export function movePaddle(g: CatchGeometry, paddleX: number, action: number): number {
  if (action === 0) {
    const x = paddleX - g.paddleSpeed;
    return x < 0 ? g.paddleSpeed : x;
  }
  if (action === 2) {
    const x = paddleX + g.paddleSpeed;
    return x > g.size - g.paddleWidth ? g.size - g.paddleWidth - g.paddleSpeed : x;
  }
  return paddleX;
}

/** One step: move the paddle, drop the ball, then score if the ball reached the paddle's row. */
export function transition(g: CatchGeometry, s: CatchState, action: number): CatchTransition {
  const paddleX = movePaddle(g, s.paddleX, action);
  const ballY = s.ballY + g.ballSpeed;
  const state: CatchState = { ballX: s.ballX, ballY, paddleX };
  if (ballY < g.catchY) return { state, reward: 0, terminated: false };
  const hit = rectsOverlap(s.ballX, ballY, g.ball, g.ball, paddleX, g.floorY, g.paddleWidth, g.paddleHeight);
  return { state, reward: hit ? 1 : -1, terminated: true };
}

/**
 * Fills the rectangle [x, x+w) x [y, y+h), clipped to the screen, with white in a frame of
 * `channels` interleaved channels. White is 255 in every channel, so a row of the rectangle is
 * one contiguous run of bytes.
 */
function fillRect(out: Uint8Array, size: number, channels: number, x: number, y: number, w: number, h: number): void {
  const x0 = Math.max(0, x);
  const x1 = Math.min(size, x + w);
  const y0 = Math.max(0, y);
  const y1 = Math.min(size, y + h);
  if (x0 >= x1) return;
  for (let r = y0; r < y1; r++) out.fill(255, (r * size + x0) * channels, (r * size + x1) * channels);
}

function draw(
  g: CatchGeometry,
  s: CatchState,
  out: Uint8Array,
  channels: number,
  what: string,
  showBall: boolean,
): Uint8Array {
  const n = g.size * g.size * channels;
  if (out.length !== n) throw new RangeError(`${what}: out must have ${n} bytes. Received: ${out.length}`);
  out.fill(0);
  if (showBall) fillRect(out, g.size, channels, s.ballX, s.ballY, g.ball, g.ball);
  fillRect(out, g.size, channels, s.paddleX, g.floorY, g.paddleWidth, g.paddleHeight);
  return out;
}

/**
 * Draws the screen into `out` (`size * size` bytes, row-major, one channel): black 0, ball and
 * paddle white 255, clipped at the screen edge as pygame draws. Returns `out`. `showBall` false
 * leaves the ball out (the memory variant, see {@link ballVisible}).
 */
export function observe(g: CatchGeometry, s: CatchState, out: Uint8Array, showBall = true): Uint8Array {
  return draw(g, s, out, 1, 'observe', showBall);
}

/** Draws the screen as RGB into `out` (`size * size * 3` bytes, HWC). Returns `out`. */
export function render(g: CatchGeometry, s: CatchState, out: Uint8Array): Uint8Array {
  return draw(g, s, out, 3, 'render', true);
}

/** The board as text (`#` paddle, `o` ball, `.` empty), one character per `cell` pixels, for `ansi` rendering. */
export function renderAnsi(g: CatchGeometry, s: CatchState): string {
  const cell = g.ball / 2; // 10 book pixels per character: a 40x40 text board
  const cols = g.size / cell;
  const lines: string[] = [];
  for (let r = 0; r < cols; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      const x = c * cell;
      const y = r * cell;
      if (rectsOverlap(x, y, cell, cell, s.ballX, s.ballY, g.ball, g.ball)) line += 'o';
      else if (rectsOverlap(x, y, cell, cell, s.paddleX, g.floorY, g.paddleWidth, g.paddleHeight)) line += '#';
      else line += '.';
    }
    lines.push(line);
  }
  return lines.join('\n');
}
