/**
 * Acrobot (Sutton 1996; Sutton & Barto, *Reinforcement Learning*, 1998) as pure functions, exact
 * to Gymnasium 1.x's `AcrobotEnv` (`gymnasium/envs/classic_control/acrobot.py`, `Acrobot-v1`).
 *
 * Two links of length 1 m and mass 1 kg hang from a fixed joint; actions 0/1/2 apply a torque of
 * -1/0/+1 at the joint between them. The equations of motion are the book's (Gymnasium's
 * `book_or_nips = "book"`), integrated over `dt` = 0.2 s with one classical Runge-Kutta (RK4)
 * step; the joint angles are then wrapped into [-pi, pi] and the angular velocities bounded to
 * +-4 pi and +-9 pi. Reward -1 per step, 0 on the step that ends the episode, which terminates
 * when the free end rises more than one link length above the fixed joint:
 * `-cos(theta1) - cos(theta1 + theta2) > 1`. Torque noise is 0 (Gymnasium's default). The
 * constants are Gymnasium's; the arithmetic follows its order of operations.
 */
import type { Generator } from '../../src/rng/pcg64.js';
import { cosf32, sinf32 } from './float32-trig.js';
import { Canvas, rotateTranslate, type Point } from './raster.js';

/** Seconds per step. */
export const DT = 0.2;
/** Link lengths (m). */
export const LINK_LENGTH_1 = 1.0;
export const LINK_LENGTH_2 = 1.0;
/** Link masses (kg). */
export const LINK_MASS_1 = 1.0;
export const LINK_MASS_2 = 1.0;
/** Positions of the links' centres of mass (m). */
export const LINK_COM_POS_1 = 0.5;
export const LINK_COM_POS_2 = 0.5;
/** Moment of inertia of both links. */
export const LINK_MOI = 1.0;
/** Gravity (m/s^2). */
export const GRAVITY = 9.8;
/** Bounds of the angular velocities. */
export const MAX_VEL_1 = 4 * Math.PI;
export const MAX_VEL_2 = 9 * Math.PI;
/** Torque of each action. */
export const AVAIL_TORQUE: readonly number[] = [-1.0, 0.0, 1.0];
/** Default bounds of the uniform reset draw, Gymnasium's `(-0.1, 0.1)`. */
export const RESET_LOW = -0.1;
export const RESET_HIGH = 0.1;
/** Observation bounds (Gymnasium's Box, float32). */
export const OBS_HIGH: readonly number[] = [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2];

/**
 * The state `[theta1, theta2, dtheta1, dtheta2]`. Gymnasium keeps the reset state in float32
 * (its draws are cast with `.astype(np.float32)`) and every later state in float64; here both
 * are doubles, the reset values rounded to float32, with `float32` telling which kind it is (the
 * observation of a float32 state takes its sines and cosines in float32, as numpy does).
 */
export interface AcrobotState {
  readonly theta1: number;
  readonly theta2: number;
  readonly dtheta1: number;
  readonly dtheta2: number;
  readonly float32: boolean;
}

/** Result of one {@link transition}. */
export interface AcrobotTransition {
  readonly state: AcrobotState;
  readonly reward: number;
  readonly terminated: boolean;
}

/** The state as `[theta1, theta2, dtheta1, dtheta2]`. */
export function stateArray(s: AcrobotState): number[] {
  return [s.theta1, s.theta2, s.dtheta1, s.dtheta2];
}

/** A float64 state from `[theta1, theta2, dtheta1, dtheta2]` (`float32: true` marks a reset state). */
export function fromArray(a: ArrayLike<number>, float32 = false): AcrobotState {
  const f = float32 ? Math.fround : Number;
  return {
    theta1: f(Number(a[0])),
    theta2: f(Number(a[1])),
    dtheta1: f(Number(a[2])),
    dtheta2: f(Number(a[3])),
    float32,
  };
}

/** A new episode: four `uniform(low, high)` draws rounded to float32, as Gymnasium's reset. */
export function initial(rng: Generator, low = RESET_LOW, high = RESET_HIGH): AcrobotState {
  return fromArray(rng.uniformArray(low, high, 4), true);
}

/** Time derivative of `[theta1, theta2, dtheta1, dtheta2]` under torque `a` (the book's equations). */
export function derivatives(y: ArrayLike<number>, a: number, out: Float64Array = new Float64Array(4)): Float64Array {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const i1 = LINK_MOI;
  const i2 = LINK_MOI;
  const g = GRAVITY;
  const theta1 = y[0] as number;
  const theta2 = y[1] as number;
  const dtheta1 = y[2] as number;
  const dtheta2 = y[3] as number;
  const cos2 = Math.cos(theta2);
  const sin2 = Math.sin(theta2);
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * cos2) + i1 + i2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * cos2) + i2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin2 -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2 +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin2 - phi2) / (m2 * lc2 ** 2 + i2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
  return out;
}

/** Gymnasium's `wrap`: shifts `x` by multiples of `hi - lo` until it lies in [lo, hi]. */
export function wrap(x: number, lo: number, hi: number): number {
  const diff = hi - lo;
  let v = x;
  while (v > hi) v = v - diff;
  while (v < lo) v = v + diff;
  return v;
}

