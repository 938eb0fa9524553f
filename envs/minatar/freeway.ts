/**
 * MinAtar Freeway (SPEC §5): a chicken in column 4 crosses eight lanes of cars. Channels:
 * 0 chicken, 1 car, 2-6 the trail of a car of speed 1-5 (speed 1 is the fastest).
 */
import { ACTION_DOWN, ACTION_UP, GRID, type MinAtarGame, type MinAtarRng, type MinAtarStateBase } from './types.js';

const C = 7;
const PLAYER_SPEED = 3;
const TIME_LIMIT = 2500;
const CARS = 8;

/** Freeway state. Car `i` drives in row `i + 1`. */
export interface FreewayState extends MinAtarStateBase {
  /** Chicken row (column is always 4). */
  y: number;
  /** Per car: column. */
  carX: Int8Array;
  /** Per car: move countdown. */
  carK: Int8Array;
  /** Per car: signed velocity (|v| in 1..5, positive moves right). */
  carV: Int8Array;
  /** Chicken move cooldown (saturating countdown). */
  moveTimer: number;
  /** Termination timer. */
  timer: number;
}

// Scratch for the eight speeds: they are all drawn before the eight directions.
const speeds = new Int32Array(CARS);

function randomiseCars(s: FreewayState, rng: MinAtarRng, init: boolean): void {
  for (let i = 0; i < CARS; i++) speeds[i] = rng.randint(1, 6);
  for (let i = 0; i < CARS; i++) {
    const u = rng.rand();
    // u === 0.5 exactly (probability 2^-53) gives direction 0, as in the reference.
    const d = u < 0.5 ? -1 : u > 0.5 ? 1 : 0;
    const v = (speeds[i] as number) * d;
    if (init) s.carX[i] = 0;
    s.carK[i] = Math.abs(v);
    s.carV[i] = v;
  }
}

/** Freeway as pure logic. */
export const freeway: MinAtarGame<FreewayState> = {
  name: 'freeway',
  title: 'Freeway',
  channels: ['chicken', 'car', 'speed1', 'speed2', 'speed3', 'speed4', 'speed5'],
  minimalActionSet: [0, 2, 4],
  hasRamp: false,
  drawOrder: [2, 3, 4, 5, 6, 1, 0],

  create(): FreewayState {
    return {
      terminal: false,
      y: 9,
      carX: new Int8Array(CARS),
      carK: new Int8Array(CARS),
      carV: new Int8Array(CARS),
      moveTimer: PLAYER_SPEED,
      timer: TIME_LIMIT,
    };
  },

  reset(s: FreewayState, rng: MinAtarRng): void {
    randomiseCars(s, rng, true);
    s.y = 9;
    s.moveTimer = PLAYER_SPEED;
    s.timer = TIME_LIMIT;
    s.terminal = false;
  },

  step(s: FreewayState, action: number, rng: MinAtarRng): number {
    if (s.terminal) return 0;
    let reward = 0;
    if (action === ACTION_UP && s.moveTimer === 0) {
      s.moveTimer = PLAYER_SPEED;
      s.y = Math.max(0, s.y - 1);
    } else if (action === ACTION_DOWN && s.moveTimer === 0) {
      s.moveTimer = PLAYER_SPEED;
      s.y = Math.min(9, s.y + 1);
    }
    if (s.y === 0) {
      reward += 1;
      // A crossing re-randomises speeds and directions but the cars keep their columns.
      randomiseCars(s, rng, false);
      s.y = 9;
    }
    for (let i = 0; i < CARS; i++) {
      const row = i + 1;
      let x = s.carX[i] as number;
      if (x === 4 && row === s.y) s.y = 9;
      const k = s.carK[i] as number;
      if (k === 0) {
        const v = s.carV[i] as number;
        s.carK[i] = Math.abs(v);
        x += Math.sign(v);
        if (x < 0) x = 9;
        else if (x > 9) x = 0;
        s.carX[i] = x;
        if (x === 4 && row === s.y) s.y = 9;
      } else {
        s.carK[i] = k - 1;
      }
    }
    if (s.moveTimer > 0) s.moveTimer--;
    s.timer--;
    if (s.timer < 0) s.terminal = true;
    return reward;
  },

  observe(s: FreewayState, out: Uint8Array): void {
    out.fill(0);
    out[(s.y * GRID + 4) * C] = 1;
    for (let i = 0; i < CARS; i++) {
      const row = i + 1;
      const x = s.carX[i] as number;
      const v = s.carV[i] as number;
      out[(row * GRID + x) * C + 1] = 1;
      // The trail sits one column behind the car, wrapped around like the car itself.
      let tx = v > 0 ? x - 1 : x + 1;
      if (tx < 0) tx = 9;
      else if (tx > 9) tx = 0;
      const speed = Math.abs(v);
      if (speed >= 1) out[(row * GRID + tx) * C + 1 + speed] = 1;
    }
  },

  difficultyRamp(): null {
    return null;
  },

  clone(s: FreewayState): FreewayState {
    return { ...s, carX: s.carX.slice(), carK: s.carK.slice(), carV: s.carV.slice() };
  },
};
