/**
 * MinAtar Space Invaders (SPEC §7): a cannon in row 9 shoots at a block of aliens that marches
 * sideways and down and shoots back. Channels: 0 cannon, 1 alien, 2 alien_left,
 * 3 alien_right, 4 friendly_bullet, 5 enemy_bullet. The game never draws random numbers.
 */
import { ACTION_FIRE, ACTION_LEFT, ACTION_RIGHT, GRID, type MinAtarGame, type MinAtarStateBase } from './types.js';

const C = 6;
const SHOT_COOL_DOWN = 5;
const ENEMY_MOVE_INTERVAL = 12;
const ENEMY_SHOT_INTERVAL = 10;
const MIN_MOVE_INTERVAL = 6;

/** Space Invaders state; the three grids are `row * 10 + col`, 0/1. */
export interface SpaceInvadersState extends MinAtarStateBase {
  /** Cannon column (row 9). */
  pos: number;
  /** Aliens. */
  aliens: Uint8Array;
  /** Number of aliens (kept in sync with `aliens`). */
  alienCount: number;
  /** Friendly bullets. */
  fBullets: Uint8Array;
  /** Enemy bullets. */
  eBullets: Uint8Array;
  /** Alien direction: -1 left, +1 right. */
  alienDir: number;
  /** Alien move interval. */
  moveInterval: number;
  /** Alien move timer (plain countdown). */
  moveTimer: number;
  /** Alien shot timer (plain countdown). */
  shotTimer: number;
  /** Ramp index. */
  rampIndex: number;
  /** Cannon shot timer (saturating). */
  shotCoolDown: number;
  /** Whether difficulty ramping is enabled. */
  ramping: boolean;
}

function fillAliens(s: SpaceInvadersState): void {
  const a = s.aliens;
  a.fill(0);
  for (let r = 0; r < 4; r++) a.fill(1, r * GRID + 2, r * GRID + 8);
  s.alienCount = 24;
}

// Scratch row for the alien roll.
const rowTmp = new Uint8Array(GRID);

