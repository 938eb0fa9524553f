/**
 * MinAtar Seaquest (SPEC §6): a submarine shoots fish and enemy subs, rescues divers and must
 * surface for oxygen. Channels: 0 sub_front, 1 sub_back, 2 friendly_bullet, 3 trail,
 * 4 enemy_bullet, 5 enemy_fish, 6 enemy_sub, 7 oxygen_gauge, 8 diver_gauge, 9 diver.
 *
 * Moving objects live in ordered lists with the reference's list semantics (SPEC §1.5): passes
 * run from the last index down to 0 and removal deletes the first entry whose fields are all
 * equal to the removed object's, which is what makes the rare identical-entry cases match.
 */
import {
  ACTION_DOWN,
  ACTION_FIRE,
  ACTION_LEFT,
  ACTION_RIGHT,
  ACTION_UP,
  GRID,
  type MinAtarGame,
  type MinAtarRng,
  type MinAtarStateBase,
} from './types.js';

const C = 10;
const MAX_OXYGEN = 200;
const INIT_SPAWN_SPEED = 20;
const DIVER_SPAWN_SPEED = 30;
const INIT_MOVE_INTERVAL = 5;
const SHOT_COOL_DOWN = 5;
const ENEMY_SHOT_INTERVAL = 10;
const DIVER_MOVE_INTERVAL = 5;
const ONE_THIRD = 1 / 3;

/** A bullet `[x, y, right]`. */
export interface SeaquestBullet {
  x: number;
  y: number;
  right: boolean;
}
/** A fish or diver `[x, y, right, move_timer]`. */
export interface SeaquestMover extends SeaquestBullet {
  mt: number;
}
/** An enemy sub `[x, y, right, move_timer, shot_timer]`. */
export interface SeaquestSub extends SeaquestMover {
  st: number;
}

/** Seaquest state. */
export interface SeaquestState extends MinAtarStateBase {
  /** Player column. */
  x: number;
  /** Player row (0 is the surface). */
  y: number;
  /** Whether the player faces right. */
  facingRight: boolean;
  /** Oxygen. */
  oxygen: number;
  /** Divers on board (can go negative, SPEC quirk). */
  diverCount: number;
  /** Friendly bullets. */
  fBullets: SeaquestBullet[];
  /** Enemy bullets. */
  eBullets: SeaquestBullet[];
  /** Fish. */
  fish: SeaquestMover[];
  /** Enemy subs. */
  subs: SeaquestSub[];
  /** Divers. */
  divers: SeaquestMover[];
  /** Enemy spawn interval. */
  enemySpawnInterval: number;
  /** Enemy spawn timer (saturating). */
  enemySpawnTimer: number;
  /** Diver spawn timer (saturating). */
  diverSpawnTimer: number;
  /** Enemy move interval. */
  enemyMoveInterval: number;
  /** Ramp index. */
  rampIndex: number;
  /** Player shot timer (saturating). */
  shotTimer: number;
  /** Whether the player is at the surface after having surfaced (or at the start). */
  surface: boolean;
  /** Whether difficulty ramping is enabled. */
  ramping: boolean;
}

function offGrid(x: number): boolean {
  return x < 0 || x > 9;
}

function bulletEq(a: SeaquestBullet, b: SeaquestBullet): boolean {
  return a.x === b.x && a.y === b.y && a.right === b.right;
}
function moverEq(a: SeaquestMover, b: SeaquestMover): boolean {
  return a.x === b.x && a.y === b.y && a.right === b.right && a.mt === b.mt;
}
function subEq(a: SeaquestSub, b: SeaquestSub): boolean {
  return a.x === b.x && a.y === b.y && a.right === b.right && a.mt === b.mt && a.st === b.st;
}

/** Deletes the first entry equal (field by field) to `obj`, like Python's `list.remove`. */
function removeEq<T>(list: T[], obj: T, eq: (a: T, b: T) => boolean): void {
  for (let i = 0; i < list.length; i++) {
    if (eq(list[i] as T, obj)) {
      list.splice(i, 1);
      return;
    }
  }
}

