/**
 * Wrappers that transform each observation on its own (Gymnasium's `transform_observation`):
 * `TransformObservation`, `FlattenObservation`, for uint8 HWC frames `GrayScale`, `Resize` and
 * `ScaleObservation`, and RL Zoo's `MaskVelocity`.
 * The image ones write into one buffer they own and return it: an observation is valid until the
 * wrapper's next `reset`/`step` (copy it to keep it).
 */
import type { Env, Space } from '../env.js';
import { createResizer, type Interpolation, type Resizer } from '../../image/resize.js';
import { allocTyped, Box, Discrete, MultiDiscrete, shapeSize, type AnyTypedArray } from '../spaces.js';
import { ObservationWrapper, requireBox } from './wrapper.js';

/**
 * OpenCV's fixed-point RGB->gray weights (`cvtColor(..., COLOR_RGB2GRAY)` on uint8): 0.299, 0.587, 0.114 scaled by
 * 2^15.
 */
export const GRAY_R = 9798;
/** Green weight, see {@link GRAY_R}. */
export const GRAY_G = 19235;
/** Blue weight, see {@link GRAY_R}. */
export const GRAY_B = 3735;

/**
 * Converts an RGB pixel to gray exactly as OpenCV does for uint8 (`COLOR_RGB2GRAY`):
 * `(9798 R + 19235 G + 3735 B + 2^14) >> 15`, i.e. ITU-R BT.601 luma rounded half up.
 */
export function rgbToGray(r: number, g: number, b: number): number {
  return (r * GRAY_R + g * GRAY_G + b * GRAY_B + 16384) >> 15;
}

/**
 * uint8 `[H, W, 3]` RGB observations to gray `[H, W, 1]` (or `[H, W]` with `keepDim: false`),
 * bit-exact with OpenCV's `cvtColor(frame, COLOR_RGB2GRAY)` (see {@link rgbToGray}).
 */
export class GrayScale<Act> extends ObservationWrapper<Uint8Array, Act, Uint8Array> {
  private readonly space: Box<'uint8'>;
  private readonly out: Uint8Array;

  constructor(env: Env<Uint8Array, Act>, opts: { keepDim?: boolean } = {}) {
    super(env);
    const box = requireBox(env.observationSpace, 'GrayScale', 'uint8');
    const [h, w, c] = box.shape;
    if (box.shape.length !== 3 || c !== 3 || h === undefined || w === undefined) {
      throw new TypeError(`GrayScale needs [H, W, 3] RGB observations. Received shape [${box.shape.join(', ')}]`);
    }
    this.space = new Box(0, 255, opts.keepDim === false ? [h, w] : [h, w, 1], 'uint8');
    this.out = new Uint8Array(h * w);
  }

  override get observationSpace(): Space<Uint8Array> {
    return this.space;
  }

  observation(obs: Uint8Array): Uint8Array {
    const out = this.out;
    for (let i = 0, j = 0; i < out.length; i++, j += 3) {
      out[i] =
        ((obs[j] as number) * GRAY_R + (obs[j + 1] as number) * GRAY_G + (obs[j + 2] as number) * GRAY_B + 16384) >> 15;
    }
    return out;
  }
}

/**
 * Resizes uint8 `[H, W, C]` (or `[H, W]`) observations to `[h, w, C]` (`[h, w]`) with OpenCV's
 * semantics (see `src/image/resize.ts`; `'area'` is what Atari preprocessing uses).
 */
export class Resize<Act> extends ObservationWrapper<Uint8Array, Act, Uint8Array> {
  private readonly space: Box<'uint8'>;
  private readonly out: Uint8Array;
  private readonly resizer: Resizer;

  constructor(
    env: Env<Uint8Array, Act>,
    readonly height: number,
    readonly width: number,
    readonly interpolation: Interpolation = 'area',
  ) {
    super(env);
    const box = requireBox(env.observationSpace, 'Resize', 'uint8');
    const [sh, sw, c = 1] = box.shape;
    if ((box.shape.length !== 2 && box.shape.length !== 3) || sh === undefined || sw === undefined) {
      throw new TypeError(`Resize needs [H, W] or [H, W, C] observations. Received shape [${box.shape.join(', ')}]`);
    }
    this.resizer = createResizer(sh, sw, c, height, width, interpolation);
    this.space = new Box(0, 255, box.shape.length === 3 ? [height, width, c] : [height, width], 'uint8');
    this.out = new Uint8Array(shapeSize(this.space.shape));
  }

  override get observationSpace(): Space<Uint8Array> {
    return this.space;
  }

  observation(obs: Uint8Array): Uint8Array {
    return this.resizer(obs, this.out);
  }
}

/** uint8 observations to float32 in [0, 1] (`v / 255`, rounded to float32), same shape. */
export class ScaleObservation<Act> extends ObservationWrapper<Float32Array, Act, Uint8Array> {
  private readonly space: Box<'float32'>;
  private readonly out: Float32Array;

  constructor(env: Env<Uint8Array, Act>) {
    super(env);
    const box = requireBox(env.observationSpace, 'ScaleObservation', 'uint8');
    this.space = new Box(
      Array.from(box.low, (v) => v / 255),
      Array.from(box.high, (v) => v / 255),
      box.shape,
      'float32',
    );
    this.out = new Float32Array(box.size);
  }

  override get observationSpace(): Space<Float32Array> {
    return this.space;
  }

