/**
 * bsuite's Catch (`google-deepmind/bsuite`, `bsuite/environments/catch.py`) as pure functions.
 *
 * A `rows x columns` board; the ball starts in row 0 at a column drawn with numpy's
 * `RandomState.randint(columns)`, the paddle in the bottom row at `floor(columns / 2)`. Each step
 * moves the paddle by -1/0/+1 (actions 0/1/2, clamped), then drops the ball one row; when the
 * ball reaches the bottom row the episode ends with +1 if the paddle is under it, else -1.
 * Matches `shared/reference/bsuite-catch/` bit for bit.
 */
import type { RandomState } from '../../src/rng/mt19937.js';

/** Board size. */
export interface BsuiteCatchConfig {
  readonly rows: number;
  readonly columns: number;
}

/** Ball and paddle cells (row 0 is the top; the paddle is always in the bottom row). */
export interface BsuiteCatchState {
  readonly ballRow: number;
  readonly ballCol: number;
  readonly paddleCol: number;
}

/** Result of one {@link transition}. */
export interface BsuiteCatchTransition {
  readonly state: BsuiteCatchState;
  readonly reward: number;
  readonly terminated: boolean;
}

/** Paddle offsets of the action indices (0 = left, 1 = stay, 2 = right). */
export const BSUITE_CATCH_DX: readonly number[] = [-1, 0, 1];

/** Checks a board size (bsuite needs at least 2 rows for a step and 1 column). */
export function bsuiteCatchConfig(rows = 10, columns = 5): BsuiteCatchConfig {
  if (!Number.isInteger(rows) || rows < 2 || !Number.isInteger(columns) || columns < 1) {
    throw new RangeError(
      `bsuite Catch needs integer rows >= 2 and columns >= 1. Received: rows=${String(rows)}, columns=${String(columns)}`,
    );
  }
  return Object.freeze({ rows, columns });
}

/** A new episode: one `randint(columns)` draw for the ball's column. */
export function initial(c: BsuiteCatchConfig, rs: RandomState): BsuiteCatchState {
  return { ballRow: 0, ballCol: rs.randint(c.columns), paddleCol: Math.floor(c.columns / 2) };
}

/** One step: move (and clamp) the paddle, drop the ball, score when it reaches the bottom row. */
export function transition(c: BsuiteCatchConfig, s: BsuiteCatchState, action: number): BsuiteCatchTransition {
  const dx = BSUITE_CATCH_DX[action];
  if (dx === undefined) throw new RangeError(`bsuite Catch action must be 0, 1 or 2. Received: ${String(action)}`);
  const paddleCol = Math.min(c.columns - 1, Math.max(0, s.paddleCol + dx));
  const ballRow = s.ballRow + 1;
  const state: BsuiteCatchState = { ballRow, ballCol: s.ballCol, paddleCol };
  if (ballRow === c.rows - 1) return { state, reward: paddleCol === s.ballCol ? 1 : -1, terminated: true };
  return { state, reward: 0, terminated: false };
}

/** Writes the board (1 at the ball and the paddle, else 0; row-major) into `out` and returns it. */
export function observe<T extends Float32Array | Uint8Array>(c: BsuiteCatchConfig, s: BsuiteCatchState, out: T): T {
  if (out.length !== c.rows * c.columns)
    throw new RangeError(`observe: out must have ${c.rows * c.columns} elements. Received: ${out.length}`);
  out.fill(0);
  out[s.ballRow * c.columns + s.ballCol] = 1;
  out[(c.rows - 1) * c.columns + s.paddleCol] = 1;
  return out;
}

/** The board as text (`o` ball, `=` paddle, `.` empty), for `ansi` rendering. */
export function renderAnsi(c: BsuiteCatchConfig, s: BsuiteCatchState): string {
  const lines: string[] = [];
  for (let r = 0; r < c.rows; r++) {
    let line = '';
    for (let col = 0; col < c.columns; col++) {
      if (r === s.ballRow && col === s.ballCol) line += 'o';
      else if (r === c.rows - 1 && col === s.paddleCol) line += '=';
      else line += '.';
    }
    lines.push(line);
  }
  return lines.join('\n');
}