/** The first entry of `list` at `(x, y)`, or undefined. */
function firstAt<T extends SeaquestBullet>(list: T[], x: number, y: number): T | undefined {
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as T;
    if (e.x === x && e.y === y) return e;
  }
  return undefined;
}

function spawnEnemy(s: SeaquestState, rng: MinAtarRng): void {
  const right = rng.rand() < 0.5;
  const isSub = rng.rand() < ONE_THIRD;
  const row = rng.randint(1, 9);
  const x = right ? 0 : 9;
  // No spawn into a lane where an enemy moves the other way (the draws are still consumed).
  for (const e of s.subs) if (e.y === row && e.right !== right) return;
  for (const e of s.fish) if (e.y === row && e.right !== right) return;
  if (isSub) s.subs.push({ x, y: row, right, mt: s.enemyMoveInterval, st: ENEMY_SHOT_INTERVAL });
  else s.fish.push({ x, y: row, right, mt: s.enemyMoveInterval });
}

function spawnDiver(s: SeaquestState, rng: MinAtarRng): void {
  const right = rng.rand() < 0.5;
  const row = rng.randint(1, 9);
  s.divers.push({ x: right ? 0 : 9, y: row, right, mt: DIVER_MOVE_INTERVAL });
}

/** Surfacing with at least one diver (or a negative count); returns the reward. */
function surface(s: SeaquestState): number {
  let reward = 0;
  s.surface = true;
  if (s.diverCount === 6) {
    reward = Math.floor((s.oxygen * 10) / MAX_OXYGEN);
    s.diverCount = 0;
  }
  s.oxygen = MAX_OXYGEN;
  // Quirk: decremented in both cases, so a full load leaves -1.
  s.diverCount--;
  if (s.ramping && (s.enemySpawnInterval > 1 || s.enemyMoveInterval > 2)) {
    if (s.enemyMoveInterval > 2 && s.rampIndex % 2 === 1) s.enemyMoveInterval--;
    if (s.enemySpawnInterval > 1) s.enemySpawnInterval--;
    s.rampIndex++;
  }
  return reward;
}