  observation(obs: Uint8Array): Float32Array {
    const out = this.out;
    for (let i = 0; i < out.length; i++) out[i] = (obs[i] as number) / 255;
    return out;
  }
}

/** Maps observations through `fn`, declaring the resulting space (Gymnasium's `TransformObservation`). */
export class TransformObservation<Obs, Act, InnerObs> extends ObservationWrapper<Obs, Act, InnerObs> {
  constructor(
    env: Env<InnerObs, Act>,
    private readonly fn: (obs: InnerObs) => Obs,
    private readonly space: Space<Obs>,
  ) {
    super(env);
  }

  override get observationSpace(): Space<Obs> {
    return this.space;
  }

  observation(obs: InnerObs): Obs {
    return this.fn(obs);
  }
}

/**
 * Flattens observations to one axis (Gymnasium's `FlattenObservation`, i.e. `spaces.flatten`):
 * a `Box` of shape `[...]` becomes `Box([size])` with the same bounds and dtype (the typed array
 * is already in C order, so the observation itself is passed through unchanged); a `Discrete(n)`
 * observation becomes its one-hot `Box(0, 1, [n], int32)`, and a `MultiDiscrete` the concatenation
 * of its components' one-hots, as Gymnasium flattens them. One-hots are written into a reused buffer.
 */
export class FlattenObservation<Act> extends ObservationWrapper<AnyTypedArray, Act, unknown> {
  private readonly space: Box;
  /** Offsets of each discrete component's one-hot (null for a Box). */
  private readonly oneHot: { starts: readonly number[]; offsets: readonly number[]; out: Int32Array } | null;

  constructor(env: Env<unknown, Act>) {
    super(env);
    const os = env.observationSpace;
    if (os instanceof Box) {
      this.space = new Box(os.low, os.high, [os.size], os.dtype);
      this.oneHot = null;
    } else if (os instanceof Discrete || os instanceof MultiDiscrete) {
      const nvec = os instanceof Discrete ? [os.n] : os.nvec;
      const starts = os instanceof Discrete ? [os.start] : os.start;
      const offsets: number[] = [];
      let total = 0;
      for (const n of nvec) {
        offsets.push(total);
        total += n;
      }
      this.space = new Box(0, 1, [total], 'int32');
      this.oneHot = { starts: [...starts], offsets, out: new Int32Array(total) };
    } else {
      throw new TypeError(
        `FlattenObservation needs a Box, Discrete or MultiDiscrete observation space. Received: ${os.toString()}`,
      );
    }
  }

  override get observationSpace(): Space<AnyTypedArray> {
    return this.space as unknown as Space<AnyTypedArray>;
  }

  observation(obs: unknown): AnyTypedArray {
    const oh = this.oneHot;
    if (oh === null) return obs as AnyTypedArray;
    oh.out.fill(0);
    const values: ArrayLike<number> = typeof obs === 'number' ? [obs] : (obs as Int32Array);
    for (let j = 0; j < oh.offsets.length; j++) {
      oh.out[(oh.offsets[j] as number) + (values[j] as number) - (oh.starts[j] as number)] = 1;
    }
    return oh.out;
  }
}

/**
 * Velocity components per env id (RL Zoo's `MaskVelocityWrapper.velocity_indices`, for the envs
 * registered here): cart and pole velocities of CartPole, the car's velocity of MountainCar, the two
 * joint velocities of Acrobot.
 */
export const VELOCITY_INDICES: Readonly<Record<string, readonly number[]>> = Object.freeze({
  'CartPole-v1': Object.freeze([1, 3]),
  'MountainCar-v0': Object.freeze([1]),
  'Acrobot-v1': Object.freeze([4, 5]),
});

/**
 * Zeroes the velocity components of a classic-control observation, making the env partially
 * observable (RL Zoo's `MaskVelocityWrapper`, used to benchmark recurrent policies): the policy must
 * infer velocities from successive positions. `envId` picks the components from
 * {@link VELOCITY_INDICES}; other ids throw, as RL Zoo does, since which components are velocities
 * is a fact about the env, not something to guess. The space is unchanged (0 lies within every
 * velocity bound). Observations are written into a reused buffer.
 */
export class MaskVelocity<Act> extends ObservationWrapper<AnyTypedArray, Act, AnyTypedArray> {
  /** The zeroed components. */
  readonly indices: readonly number[];
  private readonly out: AnyTypedArray;

  constructor(
    env: Env<AnyTypedArray, Act>,
    readonly envId: string,
  ) {
    super(env);
    const idx = Object.prototype.hasOwnProperty.call(VELOCITY_INDICES, envId) ? VELOCITY_INDICES[envId] : undefined;
    if (idx === undefined) {
      throw new RangeError(
        `MaskVelocity: velocity masking is not implemented for '${envId}'. Supported: ${Object.keys(VELOCITY_INDICES).join(', ')}`,
      );
    }
    const box = requireBox(env.observationSpace, 'MaskVelocity');
    if (idx.some((i) => i >= box.size)) {
      throw new TypeError(
        `MaskVelocity: '${envId}' masks indices ${idx.join(', ')}, but observations have ${box.size} components`,
      );
    }
    this.indices = idx;
    this.out = allocTyped(box.dtype, box.size);
  }

  override get observationSpace(): Space<AnyTypedArray> {
    return this.env.observationSpace;
  }

  observation(obs: AnyTypedArray): AnyTypedArray {
    const out = this.out;
    out.set(obs);
    for (const i of this.indices) out[i] = 0;
    return out;
  }
}
