/**
 * CartPole (Barto, Sutton & Anderson 1983) as pure functions, exact to Gymnasium 1.x's
 * `CartPoleEnv` (`gymnasium/envs/classic_control/cartpole.py`, `CartPole-v1`).
 *
 * A pole on a cart that moves along a frictionless track. Actions 0/1 push the cart left/right
 * with 10 N; explicit Euler steps of 0.02 s update the float64 state
 * `[x, x_dot, theta, theta_dot]`. The episode terminates when |x| > 2.4 or |theta| > 12 degrees;
 * the reward is +1 for every step, the terminating one included (with `suttonBartoReward`: 0,
 * and -1 on the terminating step). The constants are Gymnasium's; the arithmetic follows its
 * order of operations so that states agree to the last bit given the same `sin`/`cos`.
 */
import type { Generator } from '../../src/rng/pcg64.js';
import { Canvas, rotateTranslate, type Point } from './raster.js';

/** Gravity (m/s^2), Gymnasium's `gravity`. */
export const GRAVITY = 9.8;
/** Mass of the cart (kg). */
export const MASS_CART = 1.0;
/** Mass of the pole (kg). */
export const MASS_POLE = 0.1;
/** Cart plus pole (kg), computed as Gymnasium does. */
export const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length (m). */
export const HALF_LENGTH = 0.5;
/** Pole mass times half length. */
export const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
/** Magnitude of the push (N). */
export const FORCE_MAG = 10.0;
/** Seconds per step (`tau`). */
export const TAU = 0.02;
/** Pole angle beyond which the episode terminates: 12 degrees in radians. */
export const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
/** Cart position beyond which the episode terminates (m). */
export const X_THRESHOLD = 2.4;
/** Default bounds of the uniform reset draw, Gymnasium's `(-0.05, 0.05)`. */
export const RESET_LOW = -0.05;
export const RESET_HIGH = 0.05;
/** Observation bounds (Gymnasium's Box, float32): 2x the termination thresholds, velocities unbounded. */
export const OBS_HIGH: readonly number[] = [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity];

/** The float64 physical state. */
export interface CartPoleState {
  readonly x: number;
  readonly xDot: number;
  readonly theta: number;
  readonly thetaDot: number;
}

/** Result of one {@link transition}. */
export interface CartPoleTransition {
  readonly state: CartPoleState;
  readonly reward: number;
  readonly terminated: boolean;
}

/** The state as `[x, x_dot, theta, theta_dot]`. */
export function stateArray(s: CartPoleState): number[] {
  return [s.x, s.xDot, s.theta, s.thetaDot];
}

/** A state from `[x, x_dot, theta, theta_dot]`. */
export function fromArray(a: ArrayLike<number>): CartPoleState {
  return { x: Number(a[0]), xDot: Number(a[1]), theta: Number(a[2]), thetaDot: Number(a[3]) };
}

/** A new episode: four `uniform(low, high)` draws, as Gymnasium's `np_random.uniform(low, high, size=(4,))`. */
export function initial(rng: Generator, low = RESET_LOW, high = RESET_HIGH): CartPoleState {
  return fromArray(rng.uniformArray(low, high, 4));
}

/** Whether the state is past a threshold (Gymnasium's `terminated`). */
export function isTerminal(s: CartPoleState): boolean {
  return s.x < -X_THRESHOLD || s.x > X_THRESHOLD || s.theta < -THETA_THRESHOLD || s.theta > THETA_THRESHOLD;
}

/** One Euler step with action 0 (push left) or 1 (push right). */
export function transition(s: CartPoleState, action: number, suttonBartoReward = false): CartPoleTransition {
  if (action !== 0 && action !== 1) throw new RangeError(`CartPole action must be 0 or 1. Received: ${String(action)}`);
  const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
  const cos = Math.cos(s.theta);
  const sin = Math.sin(s.theta);
  const temp = (force + POLE_MASS_LENGTH * (s.thetaDot * s.thetaDot) * sin) / TOTAL_MASS;
  const thetaAcc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - (MASS_POLE * (cos * cos)) / TOTAL_MASS));
  const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
  const state: CartPoleState = {
    x: s.x + TAU * s.xDot,
    xDot: s.xDot + TAU * xAcc,
    theta: s.theta + TAU * s.thetaDot,
    thetaDot: s.thetaDot + TAU * thetaAcc,
  };
  const terminated = isTerminal(state);
  const reward = suttonBartoReward ? (terminated ? -1 : 0) : 1;
  return { state, reward, terminated };
}

/** Writes the float32 observation `[x, x_dot, theta, theta_dot]` into `out` and returns it. */
export function observe(s: CartPoleState, out: Float32Array = new Float32Array(4)): Float32Array {
  out[0] = s.x;
  out[1] = s.xDot;
  out[2] = s.theta;
  out[3] = s.thetaDot;
  return out;
}

/** Frame width and height of {@link render}, Gymnasium's `screen_width` x `screen_height`. */
export const SCREEN_WIDTH = 600;
export const SCREEN_HEIGHT = 400;

/**
 * Draws the frame as Gymnasium's `rgb_array` lays it out (400 x 600): white background, black
 * track line, black 50x30 cart, brown pole 10 px wide and 2 * 0.5 m long, blue axle.
 */
export function render(s: CartPoleState, canvas: Canvas): Canvas {
  const scale = SCREEN_WIDTH / (X_THRESHOLD * 2);
  const poleWidth = 10;
  const poleLen = scale * (2 * HALF_LENGTH);
  const cartWidth = 50;
  const cartHeight = 30;
  const cartX = s.x * scale + SCREEN_WIDTH / 2;
  const cartY = 100; // top of the track, bottom-up
  const axleY = cartY + cartHeight / 4;
  canvas.clear([255, 255, 255]);
  canvas.line([0, cartY], [SCREEN_WIDTH, cartY], [0, 0, 0]);
  const cart: Point[] = [
    [cartX - cartWidth / 2, cartY - cartHeight / 2],
    [cartX - cartWidth / 2, cartY + cartHeight / 2],
    [cartX + cartWidth / 2, cartY + cartHeight / 2],
    [cartX + cartWidth / 2, cartY - cartHeight / 2],
  ];
  canvas.fillPolygon(cart, [0, 0, 0]);
  const l = -poleWidth / 2;
  const r = poleWidth / 2;
  const t = poleLen - poleWidth / 2;
  const b = -poleWidth / 2;
  const pole = (
    [
      [l, b],
      [l, t],
      [r, t],
      [r, b],
    ] as Point[]
  ).map((p) => rotateTranslate(p, -s.theta, cartX, axleY));
  canvas.fillPolygon(pole, [202, 152, 101]);
  canvas.fillCircle(Math.trunc(cartX), Math.trunc(axleY), poleWidth / 2, [129, 132, 203]);
  return canvas;
}
