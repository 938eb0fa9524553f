/**
 * Mountain Car (Moore 1990; Sutton & Barto) as pure functions, exact to Gymnasium 1.x's
 * `MountainCarEnv` (`gymnasium/envs/classic_control/mountain_car.py`, `MountainCar-v0`).
 *
 * A car in a valley `y = 0.45 sin(3x) + 0.55` must reach the flag at x = 0.5. Actions 0/1/2
 * accelerate left / not at all / right. Each step:
 * `v += (a - 1) * 0.001 + cos(3x) * (-0.0025)`, clipped to [-0.07, 0.07]; `x += v`, clipped to
 * [-1.2, 0.6]; at the left wall a leftward velocity becomes 0. Reward -1 every step; the
 * episode terminates when `x >= 0.5` and `v >= goalVelocity` (0). Constants are Gymnasium's.
 */
import type { Generator } from '../../src/rng/pcg64.js';
import { Canvas, rotateTranslate, type Point } from './raster.js';

/** Left end of the track. */
export const MIN_POSITION = -1.2;
/** Right end of the track. */
export const MAX_POSITION = 0.6;
/** Speed limit. */
export const MAX_SPEED = 0.07;
/** Position of the flag. */
export const GOAL_POSITION = 0.5;
/** Acceleration of the engine per step. */
export const FORCE = 0.001;
/** Gravity's factor. */
export const GRAVITY = 0.0025;
/** Default bounds of the uniform reset draw of the position, Gymnasium's `(-0.6, -0.4)`. */
export const RESET_LOW = -0.6;
export const RESET_HIGH = -0.4;
/** Observation bounds (Gymnasium's Box, float32). */
export const OBS_LOW: readonly number[] = [MIN_POSITION, -MAX_SPEED];
export const OBS_HIGH: readonly number[] = [MAX_POSITION, MAX_SPEED];

/** The float64 state. */
export interface MountainCarState {
  readonly position: number;
  readonly velocity: number;
}

/** Result of one {@link transition}. */
export interface MountainCarTransition {
  readonly state: MountainCarState;
  readonly reward: number;
  readonly terminated: boolean;
}

/** The state as `[position, velocity]`. */
export function stateArray(s: MountainCarState): number[] {
  return [s.position, s.velocity];
}

/** A state from `[position, velocity]`. */
export function fromArray(a: ArrayLike<number>): MountainCarState {
  return { position: Number(a[0]), velocity: Number(a[1]) };
}

/** A new episode: position `uniform(low, high)` (one draw), velocity 0, as Gymnasium's reset. */
export function initial(rng: Generator, low = RESET_LOW, high = RESET_HIGH): MountainCarState {
  return { position: rng.uniform(low, high), velocity: 0 };
}

function clip(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** One step with action 0 (left), 1 (none) or 2 (right). */
export function transition(s: MountainCarState, action: number, goalVelocity = 0): MountainCarTransition {
  if (action !== 0 && action !== 1 && action !== 2) {
    throw new RangeError(`MountainCar action must be 0, 1 or 2. Received: ${String(action)}`);
  }
  let velocity = s.velocity + ((action - 1) * FORCE + Math.cos(3 * s.position) * -GRAVITY);
  velocity = clip(velocity, -MAX_SPEED, MAX_SPEED);
  const position = clip(s.position + velocity, MIN_POSITION, MAX_POSITION);
  if (position === MIN_POSITION && velocity < 0) velocity = 0;
  const terminated = position >= GOAL_POSITION && velocity >= goalVelocity;
  return { state: { position, velocity }, reward: -1, terminated };
}

/** Writes the float32 observation `[position, velocity]` into `out` and returns it. */
export function observe(s: MountainCarState, out: Float32Array = new Float32Array(2)): Float32Array {
  out[0] = s.position;
  out[1] = s.velocity;
  return out;
}

/** Frame width and height of {@link render}, Gymnasium's `screen_width` x `screen_height`. */
export const SCREEN_WIDTH = 600;
export const SCREEN_HEIGHT = 400;

/** Height of the hill at `x`. */
export function height(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

/**
 * Draws the frame as Gymnasium's `rgb_array` lays it out (400 x 600): white background, the
 * hill as a black polyline of 100 points, the black car (40x20, tilted with the slope) with two
 * grey wheels, and the flag (black pole, yellow pennant) at the goal.
 */
export function render(s: MountainCarState, canvas: Canvas): Canvas {
  const scale = SCREEN_WIDTH / (MAX_POSITION - MIN_POSITION);
  const black = [0, 0, 0] as const;
  canvas.clear([255, 255, 255]);
  let prev: Point | null = null;
  for (let i = 0; i < 100; i++) {
    const x = MIN_POSITION + ((MAX_POSITION - MIN_POSITION) * i) / 99;
    const p: Point = [(x - MIN_POSITION) * scale, height(x) * scale];
    if (prev) canvas.line(prev, p, black);
    prev = p;
  }
  const clearance = 10;
  const carWidth = 40;
  const carHeight = 20;
  const pos = s.position;
  const angle = Math.cos(3 * pos);
  const cx = (pos - MIN_POSITION) * scale;
  const cy = clearance + height(pos) * scale;
  const body = (
    [
      [-carWidth / 2, 0],
      [-carWidth / 2, carHeight],
      [carWidth / 2, carHeight],
      [carWidth / 2, 0],
    ] as Point[]
  ).map((p) => rotateTranslate(p, angle, cx, cy));
  canvas.fillPolygon(body, black);
  for (const dx of [carWidth / 4, -carWidth / 4]) {
    const [wx, wy] = rotateTranslate([dx, 0], angle, cx, cy);
    canvas.fillCircle(Math.trunc(wx), Math.trunc(wy), Math.trunc(carHeight / 2.5), [128, 128, 128]);
  }
  const flagX = Math.trunc((GOAL_POSITION - MIN_POSITION) * scale);
  const flagY1 = Math.trunc(height(GOAL_POSITION) * scale);
  const flagY2 = flagY1 + 50;
  canvas.line([flagX, flagY1], [flagX, flagY2], black);
  canvas.fillPolygon(
    [
      [flagX, flagY2],
      [flagX, flagY2 - 10],
      [flagX + 25, flagY2 - 5],
    ],
    [204, 204, 0],
  );
  return canvas;
}