/** Space Invaders as pure logic. */
export const spaceInvaders: MinAtarGame<SpaceInvadersState> = {
  name: 'space_invaders',
  title: 'SpaceInvaders',
  channels: ['cannon', 'alien', 'alien_left', 'alien_right', 'friendly_bullet', 'enemy_bullet'],
  minimalActionSet: [0, 1, 3, 5],
  hasRamp: true,
  drawOrder: [1, 2, 3, 5, 4, 0],

  create(ramping: boolean): SpaceInvadersState {
    return {
      terminal: false,
      pos: 5,
      aliens: new Uint8Array(GRID * GRID),
      alienCount: 0,
      fBullets: new Uint8Array(GRID * GRID),
      eBullets: new Uint8Array(GRID * GRID),
      alienDir: -1,
      moveInterval: ENEMY_MOVE_INTERVAL,
      moveTimer: ENEMY_MOVE_INTERVAL,
      shotTimer: ENEMY_SHOT_INTERVAL,
      rampIndex: 0,
      shotCoolDown: 0,
      ramping,
    };
  },

  reset(s: SpaceInvadersState): void {
    s.pos = 5;
    s.fBullets.fill(0);
    s.eBullets.fill(0);
    fillAliens(s);
    s.alienDir = -1;
    s.moveInterval = ENEMY_MOVE_INTERVAL;
    s.moveTimer = ENEMY_MOVE_INTERVAL;
    s.shotTimer = ENEMY_SHOT_INTERVAL;
    s.rampIndex = 0;
    s.shotCoolDown = 0;
    s.terminal = false;
  },

  step(s: SpaceInvadersState, action: number): number {
    if (s.terminal) return 0;
    let reward = 0;
    const A = s.aliens;
    const F = s.fBullets;
    const E = s.eBullets;

    // 1. Action.
    if (action === ACTION_FIRE) {
      if (s.shotCoolDown === 0) {
        F[9 * GRID + s.pos] = 1;
        s.shotCoolDown = SHOT_COOL_DOWN;
      }
    } else if (action === ACTION_LEFT) {
      s.pos = Math.max(0, s.pos - 1);
    } else if (action === ACTION_RIGHT) {
      s.pos = Math.min(9, s.pos + 1);
    }
    const p = s.pos;
    const cannon = 9 * GRID + p;

    // 2-3. Bullets move; those leaving the grid disappear.
    F.copyWithin(0, GRID);
    F.fill(0, 9 * GRID);
    E.copyWithin(GRID, 0, 9 * GRID);
    E.fill(0, 0, GRID);
    if (E[cannon] === 1) s.terminal = true;
    // 4.
    if (A[cannon] === 1) s.terminal = true;

    // 5. Alien movement.
    if (s.moveTimer === 0) {
      s.moveTimer = Math.min(s.alienCount, s.moveInterval);
      let edge = false;
      const col = s.alienDir < 0 ? 0 : 9;
      for (let r = 0; r < GRID; r++) {
        if (A[r * GRID + col] === 1) {
          edge = true;
          break;
        }
      }
      if (edge) {
        s.alienDir = -s.alienDir;
        for (let c = 0; c < GRID; c++) {
          if (A[9 * GRID + c] === 1) {
            s.terminal = true;
            break;
          }
        }
        // Move down one row; row 9 wraps to row 0 (quirk).
        rowTmp.set(A.subarray(9 * GRID));
        A.copyWithin(GRID, 0, 9 * GRID);
        A.set(rowTmp, 0);
      } else if (s.alienDir < 0) {
        // No alien is in column 0, so shifting left loses nothing.
        A.copyWithin(0, 1);
        for (let r = 0; r < GRID; r++) A[r * GRID + 9] = 0;
      } else {
        A.copyWithin(1, 0, GRID * GRID - 1);
        for (let r = 0; r < GRID; r++) A[r * GRID] = 0;
      }
      if (A[cannon] === 1) s.terminal = true;
    }

    // 6. Alien fire: nearest column to the cannon, ties to the smaller column; lowest alien.
    if (s.shotTimer === 0) {
      s.shotTimer = ENEMY_SHOT_INTERVAL;
      search: for (let d = 0; d < GRID; d++) {
        for (let k = 0; k < (d === 0 ? 1 : 2); k++) {
          const c = k === 0 ? p - d : p + d;
          if (c < 0 || c > 9) continue;
          for (let r = 9; r >= 0; r--) {
            if (A[r * GRID + c] === 1) {
              E[r * GRID + c] = 1;
              break search;
            }
          }
        }
      }
    }

    // 7. Hits: only coincidence after movement counts.
    for (let i = 0; i < GRID * GRID; i++) {
      if (A[i] === 1 && F[i] === 1) {
        A[i] = 0;
        F[i] = 0;
        reward++;
        s.alienCount--;
      }
    }

    // 8. Timers.
    if (s.shotCoolDown > 0) s.shotCoolDown--;
    s.moveTimer--;
    s.shotTimer--;

    // 9. New wave: direction, timers and bullets are left as they are.
    if (s.alienCount === 0) {
      if (s.moveInterval > MIN_MOVE_INTERVAL && s.ramping) {
        s.moveInterval--;
        s.rampIndex++;
      }
      fillAliens(s);
    }
    return reward;
  },

  observe(s: SpaceInvadersState, out: Uint8Array): void {
    out.fill(0);
    out[(9 * GRID + s.pos) * C] = 1;
    const dirCh = s.alienDir < 0 ? 2 : 3;
    const A = s.aliens;
    const F = s.fBullets;
    const E = s.eBullets;
    for (let i = 0; i < GRID * GRID; i++) {
      const o = i * C;
      if (A[i] === 1) {
        out[o + 1] = 1;
        out[o + dirCh] = 1;
      }
      if (F[i] === 1) out[o + 4] = 1;
      if (E[i] === 1) out[o + 5] = 1;
    }
  },

  difficultyRamp(s: SpaceInvadersState): number {
    return s.rampIndex;
  },

  clone(s: SpaceInvadersState): SpaceInvadersState {
    return { ...s, aliens: s.aliens.slice(), fBullets: s.fBullets.slice(), eBullets: s.eBullets.slice() };
  },
};