/** Gymnasium's `bound`: `min(max(x, lo), hi)`. */
export function bound(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** One classical RK4 step of length {@link DT} from `y0` with constant torque `a`, as Gymnasium's `rk4`. */
export function rk4(y0: readonly number[], a: number): number[] {
  const dt = DT - 0;
  const dt2 = dt / 2.0;
  const k1 = derivatives(y0, a);
  const y = new Float64Array(4);
  for (let i = 0; i < 4; i++) y[i] = (y0[i] as number) + dt2 * (k1[i] as number);
  const k2 = derivatives(y, a);
  for (let i = 0; i < 4; i++) y[i] = (y0[i] as number) + dt2 * (k2[i] as number);
  const k3 = derivatives(y, a);
  for (let i = 0; i < 4; i++) y[i] = (y0[i] as number) + dt * (k3[i] as number);
  const k4 = derivatives(y, a);
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const sum = (k1[i] as number) + 2 * (k2[i] as number) + 2 * (k3[i] as number) + (k4[i] as number);
    out.push((y0[i] as number) + (dt / 6.0) * sum);
  }
  return out;
}

/** Whether the free end is more than one link length above the fixed joint. */
export function isTerminal(s: AcrobotState): boolean {
  return -Math.cos(s.theta1) - Math.cos(s.theta2 + s.theta1) > 1.0;
}

/** One step with action 0, 1 or 2 (torque -1, 0, +1). */
export function transition(s: AcrobotState, action: number): AcrobotTransition {
  const torque = AVAIL_TORQUE[action];
  if (torque === undefined || !Number.isInteger(action)) {
    throw new RangeError(`Acrobot action must be 0, 1 or 2. Received: ${String(action)}`);
  }
  const ns = rk4(stateArray(s), torque);
  const state: AcrobotState = {
    theta1: wrap(ns[0] as number, -Math.PI, Math.PI),
    theta2: wrap(ns[1] as number, -Math.PI, Math.PI),
    dtheta1: bound(ns[2] as number, -MAX_VEL_1, MAX_VEL_1),
    dtheta2: bound(ns[3] as number, -MAX_VEL_2, MAX_VEL_2),
    float32: false,
  };
  const terminated = isTerminal(state);
  return { state, reward: terminated ? 0.0 : -1.0, terminated };
}

/**
 * Writes the float32 observation `[cos theta1, sin theta1, cos theta2, sin theta2, dtheta1,
 * dtheta2]` into `out` and returns it. Sines and cosines are taken in float64 and rounded, except
 * for a float32 (reset) state, whose are numpy's float32 ones ({@link cosf32}, {@link sinf32}).
 */
export function observe(s: AcrobotState, out: Float32Array = new Float32Array(6)): Float32Array {
  const cos = s.float32 ? cosf32 : Math.cos;
  const sin = s.float32 ? sinf32 : Math.sin;
  out[0] = cos(s.theta1);
  out[1] = sin(s.theta1);
  out[2] = cos(s.theta2);
  out[3] = sin(s.theta2);
  out[4] = s.dtheta1;
  out[5] = s.dtheta2;
  return out;
}

/** Frame side of {@link render}, Gymnasium's `SCREEN_DIM`. */
export const SCREEN_DIM = 500;

/**
 * Draws the frame as Gymnasium's `rgb_array` lays it out (500 x 500): white background, a black
 * line one link length above the fixed joint (the goal height), the two links as cyan bars
 * 0.2 m wide and yellow discs at the joints.
 */
export function render(s: AcrobotState, canvas: Canvas): Canvas {
  const extent = LINK_LENGTH_1 + LINK_LENGTH_2 + 0.2;
  const scale = SCREEN_DIM / (extent * 2);
  const offset = SCREEN_DIM / 2;
  canvas.clear([255, 255, 255]);
  canvas.line([-extent * scale + offset, scale + offset], [extent * scale + offset, scale + offset], [0, 0, 0]);
  const joints: Point[] = [
    [offset, offset],
    [LINK_LENGTH_1 * Math.sin(s.theta1) * scale + offset, -LINK_LENGTH_1 * Math.cos(s.theta1) * scale + offset],
  ];
  const angles = [s.theta1 - Math.PI / 2, s.theta1 + s.theta2 - Math.PI / 2];
  const lengths = [LINK_LENGTH_1 * scale, LINK_LENGTH_2 * scale];
  const half = 0.1 * scale;
  for (let k = 0; k < 2; k++) {
    const [x, y] = joints[k] as Point;
    const len = lengths[k] as number;
    const rect = (
      [
        [0, -half],
        [0, half],
        [len, half],
        [len, -half],
      ] as Point[]
    ).map((p) => rotateTranslate(p, angles[k] as number, x, y));
    canvas.fillPolygon(rect, [0, 204, 204]);
    canvas.fillCircle(Math.trunc(x), Math.trunc(y), Math.trunc(half), [204, 204, 0]);
  }
  return canvas;
}
