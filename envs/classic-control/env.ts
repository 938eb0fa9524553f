/**
 * The env shells around the classic-control games (`./cartpole.ts`, `./mountain-car.ts`,
 * `./acrobot.ts`): `CartPoleEnv`, `MountainCarEnv` and `AcrobotEnv`, each exact to Gymnasium
 * 1.x's env of the same name for the same seed and actions.
 *
 * Seeding follows Gymnasium: `reset({seed})` replaces the env's generator with numpy's
 * `Generator(PCG64(SeedSequence(seed)))` (Gymnasium's `np_random`), `reset()` continues it. An
 * env never seeded uses seed 0 (Gymnasium would draw OS entropy). `reset({options: {low, high}})`
 * changes the bounds of the uniform initial draw, as Gymnasium's `maybe_parse_reset_bounds`.
 * `info` is always `{}`, as in Gymnasium. Observations are fresh float32 arrays.
 */
import { BaseEnv, DEFAULT_SEED } from '../../src/core/env-base.js';
import type { EnvMetadata, Info, RenderMode, RgbFrame, StepResult } from '../../src/core/env.js';
import { Box, Discrete } from '../../src/core/spaces.js';
import { defaultRng, type Generator } from '../../src/rng/pcg64.js';
import * as acrobot from './acrobot.js';
import * as cartpole from './cartpole.js';
import * as mountainCar from './mountain-car.js';
import { Canvas } from './raster.js';

/**
 * The reset bounds from `options.low` / `options.high` (Gymnasium's `maybe_parse_reset_bounds`):
 * defaults where absent; each must be a finite number and `low <= high`.
 */
export function resetBounds(options: Record<string, unknown>, low: number, high: number): [number, number] {
  const get = (key: 'low' | 'high', def: number): number => {
    if (!(key in options)) return def;
    const v = options[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`reset option '${key}' must be a finite number. Received: ${String(v)}`);
    }
    return v;
  };
  const lo = get('low', low);
  const hi = get('high', high);
  if (lo > hi) throw new RangeError(`Lower bound (${lo}) must be lower than higher bound (${hi}).`);
  return [lo, hi];
}

/** The shared shell: the numpy generator, `{}` infos and a reused frame buffer. */
abstract class ClassicControlEnv<State> extends BaseEnv<Float32Array, number> {
  abstract override readonly observationSpace: Box<'float32'>;
  abstract override readonly actionSpace: Discrete;
  abstract override readonly metadata: EnvMetadata;
  /** Gymnasium's `np_random`. */
  protected np: Generator = defaultRng(DEFAULT_SEED);
  protected current: State | null = null;
  private canvas: Canvas | null = null;

  /** The numpy generator the initial states come from (e.g. to compare its state with Gymnasium's). */
  get npRandom(): Generator {
    return this.np;
  }

  protected override seed(seed: number): void {
    super.seed(seed);
    this.np = defaultRng(seed);
  }

  /** The current state; throws before the first reset. */
  protected get s(): State {
    if (this.current === null) throw new Error(`${this.constructor.name}: call reset() first`);
    return this.current;
  }

  protected frame(width: number, height: number, draw: (c: Canvas) => void): RgbFrame {
    this.canvas ??= new Canvas(width, height);
    draw(this.canvas);
    return { data: this.canvas.data, height, width };
  }
}

/** Options of {@link CartPoleEnv}. */
export interface CartPoleOptions {
  /** Gymnasium's `sutton_barto_reward`: 0 per step and -1 on termination instead of +1 per step. */
  suttonBartoReward?: boolean;
  renderMode?: RenderMode | null;
}

/** Gymnasium's `CartPole-v1` (without its 500-step `TimeLimit`, which the registry adds). */
export class CartPoleEnv extends ClassicControlEnv<cartpole.CartPoleState> {
  readonly observationSpace = new Box(
    cartpole.OBS_HIGH.map((v) => -v),
    cartpole.OBS_HIGH,
    [4],
    'float32',
  );
  readonly actionSpace = new Discrete(2);
  readonly metadata: EnvMetadata = {
    renderModes: ['rgb_array'],
    renderFps: 50,
    actionNames: ['left', 'right'],
    renderShape: [cartpole.SCREEN_HEIGHT, cartpole.SCREEN_WIDTH, 3],
  };
  readonly suttonBartoReward: boolean;

  constructor(opts: CartPoleOptions = {}) {
    super(opts.renderMode ?? null);
    this.suttonBartoReward = opts.suttonBartoReward ?? false;
  }

  /** The float64 state `{x, xDot, theta, thetaDot}` (Gymnasium's `env.unwrapped.state`); null before reset. */
  get state(): cartpole.CartPoleState | null {
    return this.current;
  }

  protected resetEpisode(options: Record<string, unknown>): [Float32Array, Info] {
    const [lo, hi] = resetBounds(options, cartpole.RESET_LOW, cartpole.RESET_HIGH);
    this.current = cartpole.initial(this.np, lo, hi);
    return [cartpole.observe(this.current), {}];
  }