/** Seaquest as pure logic. */
export const seaquest: MinAtarGame<SeaquestState> = {
  name: 'seaquest',
  title: 'Seaquest',
  channels: [
    'sub_front',
    'sub_back',
    'friendly_bullet',
    'trail',
    'enemy_bullet',
    'enemy_fish',
    'enemy_sub',
    // Spelled as the reference spells them ("guage"), so channel names match its channel map.
    'oxygen_guage',
    'diver_guage',
    'diver',
  ],
  minimalActionSet: [0, 1, 2, 3, 4, 5],
  hasRamp: true,
  drawOrder: [7, 8, 3, 9, 5, 6, 4, 2, 1, 0],

  create(ramping: boolean): SeaquestState {
    return {
      terminal: false,
      x: 5,
      y: 0,
      facingRight: false,
      oxygen: MAX_OXYGEN,
      diverCount: 0,
      fBullets: [],
      eBullets: [],
      fish: [],
      subs: [],
      divers: [],
      enemySpawnInterval: INIT_SPAWN_SPEED,
      enemySpawnTimer: INIT_SPAWN_SPEED,
      diverSpawnTimer: DIVER_SPAWN_SPEED,
      enemyMoveInterval: INIT_MOVE_INTERVAL,
      rampIndex: 0,
      shotTimer: 0,
      surface: true,
      ramping,
    };
  },

  reset(s: SeaquestState): void {
    s.oxygen = MAX_OXYGEN;
    s.diverCount = 0;
    s.x = 5;
    s.y = 0;
    s.facingRight = false;
    s.fBullets.length = 0;
    s.eBullets.length = 0;
    s.fish.length = 0;
    s.subs.length = 0;
    s.divers.length = 0;
    s.enemySpawnInterval = INIT_SPAWN_SPEED;
    s.enemySpawnTimer = INIT_SPAWN_SPEED;
    s.diverSpawnTimer = DIVER_SPAWN_SPEED;
    s.enemyMoveInterval = INIT_MOVE_INTERVAL;
    s.rampIndex = 0;
    s.shotTimer = 0;
    s.surface = true;
    s.terminal = false;
  },

  step(s: SeaquestState, action: number, rng: MinAtarRng): number {
    if (s.terminal) return 0;
    let reward = 0;

    // 1. Spawning: enemy draws come before diver draws.
    if (s.enemySpawnTimer === 0) {
      spawnEnemy(s, rng);
      s.enemySpawnTimer = s.enemySpawnInterval;
    }
    if (s.diverSpawnTimer === 0) {
      spawnDiver(s, rng);
      s.diverSpawnTimer = DIVER_SPAWN_SPEED;
    }

    // 2. Player action.
    if (action === ACTION_FIRE) {
      if (s.shotTimer === 0) {
        s.fBullets.push({ x: s.x, y: s.y, right: s.facingRight });
        s.shotTimer = SHOT_COOL_DOWN;
      }
    } else if (action === ACTION_LEFT) {
      s.x = Math.max(0, s.x - 1);
      s.facingRight = false;
    } else if (action === ACTION_RIGHT) {
      s.x = Math.min(9, s.x + 1);
      s.facingRight = true;
    } else if (action === ACTION_UP) {
      s.y = Math.max(0, s.y - 1);
    } else if (action === ACTION_DOWN) {
      s.y = Math.min(8, s.y + 1);
    }
    const px = s.x;
    const py = s.y;

    // 3. Friendly bullets.
    const fb = s.fBullets;
    for (let i = fb.length - 1; i >= 0; i--) {
      const b = fb[i] as SeaquestBullet;
      b.x += b.right ? 1 : -1;
      if (offGrid(b.x)) {
        removeEq(fb, b, bulletEq);
        continue;
      }
      const f = firstAt(s.fish, b.x, b.y);
      if (f !== undefined) {
        removeEq(s.fish, f, moverEq);
        removeEq(fb, b, bulletEq);
        reward += 1;
        continue;
      }
      const e = firstAt(s.subs, b.x, b.y);
      if (e !== undefined) {
        removeEq(s.subs, e, subEq);
        removeEq(fb, b, bulletEq);
        reward += 1;
      }
    }

    // 4. Divers.
    const dv = s.divers;
    for (let i = dv.length - 1; i >= 0; i--) {
      const d = dv[i] as SeaquestMover;
      if (d.x === px && d.y === py && s.diverCount < 6) {
        removeEq(dv, d, moverEq);
        s.diverCount++;
        continue;
      }
      if (d.mt === 0) {
        d.mt = DIVER_MOVE_INTERVAL;
        d.x += d.right ? 1 : -1;
        if (offGrid(d.x)) {
          removeEq(dv, d, moverEq);
        } else if (d.x === px && d.y === py && s.diverCount < 6) {
          removeEq(dv, d, moverEq);
          s.diverCount++;
        }
      } else {
        d.mt--;
      }
    }

    // 5. Enemy subs.
    const subs = s.subs;
    for (let i = subs.length - 1; i >= 0; i--) {
      const e = subs[i] as SeaquestSub;
      if (e.x === px && e.y === py) s.terminal = true;
      if (e.mt === 0) {
        e.mt = s.enemyMoveInterval;
        e.x += e.right ? 1 : -1;
        if (offGrid(e.x)) {
          removeEq(subs, e, subEq);
        } else if (e.x === px && e.y === py) {
          s.terminal = true;
        } else {
          const b = firstAt(s.fBullets, e.x, e.y);
          if (b !== undefined) {
            removeEq(subs, e, subEq);
            removeEq(s.fBullets, b, bulletEq);
            reward += 1;
          }
        }
      } else {
        e.mt--;
      }
      // Quirk: the shot timer runs even for a sub removed just above, so a dying sub can fire.
      if (e.st === 0) {
        e.st = ENEMY_SHOT_INTERVAL;
        s.eBullets.push({ x: e.x, y: e.y, right: e.right });
      } else {
        e.st--;
      }
    }

    // 6. Enemy bullets (including the ones fired just now).
    const eb = s.eBullets;
    for (let i = eb.length - 1; i >= 0; i--) {
      const b = eb[i] as SeaquestBullet;
      if (b.x === px && b.y === py) s.terminal = true;
      b.x += b.right ? 1 : -1;
      if (offGrid(b.x)) removeEq(eb, b, bulletEq);
      else if (b.x === px && b.y === py) s.terminal = true;
    }

    // 7. Fish.
    const fish = s.fish;
    for (let i = fish.length - 1; i >= 0; i--) {
      const f = fish[i] as SeaquestMover;
      if (f.x === px && f.y === py) s.terminal = true;
      if (f.mt === 0) {
        f.mt = s.enemyMoveInterval;
        f.x += f.right ? 1 : -1;
        if (offGrid(f.x)) {
          removeEq(fish, f, moverEq);
        } else if (f.x === px && f.y === py) {
          s.terminal = true;
        } else {
          const b = firstAt(s.fBullets, f.x, f.y);
          if (b !== undefined) {
            removeEq(fish, f, moverEq);
            removeEq(s.fBullets, b, bulletEq);
            reward += 1;
          }
        }
      } else {
        f.mt--;
      }
    }

    // 8. Saturating timers.
    if (s.enemySpawnTimer > 0) s.enemySpawnTimer--;
    if (s.diverSpawnTimer > 0) s.diverSpawnTimer--;
    if (s.shotTimer > 0) s.shotTimer--;

    // 9. Oxygen is checked before this step's decrement.
    if (s.oxygen <= 0) s.terminal = true;

    // 10. Depth.
    if (s.y > 0) {
      s.oxygen--;
      s.surface = false;
    } else if (!s.surface) {
      if (s.diverCount === 0) s.terminal = true;
      else reward += surface(s);
    }
    return reward;
  },

  observe(s: SeaquestState, out: Uint8Array): void {
    out.fill(0);
    out[(s.y * GRID + s.x) * C] = 1;
    const bx = s.facingRight ? s.x - 1 : s.x + 1;
    if (bx >= 0 && bx <= 9) out[(s.y * GRID + bx) * C + 1] = 1;
    const oxy = Math.floor((Math.max(s.oxygen, 0) * 10) / MAX_OXYGEN);
    for (let c = 0; c < oxy; c++) out[(9 * GRID + c) * C + 7] = 1;
    for (let c = 9 - s.diverCount; c <= 8; c++) out[(9 * GRID + c) * C + 8] = 1;
    for (const b of s.fBullets) out[(b.y * GRID + b.x) * C + 2] = 1;
    for (const b of s.eBullets) out[(b.y * GRID + b.x) * C + 4] = 1;
    drawMovers(s.fish, 5, out);
    drawMovers(s.subs, 6, out);
    drawMovers(s.divers, 9, out);
  },

  difficultyRamp(s: SeaquestState): number {
    return s.rampIndex;
  },

  clone(s: SeaquestState): SeaquestState {
    return {
      ...s,
      fBullets: s.fBullets.map((b) => ({ ...b })),
      eBullets: s.eBullets.map((b) => ({ ...b })),
      fish: s.fish.map((b) => ({ ...b })),
      subs: s.subs.map((b) => ({ ...b })),
      divers: s.divers.map((b) => ({ ...b })),
    };
  },
};

/** Objects on channel `ch`, each with its trail on channel 3 one column behind it. */
function drawMovers(list: readonly SeaquestMover[], ch: number, out: Uint8Array): void {
  for (const e of list) {
    const row = e.y * GRID;
    out[(row + e.x) * C + ch] = 1;
    const tx = e.right ? e.x - 1 : e.x + 1;
    if (tx >= 0 && tx <= 9) out[(row + tx) * C + 3] = 1;
  }
}
