/**
 * MinAtar Asterix (SPEC §4): the player moves on rows 1-8 while enemies and gold cross the
 * screen in eight lanes. Channels: 0 player, 1 enemy, 2 trail, 3 gold.
 */
import {
  ACTION_DOWN,
  ACTION_LEFT,
  ACTION_RIGHT,
  ACTION_UP,
  GRID,
  type MinAtarGame,
  type MinAtarRng,
  type MinAtarStateBase,
} from './types.js';

const C = 4;
const RAMP_INTERVAL = 100;
const INIT_SPAWN_INTERVAL = 10;
const INIT_MOVE_INTERVAL = 5;
const SLOTS = 8;
// The IEEE double nearest to 1/3, as the reference compares against.
const ONE_THIRD = 1 / 3;

/** Asterix state. Slot `i` is row `i + 1`. */
export interface AsterixState extends MinAtarStateBase {
  /** Player column. */
  px: number;
  /** Player row (1-8). */
  py: number;
  /** Per slot: 1 when it holds an entity. */
  present: Uint8Array;
  /** Per slot: entity column. */
  ex: Int8Array;
  /** Per slot: 1 when the entity moves right. */
  right: Uint8Array;
  /** Per slot: 1 when the entity is gold. */
  gold: Uint8Array;
  /** Spawn interval. */
  spawnInterval: number;
  /** Spawn timer (plain countdown). */
  spawnTimer: number;
  /** Move interval. */
  moveInterval: number;
  /** Move timer (plain countdown). */
  moveTimer: number;
  /** Ramp timer. */
  rampTimer: number;
  /** Ramp index (the reference's `difficulty_ramp()`). */
  rampIndex: number;
  /** Whether difficulty ramping is enabled. */
  ramping: boolean;
}

// Reused scratch list of free slots (the games are single-threaded and never re-entered).
const free = new Int32Array(SLOTS);

function spawn(s: AsterixState, rng: MinAtarRng): void {
  const right = rng.rand() < 0.5;
  const gold = rng.rand() < ONE_THIRD;
  let n = 0;
  for (let i = 0; i < SLOTS; i++) if (s.present[i] === 0) free[n++] = i;
  if (n === 0) return; // both draws were still consumed
  // randint(1) draws nothing (numpy), so a single free slot consumes no word.
  const slot = free[rng.randint(n)] as number;
  s.present[slot] = 1;
  s.ex[slot] = right ? 0 : 9;
  s.right[slot] = right ? 1 : 0;
  s.gold[slot] = gold ? 1 : 0;
}

/** Contact rule: gold is collected (+1), an enemy ends the game (and stays). */
function contact(s: AsterixState, slot: number): number {
  if (s.gold[slot] === 1) {
    s.present[slot] = 0;
    return 1;
  }
  s.terminal = true;
  return 0;
}

/** Asterix as pure logic. */
export const asterix: MinAtarGame<AsterixState> = {
  name: 'asterix',
  title: 'Asterix',
  channels: ['player', 'enemy', 'trail', 'gold'],
  minimalActionSet: [0, 1, 2, 3, 4],
  hasRamp: true,
  drawOrder: [2, 3, 1, 0],

  create(ramping: boolean): AsterixState {
    return {
      terminal: false,
      px: 5,
      py: 5,
      present: new Uint8Array(SLOTS),
      ex: new Int8Array(SLOTS),
      right: new Uint8Array(SLOTS),
      gold: new Uint8Array(SLOTS),
      spawnInterval: INIT_SPAWN_INTERVAL,
      spawnTimer: INIT_SPAWN_INTERVAL,
      moveInterval: INIT_MOVE_INTERVAL,
      moveTimer: INIT_MOVE_INTERVAL,
      rampTimer: RAMP_INTERVAL,
      rampIndex: 0,
      ramping,
    };
  },

  reset(s: AsterixState): void {
    s.px = 5;
    s.py = 5;
    s.present.fill(0);
    s.spawnInterval = INIT_SPAWN_INTERVAL;
    s.spawnTimer = INIT_SPAWN_INTERVAL;
    s.moveInterval = INIT_MOVE_INTERVAL;
    s.moveTimer = INIT_MOVE_INTERVAL;
    s.rampTimer = RAMP_INTERVAL;
    s.rampIndex = 0;
    s.terminal = false;
  },

  step(s: AsterixState, action: number, rng: MinAtarRng): number {
    if (s.terminal) return 0;
    let reward = 0;
    if (s.spawnTimer === 0) {
      spawn(s, rng);
      s.spawnTimer = s.spawnInterval;
    }
    if (action === ACTION_LEFT) s.px = Math.max(0, s.px - 1);
    else if (action === ACTION_RIGHT) s.px = Math.min(9, s.px + 1);
    else if (action === ACTION_UP) s.py = Math.max(1, s.py - 1);
    else if (action === ACTION_DOWN) s.py = Math.min(8, s.py + 1);

    // Only the slot of the player's row (slot py - 1) can touch the player, so the spec's scan
    // over slots 0-7 reduces to one check.
    const mine = s.py - 1;
    if (s.present[mine] === 1 && s.ex[mine] === s.px) reward += contact(s, mine);
    if (s.moveTimer === 0) {
      s.moveTimer = s.moveInterval;
      for (let i = 0; i < SLOTS; i++) {
        if (s.present[i] === 0) continue;
        const x = (s.ex[i] as number) + (s.right[i] === 1 ? 1 : -1);
        if (x < 0 || x > 9) {
          s.present[i] = 0;
          continue;
        }
        s.ex[i] = x;
        if (i === mine && x === s.px) reward += contact(s, i);
      }
    }
    s.spawnTimer--;
    s.moveTimer--;
    if (s.ramping && (s.spawnInterval > 1 || s.moveInterval > 1)) {
      if (s.rampTimer >= 0) {
        s.rampTimer--;
      } else {
        if (s.moveInterval > 1 && s.rampIndex % 2 === 1) s.moveInterval--;
        if (s.spawnInterval > 1) s.spawnInterval--;
        s.rampIndex++;
        s.rampTimer = RAMP_INTERVAL;
      }
    }
    return reward;
  },

  observe(s: AsterixState, out: Uint8Array): void {
    out.fill(0);
    out[(s.py * GRID + s.px) * C] = 1;
    for (let i = 0; i < SLOTS; i++) {
      if (s.present[i] === 0) continue;
      const row = i + 1;
      const x = s.ex[i] as number;
      out[(row * GRID + x) * C + (s.gold[i] === 1 ? 3 : 1)] = 1;
      const tx = s.right[i] === 1 ? x - 1 : x + 1;
      if (tx >= 0 && tx <= 9) out[(row * GRID + tx) * C + 2] = 1;
    }
  },

  difficultyRamp(s: AsterixState): number {
    return s.rampIndex;
  },

  clone(s: AsterixState): AsterixState {
    return { ...s, present: s.present.slice(), ex: s.ex.slice(), right: s.right.slice(), gold: s.gold.slice() };
  },
};