  protected stepEpisode(action: number): StepResult<Float32Array> {
    const t = cartpole.transition(this.s, action, this.suttonBartoReward);
    this.current = t.state;
    return [cartpole.observe(t.state), t.reward, t.terminated, false, {}];
  }

  protected override renderRgb(): RgbFrame {
    return this.frame(cartpole.SCREEN_WIDTH, cartpole.SCREEN_HEIGHT, (c) => cartpole.render(this.s, c));
  }
}

/** Options of {@link MountainCarEnv}. */
export interface MountainCarOptions {
  /** Gymnasium's `goal_velocity`: the velocity needed at the flag (default 0). */
  goalVelocity?: number;
  renderMode?: RenderMode | null;
}

/** Gymnasium's `MountainCar-v0` (without its 200-step `TimeLimit`, which the registry adds). */
export class MountainCarEnv extends ClassicControlEnv<mountainCar.MountainCarState> {
  readonly observationSpace = new Box(mountainCar.OBS_LOW, mountainCar.OBS_HIGH, [2], 'float32');
  readonly actionSpace = new Discrete(3);
  readonly metadata: EnvMetadata = {
    renderModes: ['rgb_array'],
    renderFps: 30,
    actionNames: ['left', 'noop', 'right'],
    renderShape: [mountainCar.SCREEN_HEIGHT, mountainCar.SCREEN_WIDTH, 3],
  };
  readonly goalVelocity: number;

  constructor(opts: MountainCarOptions = {}) {
    super(opts.renderMode ?? null);
    this.goalVelocity = opts.goalVelocity ?? 0;
    if (!Number.isFinite(this.goalVelocity)) {
      throw new RangeError(`MountainCar goalVelocity must be a finite number. Received: ${String(opts.goalVelocity)}`);
    }
  }

  /** The float64 state `{position, velocity}` (Gymnasium's `env.unwrapped.state`); null before reset. */
  get state(): mountainCar.MountainCarState | null {
    return this.current;
  }

  protected resetEpisode(options: Record<string, unknown>): [Float32Array, Info] {
    const [lo, hi] = resetBounds(options, mountainCar.RESET_LOW, mountainCar.RESET_HIGH);
    this.current = mountainCar.initial(this.np, lo, hi);
    return [mountainCar.observe(this.current), {}];
  }

  protected stepEpisode(action: number): StepResult<Float32Array> {
    const t = mountainCar.transition(this.s, action, this.goalVelocity);
    this.current = t.state;
    return [mountainCar.observe(t.state), t.reward, t.terminated, false, {}];
  }

  protected override renderRgb(): RgbFrame {
    return this.frame(mountainCar.SCREEN_WIDTH, mountainCar.SCREEN_HEIGHT, (c) => mountainCar.render(this.s, c));
  }
}

/** Options of {@link AcrobotEnv}. */
export interface AcrobotOptions {
  renderMode?: RenderMode | null;
}

/** Gymnasium's `Acrobot-v1` (without its 500-step `TimeLimit`, which the registry adds). */
export class AcrobotEnv extends ClassicControlEnv<acrobot.AcrobotState> {
  readonly observationSpace = new Box(
    acrobot.OBS_HIGH.map((v) => -v),
    acrobot.OBS_HIGH,
    [6],
    'float32',
  );
  readonly actionSpace = new Discrete(3);
  readonly metadata: EnvMetadata = {
    renderModes: ['rgb_array'],
    renderFps: 15,
    // Torque -1, 0, +1 on the joint between the links.
    actionNames: ['left', 'noop', 'right'],
    renderShape: [acrobot.SCREEN_DIM, acrobot.SCREEN_DIM, 3],
  };

  constructor(opts: AcrobotOptions = {}) {
    super(opts.renderMode ?? null);
  }

  /** The state `{theta1, theta2, dtheta1, dtheta2, float32}` (Gymnasium's `env.unwrapped.state`); null before reset. */
  get state(): acrobot.AcrobotState | null {
    return this.current;
  }

  protected resetEpisode(options: Record<string, unknown>): [Float32Array, Info] {
    const [lo, hi] = resetBounds(options, acrobot.RESET_LOW, acrobot.RESET_HIGH);
    this.current = acrobot.initial(this.np, lo, hi);
    return [acrobot.observe(this.current), {}];
  }

  protected stepEpisode(action: number): StepResult<Float32Array> {
    const t = acrobot.transition(this.s, action);
    this.current = t.state;
    return [acrobot.observe(t.state), t.reward, t.terminated, false, {}];
  }

  protected override renderRgb(): RgbFrame {
    return this.frame(acrobot.SCREEN_DIM, acrobot.SCREEN_DIM, (c) => acrobot.render(this.s, c));
  }
}
