/**
 * MinAtar Breakout (SPEC §3): a one-cell paddle in row 9, a ball moving diagonally and three
 * rows of bricks. Channels: 0 paddle, 1 ball, 2 trail, 3 brick.
 */
import { ACTION_LEFT, ACTION_RIGHT, GRID, type MinAtarGame, type MinAtarRng, type MinAtarStateBase } from './types.js';

const C = 4;

/** Breakout state. Directions: 0 up-left, 1 up-right, 2 down-right, 3 down-left. */
export interface BreakoutState extends MinAtarStateBase {
  /** Paddle column (the paddle is in row 9). */
  paddle: number;
  /** Ball column. */
  ballX: number;
  /** Ball row. */
  ballY: number;
  /** Ball direction 0-3. */
  dir: number;
  /** Previous ball column (the trail). */
  lastX: number;
  /** Previous ball row. */
  lastY: number;
  /** Bricks, `row * 10 + col`, 0/1. */
  bricks: Uint8Array;
  /** Bricks left (kept in sync with `bricks`, so the refill check needs no scan). */
  brickCount: number;
  /** Set by a brick break; the ball cannot break a brick on the next step (SPEC quirk). */
  strike: boolean;
}

// Column/row change per direction.
const DX = [-1, 1, 1, -1] as const;
const DY = [-1, -1, 1, 1] as const;

function fillBricks(s: BreakoutState): void {
  s.bricks.fill(0);
  s.bricks.fill(1, 10, 40);
  s.brickCount = 30;
}

/** Breakout as pure logic. */
export const breakout: MinAtarGame<BreakoutState> = {
  name: 'breakout',
  title: 'Breakout',
  channels: ['paddle', 'ball', 'trail', 'brick'],
  minimalActionSet: [0, 1, 3],
  hasRamp: false,
  drawOrder: [3, 2, 1, 0],

  create(): BreakoutState {
    return {
      terminal: false,
      paddle: 4,
      ballX: 0,
      ballY: 3,
      dir: 2,
      lastX: 0,
      lastY: 3,
      bricks: new Uint8Array(GRID * GRID),
      brickCount: 0,
      strike: false,
    };
  },

  reset(s: BreakoutState, rng: MinAtarRng): void {
    s.ballY = 3;
    if (rng.randint(2) === 0) {
      s.ballX = 0;
      s.dir = 2;
    } else {
      s.ballX = 9;
      s.dir = 3;
    }
    s.paddle = 4;
    fillBricks(s);
    s.strike = false;
    s.lastX = s.ballX;
    s.lastY = s.ballY;
    s.terminal = false;
  },

  step(s: BreakoutState, action: number): number {
    if (s.terminal) return 0;
    let reward = 0;
    if (action === ACTION_LEFT) s.paddle = Math.max(0, s.paddle - 1);
    else if (action === ACTION_RIGHT) s.paddle = Math.min(9, s.paddle + 1);

    s.lastX = s.ballX;
    s.lastY = s.ballY;
    let dir = s.dir;
    let nx = s.ballX + (DX[dir] as number);
    let ny = s.ballY + (DY[dir] as number);
    let touched = false;
    if (nx < 0 || nx > 9) {
      nx = nx < 0 ? 0 : 9;
      dir ^= 1; // horizontal flip
    }
    if (ny < 0) {
      ny = 0;
      dir = 3 - dir; // vertical flip
    } else if (s.bricks[ny * GRID + nx] === 1) {
      touched = true;
      // With the strike flag set the ball passes into the brick's cell and the brick survives.
      if (!s.strike) {
        reward = 1;
        s.strike = true;
        s.bricks[ny * GRID + nx] = 0;
        s.brickCount--;
        ny = s.lastY;
        dir = 3 - dir;
      }
    } else if (ny === 9) {
      // The refill happens before (and regardless of) the paddle test, even on a terminal step.
      if (s.brickCount === 0) fillBricks(s);
      if (s.ballX === s.paddle) {
        dir = 3 - dir;
        ny = s.lastY;
      } else if (nx === s.paddle) {
        dir ^= 2; // reversal
        ny = s.lastY;
      } else {
        s.terminal = true;
      }
    }
    if (!touched) s.strike = false;
    s.dir = dir;
    s.ballX = nx;
    s.ballY = ny;
    return reward;
  },

  observe(s: BreakoutState, out: Uint8Array): void {
    out.fill(0);
    const bricks = s.bricks;
    // Branch-free: bricks only ever occupy rows 1-3.
    for (let i = 10; i < 40; i++) out[i * C + 3] = bricks[i] as number;
    out[(9 * GRID + s.paddle) * C] = 1;
    out[(s.ballY * GRID + s.ballX) * C + 1] = 1;
    out[(s.lastY * GRID + s.lastX) * C + 2] = 1;
  },

  difficultyRamp(): null {
    return null;
  },

  clone(s: BreakoutState): BreakoutState {
    return { ...s, bricks: s.bricks.slice() };
  },
};
